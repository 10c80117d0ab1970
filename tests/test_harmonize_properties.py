"""Invariants of ComBat and lm_fit (hypothesis): sample order, affine rescaling of a
feature, batch label names."""

import warnings

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from omics.harmonize import combat
from omics.rnaseq import lm_fit


def _table(seed: int, n_per=(5, 6, 4), n_features=15):
    rng = np.random.default_rng(seed)
    batch = np.repeat(["a", "b", "c"], n_per)
    shift = {"a": 0.0, "b": 1.5, "c": -1.0}
    scale = {"a": 1.0, "b": 2.0, "c": 0.6}
    x = rng.normal(size=(len(batch), n_features))
    x = np.array([row * scale[b] + shift[b] for row, b in zip(x, batch)]) + rng.normal(5, 2, n_features)
    idx = [f"P{i:02d}" for i in range(len(batch))]
    return pd.DataFrame(x, index=idx, columns=[f"f{j}" for j in range(n_features)]), pd.Series(batch, index=idx)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), parametric=st.booleans(), mean_only=st.booleans())
def test_combat_sample_order_does_not_matter(seed, parametric, mean_only):
    X, batch = _table(seed)
    order = np.random.default_rng(seed + 1).permutation(len(X))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = combat(X, batch, parametric=parametric, mean_only=mean_only)
        out_perm = combat(X.iloc[order], batch.iloc[order], parametric=parametric, mean_only=mean_only)
    np.testing.assert_allclose(out_perm.loc[out.index].to_numpy(), out.to_numpy(), atol=1e-9)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), a=st.floats(0.01, 100), c=st.floats(-1e3, 1e3))
def test_combat_is_affine_equivariant(seed, a, c):
    X, batch = _table(seed)
    out = combat(X, batch)
    scaled = combat(a * X + c, batch)
    np.testing.assert_allclose(scaled.to_numpy(), a * out.to_numpy() + c, rtol=1e-7, atol=1e-7 * (abs(c) + a))


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_combat_batch_names_do_not_matter(seed):
    X, batch = _table(seed)
    renamed = batch.map({"a": "zeta", "b": "alpha", "c": "mu"})
    np.testing.assert_allclose(combat(X, renamed).to_numpy(), combat(X, batch).to_numpy(), atol=1e-9)


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_lm_fit_weighted_equals_per_gene_wls(seed):
    rng = np.random.default_rng(seed)
    n, g = 9, 6
    design = np.column_stack([np.ones(n), rng.normal(size=n), rng.integers(0, 2, n)])
    y = pd.DataFrame(rng.normal(size=(n, g)))
    w = rng.uniform(0.1, 3, size=(n, g))
    fit = lm_fit(y, design=design, weights=w)
    for j in range(g):
        sw = np.sqrt(w[:, j])
        beta, *_ = np.linalg.lstsq(design * sw[:, None], y[j].to_numpy() * sw, rcond=None)
        np.testing.assert_allclose(fit.coefficients.iloc[j], beta, atol=1e-10)
        resid = (y[j].to_numpy() - design @ beta) * sw
        np.testing.assert_allclose(fit.sigma.iloc[j], np.sqrt(resid @ resid / (n - 3)), atol=1e-10)
        cov = np.linalg.inv(design.T @ (design * w[:, [j]]))
        np.testing.assert_allclose(fit.stdev_unscaled.iloc[j], np.sqrt(np.diag(cov)), atol=1e-10)
