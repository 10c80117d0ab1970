"""The scanpy-style face of clustering: omics.tl.consensus_cluster / hierarchical_cluster /
assign_centroids / hybrid_groups and omics.pl.consensus_heatmap / consensus_cdf.

Every tl function must give the labels of the DataFrame function it wraps (same seed), write
where the docs say, follow scanpy's copy rule, refuse a whole MuData at once, and leave an
object that .h5mu can store and read back.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import anndata
import mudata
import numpy as np
import pandas as pd
import pytest

import omics.pl as pl
import omics.tl as tl
from omics.cluster import (CentroidClassifier, consensus_cluster, hierarchical_cluster,
                           partition_agreement)
from omics.data.errors import InputError

OPTIONS = dict(reps=40, p_item=0.8, seed=5)


def _blocks(n_per=(12, 10, 8), p=25, seed=0, prefix="P") -> pd.DataFrame:
    """Patients in clear groups whose feature *profiles* differ (Pearson distance sees them)."""
    rng = np.random.default_rng(seed)
    patterns = rng.normal(0, 3, (len(n_per), p))
    rows = [patterns[g] + rng.normal(0, 1, p) for g, n in enumerate(n_per) for _ in range(n)]
    index = [f"{prefix}{i:02d}" for i in range(sum(n_per))]
    return pd.DataFrame(rows, index=index, columns=[f"g{j}" for j in range(p)])


@pytest.fixture
def mdata():
    X = _blocks()
    rna = anndata.AnnData(X)
    rna.obsm["X_pca"] = X.to_numpy()[:, :6] * 2.0
    mri = anndata.AnnData(_blocks(n_per=(15, 15), p=12, seed=3).set_axis(X.index).add_prefix("mri_"))
    return mudata.MuData({"rna": rna, "mri": mri})


def test_consensus_on_a_mudata_modality_writes_obs_obsp_uns(mdata):
    X = mdata["rna"].to_df()
    expected = consensus_cluster(X, k=[2, 3, 4], **OPTIONS)
    assert tl.consensus_cluster(mdata["rna"], ks=[2, 3, 4], **OPTIONS) is None
    rna = mdata["rna"]
    k = expected.suggested_k
    assert isinstance(rna.obs["consensus"].dtype, pd.CategoricalDtype)
    assert rna.obs["consensus"].astype(str).tolist() == expected.labels_for(k).tolist()
    np.testing.assert_array_equal(rna.obsp["consensus_consensus"], expected.consensus[k])
    entry = rna.uns["consensus"]
    assert set(entry) >= {"params", "summary", "k", "ks"}
    assert entry["k"] == k and list(entry["ks"]) == [2, 3, 4]
    pd.testing.assert_frame_equal(entry["summary"], expected.summary.reset_index())
    assert entry["params"]["seed"] == 5 and entry["params"]["reps"] == 40
    assert "consensus" not in mdata["mri"].obs  # the other modality is untouched


def test_chosen_k_and_its_checks(mdata):
    adata = mdata["rna"]
    expected = consensus_cluster(adata.to_df(), k=[2, 3], **OPTIONS)
    out = tl.consensus_cluster(adata, k=3, ks=[2, 3], key_added="cc", copy=True, **OPTIONS)
    assert out.uns["cc"]["k"] == 3
    assert out.obs["cc"].astype(str).tolist() == expected.labels_for(3).tolist()
    with pytest.raises(InputError, match="k=5 is not among ks"):
        tl.consensus_cluster(adata, k=5, ks=[2, 3], **OPTIONS)
    with pytest.raises(InputError, match="the Ks to try go in ks"):
        tl.consensus_cluster(adata, k=[2, 3], **OPTIONS)


def test_copy_returns_a_copy_and_leaves_the_input_untouched(mdata):
    adata = mdata["rna"]
    before_obs, before_uns = adata.obs.copy(), dict(adata.uns)
    out = tl.consensus_cluster(adata, ks=[2, 3], copy=True, **OPTIONS)
    assert out is not adata and "consensus" in out.obs and "consensus_consensus" in out.obsp
    pd.testing.assert_frame_equal(adata.obs, before_obs)
    assert dict(adata.uns) == before_uns and "consensus_consensus" not in adata.obsp


def test_obsm_input_matches_the_frame_of_that_embedding(mdata):
    adata = mdata["rna"]
    pca = pd.DataFrame(adata.obsm["X_pca"], index=adata.obs_names)
    expected = consensus_cluster(pca, k=[2, 3], **OPTIONS)
    tl.consensus_cluster(adata, obsm="X_pca", ks=[2, 3], key_added="pca_cc", **OPTIONS)
    assert adata.obs["pca_cc"].astype(str).tolist() == expected.labels_for(expected.suggested_k).tolist()
    assert adata.uns["pca_cc"]["params"]["obsm"] == "X_pca"
    via_api = consensus_cluster(adata, obsm="X_pca", k=[2, 3], **OPTIONS)
    np.testing.assert_array_equal(via_api.consensus[3], expected.consensus[3])


def _run_with_timeout(code: str, seconds: int = 120) -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh interpreter that is killed after ``seconds``: a regression that
    makes NumPy walk a MuData one key at a time fails here instead of hanging the suite."""
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                          timeout=seconds)


WHOLE_MUDATA = """
    import anndata, mudata, numpy as np
    import omics.tl
    from omics.cluster import consensus_cluster, hierarchical_cluster
    from omics.data.errors import InputError
    a = anndata.AnnData(np.random.default_rng(0).normal(size=(20, 5)))
    m = mudata.MuData({"rna": a, "mri": a.copy()})
    for call in (lambda: consensus_cluster(m, k=2, reps=5), lambda: hierarchical_cluster(m),
                 lambda: omics.tl.consensus_cluster(m, reps=5)):
        try:
            call()
        except InputError as exc:
            print("InputError:", exc)
        else:
            print("no error")
"""


def test_a_whole_mudata_is_refused_at_once_naming_its_modalities():
    done = _run_with_timeout(WHOLE_MUDATA)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert len(lines) == 3
    for line in lines:
        assert line.startswith("InputError:") and "rna" in line and "mri" in line


def test_a_transposed_table_is_refused_when_the_patients_are_known():
    X = _blocks()
    with pytest.raises(InputError, match=r"transpose|\.T"):
        consensus_cluster(X.T, k=2, reps=5, sample_ids=X.index)
    with pytest.raises(InputError, match=r"transpose|\.T"):
        hierarchical_cluster(X.T, k=2, sample_ids=X.index)


def test_hierarchical_matches_the_frame_function(mdata):
    adata = mdata["rna"]
    expected = hierarchical_cluster(adata.to_df(), k=3, scale="center-scale")
    tl.hierarchical_cluster(adata, k=3, scale="center-scale")
    assert adata.obs["hierarchical"].astype(str).tolist() == expected.labels_for(3).tolist()
    entry = adata.uns["hierarchical"]
    assert entry["k"] == 3 and entry["params"]["scale"] == "center-scale"
    assert entry["summary"]["size"].sum() == adata.n_obs
    assert sorted(entry["order"]) == list(range(adata.n_obs))


def test_assign_centroids_writes_the_nearest_training_cluster_into_the_new_data():
    X = _blocks(n_per=(10, 10), seed=7)
    train = anndata.AnnData(X.iloc[::2])
    new = anndata.AnnData(X.iloc[1::2])
    tl.hierarchical_cluster(train, k=2, key_added="groups")
    train.obs.loc[train.obs_names[0], "groups"] = np.nan  # an unlabelled training patient is left out
    before = train.obs.copy()
    tl.assign_centroids(train, new, groupby="groups")
    labels = train.obs["groups"].dropna().astype(str)
    expected = CentroidClassifier().fit(X.loc[labels.index], labels).predict(X.iloc[1::2])
    assert new.obs["groups"].astype(str).tolist() == expected.tolist()
    assert new.obsm["groups_distances"].shape == (new.n_obs, 2)
    assert list(new.uns["groups"]["params"]["classes"]) == ["A", "B"]
    pd.testing.assert_frame_equal(train.obs, before)
    with pytest.raises(InputError, match="no obs column 'nope'"):
        tl.assign_centroids(train, new, groupby="nope")


def test_hybrid_groups_across_modalities_and_h5mu_round_trip(mdata, tmp_path):
    tl.consensus_cluster(mdata["rna"], k=3, ks=[2, 3], **OPTIONS)
    tl.consensus_cluster(mdata["mri"], k=2, ks=[2], **OPTIONS)
    assert tl.hybrid_groups(mdata, keys=("rna:consensus", "mri:consensus")) is None
    a = mdata["rna"].obs["consensus"].astype(object).set_axis(mdata["rna"].obs_names)
    b = mdata["mri"].obs["consensus"].astype(object).set_axis(mdata["mri"].obs_names)
    assert mdata.obs["hybrid"].astype(str).iloc[0] == f"{a.iloc[0]}_rna×{b.iloc[0]}_mri"
    assert set(mdata.obs["hybrid_binary"].dropna().astype(str)) <= {"A_rna×A_mri", "Others"}
    agreement = partition_agreement(a.rename("rna:consensus"), b.rename("mri:consensus"))
    pd.testing.assert_frame_equal(mdata.uns["hybrid"]["summary"], agreement.summary)

    path = tmp_path / "cohort.h5mu"
    mdata.write(path)
    back = mudata.read(path)
    rna = back["rna"]
    assert rna.obs["consensus"].astype(str).tolist() == mdata["rna"].obs["consensus"].astype(str).tolist()
    np.testing.assert_allclose(rna.obsp["consensus_consensus"], mdata["rna"].obsp["consensus_consensus"])
    entry = rna.uns["consensus"]
    assert entry["k"] == 3 and list(entry["ks"]) == [2, 3] and entry["params"]["distance"] == "pearson"
    np.testing.assert_allclose(entry["summary"]["pac"].to_numpy(),
                               mdata["rna"].uns["consensus"]["summary"]["pac"].to_numpy())
    assert back.obs["hybrid"].astype(str).tolist() == mdata.obs["hybrid"].astype(str).tolist()
    assert back.uns["hybrid"]["crosstab"].to_numpy().sum() == mdata.n_obs
    # the plots read the stored results back from the file as well
    assert pl.consensus_heatmap(rna) is not None and pl.consensus_cdf(rna) is not None


def test_hybrid_groups_on_anndata_obs_and_copy():
    adata = anndata.AnnData(_blocks())
    adata.obs["x"] = ["A", "B"] * 15
    adata.obs["y"] = ["A"] * 20 + ["B"] * 10
    out = tl.hybrid_groups(adata, keys=("x", "y"), names=("X", "Y"), key_added="xy", copy=True)
    assert "xy" not in adata.obs and out.obs["xy"].astype(str).iloc[0] == "A_X×A_Y"
    with pytest.raises(InputError, match="no obs column 'z'"):
        tl.hybrid_groups(adata, keys=("x", "z"))


def test_plots_return_figures_and_draw_on_a_given_axis(mdata):
    from matplotlib.figure import Figure

    adata = mdata["rna"]
    tl.consensus_cluster(adata, ks=[2, 3], **OPTIONS)
    fig = pl.consensus_heatmap(adata)
    assert isinstance(fig, Figure) and fig.axes[0].get_title() == f"consensus matrix, K = {adata.uns['consensus']['k']}"
    own = Figure()
    ax = own.add_subplot()
    assert pl.consensus_cdf(adata, ax=ax) is own
    assert len(ax.lines) == 2  # one CDF per K tried
    with pytest.raises(InputError, match="run omics.tl.consensus_cluster"):
        pl.consensus_cdf(adata, key="missing")
