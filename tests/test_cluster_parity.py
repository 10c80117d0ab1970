"""Parity of omics.cluster with R ConsensusClusterPlus 1.62, hclust/cutree and chisq.test.

Reference outputs: tests/data/cluster/, written by tests/_scripts/cluster_ccp_reference.R.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score

from omics.cluster import (consensus_cdf, consensus_cluster, hierarchical_cluster, partition_agreement,
                           summarise_consensus)

DATA = Path(__file__).parent / "data" / "cluster"
EXACT = dict(float_precision="round_trip")

CASES = {
    "pearson_average": dict(distance="pearson", linkage="average", final_linkage="average", scale="none"),
    "study_settings": dict(distance="pearson", linkage="average", final_linkage="average",
                           scale="center-scale"),
    "euclidean_complete": dict(distance="euclidean", linkage="complete", final_linkage="average",
                               scale="none"),
    "overlapping": dict(distance="spearman", linkage="average", final_linkage="complete", scale="none"),
}


def load_case(name: str) -> dict:
    folder = DATA / name
    classes = pd.read_csv(folder / "classes.csv", index_col=0)
    ks = [int(c[1:]) for c in classes.columns]
    params = pd.read_csv(folder / "params.csv", index_col=0)["value"]
    return {
        "X": pd.read_csv(folder / "data.csv", index_col=0, **EXACT),
        "subsamples": pd.read_csv(folder / "subsamples.csv").to_numpy() - 1,
        "classes": classes,
        "ks": ks,
        "consensus": {k: pd.read_csv(folder / f"consensus_k{k}.csv", index_col=0, **EXACT).to_numpy()
                      for k in ks},
        "stats": pd.read_csv(folder / "stats.csv", index_col=0, **EXACT),
        "cdf": pd.read_csv(folder / "cdf.csv", index_col=0),
        "icl_cluster": pd.read_csv(folder / "icl_cluster.csv"),
        "icl_item": pd.read_csv(folder / "icl_item.csv"),
        "reps": int(params["reps"]),
        "p_item": float(params["pItem"]),
    }


@pytest.fixture(scope="module", params=list(CASES))
def case(request):
    data = load_case(request.param)
    data["name"] = request.param
    data["options"] = CASES[request.param]
    return data


@pytest.fixture(scope="module")
def replayed(case):
    """Our consensus clustering fed with the exact subsamples R drew."""
    return consensus_cluster(case["X"], k=case["ks"], resamples=list(case["subsamples"]), **case["options"])


def test_replayed_subsamples_give_ccp_consensus_matrices_bit_for_bit(case, replayed):
    for k in case["ks"]:
        np.testing.assert_array_equal(replayed.consensus[k], case["consensus"][k], err_msg=f"K={k}")


def test_final_labels_equal_ccp_up_to_relabelling(case, replayed):
    for k in case["ks"]:
        assert adjusted_rand_score(case["classes"][f"k{k}"], replayed.labels_for(k)) == 1.0, f"K={k}"


def test_area_delta_and_pac_from_ccp_matrices_are_exact(case):
    result = summarise_consensus(case["consensus"], patients=case["X"].index,
                                 final_linkage=case["options"]["final_linkage"])
    np.testing.assert_array_equal(result.summary["area"].to_numpy(), case["stats"]["area"].to_numpy())
    np.testing.assert_array_equal(result.summary["delta_area"].to_numpy(), case["stats"]["delta"].to_numpy())
    np.testing.assert_array_equal(result.summary["pac"].to_numpy(), case["stats"]["pac"].to_numpy())
    # R wrote the CDF with 15 significant digits
    np.testing.assert_allclose(result.cdf.to_numpy(), case["cdf"].to_numpy(), rtol=0, atol=1e-14)


def _cluster_mapping(r_classes: pd.Series, ours: pd.Series) -> dict:
    table = pd.crosstab(r_classes, ours)
    return {r: table.columns[int(np.argmax(table.loc[r].to_numpy()))] for r in table.index}


def test_item_and_cluster_consensus_equal_calcICL(case):
    result = summarise_consensus(case["consensus"], patients=case["X"].index,
                                 final_linkage=case["options"]["final_linkage"])
    for k in case["ks"]:
        mapping = _cluster_mapping(case["classes"][f"k{k}"], result.labels_for(k))
        r_cluster = case["icl_cluster"][case["icl_cluster"]["k"] == k]
        ours = result.cluster_consensus[result.cluster_consensus["k"] == k].set_index("cluster")
        np.testing.assert_allclose(ours.loc[[mapping[c] for c in r_cluster["cluster"]], "cluster_consensus"],
                                   r_cluster["clusterConsensus"], rtol=0, atol=1e-13, equal_nan=True)
        r_item = case["icl_item"][case["icl_item"]["k"] == k]
        matrix = result.item_consensus_matrix(k)
        ours_item = matrix.to_numpy()[matrix.index.get_indexer(r_item["item"]),
                                      matrix.columns.get_indexer([mapping[c] for c in r_item["cluster"]])]
        np.testing.assert_allclose(ours_item, r_item["itemConsensus"], rtol=0, atol=1e-13, equal_nan=True)


def test_own_resampling_agrees_with_ccp_within_resampling_noise(case):
    """Our RNG draws other subsamples: consensus values differ only by sampling noise."""
    ours = consensus_cluster(case["X"], k=case["ks"], reps=400, p_item=case["p_item"], seed=2024,
                             **case["options"])
    n = len(case["X"])
    counts_r = np.zeros((n, n))
    for sub in case["subsamples"]:
        counts_r[np.ix_(sub, sub)] += 1
    lower = np.tril_indices(n, -1)
    for k in case["ks"]:
        p_r, p_o = case["consensus"][k][lower], ours.consensus[k][lower]
        n_r, n_o = counts_r[lower], ours.cosampled[lower]
        pooled = (p_r * n_r + p_o * n_o) / (n_r + n_o)
        se = np.sqrt(pooled * (1 - pooled) * (1 / n_r + 1 / n_o))
        z = np.abs(p_r - p_o) / np.where(se > 0, se, np.inf)
        assert np.all(se[p_r != p_o] > 0), f"K={k}: values certain in both runs differ"
        assert np.mean(z > 3.5) < 0.01, f"K={k}: {np.mean(z > 3.5):.3f} of pairs beyond 3.5 SE"
        if case["name"] != "overlapping" and k <= 3:  # separable groups: the same partition
            assert adjusted_rand_score(case["classes"][f"k{k}"], ours.labels_for(k)) == 1.0, f"K={k}"


def test_separable_cases_recover_the_planted_groups():
    for name in ("pearson_average", "study_settings", "euclidean_complete"):
        data = load_case(name)
        truth = pd.read_csv(DATA / name / "truth.csv", index_col=0)["truth"]
        result = consensus_cluster(data["X"], k=3, reps=200, p_item=data["p_item"], seed=1, **CASES[name])
        assert adjusted_rand_score(truth, result.labels_for(3)) == 1.0, name


@pytest.mark.parametrize("distance", ["pearson", "euclidean", "manhattan", "spearman"])
def test_hierarchical_cluster_equals_r_hclust_cutree(distance):
    X = pd.read_csv(DATA / "pearson_average" / "data.csv", index_col=0, **EXACT)
    reference = pd.read_csv(DATA / "hclust_reference.csv", index_col=0)
    for method in ("average", "complete", "single", "ward.D", "ward.D2", "mcquitty"):
        result = hierarchical_cluster(X, k=[2, 3, 4, 5], distance=distance, linkage=method)
        for k in (2, 3, 4, 5):
            r_labels = reference[f"{distance}_{method}_k{k}"]
            assert adjusted_rand_score(r_labels, result.labels_for(k)) == 1.0, (method, k)


def test_partition_agreement_chi2_equals_r_chisq_test():
    labels = pd.read_csv(DATA / "chisq_labels.csv", index_col=0)
    reference = pd.read_csv(DATA / "chisq_reference.csv", index_col=0, **EXACT)
    for name, (a, b) in {"three_by_two": ("g1", "g2"), "two_by_two": ("g2", "g3")}.items():
        agreement = partition_agreement(labels[a], labels[b])
        assert agreement.chi2 == pytest.approx(reference.loc[name, "statistic"], rel=1e-12)
        assert agreement.dof == reference.loc[name, "df"]
        assert agreement.p_value == pytest.approx(reference.loc[name, "p_value"], rel=1e-10)


def test_cdf_uses_right_closed_bins_with_r_fuzz():
    """Values exactly on a bin edge fall in the bin below (hist(right=TRUE)), 0 in the first."""
    consensus = np.eye(4)
    lower = np.tril_indices(4, -1)
    consensus[lower] = [0.0, 0.1, 0.1, 0.3, 0.7, 1.0]
    consensus = np.maximum(consensus, consensus.T)
    cdf = consensus_cdf(consensus)
    assert cdf[0] == pytest.approx(1 / 6)      # (0, 0.01]: only the 0
    assert cdf[9] == pytest.approx(3 / 6)      # up to 0.10 includes both 0.1 values
    assert cdf[8] == pytest.approx(1 / 6)      # up to 0.09 does not
    assert cdf[29] == pytest.approx(4 / 6) and cdf[68] == pytest.approx(4 / 6)
    assert cdf[69] == pytest.approx(5 / 6) and cdf[99] == 1.0


def test_scipy_tree_backend_also_gives_ccp_matrices(monkeypatch):
    """Without the optional fastcluster, scipy's trees give the same (R-identical) matrices."""
    import omics.cluster._tree as tree_module

    monkeypatch.setattr(tree_module, "_fastcluster", None)
    for name in ("pearson_average", "euclidean_complete"):
        data = load_case(name)
        result = consensus_cluster(data["X"], k=data["ks"], resamples=list(data["subsamples"]), **CASES[name])
        for k in data["ks"]:
            np.testing.assert_array_equal(result.consensus[k], data["consensus"][k])
