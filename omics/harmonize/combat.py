"""Empirical-Bayes batch correction (ComBat) for samples × features tables.

One implementation serves RNA-seq log-expression (for clustering inputs) and radiomic
feature tables: :func:`combat` corrects a table in one go (``sva::ComBat`` parity) and
:class:`ComBat` learns the batch parameters on training samples and applies them,
frozen, to new samples.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin

from omics._result import EstimatorResult
from omics.data.convert import as_samples_by_features
from omics.data.validate import InputError, _examples

#: Convergence criterion of ``sva:::it.sol`` (relative change of gamma* and delta*).
CONVERGENCE = 1e-4
#: Genes per block in the non-parametric prior integration (memory ~ block × genes).
NONPARAMETRIC_BLOCK = 512


# --------------------------------------------------------------------------------------
# inputs
# --------------------------------------------------------------------------------------

def _known_ids(*values):
    """Sample IDs named by labelled batch/covariate inputs (to refuse a transposed table)."""
    for v in values:
        if isinstance(v, (pd.Series, pd.DataFrame)):
            return v.index
    return None


def _align(values, index: pd.Index, what: str) -> pd.Series | pd.DataFrame:
    """Align a Series/DataFrame on ``index`` by label, or take an array in row order."""
    if isinstance(values, (pd.Series, pd.DataFrame)):
        values = values.set_axis(values.index.map(str))      # sample IDs are text (the converter's rule)
        if values.index.equals(index):
            return values
        missing = index.difference(values.index)
        if len(missing) == 0:
            return values.loc[index]
        if len(values) == len(index) and not set(map(str, values.index)) & set(map(str, index)):
            return values.set_axis(index)          # unrelated (e.g. RangeIndex): row order
        raise InputError(f"{what}: no value for {len(missing)} sample(s): {_examples(missing)}")
    arr = np.asarray(values)
    if len(arr) != len(index):
        raise InputError(f"{what}: {len(arr)} values for {len(index)} samples")
    if arr.ndim == 1:
        return pd.Series(arr, index=index)
    return pd.DataFrame(arr, index=index)


def _as_batch(batch, index: pd.Index) -> pd.Series:
    b = _align(batch, index, "batch")
    if isinstance(b, pd.DataFrame):
        if b.shape[1] != 1:
            raise InputError("batch: give one batch variable (a single column)")
        b = b.iloc[:, 0]
    missing = b.index[b.isna()]
    if len(missing):
        raise InputError(f"batch: missing batch for {len(missing)} sample(s): {_examples(missing)}")
    return b.astype(str).rename("batch")


def _covariate_frame(covariates, index: pd.Index) -> pd.DataFrame | None:
    if covariates is None:
        return None
    cov = _align(covariates, index, "covariates")
    if isinstance(cov, pd.Series):
        cov = cov.to_frame(cov.name if cov.name is not None else "covariate")
    cov.columns = [str(c) for c in cov.columns]
    if cov.shape[1] == 0:
        return None
    na = cov.isna().any(axis=1)
    if na.any():
        cols = [c for c in cov.columns if cov[c].isna().any()]
        raise InputError(f"covariates: missing values in {cols} for {int(na.sum())} sample(s): "
                         f"{_examples(cov.index[na])}")
    return cov


@dataclass(frozen=True)
class _CovariateEncoding:
    """How covariates become design columns (R ``model.matrix``, treatment contrasts)."""

    numeric: tuple[str, ...]
    levels: dict  # categorical column -> ordered levels (first is the reference)

    @classmethod
    def learn(cls, cov: pd.DataFrame | None) -> "_CovariateEncoding":
        if cov is None:
            return cls((), {})
        numeric, levels = [], {}
        for col in cov.columns:
            series = cov[col]
            if pd.api.types.is_bool_dtype(series) or not pd.api.types.is_numeric_dtype(series):
                if isinstance(series.dtype, pd.CategoricalDtype):
                    lv = [str(x) for x in series.cat.categories if (series == x).any()]
                else:
                    lv = sorted(series.astype(str).unique())
                levels[col] = lv
            else:
                numeric.append(col)
        return cls(tuple(numeric), levels)

    def design(self, cov: pd.DataFrame | None, index: pd.Index) -> pd.DataFrame:
        if cov is None:
            return pd.DataFrame(index=index)
        parts = {}
        for col in cov.columns:
            if col in self.levels:
                values = cov[col].astype(str)
                unknown = sorted(set(values) - set(self.levels[col]))
                if unknown:
                    raise InputError(f"covariate {col!r}: level(s) {unknown} were not seen when "
                                     f"fitting (known: {self.levels[col]})")
                for level in self.levels[col][1:]:
                    parts[f"{col}[{level}]"] = (values == level).astype(float)
            elif col in self.numeric:
                parts[col] = cov[col].astype(float)
            else:
                raise InputError(f"covariate {col!r} was not given when fitting")
        return pd.DataFrame(parts, index=index)

    def source_of(self, column: str) -> str:
        return column.split("[", 1)[0]


def _rank(x: np.ndarray) -> int:
    return int(np.linalg.matrix_rank(x)) if x.size else 0


def _check_design(batch_design: np.ndarray, cov_design: pd.DataFrame) -> None:
    """Refuse covariates confounded with batch (or with each other), naming them."""
    design = np.column_stack([batch_design, cov_design.to_numpy()])
    if _rank(design) == design.shape[1]:
        return
    confounded = [c for c in cov_design.columns
                  if _rank(np.column_stack([batch_design, cov_design[[c]].to_numpy()]))
                  < batch_design.shape[1] + 1]
    if confounded:
        raise InputError(
            f"covariate(s) {sorted({c.split('[', 1)[0] for c in confounded})} are confounded "
            "with batch (they are constant within batches or determined by them): ComBat "
            "would remove the biology with the batch. Remove them from the covariates, or "
            "choose another batch variable")
    if _rank(cov_design.to_numpy()) < cov_design.shape[1]:
        raise InputError("the covariates are confounded with each other (collinear design); "
                         "remove one or more covariates")
    raise InputError("a combination of covariates is confounded with batch; remove "
                     "confounded covariates")


# --------------------------------------------------------------------------------------
# empirical Bayes
# --------------------------------------------------------------------------------------

def _postmean(g_hat, g_bar, n, d_star, t2):
    return (t2 * n * g_hat + d_star * g_bar) / (t2 * n + d_star)


def _postvar(sum2, n, a, b):
    return (0.5 * sum2 + b) / (n / 2.0 + a - 1.0)


def _a_prior(delta_hat: np.ndarray) -> float:
    m, s2 = delta_hat.mean(), delta_hat.var(ddof=1)
    return (2 * s2 + m ** 2) / s2


def _b_prior(delta_hat: np.ndarray) -> float:
    m, s2 = delta_hat.mean(), delta_hat.var(ddof=1)
    return (m * s2 + m ** 3) / s2


def _parametric(s_batch: np.ndarray, g_hat, d_hat, g_bar, t2, a, b, conv=CONVERGENCE):
    """Iterative posterior means (``sva:::it.sol``); ``s_batch`` is samples × genes."""
    n = s_batch.shape[0]
    g_old, d_old = g_hat, d_hat
    while True:
        g_new = _postmean(g_hat, g_bar, n, d_old, t2)
        sum2 = ((s_batch - g_new[None, :]) ** 2).sum(axis=0)
        d_new = _postvar(sum2, n, a, b)
        with np.errstate(divide="ignore", invalid="ignore"):
            change = np.max(np.concatenate([np.abs(g_new - g_old) / g_old,
                                            np.abs(d_new - d_old) / d_old]))
        g_old, d_old = g_new, d_new
        if not change > conv:       # also stops on NaN, where R would error
            return g_new, d_new


def _nonparametric(s_batch: np.ndarray, g_hat: np.ndarray, d_hat: np.ndarray,
                   block: int = NONPARAMETRIC_BLOCK):
    """Non-parametric empirical Bayes (``sva:::int.eprior``), vectorised by blocks.

    For gene i the prior is the empirical distribution of the other genes' (γ̂, δ̂); the
    likelihood of gene i's standardised values under each is Gaussian. Computed in log
    space (scaled by the maximum) so that it equals R where R's products do not underflow.
    """
    n, g = s_batch.shape
    mean = s_batch.mean(axis=0)
    within = ((s_batch - mean[None, :]) ** 2).sum(axis=0)
    log_norm = -0.5 * n * np.log(2 * np.pi * d_hat)             # per prior gene j
    g_star = np.empty(g)
    d_star = np.empty(g)
    for start in range(0, g, block):
        rows = np.arange(start, min(start + block, g))
        sum2 = within[rows, None] + n * (mean[rows, None] - g_hat[None, :]) ** 2
        log_lh = log_norm[None, :] - sum2 / (2 * d_hat[None, :])
        log_lh[np.arange(len(rows)), rows] = -np.inf                 # leave gene i out
        log_lh -= log_lh.max(axis=1, keepdims=True)
        lh = np.exp(log_lh)
        total = lh.sum(axis=1)
        g_star[rows] = lh @ g_hat / total
        d_star[rows] = lh @ d_hat / total
    return g_star, d_star


# --------------------------------------------------------------------------------------
# the estimator
# --------------------------------------------------------------------------------------

class ComBat(EstimatorResult, TransformerMixin, BaseEstimator):
    """ComBat batch correction as a scikit-learn style estimator (fit on train, apply to new).

    ``fit`` estimates, on the training samples, the covariate effects, the pooled
    variance and the empirical-Bayes batch location/scale (γ*, δ*) of every feature;
    ``transform`` applies these frozen parameters to any samples of the known batches.
    ``ComBat().fit(X, b).transform(X, b)`` equals ``sva::ComBat(t(X), b)``.

    A scikit-learn estimator (``BaseEstimator`` + ``TransformerMixin``: ``get_params``,
    ``set_params``, ``clone``) whose ``fit``/``transform`` take the batch (and covariates)
    as extra arguments, and a result (``to_frame``, ``summary``, ``write``) once fitted.

    Parameters
    ----------
    parametric
        Parametric priors (normal for γ, inverse gamma for δ²) as ``par.prior = TRUE``;
        ``False`` uses the non-parametric empirical prior.
    mean_only
        Adjust only the batch means (δ* = 1), as ``mean.only = TRUE``.
    ref_batch
        Reference batch: its samples are left unchanged and the others are aligned to it.

    Attributes
    ----------
    features_in_ : pandas.Index
        Feature names seen in ``fit``.
    batches_ : list of str
        Batch levels (sorted, as R factor levels).
    adjusted_ : pandas.Series
        Boolean per feature; False for features constant within a training batch (left
        unadjusted, as sva does).
    gamma_star_, delta_star_ : pandas.DataFrame
        Batch location and scale, batches × (adjusted) features.
    gamma_hat_, delta_hat_ : pandas.DataFrame
        Per-batch estimates before shrinkage (for diagnostics).
    grand_mean_, var_pooled_ : pandas.Series
        Standardisation mean (without covariate effects) and pooled variance.
    coef_ : pandas.DataFrame
        Covariate coefficients (design columns × features).

    References
    ----------
    Johnson WE, Li C, Rabinovic A (2007). Adjusting batch effects in microarray expression
    data using empirical Bayes methods. Biostatistics 8, 118–127.
    Leek JT et al. sva: Surrogate Variable Analysis (R package), function ``ComBat``.
    Fortin J-P et al. (2018). Harmonization of cortical thickness measurements across
    scanners and sites. NeuroImage 167, 104–120 (fit/apply use of ComBat).
    """

    def __init__(self, *, parametric: bool = True, mean_only: bool = False, ref_batch=None):
        self.parametric = parametric
        self.mean_only = mean_only
        self.ref_batch = ref_batch

    # result vocabulary -----------------------------------------------------------
    def _check_fitted(self) -> None:
        if not hasattr(self, "gamma_star_"):
            raise RuntimeError("ComBat is not fitted; call fit(X, batch, covariates) first")

    @property
    def summary(self) -> pd.DataFrame:
        """Per batch: samples used in ``fit`` and the mean |γ*| and mean δ*² over features."""
        self._check_fitted()
        return pd.DataFrame({"n_samples": self.n_samples_per_batch_,
                             "mean_abs_gamma_star": self.gamma_star_.abs().mean(axis=1),
                             "mean_delta_star": self.delta_star_.mean(axis=1)}).rename_axis("batch")

    def write(self, out_dir) -> dict:
        """Write the learned parameters as ``batch_parameters.csv`` (as ``omics harmonize``)."""
        from pathlib import Path

        from omics.data.io import write_table

        self._check_fitted()
        return {"batch_parameters": write_table(self.to_frame(), Path(out_dir) / "batch_parameters.csv",
                                                index=False)}

    _fitted_attribute = "gamma_star_"

    def _short(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        if not hasattr(self, "gamma_star_"):
            return params
        return (f"{params}; fitted: {len(self.batches_)} batches, {len(self.features_in_)} features "
                f"({int(self.adjusted_.sum())} adjusted)")


    # helpers ---------------------------------------------------------------------
    def _batch_design(self, batch: pd.Series) -> np.ndarray:
        design = np.column_stack([(batch == level).to_numpy(dtype=float) for level in self.batches_])
        if self._ref_index is not None:
            design[:, self._ref_index] = 1.0
        return design

    def _stand_mean(self, cov_design: pd.DataFrame) -> np.ndarray:
        mean = np.broadcast_to(self._grand_mean, (len(cov_design), len(self._grand_mean)))
        if cov_design.shape[1]:
            mean = mean + cov_design.to_numpy() @ self._coef
        return mean

    # fit -------------------------------------------------------------------------
    def fit(self, X, batch, covariates=None) -> "ComBat":
        """Learn the batch parameters on training samples.

        Parameters
        ----------
        X
            **Samples × features** (DataFrame, AnnData — one MuData modality — or 2-D array);
            finite numbers only. Refused as transposed when its columns are the samples of ``batch``.
        batch
            One batch label per sample (Series aligned by sample ID, or an array in row order).
        covariates
            Biological covariates to protect, samples × covariates (numeric columns enter
            as they are, others as treatment-coded factors with the first level as reference).

        Returns
        -------
        ComBat
            ``self``, fitted.
        """
        data = as_samples_by_features(X, source="ComBat input",
                                      sample_ids=_known_ids(batch, covariates)).astype(float)
        b = _as_batch(batch, data.index)
        cov = _covariate_frame(covariates, data.index)
        counts = b.value_counts()
        if len(counts) < 2:
            raise InputError(f"batch: ComBat needs at least two batches; all samples are in "
                             f"{counts.index[0]!r}")
        singles = sorted(counts.index[counts == 1])
        if singles:
            raise InputError(f"batch: {len(singles)} batch(es) with a single sample ({_examples(singles)}): "
                             "a batch's scale cannot be estimated from one sample; merge it "
                             "with another batch or drop it")
        self.batches_ = sorted(counts.index)
        ref = None if self.ref_batch is None else str(self.ref_batch)
        if ref is not None and ref not in self.batches_:
            raise InputError(f"ref_batch {self.ref_batch!r} is not one of the batches {self.batches_}")
        self._ref_index = None if ref is None else self.batches_.index(ref)
        self._encoding = _CovariateEncoding.learn(cov)
        cov_design = self._encoding.design(cov, data.index)
        if cov_design.shape[1]:
            constant_cov = list(cov_design.columns[cov_design.nunique() <= 1])
            if constant_cov:
                warnings.warn(f"ComBat: covariate column(s) {constant_cov} are constant in the "
                              "fitted samples and are left out of the model", stacklevel=2)
            cov_design = cov_design.loc[:, cov_design.nunique() > 1]
        batch_design = self._batch_design(b)
        _check_design(batch_design, cov_design)
        self._cov_columns = list(cov_design.columns)

        values = data.to_numpy()
        groups = [np.flatnonzero((b == level).to_numpy()) for level in self.batches_]
        constant = np.zeros(values.shape[1], dtype=bool)
        for rows in groups:
            block = values[rows]
            constant |= block.max(axis=0) == block.min(axis=0)   # R: var(x) == 0
        if constant.any():
            warnings.warn(f"ComBat: {int(constant.sum())} feature(s) are constant within a batch "
                          f"and are left unadjusted: {_examples(data.columns[constant])}",
                          stacklevel=2)
        self.features_in_ = data.columns
        self.adjusted_ = pd.Series(~constant, index=data.columns, name="adjusted")
        dat = values[:, ~constant]
        kept = data.columns[~constant]

        design = np.column_stack([batch_design, cov_design.to_numpy()])
        b_hat = np.linalg.solve(design.T @ design, design.T @ dat)      # p × genes
        n_batch = len(self.batches_)
        n_per = np.array([len(r) for r in groups], dtype=float)
        n = len(data)
        if self._ref_index is not None:
            grand_mean = b_hat[self._ref_index]
            rows = groups[self._ref_index]
            resid = dat[rows] - design[rows] @ b_hat
            var_pooled = (resid ** 2).mean(axis=0)
        else:
            grand_mean = (n_per / n) @ b_hat[:n_batch]
            var_pooled = ((dat - design @ b_hat) ** 2).mean(axis=0)
        self._grand_mean = grand_mean
        self._coef = b_hat[n_batch:]
        self._var_pooled = var_pooled
        stand_mean = self._stand_mean(cov_design)
        s_data = (dat - stand_mean) / np.sqrt(var_pooled)

        gamma_hat = np.linalg.solve(batch_design.T @ batch_design, batch_design.T @ s_data)
        if self.mean_only:
            delta_hat = np.ones_like(gamma_hat)
        else:
            delta_hat = np.vstack([s_data[rows].var(axis=0, ddof=1) for rows in groups])
        gamma_star = np.empty_like(gamma_hat)
        delta_star = np.empty_like(gamma_hat)
        gamma_bar = gamma_hat.mean(axis=1)
        t2 = gamma_hat.var(axis=1, ddof=1)
        for i, rows in enumerate(groups):
            if self.parametric:
                if self.mean_only:
                    gamma_star[i] = _postmean(gamma_hat[i], gamma_bar[i], 1.0, 1.0, t2[i])
                    delta_star[i] = 1.0
                else:
                    gamma_star[i], delta_star[i] = _parametric(
                        s_data[rows], gamma_hat[i], delta_hat[i], gamma_bar[i], t2[i],
                        _a_prior(delta_hat[i]), _b_prior(delta_hat[i]))
            else:
                gamma_star[i], delta_star[i] = _nonparametric(s_data[rows], gamma_hat[i], delta_hat[i])
        if self._ref_index is not None:
            gamma_star[self._ref_index] = 0.0
            delta_star[self._ref_index] = 1.0

        frame = lambda a: pd.DataFrame(a, index=self.batches_, columns=kept)  # noqa: E731
        self.gamma_hat_, self.delta_hat_ = frame(gamma_hat), frame(delta_hat)
        self.gamma_star_, self.delta_star_ = frame(gamma_star), frame(delta_star)
        self.grand_mean_ = pd.Series(grand_mean, index=kept, name="grand_mean")
        self.var_pooled_ = pd.Series(var_pooled, index=kept, name="var_pooled")
        self.coef_ = pd.DataFrame(self._coef, index=self._cov_columns, columns=kept)
        self.n_samples_per_batch_ = pd.Series(n_per.astype(int), index=self.batches_, name="n")
        return self

    # transform -------------------------------------------------------------------
    def transform(self, X, batch, covariates=None) -> pd.DataFrame:
        """Remove the learned batch effects from ``X`` (samples of the training batches).

        Samples of the reference batch (if any) and features left unadjusted in ``fit``
        are returned unchanged. ``X`` is never modified.
        """
        self._check_fitted()
        data = as_samples_by_features(X, source="ComBat input",
                                      sample_ids=_known_ids(batch, covariates)).astype(float)
        missing = self.features_in_.difference(data.columns)
        if len(missing):
            raise InputError(f"ComBat input lacks {len(missing)} feature(s) seen in fit: {_examples(missing)}")
        data = data[self.features_in_]
        b = _as_batch(batch, data.index)
        unknown = sorted(set(b) - set(self.batches_))
        if unknown:
            raise InputError(f"batch: level(s) {unknown} were not seen in fit (known: {self.batches_}); "
                             "ComBat parameters exist only for the training batches")
        cov = _covariate_frame(covariates, data.index)
        if self._cov_columns and cov is None:
            raise InputError(f"covariates: fit used covariates ({self._cov_columns}); give them to transform too")
        cov_design = self._encoding.design(cov, data.index)
        unfitted = [c for c in cov_design.columns
                    if c not in self._cov_columns and (cov_design[c] != 0).any()]
        if unfitted:
            raise InputError(f"covariates: {unfitted} had no variation among the fitted samples, "
                             "so their effect was not estimated; they cannot be applied to new samples")
        cov_design = cov_design.reindex(columns=self._cov_columns, fill_value=0.0)
        kept = self.adjusted_.to_numpy()
        dat = data.to_numpy()[:, kept]
        stand_mean = self._stand_mean(cov_design)
        sd = np.sqrt(self._var_pooled)
        s_data = (dat - stand_mean) / sd
        batch_design = self._batch_design(b)
        shift = batch_design @ self.gamma_star_.to_numpy()
        scale = np.sqrt(self.delta_star_.loc[b.to_numpy()].to_numpy())
        adjusted = (s_data - shift) / scale * sd + stand_mean
        out = data.copy()
        out.iloc[:, np.flatnonzero(kept)] = adjusted
        if self._ref_index is not None:
            ref_rows = (b == self.batches_[self._ref_index]).to_numpy()
            out.iloc[ref_rows] = data.iloc[ref_rows]
        if isinstance(X, pd.DataFrame):
            out.index = X.index          # the caller's own sample labels back
        return out

    def fit_transform(self, X, batch, covariates=None) -> pd.DataFrame:
        """``fit(X, batch, covariates).transform(X, batch, covariates)``."""
        return self.fit(X, batch, covariates).transform(X, batch, covariates)

    def to_frame(self) -> pd.DataFrame:
        """Long table of the learned batch parameters: batch, feature, γ̂, δ̂², γ*, δ*²."""
        self._check_fitted()
        parts = {"gamma_hat": self.gamma_hat_, "delta_hat": self.delta_hat_,
                 "gamma_star": self.gamma_star_, "delta_star": self.delta_star_}
        long = pd.concat({k: v.stack() for k, v in parts.items()}, axis=1)
        long.index.names = ["batch", "feature"]
        return long.reset_index()


def combat(data, batch, *, covariates=None, parametric: bool = True, mean_only: bool = False,
           ref_batch=None) -> pd.DataFrame:
    """Remove batch effects from a samples × features table (``sva::ComBat``).

    Parameters
    ----------
    data
        **Samples × features** (log-expression or radiomic features; DataFrame, AnnData or
        2-D array); finite values. Refused as transposed when its columns are the samples
        of ``batch``.
    batch
        One batch label per sample (Series aligned by sample ID, or array in row order).
    covariates
        Biological covariates to protect (DataFrame samples × covariates); numeric
        columns enter linearly, others as factors (first sorted level = reference).
    parametric
        Parametric (``True``) or non-parametric (``False``) empirical Bayes priors.
    mean_only
        Adjust only the location, not the scale, of each batch.
    ref_batch
        Batch left unchanged, to which the others are aligned.

    Returns
    -------
    pandas.DataFrame
        The corrected table, same shape, index and columns as ``data``.

    Raises
    ------
    InputError
        NaN/inf or non-numeric values, fewer than two batches, a batch of one sample,
        a covariate confounded with batch, an unknown reference batch.

    Notes
    -----
    Equal to ``sva::ComBat(t(data), batch, mod = model.matrix(~covariates), par.prior,
    mean.only, ref.batch)`` (sva 3.46). Features constant within a batch are returned
    unadjusted (with a warning) as sva does. The non-parametric prior is integrated in
    log space, which agrees with R where R's likelihood products do not underflow (and
    stays finite where they do). Unlike sva, a batch of one sample is refused rather than
    silently switching to ``mean_only``.

    References
    ----------
    Johnson WE, Li C, Rabinovic A (2007). Adjusting batch effects in microarray expression
    data using empirical Bayes methods. Biostatistics 8, 118–127.
    """
    return ComBat(parametric=parametric, mean_only=mean_only, ref_batch=ref_batch) \
        .fit_transform(data, batch, covariates=covariates)
