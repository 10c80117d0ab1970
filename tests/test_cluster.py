"""Properties, errors and the smaller pieces of omics.cluster (no R needed)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.cluster.hierarchy import fcluster, linkage
from sklearn.metrics import adjusted_rand_score

from omics.cluster import (CentroidClassifier, consensus_cluster, delta_area, hierarchical_cluster,
                           hybrid_groups, partition_agreement, proportion_ambiguous, relabel_by_size,
                           summarise_consensus)
from omics.cluster._tree import cut_tree
from omics.data.validate import InputError


def blobs(sizes=(14, 10, 6), n_features=12, shift=2.0, seed=0, prefix="P"):
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=shift, size=(len(sizes), n_features))
    truth = np.repeat(np.arange(len(sizes)), sizes)
    values = centres[truth] + rng.normal(size=(len(truth), n_features))
    order = rng.permutation(len(truth))
    ids = [f"{prefix}{i:03d}" for i in range(len(truth))]
    return (pd.DataFrame(values[order], index=ids, columns=[f"f{j}" for j in range(n_features)]),
            pd.Series(truth[order], index=ids))


@pytest.fixture(scope="module")
def data():
    return blobs()


# ------------------------------------------------------------------ consensus: invariants

def test_same_seed_same_result_for_one_and_two_jobs(data):
    X, _ = data
    serial = consensus_cluster(X, k=range(2, 6), reps=300, p_item=0.7, seed=3, n_jobs=1)
    parallel = consensus_cluster(X, k=range(2, 6), reps=300, p_item=0.7, seed=3, n_jobs=2)
    for k in serial.ks:
        np.testing.assert_array_equal(serial.consensus[k], parallel.consensus[k])
    np.testing.assert_array_equal(serial.cosampled, parallel.cosampled)
    pd.testing.assert_frame_equal(serial.labels, parallel.labels)
    pd.testing.assert_frame_equal(serial.summary, parallel.summary)


def test_seed_reproducible_and_seeds_differ(data):
    X, _ = data
    a = consensus_cluster(X, k=[2, 3], reps=60, seed=1)
    b = consensus_cluster(X, k=[2, 3], reps=60, seed=1)
    c = consensus_cluster(X, k=[2, 3], reps=60, seed=2)
    np.testing.assert_array_equal(a.consensus[3], b.consensus[3])
    assert not np.array_equal(a.cosampled, c.cosampled)


def test_permuting_patients_permutes_every_output(data):
    X, _ = data
    perm = np.random.default_rng(5).permutation(len(X))
    a = consensus_cluster(X, k=range(2, 5), reps=120, p_item=0.8, seed=9)
    b = consensus_cluster(X.iloc[perm], k=range(2, 5), reps=120, p_item=0.8, seed=9)
    for k in a.ks:
        np.testing.assert_array_equal(b.consensus[k], a.consensus[k][np.ix_(perm, perm)])
    pd.testing.assert_frame_equal(b.labels, a.labels.iloc[perm])
    pd.testing.assert_frame_equal(b.summary, a.summary)


@settings(max_examples=8, deadline=None)
@given(st.integers(0, 10_000))
def test_consensus_matrix_properties(seed):
    X, _ = blobs(sizes=(7, 6, 5), n_features=6, shift=1.0, seed=seed)
    result = consensus_cluster(X, k=[2, 3, 4], reps=25, p_item=0.7, seed=seed)
    n = len(X)
    m = int(np.floor(n * 0.7))
    assert np.trace(result.cosampled) == 25 * m           # each resample holds floor(n p) patients
    assert result.cosampled.sum() == 25 * m * m
    for k in result.ks:
        c = result.consensus[k]
        np.testing.assert_array_equal(c, c.T)
        assert c.min() >= 0 and c.max() <= 1
        sampled = np.diag(result.cosampled) > 0
        np.testing.assert_array_equal(np.diag(c)[sampled], 1.0)
        # integer counts: consensus × co-sampled is a whole number
        counts = c * result.cosampled
        np.testing.assert_allclose(counts, np.round(counts), atol=1e-9)
    # nested cuts: pairs together at K+1 are together at K
    for k in (2, 3):
        assert np.all(result.consensus[k] * result.cosampled + 1e-9 >=
                      result.consensus[k + 1] * result.cosampled)


def test_centre_scale_equals_prescaled_input(data):
    X, _ = data
    X = X * np.linspace(1, 20, X.shape[1]) + 5
    manual = (X - X.mean()) / X.std(ddof=1)
    a = consensus_cluster(X, k=[2, 3], reps=40, scale="center-scale", seed=4)
    b = consensus_cluster(manual, k=[2, 3], reps=40, scale="none", seed=4)
    np.testing.assert_allclose(a.consensus[3], b.consensus[3])
    c = consensus_cluster(X, k=[2, 3], reps=40, scale="none", seed=4)
    assert not np.allclose(a.consensus[3], c.consensus[3])


def test_anndata_and_array_inputs(data):
    import anndata

    X, _ = data
    frame = consensus_cluster(X, k=[2, 3], reps=30, seed=1)
    adata = consensus_cluster(anndata.AnnData(X), k=[2, 3], reps=30, seed=1)
    np.testing.assert_array_equal(frame.consensus[3], adata.consensus[3])
    array = consensus_cluster(X.to_numpy(), k=[2, 3], reps=30, seed=1)
    assert list(array.patients) == [str(i) for i in range(len(X))]  # the one converter: text IDs


def test_feature_resampling_is_seeded_and_changes_the_result(data):
    X, _ = data
    a = consensus_cluster(X, k=[2, 3], reps=50, p_feature=0.5, seed=8)
    b = consensus_cluster(X, k=[2, 3], reps=50, p_feature=0.5, seed=8, n_jobs=2)
    np.testing.assert_array_equal(a.consensus[3], b.consensus[3])
    full = consensus_cluster(X, k=[2, 3], reps=50, seed=8)
    np.testing.assert_array_equal(a.cosampled, full.cosampled)  # same patient draws
    assert not np.array_equal(a.consensus[2], full.consensus[2])


def test_recovers_groups_and_labels_by_size(data):
    X, truth = data
    result = consensus_cluster(X, k=range(2, 6), reps=200, p_item=0.8, seed=0)
    assert adjusted_rand_score(truth, result.labels_for(3)) == 1.0
    assert result.labels_for(3).value_counts().to_dict() == {"A": 14, "B": 10, "C": 6}
    assert result.suggested_k == 3
    assert "PAC" in result.suggested_k_rule
    assert "suggested K=3" in repr(result)
    summary = result.to_frame()
    assert list(summary.columns) == ["area", "delta_area", "pac", "mean_cluster_consensus", "min_cluster_size",
                                     "admissible"]
    assert result.to_frame("item").shape == (len(X) * sum(result.ks), 4)
    with pytest.raises(KeyError):
        result.labels_for(7)


def test_delta_area_and_pac_definitions():
    np.testing.assert_allclose(delta_area([0.5, 0.6, 0.66]), [0.5, 0.2, 0.1])
    c = np.eye(3)
    c[1, 0] = c[0, 1] = 0.05
    c[2, 0] = c[0, 2] = 0.5
    c[2, 1] = c[1, 2] = 0.95
    assert proportion_ambiguous(c) == pytest.approx(1 / 3)
    assert proportion_ambiguous(c, window=(0.04, 0.6)) == pytest.approx(2 / 3)


def test_summarise_consensus_on_perfect_blocks():
    labels = np.array([0, 0, 1, 1, 1, 2])
    block = (labels[:, None] == labels[None, :]).astype(float)
    result = summarise_consensus({2: block, 3: block}, patients=list("uvwxyz"))
    assert result.labels_for(3).tolist() == ["B", "B", "A", "A", "A", "C"]
    assert result.summary.loc[3, "pac"] == 0
    # CDF jumps to the share of zeros at the first bin and stays until 1.0
    zeros = np.mean(block[np.tril_indices(6, -1)] == 0)
    assert result.cdf.loc[3].iloc[0] == pytest.approx(zeros) and result.cdf.loc[3].iloc[-1] == 1.0
    assert result.summary.loc[3, "area"] == pytest.approx(zeros * 0.99 + 0.01)


# ------------------------------------------------------------------ consensus: errors

def test_clear_errors(data):
    X, _ = data
    with pytest.raises(InputError, match="cannot form K=40"):
        consensus_cluster(X, k=40, reps=5)
    bad = X.copy()
    bad.iloc[3, 2] = np.nan
    with pytest.raises(InputError, match="NaN"):
        consensus_cluster(bad, k=2, reps=5)
    constant = X.assign(flat=1.0)
    with pytest.raises(InputError, match="constant .*flat"):
        consensus_cluster(constant, k=2, reps=5)
    with pytest.raises(InputError, match="too few to form K=10"):
        consensus_cluster(X.iloc[:12], k=range(2, 11), reps=5, p_item=0.6)
    with pytest.raises(InputError, match="distance must be one of"):
        consensus_cluster(X, k=2, reps=5, distance="cosine")
    with pytest.raises(InputError, match="linkage must be one of"):
        consensus_cluster(X, k=2, reps=5, linkage="centroid")
    with pytest.raises(InputError, match="p_item"):
        consensus_cluster(X, k=2, reps=5, p_item=1.5)
    with pytest.raises(InputError, match=">= 2"):
        consensus_cluster(X, k=[1, 2], reps=5)
    dup = X.copy()
    dup.index = [X.index[0]] + list(X.index[1:-1]) + [X.index[0]]
    with pytest.raises(InputError, match="duplicated"):
        consensus_cluster(dup, k=2, reps=5)
    flat_patient = X.copy()
    flat_patient.iloc[0] = 1.0
    with pytest.raises(InputError, match="P"):  # names the patient
        consensus_cluster(flat_patient, k=2, reps=5)


# ------------------------------------------------------------------ trees and labels

def test_cut_tree_matches_scipy_fcluster_for_every_k():
    rng = np.random.default_rng(1)
    for _ in range(5):
        points = rng.normal(size=(40, 3))
        tree = linkage(points, "average")
        ours = cut_tree(tree, range(1, 12))
        for k, labels in ours.items():
            expected = fcluster(tree, k, criterion="maxclust")
            assert len(np.unique(labels)) == k
            assert adjusted_rand_score(expected, labels) == 1.0


def test_relabel_by_size_ties_go_to_first_member():
    assert relabel_by_size([5, 7, 7, 5, 9]).tolist() == ["A", "B", "B", "A", "C"]
    assert relabel_by_size([2, 1, 1, 2, 2]).tolist() == ["A", "B", "B", "A", "A"]
    assert relabel_by_size(list(range(28)))[-1] == "AB"


def test_hierarchical_cluster(data):
    X, truth = data
    result = hierarchical_cluster(X, k=[2, 3], scale="center-scale")
    assert adjusted_rand_score(truth, result.labels_for(3)) == 1.0
    assert result.labels_for(3).value_counts().index[0] == "A"
    perm = np.random.default_rng(2).permutation(len(X))
    shuffled = hierarchical_cluster(X.iloc[perm], k=[2, 3], scale="center-scale")
    pd.testing.assert_frame_equal(shuffled.labels, result.labels.iloc[perm])


# ------------------------------------------------------------------ centroid assignment

def test_centroid_classifier_pearson_distances_and_assignment(data):
    X, truth = data
    labels = relabel_by_size(truth.to_numpy())
    labels = pd.Series(labels, index=X.index)
    train, new = X.iloc[:20], X.iloc[20:]
    model = CentroidClassifier(distance="pearson").fit(train, labels.iloc[:20])
    centroids = train.groupby(labels.iloc[:20]).mean()
    pd.testing.assert_frame_equal(model.centroids_, centroids.rename_axis("cluster"), check_names=False)
    expected = pd.DataFrame({c: [1 - np.corrcoef(new.loc[p], centroids.loc[c])[0, 1] for p in new.index]
                             for c in centroids.index}, index=new.index)
    np.testing.assert_allclose(model.transform(new).to_numpy(), expected.to_numpy(), atol=1e-12)
    predicted = model.predict(new)
    assert predicted.tolist() == expected.idxmin(axis=1).tolist()
    assert (predicted == labels.iloc[20:]).all()


def test_centroid_classifier_scaling_is_learnt_on_training(data):
    X, truth = data
    labels = pd.Series(relabel_by_size(truth.to_numpy()), index=X.index)
    model = CentroidClassifier(scale="center-scale").fit(X.iloc[:20], labels.iloc[:20])
    train = X.iloc[:20]
    np.testing.assert_allclose(model.mean_, train.mean().to_numpy())
    np.testing.assert_allclose(model.scale_, train.std(ddof=1).to_numpy())
    # a single new patient is scaled with the training statistics, not its own
    one = model.transform(X.iloc[[25]])
    scaled = (X.iloc[[25]] - train.mean()) / train.std(ddof=1)
    manual = [1 - np.corrcoef(scaled.iloc[0], model.centroids_.loc[c])[0, 1] for c in model.classes_]
    np.testing.assert_allclose(one.to_numpy()[0], manual, atol=1e-12)


def test_centroid_classifier_errors(data):
    X, truth = data
    labels = pd.Series(relabel_by_size(truth.to_numpy()), index=X.index)
    model = CentroidClassifier().fit(X, labels)
    with pytest.raises(InputError, match="missing: f3|f3"):
        model.predict(X.drop(columns="f3"))
    with pytest.raises(InputError, match="no label"):
        CentroidClassifier().fit(X, labels.iloc[:-2])
    with pytest.raises(RuntimeError, match="not fitted"):
        CentroidClassifier().predict(X)


# ------------------------------------------------------------------ hybrid groups

def test_hybrid_groups_levels_binary_and_missing_modality():
    hrf = pd.Series(["A", "B", "C", "A", "B"], index=["p1", "p2", "p3", "p4", "p5"])
    rna = pd.Series(["B", "A", "A", "A", "A"], index=["p1", "p2", "p4", "p6", "p3"])
    groups = hybrid_groups(hrf, rna, names=("hRF", "RNA"))
    assert list(groups.columns) == ["hrf", "rna", "hybrid", "hybrid_binary"]
    assert groups.index.name == "patient_id"
    assert list(groups.index) == ["p1", "p2", "p3", "p4", "p5", "p6"]
    assert groups.loc["p1"].tolist() == ["A_hRF", "B_RNA", "A_hRF×B_RNA", "Others"]
    assert groups.loc["p4", "hybrid_binary"] == "A_hRF×A_RNA"
    assert pd.isna(groups.loc["p5", "rna"]) and pd.isna(groups.loc["p5", "hybrid"])
    assert pd.isna(groups.loc["p6", "hrf"]) and pd.isna(groups.loc["p6", "hybrid_binary"])
    assert list(groups["hybrid"].cat.categories) == [f"{a}_hRF×{b}_RNA" for a in "ABC" for b in "AB"]
    chosen = hybrid_groups(hrf, rna, level="B_hRF×A_RNA")
    assert chosen.loc["p2", "hybrid_binary"] == "B_hRF×A_RNA" and chosen.loc["p4", "hybrid_binary"] == "Others"
    with pytest.raises(InputError, match="does not exist; the hybrid levels are"):
        hybrid_groups(hrf, rna, level="D_hRF×A_RNA")


def test_partition_agreement_counts():
    a = pd.Series(list("AAAABBBCC"), index=range(9))
    b = pd.Series(list("XXXYYYYZZ") + ["X"], index=list(range(9)) + [42])
    result = partition_agreement(a, b)
    assert result.n_patients == 9 and result.n_dropped == 1
    assert result.n_discordant == 1               # best matching A-X, B-Y, C-Z keeps 3 + 3 + 2
    assert result.matching == {"A": "X", "B": "Y", "C": "Z"}
    assert result.crosstab.to_numpy().sum() == 9
    same = partition_agreement(a, a.map({"A": "q", "B": "r", "C": "s"}))
    assert same.adjusted_rand == 1.0 and same.n_discordant == 0


# ------------------------------------------------------------------ demo cohort ground truth

def test_demo_cohort_rna_groups_are_recovered_as_a_and_b():
    """End to end on the demo's RNA-seq: log-CPM of the most variable genes, consensus K = 2
    recovers the planted RA/RB groups, with RA (the larger) as cluster A."""
    from omics.data import demo_cohort

    demo = demo_cohort(n_patients=120, n_rna=60, n_genes=1000, images=False, seed=3)
    counts = demo.counts
    log_cpm = np.log2((counts + 0.5) / (counts.sum() + 1.0) * 1e6)
    top = log_cpm.var(axis=1).sort_values(ascending=False).index[:300]
    result = consensus_cluster(log_cpm.loc[top].T, k=[2, 3], reps=100, p_item=0.6,
                               scale="center-scale", seed=1)
    truth = demo.truth_patients.loc[result.patients, "rna_group"]
    labels = result.labels_for(2)
    assert adjusted_rand_score(truth, labels) == 1.0
    assert set(truth[labels == "A"]) == {"RA"}


# ------------------------------------------------------------------ one result vocabulary

def test_results_write_what_the_cli_writes(data, tmp_path):
    X, truth = data
    consensus = consensus_cluster(X, k=[2, 3], reps=20, seed=1)
    written = consensus.write(tmp_path / "cc")
    assert {p.name for p in written.values()} == {"labels.csv", "summary.csv", "cdf.csv", "item_consensus.csv",
                                                 "cluster_consensus.csv", "consensus_k2.csv", "consensus_k3.csv"}
    assert consensus.summary is consensus.per_k and "<table" in consensus._repr_html_()

    tree = hierarchical_cluster(X, k=[2, 3])
    assert tree.write(tmp_path / "h")["labels"].name == "labels.csv"
    back = pd.read_csv(tmp_path / "h" / "labels.csv", index_col="patient_id")
    assert back["k3"].tolist() == tree.labels["k3"].tolist()
    sizes = tree.summary
    assert sizes.groupby("k")["size"].sum().tolist() == [len(X), len(X)]
    assert repr(tree).startswith("HierarchicalResult(") and "\n" not in repr(tree)

    agreement = partition_agreement(tree.labels_for(2), tree.labels_for(3))
    paths = agreement.write(tmp_path / "a")
    assert sorted(p.name for p in paths.values()) == ["agreement.csv", "agreement_crosstab.csv"]
    assert agreement.summary.shape == (1, 7)


def test_assign_centroids_result_and_estimator_protocol(data, tmp_path):
    from sklearn.base import clone

    from omics.cluster import CentroidAssignment, assign_centroids

    X, truth = data
    labels = pd.Series(relabel_by_size(truth.to_numpy()), index=X.index)
    result = assign_centroids(X.iloc[:20], labels.iloc[:20], X.iloc[20:], distance="pearson")
    model = CentroidClassifier(distance="pearson").fit(X.iloc[:20], labels.iloc[:20])
    assert isinstance(result, CentroidAssignment)
    pd.testing.assert_series_equal(result.clusters, model.predict(X.iloc[20:]))
    table = result.to_frame()
    assert table.index.name == "patient_id" and list(table.columns[1:]) == [f"distance_{c}" for c in model.classes_]
    assert result.summary["n_patients"].sum() == 10
    assert {p.name for p in result.write(tmp_path).values()} == {"assignments.csv", "centroids.csv"}
    # a scikit-learn estimator: parameters, clone, accuracy score; predict keeps patient IDs
    assert model.get_params() == {"distance": "pearson", "scale": "none"}
    assert clone(model).set_params(scale="center").scale == "center"
    assert model.score(X.iloc[20:], labels.iloc[20:]) == 1.0
    with pytest.raises(TypeError):
        CentroidClassifier("pearson")  # options are keyword-only


def test_drop_constant_features_lists_what_it_drops(data):
    from omics.cluster import drop_constant_features

    X, _ = data
    flat = X.assign(flat=1.0, also=0.0)
    kept, dropped = drop_constant_features(flat)
    assert dropped == ["flat", "also"] and list(kept.columns) == list(X.columns)
    assert "flat" in flat.columns  # the input is not modified


def test_group_modalities_writes_what_omics_groups_writes(tmp_path):
    from omics.cluster import group_modalities, modality_groups

    a = pd.Series(list("AABBA"), index=[f"p{i}" for i in range(5)])
    b = pd.Series(list("ABBBA"), index=[f"p{i}" for i in range(5)])
    result = group_modalities({"MRI": a, "RNA": b}, hybrids=[("MRI", "RNA")])
    pd.testing.assert_frame_equal(result.to_frame(), modality_groups({"MRI": a, "RNA": b}, hybrids=[("MRI", "RNA")]))
    assert result.summary[["modality_a", "modality_b"]].iloc[0].tolist() == ["MRI", "RNA"]
    assert result.summary["n_patients"].iloc[0] == 5
    names = sorted(p.name for p in result.write(tmp_path).values())
    assert names == ["agreement.csv", "agreement_MRI_RNA.csv", "groups.csv"]
    alone = group_modalities({"MRI": a})
    assert alone.summary.empty and [p.name for p in alone.write(tmp_path / "one").values()] == ["groups.csv"]
    with pytest.raises(InputError, match="not a hybrid"):
        group_modalities({"MRI": a, "RNA": b}, levels={("MRI", "RNA"): "A_MRI×A_RNA"})


def test_notebook_heading_is_the_one_line_repr(data):
    X, _ = data
    result = consensus_cluster(X, k=[2, 3], reps=20, seed=1)
    page = result._repr_html_()
    assert "suggested K=" in page and "K=2: area" not in page.split("</p>")[0]
    agreement = partition_agreement(result.labels_for(2), result.labels_for(3))
    assert agreement._repr_html_().startswith("<p><b>PartitionAgreement: ") and "\n" not in agreement._repr_html_().split("</p>")[0]
