"""The scanpy-style face of the expression stages (omics.tl / omics.pl), the one input
converter at their API, the result vocabulary and the scikit-learn estimators."""

from __future__ import annotations

import anndata
import mudata
import numpy as np
import pandas as pd
import pytest

from omics.data.errors import InputError


@pytest.fixture(scope="module")
def cohort():
    """Raw counts (30 samples × 120 genes): two groups (genes 0-14 up in A) and two batches."""
    rng = np.random.default_rng(7)
    n, g = 30, 120
    samples = [f"P{i:02d}" for i in range(n)]
    genes = [f"G{j:03d}" for j in range(g)]
    group = np.array(["A"] * 12 + ["B"] * 18)
    batch = np.array(["b1", "b2"] * 15)
    base = rng.gamma(2.0, 60.0, size=g)
    mu = np.tile(base, (n, 1)) * rng.uniform(0.7, 1.4, size=(n, 1))
    mu[group == "A", :15] *= 4.0
    mu[batch == "b2"] *= np.exp(rng.normal(0, 0.4, size=g))
    counts = rng.negative_binomial(5, 5 / (5 + mu)).astype(float)
    counts = pd.DataFrame(counts, index=samples, columns=genes)
    obs = pd.DataFrame({"group": group, "batch": batch}, index=samples)
    return counts, obs


def _mdata(counts, obs):
    rna = anndata.AnnData(X=counts.to_numpy().copy(), obs=obs.copy(),
                          var=pd.DataFrame(index=counts.columns))
    rna.layers["counts"] = counts.to_numpy().copy()
    img = anndata.AnnData(X=np.random.default_rng(1).normal(size=(len(obs), 5)),
                          obs=pd.DataFrame(index=obs.index))
    return mudata.MuData({"rna": rna, "img": img})


def test_modality_round_trip_writes_documented_keys_equal_to_dataframe_api(cohort, tmp_path):
    from omics import pl, tl
    from omics.expression import gsea_prerank, limma_dge, pam_signature, ttest_dge
    from omics.harmonize import combat
    from omics.rnaseq import calc_norm_factors, voom

    counts, obs = cohort
    mdata = _mdata(counts, obs)
    rna = mdata["rna"]
    assert tl.voom(rna, layer="counts") is None
    reference = voom(counts, norm_factors=calc_norm_factors(counts))
    np.testing.assert_allclose(rna.layers["voom"], reference.E.to_numpy())
    np.testing.assert_allclose(rna.layers["voom_weights"], reference.weights.to_numpy())
    assert rna.uns["voom"]["params"]["normalize"] == "TMM"
    assert list(rna.uns["voom"]["summary"].index) == list(counts.index)

    tl.combat(rna, batch_key="batch", layer="voom")
    expected = combat(reference.E, obs["batch"])
    np.testing.assert_allclose(rna.layers["combat"], expected.to_numpy())
    assert set(rna.uns["combat"]["summary"]["batch"]) == {"b1", "b2"}

    tl.dge(rna, groupby="group", level="A", layer="voom")
    table = ttest_dge(reference.E, obs["group"], level="A").table
    varm = rna.varm["dge"]
    assert list(varm.index) == list(rna.var_names)
    np.testing.assert_allclose(varm["statistic"].to_numpy(), table.loc[counts.columns, "statistic"].to_numpy())
    assert rna.uns["dge"]["summary"]["n_up"].iloc[0] == int((table["direction"] == "up").sum()) > 0
    stored = rna.uns["dge"]["table"]
    assert list(stored["gene"]) == list(table.index)          # sorted by p, as the DataFrame API
    assert rna.uns["dge"]["params"]["method"] == "ttest"

    tl.dge(rna, groupby="group", level="A", method="limma", layer="voom", weights_layer="voom_weights",
           key_added="dge_limma")
    limma = limma_dge(reference.E, obs["group"], level="A", weights=reference.weights).table
    np.testing.assert_allclose(rna.varm["dge_limma"]["p_value"].to_numpy(),
                               limma.loc[counts.columns, "p_value"].to_numpy())

    tl.pam(rna, groupby="group", layer="voom", n_folds=5)
    model, signature = pam_signature(reference.E, obs["group"], n_folds=5)
    assert list(rna.obs["pam"].astype(str)) == list(model.predict(reference.E))
    assert rna.uns["pam"]["params"]["threshold"] == pytest.approx(model.threshold_)
    assert list(rna.uns["pam"]["signature"]["gene"]) == list(signature["gene"])
    assert rna.varm["pam"].shape == (counts.shape[1], 2)

    sets = {"planted": [f"G{j:03d}" for j in range(15)], "rest": [f"G{j:03d}" for j in range(40, 70)]}
    tl.gsea(rna, key="dge", gene_sets=sets, min_size=5, permutations=200, seed=1)
    direct = gsea_prerank(ttest_dge(reference.E, obs["group"], level="A").to_frame(), sets,
                          min_size=5, permutations=200, seed=1)
    gsea_table = rna.uns["gsea"]["table"].set_index("gene_set")
    np.testing.assert_allclose(gsea_table.loc[direct.table["gene_set"], "nes"], direct.table["nes"])

    fig = pl.volcano(rna, key="dge")
    assert fig.axes and "up" in fig.axes[0].get_title()
    fig = pl.pca_batch(rna, batch_key="batch", layers=("voom", "combat"))
    assert len(fig.axes) == 2 and "PC1" in fig.axes[0].get_xlabel()
    assert "X_pca" not in rna.obsm                   # nothing written into the data
    from omics.harmonize import harmonization_diagnostics
    diag = harmonization_diagnostics(pd.DataFrame(rna.layers["voom"], index=rna.obs_names),
                                     pd.DataFrame(rna.layers["combat"], index=rna.obs_names),
                                     rna.obs["batch"].astype(str))
    drawn = fig.axes[1].collections[0].get_offsets()   # the first batch's points, after correction
    first = (rna.obs["batch"].astype(str) == sorted(rna.obs["batch"].astype(str).unique())[0]).to_numpy()
    np.testing.assert_allclose(drawn, diag.pca_after[["PC1", "PC2"]].to_numpy()[first])

    path = tmp_path / "cohort.h5mu"
    mdata.write(path)
    back = mudata.read_h5mu(path)["rna"]
    for layer in ("voom", "voom_weights", "combat"):
        np.testing.assert_allclose(back.layers[layer], rna.layers[layer])
    np.testing.assert_allclose(back.varm["dge"]["p_value"].to_numpy(), varm["p_value"].to_numpy())
    assert set(back.uns["dge"]) == {"params", "summary", "table"}
    assert list(back.obs["pam"].astype(str)) == list(rna.obs["pam"].astype(str))


def test_copy_semantics(cohort):
    from omics import tl

    counts, obs = cohort
    adata = _mdata(counts, obs)["rna"]
    out = tl.voom(adata, layer="counts", copy=True)
    assert out is not adata and "voom" in out.layers and "voom" not in adata.layers
    assert "voom" not in adata.uns
    out2 = tl.dge(out, groupby="group", level="A", layer="voom", copy=True)
    assert "dge" in out2.varm and "dge" not in out.varm
    assert tl.combat(out, batch_key="batch", layer="voom") is None and "combat" in out.layers


def test_whole_mudata_transposed_and_missing_keys_are_clear_errors(cohort):
    from omics import tl
    from omics.expression import pam_signature, ttest_dge
    from omics.rnaseq._counts import as_count_frame

    counts, obs = cohort
    mdata = _mdata(counts, obs)
    with pytest.raises(InputError, match="rna"):
        tl.voom(mdata)
    with pytest.raises(InputError, match="img"):
        ttest_dge(mdata, obs["group"], level="A")
    log = np.log2(counts + 1)
    with pytest.raises(InputError, match="transpose"):
        ttest_dge(log.T, obs["group"], level="A")
    with pytest.raises(InputError, match="transpose"):
        pam_signature(log.T, obs["group"])
    with pytest.raises(InputError, match="transpose"):
        as_count_frame(counts.T, sample_ids=obs.index)
    rna = mdata["rna"]
    with pytest.raises(InputError, match="no layer 'voom'"):
        tl.dge(rna, groupby="group", level="A", layer="voom")
    with pytest.raises(InputError, match="no obs column 'cohort'"):
        tl.dge(rna, groupby="cohort", level="A")
    with pytest.raises(InputError, match="uns\\['dge'\\]"):
        tl.gsea(rna, gene_sets={"s": ["G000"]})


def test_dataframe_api_takes_anndata_layer_and_obs_column(cohort):
    from omics.expression import limma_dge, ttest_dge
    from omics.rnaseq import voom

    counts, obs = cohort
    v = voom(counts)
    adata = anndata.AnnData(X=np.zeros(counts.shape), obs=obs.copy(), var=pd.DataFrame(index=counts.columns))
    adata.layers["logcpm"] = v.E.to_numpy()
    adata.layers["w"] = v.weights.to_numpy()
    a = ttest_dge(adata, "group", level="A", layer="logcpm")
    b = ttest_dge(v.E, obs["group"], level="A")
    pd.testing.assert_frame_equal(a.table, b.table)
    c = limma_dge(adata, "group", level="A", layer="logcpm", weights="w")
    d = limma_dge(v.E, obs["group"], level="A", weights=v.weights)
    pd.testing.assert_frame_equal(c.table, d.table)
    with pytest.raises(TypeError):
        ttest_dge(v.E, obs["group"], "A")            # level is keyword-only: no silent reading


def test_results_share_the_vocabulary(cohort, tmp_path):
    from omics.expression import ttest_dge
    from omics.rnaseq import preprocess_counts

    counts, obs = cohort
    pre = preprocess_counts(counts, batch=obs["batch"], n_top=50)
    assert isinstance(pre.summary, pd.DataFrame) and pre.summary["n_top"].iloc[0] == 50
    written = pre.write(tmp_path / "voom")
    assert {p.name for p in written.values()} == {"voom_expression.csv", "voom_weights.csv",
                                                  "expression_for_clustering.csv", "variable_genes.csv",
                                                  "samples.csv"}
    back = pd.read_csv(written["expression"], index_col=0)
    np.testing.assert_allclose(back.to_numpy(), pre.voom.E.to_numpy(), rtol=1e-6)
    result = ttest_dge(pre.voom.E, obs["group"], level="A")
    summary = result.summary
    assert isinstance(summary, pd.DataFrame) and summary["level"].iloc[0] == "A"
    assert summary["n_up"].iloc[0] == result.n_up
    paths = result.write(tmp_path / "dge")
    assert paths["table"].name == "dge_ttest.csv"
    assert repr(result).startswith("DGEResult(ttest: A (n=12) vs Others (n=18)")
    assert "<table" in result._repr_html_()


def test_estimators_clone_and_labelled_predictions(cohort):
    from sklearn.base import clone

    from omics.expression import NearestShrunkenCentroids
    from omics.harmonize import ComBat

    counts, obs = cohort
    log = np.log2(counts + 1)
    combat_model = ComBat(mean_only=True, ref_batch="b1")
    copy = clone(combat_model)
    assert copy is not combat_model and copy.get_params() == combat_model.get_params()
    fitted = ComBat().fit(log, obs["batch"])
    assert not hasattr(clone(fitted), "gamma_star_")
    assert fitted.set_params(mean_only=True).mean_only is True
    assert list(fitted.summary.index) == ["b1", "b2"]
    assert "ComBat(" in repr(fitted) and "fitted" in repr(fitted)

    pam = NearestShrunkenCentroids(n_folds=5, prior="uniform")
    assert clone(pam).get_params() == pam.get_params()
    pam.fit(log, obs["group"])
    predicted = pam.predict(log.iloc[:7])
    assert isinstance(predicted, pd.Series) and list(predicted.index) == list(log.index[:7])
    proba = pam.predict_proba(log.iloc[:7])
    assert list(proba.index) == list(log.index[:7]) and list(proba.columns) == ["A", "B"]
    assert 0 <= pam.score(log, obs["group"]) <= 1
    assert isinstance(pam.summary, pd.DataFrame) and pam.to_frame().equals(pam.signature())


def test_transposed_tables_are_refused_where_sample_ids_are_known(cohort):
    from omics.harmonize import ComBat, combat
    from omics.rnaseq import combat_seq, preprocess_counts

    counts, obs = cohort
    log = np.log2(counts + 1)
    with pytest.raises(InputError, match="transpose"):
        combat(log.T, obs["batch"])
    with pytest.raises(InputError, match="transpose"):
        ComBat().fit(log.T, obs["batch"])
    with pytest.raises(InputError, match="transpose"):
        combat_seq(counts.T, obs["batch"])
    with pytest.raises(InputError, match="transpose"):
        preprocess_counts(counts.T, batch=obs["batch"])


def test_enrichment_takes_the_dge_result_itself(cohort, tmp_path):
    from omics.expression import gsea_prerank, over_representation, ttest_dge

    counts, obs = cohort
    result = ttest_dge(np.log2(counts + 1), obs["group"], level="A")
    sets = {"planted": [f"G{j:03d}" for j in range(15)], "rest": [f"G{j:03d}" for j in range(40, 70)]}
    a = gsea_prerank(result, sets, min_size=5, permutations=100, seed=2)
    b = gsea_prerank(result.table, sets, min_size=5, permutations=100, seed=2)
    pd.testing.assert_frame_equal(a.to_frame(), b.to_frame())
    ora = over_representation(result, sets)
    assert ora.summary["method"].iloc[0] == "ora"
    paths = a.write(tmp_path)
    assert {p.name for p in paths.values()} == {"gsea.csv", "gsea_footnote.txt"}
    assert "permutations" in paths["footnote"].read_text()
