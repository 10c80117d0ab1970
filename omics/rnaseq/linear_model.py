"""Gene-wise linear models as limma's ``lmFit`` (ordinary and weighted least squares).

Orientation: expression is **samples × genes** (patients are rows); R's limma uses
genes × samples, so results are transposed at the boundary.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from omics._result import Result
from omics.data.validate import InputError

#: Tolerance of R's ``lm.fit`` (LINPACK dqrdc2) for declaring a column aliased.
QR_TOLERANCE = 1e-7


@dataclass(repr=False)
class LinearModelFit(Result):
    """Result of :func:`lm_fit` (limma's ``MArrayLM``), genes in rows.

    Attributes
    ----------
    coefficients
        Estimated coefficients, genes × coefficients (NaN for non-estimable ones).
    stdev_unscaled
        Unscaled standard deviations ``sqrt(diag((X'WX)^-1))``, genes × coefficients.
    sigma
        Residual standard deviation per gene (NaN without residual degrees of freedom).
    df_residual
        Residual degrees of freedom per gene.
    amean
        Average log-expression per gene (mean over samples, NaN ignored).
    design
        The design matrix, samples × coefficients.
    cov_coefficients
        Unscaled covariance ``(X'X)^-1`` of the estimable coefficients of the unweighted
        design (as limma, also reported for weighted fits).
    """

    coefficients: pd.DataFrame
    stdev_unscaled: pd.DataFrame
    sigma: pd.Series
    df_residual: pd.Series
    amean: pd.Series
    design: pd.DataFrame
    cov_coefficients: pd.DataFrame | None = None
    rank: int = field(default=0)

    def to_frame(self) -> pd.DataFrame:
        """One row per gene: coefficients, unscaled SDs, sigma, df and mean expression."""
        out = self.coefficients.add_prefix("coef_")
        out = out.join(self.stdev_unscaled.add_prefix("stdev_unscaled_"))
        return out.assign(sigma=self.sigma, df_residual=self.df_residual, amean=self.amean)

    def fitted_values(self) -> pd.DataFrame:
        """Fitted log-expression, samples × genes (non-estimable coefficients ignored)."""
        coef = self.coefficients.fillna(0.0).to_numpy()
        return pd.DataFrame(self.design.to_numpy() @ coef.T, index=self.design.index,
                            columns=self.coefficients.index)

    _file_stem = "lm_fit"

    @property
    def summary(self) -> pd.DataFrame:
        """Per coefficient: genes where it was estimated, and the median estimate and unscaled SD."""
        return pd.DataFrame({"n_genes": self.coefficients.notna().sum(),
                             "median": self.coefficients.median(),
                             "median_stdev_unscaled": self.stdev_unscaled.median()}).rename_axis("coefficient")

    def _short(self) -> str:
        return (f"{self.coefficients.shape[0]} genes, coefficients {list(self.coefficients.columns)}, "
                f"rank {self.rank}")


def as_design(design, samples: pd.Index) -> pd.DataFrame:
    """Coerce a design (DataFrame or array, samples × coefficients) to a float DataFrame."""
    if design is None:
        return pd.DataFrame({"GrandMean": np.ones(len(samples))}, index=samples)
    if isinstance(design, pd.DataFrame):
        if len(design) != len(samples):
            raise InputError(f"design has {len(design)} rows but the expression has "
                             f"{len(samples)} samples")
        if not design.index.equals(samples):
            if set(map(str, design.index)) == set(map(str, samples)):
                design = design.set_axis(design.index.map(str)).loc[list(map(str, samples))]
            design = design.set_axis(samples)
        non_numeric = [c for c in design.columns if not pd.api.types.is_numeric_dtype(design[c])]
        if non_numeric:
            raise InputError(f"design must be numeric; non-numeric column(s) {non_numeric} "
                             "(encode factors as indicator columns)")
        out = design.astype(float)
        out.columns = [str(c) for c in out.columns]
    else:
        values = np.asarray(design, dtype=float)
        if values.ndim == 1:
            values = values[:, None]
        if values.shape[0] != len(samples):
            raise InputError(f"design has {values.shape[0]} rows but the expression has "
                             f"{len(samples)} samples")
        out = pd.DataFrame(values, index=samples,
                           columns=[f"x{i + 1}" for i in range(values.shape[1])])
    if not np.isfinite(out.to_numpy()).all():
        raise InputError("design: NaN or infinite values are not allowed")
    return out


def estimable_columns(design: np.ndarray, *, tol: float = QR_TOLERANCE) -> np.ndarray:
    """Indices of design columns kept by R's limited-pivoting QR (dqrdc2).

    A column whose norm, after projecting out the columns already kept, falls below
    ``tol`` times its original norm is aliased (moved to the end by R, coefficient NA).
    """
    kept: list[int] = []
    basis = np.zeros((design.shape[0], 0))
    for j in range(design.shape[1]):
        col = design[:, j]
        norm = np.linalg.norm(col)
        resid = col - basis @ (basis.T @ col) if basis.shape[1] else col
        if norm > 0 and np.linalg.norm(resid) >= tol * norm:
            kept.append(j)
            basis = np.column_stack([basis, resid / np.linalg.norm(resid)])
    return np.asarray(kept, dtype=int)


def _unweighted_fit(y: np.ndarray, x: np.ndarray):
    """OLS for all genes at once; y is samples × genes, x samples × p (full rank)."""
    q, r = np.linalg.qr(x)
    effects = q.T @ y
    coef = np.linalg.solve(r, effects)
    resid = y - x @ coef
    r_inv = np.linalg.inv(r)
    cov = r_inv @ r_inv.T
    return coef.T, resid, cov


def _weighted_fit(y: np.ndarray, x: np.ndarray, w: np.ndarray):
    """WLS per gene by batched QR; y, w are samples × genes, x samples × p."""
    sw = np.sqrt(w.T)                                  # genes × samples
    xw = sw[:, :, None] * x[None, :, :]                # genes × samples × p
    yw = (sw * y.T)[:, :, None]                        # genes × samples × 1
    q, r = np.linalg.qr(xw)
    qty = np.matmul(np.swapaxes(q, 1, 2), yw)          # genes × p × 1
    coef = np.linalg.solve(r, qty)[:, :, 0]            # genes × p
    resid_w = yw[:, :, 0] - np.matmul(q, qty)[:, :, 0]
    eye = np.broadcast_to(np.eye(x.shape[1]), r.shape)
    r_inv = np.linalg.solve(r, eye)
    stdev = np.sqrt(np.einsum("gij,gij->gi", r_inv, r_inv))
    return coef, resid_w, stdev


def _single_gene_fit(y: np.ndarray, x: np.ndarray, w: np.ndarray | None):
    """Fit one gene on its observed samples (missing values or zero weights)."""
    obs = np.isfinite(y) if w is None else np.isfinite(y) & np.isfinite(w) & (w > 0)
    p = x.shape[1]
    coef = np.full(p, np.nan)
    stdev = np.full(p, np.nan)
    if not obs.any():
        return coef, stdev, np.nan, 0
    xo, yo = x[obs], y[obs]
    if w is not None:
        sw = np.sqrt(w[obs])
        xo, yo = xo * sw[:, None], yo * sw
    cols = estimable_columns(xo)
    q, r = np.linalg.qr(xo[:, cols])
    qty = q.T @ yo
    coef[cols] = np.linalg.solve(r, qty)
    r_inv = np.linalg.inv(r)
    stdev[cols] = np.sqrt((r_inv ** 2).sum(axis=1))
    df = int(obs.sum()) - len(cols)
    resid = yo - q @ qty
    sigma = np.sqrt((resid ** 2).sum() / df) if df > 0 else np.nan
    return coef, stdev, sigma, df


def _as_weights(weights, expr: pd.DataFrame) -> np.ndarray | None:
    if weights is None:
        return None
    if isinstance(weights, pd.DataFrame):
        if weights.shape != expr.shape:
            raise InputError(f"weights are {weights.shape[0]} × {weights.shape[1]} but the "
                             f"expression is {expr.shape[0]} × {expr.shape[1]} (samples × genes)")
        if weights.index.equals(expr.index) and weights.columns.equals(expr.columns):
            w = weights.to_numpy(dtype=float)
        else:
            w = weights.reindex(index=expr.index, columns=expr.columns).to_numpy(dtype=float)
    else:
        w = np.asarray(weights, dtype=float)
        if w.ndim == 1 and len(w) == expr.shape[0]:      # per-sample (array) weights
            w = np.repeat(w[:, None], expr.shape[1], axis=1)
        if w.shape != expr.shape:
            raise InputError(f"weights have shape {w.shape}; expected {expr.shape} (samples × genes)")
    if np.isnan(w).all():
        raise InputError("weights: all values are missing")
    return w


def lm_fit(expr, *, design=None, weights=None) -> LinearModelFit:
    """Fit a linear model to every gene, as ``limma::lmFit`` (method ``"ls"``).

    Parameters
    ----------
    expr
        Log-expression, **samples × genes** (DataFrame; an ndarray gets default names).
        Missing values are allowed (the gene is fitted on its observed samples).
    design
        Design matrix, samples × coefficients (DataFrame or array). ``None`` fits the
        grand mean only. Aliased (linearly dependent) columns get NaN coefficients, as in R.
    weights
        Precision weights, samples × genes (e.g. ``voom(...).weights``), or one weight per
        sample, or ``None``. Weights ≤ 0 drop the observation, as in limma.

    Returns
    -------
    LinearModelFit
        Coefficients, unscaled standard deviations, residual SD, residual df and the
        average expression per gene.

    Notes
    -----
    Unweighted fits use one QR decomposition of the design for all genes; weighted fits
    a QR decomposition per gene of ``sqrt(w) X`` (batched in numpy), which is what
    limma's ``lm.series`` does gene by gene with ``lm.wfit``. Residual SD is
    ``sqrt(RSS_w / df)``.

    References
    ----------
    Smyth GK (2004). Linear models and empirical Bayes methods for assessing differential
    expression in microarray experiments. Stat Appl Genet Mol Biol 3, Article 3.
    Ritchie ME et al. (2015). limma powers differential expression analyses for
    RNA-sequencing and microarray studies. Nucleic Acids Res 43, e47.
    """
    if not isinstance(expr, pd.DataFrame):
        expr = pd.DataFrame(np.asarray(expr, dtype=float))
    if expr.shape[0] == 0 or expr.shape[1] == 0:
        raise InputError(f"expression matrix is empty ({expr.shape[0]} × {expr.shape[1]})")
    y = expr.to_numpy(dtype=float)
    design_df = as_design(design, expr.index)
    x_full = design_df.to_numpy()
    w = _as_weights(weights, expr)
    genes = expr.columns
    p = x_full.shape[1]
    cols = estimable_columns(x_full)
    if len(cols) < p:
        missing = [design_df.columns[j] for j in range(p) if j not in set(cols)]
        import warnings
        warnings.warn(f"coefficients not estimable: {' '.join(missing)}", stacklevel=2)
    x = x_full[:, cols]
    rank = len(cols)
    n = y.shape[0]

    coef = np.full((y.shape[1], p), np.nan)
    stdev = np.full((y.shape[1], p), np.nan)
    sigma = np.full(y.shape[1], np.nan)
    df = np.zeros(y.shape[1])

    complete = np.isfinite(y).all(axis=0)
    if w is not None:
        complete &= (np.isfinite(w) & (w > 0)).all(axis=0)
    idx = np.flatnonzero(complete)
    cov = None
    q_d, r_d = np.linalg.qr(x)
    r_inv = np.linalg.inv(r_d)
    cov_est = r_inv @ r_inv.T
    if len(idx):
        if w is None:
            c, resid, _ = _unweighted_fit(y[:, idx], x)
            coef[np.ix_(idx, cols)] = c
            stdev[np.ix_(idx, cols)] = np.sqrt(np.diag(cov_est))[None, :]
        else:
            c, resid_w, s = _weighted_fit(y[:, idx], x, w[:, idx])
            coef[np.ix_(idx, cols)] = c
            stdev[np.ix_(idx, cols)] = s
            resid = resid_w.T
        df[idx] = n - rank
        if n - rank > 0:
            sigma[idx] = np.sqrt((resid ** 2).sum(axis=0) / (n - rank))
    for g in np.flatnonzero(~complete):
        c, s, sg, d = _single_gene_fit(y[:, g], x_full, None if w is None else w[:, g])
        coef[g], stdev[g], sigma[g], df[g] = c, s, sg, d
    names = list(design_df.columns)
    cov = pd.DataFrame(cov_est, index=[names[j] for j in cols], columns=[names[j] for j in cols])
    with np.errstate(all="ignore"):
        amean = np.nanmean(np.where(np.isfinite(y), y, np.nan), axis=0)
    return LinearModelFit(
        coefficients=pd.DataFrame(coef, index=genes, columns=names),
        stdev_unscaled=pd.DataFrame(stdev, index=genes, columns=names),
        sigma=pd.Series(sigma, index=genes, name="sigma"),
        df_residual=pd.Series(df, index=genes, name="df_residual"),
        amean=pd.Series(amean, index=genes, name="amean"),
        design=design_df,
        cov_coefficients=cov,
        rank=rank,
    )
