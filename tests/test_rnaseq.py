"""omics.rnaseq: parity with limma/edgeR (references from tests/_scripts/rnaseq_reference.R,
limma 3.54.1, edgeR 3.40.2) on a 7-sample × 2,000-gene subset of pasilla, plus input checks."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from omics.data.validate import InputError
from omics.rnaseq import (calc_norm_factors, filter_by_expr, gene_variability, lm_fit,
                          most_variable_genes, voom)
from omics.rnaseq._lowess import r_lowess

DATA = Path(__file__).parent / "data" / "rnaseq"


def _r(name):
    return pd.read_csv(DATA / name, index_col=0)


@pytest.fixture(scope="module")
def pasilla():
    counts = _r("pasilla_counts.csv").T            # R is genes × samples
    samples = _r("pasilla_samples.csv")
    design = _r("pasilla_design.csv")
    return counts, samples, design


@pytest.fixture(scope="module")
def voom_fit(pasilla):
    counts, samples, design = pasilla
    keep = filter_by_expr(counts, group=samples["condition"])
    filtered = counts.loc[:, keep]
    nf = calc_norm_factors(filtered)
    return filtered, nf, voom(filtered, design=design, norm_factors=nf)


def test_lowess_matches_r():
    data = pd.read_csv(DATA / "lowess_input.csv")
    out = pd.read_csv(DATA / "lowess_output.csv")
    small = pd.read_csv(DATA / "lowess_output_small.csv")
    xs, ys = r_lowess(data.x, data.y, f=0.5)
    np.testing.assert_array_equal(xs, out.x1)
    np.testing.assert_allclose(ys, out.y1, atol=1e-10)
    np.testing.assert_allclose(r_lowess(data.x[:25], data.y[:25])[1], small.y, atol=1e-10)
    np.testing.assert_allclose(r_lowess(data.x, data.y, f=0.3, iterations=0, delta=0)[1], out.y3, atol=1e-10)


def test_filter_by_expr_matches_edger(pasilla):
    counts, samples, design = pasilla
    ref = _r("pasilla_filter.csv")
    assert (filter_by_expr(counts, group=samples["condition"]).to_numpy() == ref["group"].to_numpy()).all()
    assert (filter_by_expr(counts, design=design).to_numpy() == ref["design"].to_numpy()).all()
    assert (filter_by_expr(counts).to_numpy() == ref["none"].to_numpy()).all()
    assert 0 < ref["group"].sum() < len(ref)          # the filter does something here


def test_tmm_matches_edger(pasilla, voom_fit):
    counts, _, _ = pasilla
    _, nf, _ = voom_fit
    ref = _r("pasilla_normfactors.csv")
    np.testing.assert_allclose(nf.to_numpy(), ref["tmm"], rtol=1e-10)
    np.testing.assert_allclose(calc_norm_factors(counts).to_numpy(), ref["tmm_unfiltered"], rtol=1e-10)
    np.testing.assert_allclose(calc_norm_factors(counts, method="upperquartile").to_numpy(),
                               ref["upperquartile"], rtol=1e-10)
    assert np.isclose(np.prod(nf), 1.0)


def test_voom_matches_limma(voom_fit):
    _, _, v = voom_fit
    E = _r("pasilla_voom_E.csv").T
    W = pd.read_csv(DATA / "pasilla_voom_weights.csv", index_col=0).to_numpy().T
    assert list(v.E.columns) == list(E.columns) and list(v.E.index) == list(E.index)
    np.testing.assert_allclose(v.E.to_numpy(), E.to_numpy(), atol=1e-6, rtol=0)
    np.testing.assert_allclose(v.weights.to_numpy(), W, atol=1e-6, rtol=1e-8)
    assert np.abs(v.weights.to_numpy() - W).max() < 1e-9     # measured: ~4e-12


def test_voom_default_design_with_all_zero_genes(pasilla):
    counts, _, _ = pasilla
    assert (counts.sum(axis=0) == 0).any()                   # trend must skip these genes
    v = voom(counts)
    np.testing.assert_allclose(v.E.to_numpy(), _r("pasilla_voom0_E.csv").T.to_numpy(), atol=1e-6)
    W = pd.read_csv(DATA / "pasilla_voom0_weights.csv", index_col=0).to_numpy().T
    np.testing.assert_allclose(v.weights.to_numpy(), W, atol=1e-9, rtol=0)
    assert list(v.design.columns) == ["GrandMean"]


def test_weighted_lm_fit_matches_limma(voom_fit):
    _, _, v = voom_fit
    fit = lm_fit(v.E, design=v.design, weights=v.weights)
    np.testing.assert_allclose(fit.coefficients.to_numpy(), _r("pasilla_lmfit_coef.csv").to_numpy(), atol=1e-10)
    np.testing.assert_allclose(fit.stdev_unscaled.to_numpy(), _r("pasilla_lmfit_stdev.csv").to_numpy(), atol=1e-10)
    gene = _r("pasilla_lmfit_gene.csv")
    np.testing.assert_allclose(fit.sigma.to_numpy(), gene["sigma"], atol=1e-10)
    np.testing.assert_allclose(fit.amean.to_numpy(), gene["amean"], atol=1e-10)
    np.testing.assert_array_equal(fit.df_residual.to_numpy(), gene["df_residual"])
    assert list(fit.coefficients.index) == list(v.E.columns)


def test_unweighted_lm_fit_matches_limma(voom_fit):
    _, _, v = voom_fit
    fit = lm_fit(v.E, design=v.design)
    coef = _r("pasilla_lmfit_unweighted_coef.csv").to_numpy()
    sigma = _r("pasilla_lmfit_unweighted_sigma.csv")["sigma"]
    cov = _r("pasilla_lmfit_unweighted_cov.csv").to_numpy()
    np.testing.assert_allclose(fit.coefficients.to_numpy(), coef, atol=1e-10)
    np.testing.assert_allclose(fit.sigma.to_numpy(), sigma, atol=1e-10)
    np.testing.assert_allclose(fit.cov_coefficients.to_numpy(), cov, atol=1e-12)


def test_lm_fit_missing_values_and_aliased_columns():
    rng = np.random.default_rng(0)
    expr = pd.DataFrame(rng.normal(size=(8, 5)), columns=list("abcde"))
    design = pd.DataFrame({"one": 1.0, "x": np.arange(8.0)})
    full = lm_fit(expr, design=design)
    with_nan = expr.copy()
    with_nan.iloc[0, 2] = np.nan
    fit = lm_fit(with_nan, design=design)
    # gene c refitted on 7 samples equals OLS on those samples; others unchanged
    beta = np.linalg.lstsq(design.to_numpy()[1:], expr["c"].to_numpy()[1:], rcond=None)[0]
    np.testing.assert_allclose(fit.coefficients.loc["c"], beta)
    assert fit.df_residual["c"] == 5 and fit.df_residual["a"] == 6
    np.testing.assert_allclose(fit.coefficients.drop("c"), full.coefficients.drop("c"))
    aliased = design.assign(x2=2 * design["x"])
    with pytest.warns(UserWarning, match="not estimable: x2"):
        fit2 = lm_fit(expr, design=aliased)
    assert fit2.coefficients["x2"].isna().all()
    np.testing.assert_allclose(fit2.coefficients[["one", "x"]], full.coefficients)


def test_voom_is_permutation_equivariant(voom_fit):
    filtered, nf, v = voom_fit
    order = np.random.default_rng(1).permutation(len(filtered))
    v2 = voom(filtered.iloc[order], design=v.design.iloc[order], norm_factors=nf.iloc[order])
    np.testing.assert_allclose(v2.weights.loc[v.E.index].to_numpy(), v.weights.to_numpy(), rtol=1e-9)


@pytest.mark.parametrize("bad, message", [
    (-1, "negative"), (2.5, "integers"), (np.nan, "missing"),
])
def test_voom_refuses_bad_counts(pasilla, bad, message):
    counts = pasilla[0].iloc[:, :50].copy().astype(float)
    counts.iloc[2, 3] = bad
    with pytest.raises(InputError, match=message):
        voom(counts)


def test_voom_refuses_all_zero_sample(pasilla):
    counts = pasilla[0].iloc[:, :50].copy()
    counts.iloc[1, :] = 0
    with pytest.raises(InputError, match="zero counts for every gene.*untreated2"):
        voom(counts)


def test_voom_accepts_anndata(voom_fit):
    import anndata
    filtered, nf, v = voom_fit
    ad = anndata.AnnData(filtered.to_numpy(), obs=pd.DataFrame(index=filtered.index),
                         var=pd.DataFrame(index=filtered.columns))
    v2 = voom(ad, design=v.design, norm_factors=nf)
    np.testing.assert_allclose(v2.weights.to_numpy(), v.weights.to_numpy())


def test_most_variable_genes():
    expr = pd.DataFrame({"flat": [1.0, 1, 1, 1], "mid": [0.0, 1, 0, 1], "high": [0.0, 4, 0, 4],
                         "tie": [1.0, 2, 1, 2]})
    top = most_variable_genes(expr, n_top=2)
    assert list(top.columns) == ["high", "mid"]          # ties keep the original order
    table = gene_variability(expr)
    assert list(table["gene"]) == ["high", "mid", "tie", "flat"]
    np.testing.assert_allclose(table["variability"], expr[table["gene"]].var(ddof=1))
    assert list(most_variable_genes(expr, n_top=10).columns) == list(table["gene"])
