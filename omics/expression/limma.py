"""limma's empirical-Bayes moderated statistics: ``squeezeVar``, ``eBayes``, ``topTable``.

The gene-wise linear models come from :func:`omics.rnaseq.lm_fit` (limma's ``lmFit``);
this module moderates them. Genes are rows of every result, as in limma.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import special, stats

from omics._result import Result
from omics.data.validate import InputError
from omics.stats.multitest import bh_adjust

__all__ = ["EBayesFit", "ebayes", "fit_f_dist", "squeeze_var", "top_table", "trigamma_inverse"]


# ---------------------------------------------------------------------------------------
# Hyperparameters of the scaled-F (inverse chi-square) prior on the gene variances
# ---------------------------------------------------------------------------------------

def trigamma_inverse(x) -> np.ndarray:
    """Solve ``trigamma(y) = x`` for ``y`` (limma ``trigammaInverse``), elementwise.

    Newton iteration on ``1/trigamma(y)``, started at ``0.5 + 1/x``; asymptotic values
    for very large (``1/sqrt(x)``) and very small (``1/x``) arguments.

    References
    ----------
    Smyth GK (2004). Stat Appl Genet Mol Biol 3, Article 3 (appendix).
    """
    x = np.atleast_1d(np.asarray(x, dtype=float))
    y = np.full(x.shape, np.nan)
    ok = np.isfinite(x) & (x >= 0)
    big = ok & (x > 1e7)
    small = ok & (x < 1e-6)
    mid = ok & ~big & ~small
    with np.errstate(divide="ignore"):
        y[big] = 1.0 / np.sqrt(x[big])
        y[small] = 1.0 / x[small]
    if mid.any():
        xm = x[mid]
        ym = 0.5 + 1.0 / xm
        for _ in range(50):
            tri = special.polygamma(1, ym)
            dif = tri * (1.0 - tri / xm) / special.polygamma(2, ym)
            ym = ym + dif
            if np.max(-dif / ym) < 1e-8:
                break
        else:  # pragma: no cover - limma warns the same way
            warnings.warn("trigamma_inverse: iteration limit exceeded", stacklevel=2)
        y[mid] = ym
    return y


def _natural_spline_basis(x: np.ndarray, df: int, knots_from: np.ndarray | None = None) -> np.ndarray:
    """A basis of natural cubic splines with ``df`` degrees of freedom and an intercept.

    Spans the same space as R ``splines::ns(x, df = df, intercept = TRUE)``: boundary
    knots at the range of ``x`` and ``df - 2`` interior knots at its quantiles. Only the
    column space matters to the least-squares fit it is used in.
    """
    ref = x if knots_from is None else knots_from
    n_interior = df - 2
    probs = np.linspace(0.0, 1.0, n_interior + 2)[1:-1]
    knots = np.concatenate([[ref.min()], np.quantile(ref, probs), [ref.max()]])
    last = knots[-1]

    def d(k: int) -> np.ndarray:
        return (np.clip(x - knots[k], 0, None) ** 3 - np.clip(x - last, 0, None) ** 3) / (last - knots[k])

    columns = [np.ones_like(x), x]
    columns += [d(k) - d(len(knots) - 2) for k in range(len(knots) - 2)]
    return np.column_stack(columns)


def fit_f_dist(x, df1, *, covariate=None) -> tuple[np.ndarray | float, float]:
    """Moment estimation of a scaled F distribution for variances (limma ``fitFDist``).

    ``x`` are sample variances on ``df1`` degrees of freedom; the prior is
    ``s0² · F(df1, df2)``. Returns ``(scale, df2)``; the scale is a vector along the
    covariate when one is given (a natural-spline trend with up to 4 df, as limma).

    References
    ----------
    Smyth GK (2004). Linear models and empirical Bayes methods for assessing differential
    expression in microarray experiments. Stat Appl Genet Mol Biol 3, Article 3.
    """
    x = np.asarray(x, dtype=float)
    n = x.size
    if n == 0:
        return np.nan, np.nan
    if n == 1:
        return float(x[0]), 0.0
    df1 = np.broadcast_to(np.asarray(df1, dtype=float), x.shape)
    ok = np.isfinite(df1) & (df1 > 1e-15) & np.isfinite(x) & (x > -1e-15)
    n_ok = int(ok.sum())
    if n_ok == 0:
        return np.nan, np.nan
    if n_ok == 1:
        return float(x[ok][0]), 0.0
    cov = None
    spline_df = 1
    if covariate is not None:
        cov = np.asarray(covariate, dtype=float)
        if cov.shape != x.shape:
            raise InputError("fit_f_dist: covariate must have one value per variance")
        if np.isnan(cov).any():
            raise InputError("fit_f_dist: the covariate has missing values")
        spline_df = 1 + (n_ok >= 3) + (n_ok >= 6) + (n_ok >= 30)
        spline_df = min(spline_df, len(np.unique(cov[ok])))
        if spline_df < 2:
            scale, df2 = fit_f_dist(x, df1)
            return np.full(n, scale), df2
    xs = np.maximum(x[ok], 0.0)
    d1 = df1[ok]
    m = np.median(xs)
    if m == 0:
        warnings.warn("More than half of residual variances are exactly zero: eBayes unreliable",
                      stacklevel=2)
        m = 1.0
    elif np.any(xs == 0):
        warnings.warn("Zero sample variances detected, have been offset away from zero", stacklevel=2)
    xs = np.maximum(xs, 1e-5 * m)
    e = np.log(xs) - special.digamma(d1 / 2) + np.log(d1 / 2)
    if cov is None:
        emean = e.mean()
        evar = np.sum((e - emean) ** 2) / (n_ok - 1)
    else:
        basis = _natural_spline_basis(cov[ok], spline_df)
        beta, _, rank, _ = np.linalg.lstsq(basis, e, rcond=None)
        evar = np.sum((e - basis @ beta) ** 2) / (n_ok - rank)
        emean = _natural_spline_basis(cov, spline_df, knots_from=cov[ok]) @ beta
    evar -= np.mean(special.polygamma(1, d1 / 2))
    if evar > 0:
        df2 = float(2 * trigamma_inverse(evar)[0])
        scale = np.exp(emean + special.digamma(df2 / 2) - np.log(df2 / 2))
    else:
        df2 = np.inf
        scale = np.mean(xs) if cov is None else np.exp(emean)
    if cov is None:
        scale = float(scale)
    return scale, df2


def squeeze_var(var, df, *, covariate=None) -> tuple[np.ndarray, np.ndarray | float, float]:
    """Empirical-Bayes posterior variances (limma ``squeezeVar``, non-robust).

    Returns ``(var_post, var_prior, df_prior)`` where
    ``var_post = (df·var + df_prior·var_prior) / (df + df_prior)``.

    References
    ----------
    Smyth GK (2004). Stat Appl Genet Mol Biol 3, Article 3.
    """
    var = np.asarray(var, dtype=float).copy()
    n = var.size
    if n == 0:
        raise InputError("squeeze_var: no variances")
    if n == 1:
        return var, var, 0.0
    df_arr = np.asarray(df, dtype=float)
    if df_arr.ndim and df_arr.size > 1:
        var[df_arr == 0] = 0.0
    var_prior, df_prior = fit_f_dist(var, df_arr, covariate=covariate)
    if np.isnan(df_prior):
        raise InputError("squeeze_var: could not estimate the prior degrees of freedom")
    if np.isfinite(df_prior):
        var_post = (df_arr * var + df_prior * var_prior) / (df_arr + df_prior)
    else:
        var_post = np.broadcast_to(np.asarray(var_prior, dtype=float), var.shape).copy()
    return var_post, var_prior, df_prior


# ---------------------------------------------------------------------------------------
# eBayes
# ---------------------------------------------------------------------------------------

@dataclass(repr=False)
class EBayesFit(Result):
    """Moderated statistics of a linear-model fit (limma's ``MArrayLM`` after ``eBayes``).

    Attributes
    ----------
    fit
        The :class:`omics.rnaseq.LinearModelFit` that was moderated.
    df_prior, s2_prior
        Prior degrees of freedom and prior variance (a per-gene Series with ``trend``).
    var_prior
        Prior variance of the non-zero coefficients (one per coefficient), for ``B``.
    s2_post
        Posterior (moderated) residual variances.
    t, p_value, lods
        Moderated t, its two-sided p-value and the log-odds of differential
        expression ``B``; genes × coefficients.
    df_total
        ``df_residual + df_prior``, capped at the pooled residual df.
    proportion
        Assumed proportion of differentially expressed genes.
    """

    fit: object
    df_prior: float
    s2_prior: float | pd.Series
    var_prior: pd.Series
    s2_post: pd.Series
    t: pd.DataFrame
    df_total: pd.Series
    p_value: pd.DataFrame
    lods: pd.DataFrame
    proportion: float

    @property
    def coefficients(self) -> pd.DataFrame:
        return self.fit.coefficients

    _file_stem = "ebayes"

    def to_frame(self) -> pd.DataFrame:
        """Long table: gene, coefficient, estimate, moderated t, p-value and B."""
        parts = {"estimate": self.coefficients, "t": self.t, "p_value": self.p_value, "B": self.lods}
        long = pd.concat({k: v.stack(future_stack=True) for k, v in parts.items()}, axis=1)
        long.index.names = ["gene", "coefficient"]
        return long.reset_index()

    @property
    def summary(self) -> pd.DataFrame:
        """One row: genes, prior df and (median) prior variance, proportion of DE genes."""
        s2 = self.s2_prior if np.isscalar(self.s2_prior) else float(np.median(self.s2_prior))
        return pd.DataFrame([{"n_genes": int(self.t.shape[0]), "coefficients": ", ".join(map(str, self.t.columns)),
                              "df_prior": float(np.median(self.df_prior)), "s2_prior": s2,
                              "proportion": self.proportion}])

    def _short(self) -> str:
        s2 = self.s2_prior if np.isscalar(self.s2_prior) else float(np.median(self.s2_prior))
        return (f"{self.t.shape[0]} genes, coefficients {list(self.t.columns)}, "
                f"df_prior={float(np.median(self.df_prior)):.4g}, s2_prior={s2:.4g}")


def _tmixture_vector(tstat, stdev_unscaled, df, proportion, v0_lim) -> float:
    keep = ~np.isnan(tstat)
    tstat, stdev_unscaled, df = tstat[keep], stdev_unscaled[keep], df[keep]
    n_genes = tstat.size
    n_target = int(np.ceil(proportion / 2 * n_genes))
    if n_target < 1:
        return np.nan
    p = max(n_target / n_genes, proportion)
    tstat = np.abs(tstat).copy()
    max_df = np.max(df)
    lower = df < max_df
    if lower.any():
        tail = stats.t.logsf(tstat[lower], df[lower])
        tstat[lower] = stats.t.isf(np.exp(tail), max_df)
    order = np.argsort(-tstat, kind="stable")[:n_target]
    tstat = tstat[order]
    v1 = stdev_unscaled[order] ** 2
    rank = np.arange(1, n_target + 1)
    p0 = 2 * stats.t.sf(tstat, max_df)
    p_target = ((rank - 0.5) / n_genes - (1 - p) * p0) / p
    v0 = np.zeros(n_target)
    pos = p_target > p0
    if pos.any():
        q_target = stats.t.isf(p_target[pos] / 2, max_df)
        v0[pos] = v1[pos] * ((tstat[pos] / q_target) ** 2 - 1)
    if v0_lim is not None:
        v0 = np.clip(v0, v0_lim[0], v0_lim[1])
    return float(np.mean(v0))


def ebayes(fit, *, proportion: float = 0.01, stdev_coef_lim: tuple[float, float] = (0.1, 4.0),
           trend: bool = False) -> EBayesFit:
    """Empirical-Bayes moderation of a gene-wise linear model (limma ``eBayes``).

    Parameters
    ----------
    fit
        A :class:`omics.rnaseq.LinearModelFit` (``omics.rnaseq.lm_fit``): coefficients,
        unscaled standard deviations, residual SDs and df, genes in rows.
    proportion
        Prior proportion of differentially expressed genes (for ``B``).
    stdev_coef_lim
        Limits on the prior standard deviation of a non-zero log fold change, in units of
        the prior residual SD (as limma).
    trend
        If true, the prior variance follows a smooth trend in the average expression
        (``amean``), limma-trend; ``eBayes(trend = TRUE)``.

    Returns
    -------
    EBayesFit
        Moderated t, p-values, log-odds ``B`` and the hyperparameters.

    Notes
    -----
    Follows limma 3.54 ``.ebayes``: ``squeezeVar`` (non-robust ``fitFDist`` moment
    estimates), ``t = coef / stdev_unscaled / sqrt(s2_post)`` on ``df_residual + df_prior``
    (capped at the pooled df), ``var_prior`` from ``tmixture.matrix`` and ``B`` from the
    mixture likelihood ratio (with the limiting form when ``df_prior > 1e6``). The robust
    variant (``robust = TRUE``) is not offered.

    References
    ----------
    Smyth GK (2004). Linear models and empirical Bayes methods for assessing differential
    expression in microarray experiments. Stat Appl Genet Mol Biol 3, Article 3.
    Phipson B et al. (2016). Robust hyperparameter estimation protects against
    hypervariable genes and improves power to detect differential expression.
    Ann Appl Stat 10, 946–963.
    """
    if not 0 < proportion < 1:
        raise InputError(f"proportion must lie in (0, 1), got {proportion}")
    coef = fit.coefficients
    stdev = fit.stdev_unscaled.to_numpy(dtype=float)
    sigma = fit.sigma.to_numpy(dtype=float)
    df_res = fit.df_residual.to_numpy(dtype=float)
    if np.nanmax(df_res) == 0:
        raise InputError("eBayes: no residual degrees of freedom in the linear model fits")
    if not np.isfinite(sigma).any():
        raise InputError("eBayes: no finite residual standard deviations")
    covariate = fit.amean.to_numpy(dtype=float) if trend else None
    s2_post, s2_prior, df_prior = squeeze_var(sigma ** 2, df_res, covariate=covariate)
    s2_post = np.asarray(s2_post, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = coef.to_numpy(dtype=float) / stdev / np.sqrt(s2_post)[:, None]
    df_total = np.minimum(df_res + df_prior, np.nansum(df_res))
    p_value = 2 * stats.t.sf(np.abs(t), df_total[:, None])
    var_prior_lim = np.asarray(stdev_coef_lim, dtype=float) ** 2 / np.median(s2_prior)
    var_prior = np.array([
        _tmixture_vector(t[:, j], stdev[:, j], df_total, proportion, var_prior_lim)
        for j in range(t.shape[1])])
    if np.isnan(var_prior).any():
        fallback = 1.0 / np.broadcast_to(np.asarray(s2_prior, dtype=float), var_prior.shape)
        var_prior = np.where(np.isnan(var_prior), fallback, var_prior)
        warnings.warn("Estimation of var.prior failed - set to default value", stacklevel=2)
    lods = _log_odds(t, stdev, var_prior, df_total, df_prior, proportion)
    genes, names = coef.index, coef.columns
    s2_prior_out = (float(s2_prior) if np.ndim(s2_prior) == 0
                    else pd.Series(s2_prior, index=genes, name="s2_prior"))
    return EBayesFit(
        fit=fit, df_prior=float(df_prior), s2_prior=s2_prior_out,
        var_prior=pd.Series(var_prior, index=names, name="var_prior"),
        s2_post=pd.Series(s2_post, index=genes, name="s2_post"),
        t=pd.DataFrame(t, index=genes, columns=names),
        df_total=pd.Series(df_total, index=genes, name="df_total"),
        p_value=pd.DataFrame(p_value, index=genes, columns=names),
        lods=pd.DataFrame(lods, index=genes, columns=names),
        proportion=proportion)


def _log_odds(t, stdev, var_prior, df_total, df_prior, proportion) -> np.ndarray:
    """limma's B statistic: log posterior odds that a coefficient is non-zero."""
    r = (stdev ** 2 + var_prior[None, :]) / stdev ** 2
    t2 = t ** 2
    dft = df_total[:, None]
    if df_prior > 1e6:
        kernel = t2 * (1 - 1 / r) / 2
    else:
        kernel = (1 + dft) / 2 * np.log((t2 + dft) / (t2 / r + dft))
    return np.log(proportion / (1 - proportion)) - np.log(r) / 2 + kernel


# ---------------------------------------------------------------------------------------
# topTable
# ---------------------------------------------------------------------------------------

TOPTABLE_COLUMNS = ["logFC", "AveExpr", "t", "P.Value", "adj.P.Val", "B"]


def top_table(eb: EBayesFit, *, coef: str | int | None = None, sort_by: str = "B",
              number: int | None = None) -> pd.DataFrame:
    """One coefficient's table, as limma ``topTable(fit, coef, number = Inf)``.

    Parameters
    ----------
    eb
        Result of :func:`ebayes`.
    coef
        Coefficient name or position (default: the last column of the design, the
        group effect in a ``~ group`` design).
    sort_by
        ``"B"`` (limma's default), ``"p"``, ``"logFC"`` (absolute value), ``"t"``
        (absolute value) or ``"none"``.
    number
        Number of top genes to return (default: all).

    Returns
    -------
    pandas.DataFrame
        Index ``gene``; columns ``logFC, AveExpr, t, P.Value, adj.P.Val, B`` where
        ``adj.P.Val`` is Benjamini–Hochberg over all genes.

    References
    ----------
    Ritchie ME et al. (2015). limma powers differential expression analyses for
    RNA-sequencing and microarray studies. Nucleic Acids Res 43, e47.
    """
    names = list(eb.t.columns)
    if coef is None:
        coef = names[-1]
    if isinstance(coef, (int, np.integer)):
        coef = names[coef]
    if coef not in names:
        raise InputError(f"top_table: coefficient {coef!r} not in the fit; available: {names}")
    table = pd.DataFrame({
        "logFC": eb.fit.coefficients[coef],
        "AveExpr": eb.fit.amean,
        "t": eb.t[coef],
        "P.Value": eb.p_value[coef],
        "adj.P.Val": bh_adjust(eb.p_value[coef].to_numpy()),
        "B": eb.lods[coef],
    })
    table.index.name = "gene"
    keys = {"B": ("B", False), "p": ("P.Value", True), "logFC": ("logFC", False),
            "t": ("t", False), "none": (None, True)}
    if sort_by not in keys:
        raise InputError(f"top_table: sort_by must be one of {sorted(keys)}, got {sort_by!r}")
    column, ascending = keys[sort_by]
    if column is not None:
        key = table[column].abs() if column in ("logFC", "t") else table[column]
        table = table.loc[key.sort_values(ascending=ascending, kind="stable").index]
    return table if number is None else table.head(number)
