"""Library-size normalisation and low-count filtering, as edgeR.

All functions take counts **samples × genes** (R's edgeR uses genes × samples): a
DataFrame, an AnnData (``.X``, or ``layer=`` such as ``"counts"``; one MuData modality) or
a 2-D array, through :func:`omics.data.convert.as_samples_by_features`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import rankdata

from omics.data.validate import InputError
from omics.rnaseq._counts import as_count_frame
from omics.rnaseq.linear_model import as_design, estimable_columns


def cpm(counts, *, lib_size=None, log: bool = False, prior_count: float = 2.0,
        layer: str | None = None) -> pd.DataFrame:
    """Counts per million, samples × genes (edgeR ``cpm``).

    With ``log=True`` this is edgeR's log2-CPM with an average ``prior_count`` scaled by
    library size: ``log2((y + p·L/mean(L)) / (L + 2·p·L/mean(L)) · 1e6)``.
    """
    y = as_count_frame(counts, allow_zero_samples=True, layer=layer)
    lib = _lib_size(y, lib_size)
    if log:
        prior = prior_count * lib / lib.mean()
        values = np.log2((y.to_numpy() + prior[:, None]) / (lib + 2 * prior)[:, None] * 1e6)
    else:
        values = y.to_numpy() / lib[:, None] * 1e6
    return pd.DataFrame(values, index=y.index, columns=y.columns)


def _lib_size(y: pd.DataFrame, lib_size) -> np.ndarray:
    if lib_size is None:
        return y.sum(axis=1).to_numpy(dtype=float)
    if isinstance(lib_size, pd.Series):
        lib_size = lib_size.reindex(y.index)
    lib = np.asarray(lib_size, dtype=float).reshape(-1)
    if len(lib) != len(y):
        raise InputError(f"lib_size has {len(lib)} values for {len(y)} samples")
    if not np.isfinite(lib).all() or (lib <= 0).any():
        raise InputError("library sizes must be finite and > 0")
    return lib


def _hat_values(design: np.ndarray) -> np.ndarray:
    """Diagonal of the hat matrix of ``cbind(1, design)`` (R's ``hat(design)``)."""
    x = np.column_stack([np.ones(design.shape[0]), design])
    x = x[:, estimable_columns(x)]
    q, _ = np.linalg.qr(x)
    return (q ** 2).sum(axis=1)


def filter_by_expr(counts, *, design=None, group=None, lib_size=None, min_count: float = 10,
                   min_total_count: float = 15, large_n: int = 10,
                   min_prop: float = 0.7, layer: str | None = None) -> pd.Series:
    """Which genes have enough counts to keep (edgeR ``filterByExpr``).

    A gene is kept if its CPM reaches ``min_count / median(lib_size) · 1e6`` in at least
    the smallest group size (``1/max(hat)`` of the design; all samples without a design
    or group; above ``large_n`` only ``min_prop`` of the excess is required) and its
    total count reaches ``min_total_count``.

    Returns
    -------
    pandas.Series
        Boolean, indexed by gene.

    References
    ----------
    Chen Y, Lun ATL, Smyth GK (2016). From reads to genes to pathways: differential
    expression analysis of RNA-Seq experiments using Rsubread and the edgeR
    quasi-likelihood pipeline. F1000Research 5, 1438.
    """
    y = as_count_frame(counts, allow_zero_samples=True, layer=layer)
    lib = _lib_size(y, lib_size)
    if group is not None:
        group = pd.Series(np.asarray(group)).astype(str)
        if len(group) != len(y):
            raise InputError(f"group has {len(group)} values for {len(y)} samples")
        min_size = float(group.value_counts().min())
    elif design is not None:
        x = as_design(design, y.index).to_numpy()
        min_size = 1.0 / _hat_values(x).max()
    else:
        min_size = float(len(y))
    if min_size > large_n:
        min_size = large_n + (min_size - large_n) * min_prop
    cutoff = min_count / np.median(lib) * 1e6
    cpm_values = y.to_numpy() / lib[:, None] * 1e6
    tol = 1e-14
    keep_cpm = (cpm_values >= cutoff).sum(axis=0) >= min_size - tol
    keep_total = y.to_numpy().sum(axis=0) >= min_total_count - tol
    return pd.Series(keep_cpm & keep_total, index=y.columns, name="keep")


def _tmm_factor(obs: np.ndarray, ref: np.ndarray, lib_obs: float, lib_ref: float,
                logratio_trim: float, sum_trim: float, do_weighting: bool,
                a_cutoff: float) -> float:
    with np.errstate(divide="ignore", invalid="ignore"):
        log_r = np.log2((obs / lib_obs) / (ref / lib_ref))
        abs_e = (np.log2(obs / lib_obs) + np.log2(ref / lib_ref)) / 2
        v = (lib_obs - obs) / lib_obs / obs + (lib_ref - ref) / lib_ref / ref
    fin = np.isfinite(log_r) & np.isfinite(abs_e) & (abs_e > a_cutoff)
    log_r, abs_e, v = log_r[fin], abs_e[fin], v[fin]
    if len(log_r) == 0 or np.max(np.abs(log_r)) < 1e-6:
        return 1.0
    n = len(log_r)
    lo_l = np.floor(n * logratio_trim) + 1
    hi_l = n + 1 - lo_l
    lo_s = np.floor(n * sum_trim) + 1
    hi_s = n + 1 - lo_s
    rank_r = rankdata(log_r)
    rank_e = rankdata(abs_e)
    keep = (rank_r >= lo_l) & (rank_r <= hi_l) & (rank_e >= lo_s) & (rank_e <= hi_s)
    if do_weighting:
        f = np.nansum(log_r[keep] / v[keep]) / np.nansum(1 / v[keep])
    else:
        f = np.nanmean(log_r[keep]) if keep.any() else np.nan
    if np.isnan(f):
        f = 0.0
    return float(2.0 ** f)


def calc_norm_factors(counts, *, lib_size=None, method: str = "TMM", ref_column=None,
                      logratio_trim: float = 0.3, sum_trim: float = 0.05,
                      do_weighting: bool = True, a_cutoff: float = -1e10,
                      p: float = 0.75, layer: str | None = None) -> pd.Series:
    """Normalisation factors per sample (edgeR ``calcNormFactors``), scaled to product 1.

    Parameters
    ----------
    counts
        Raw counts, samples × genes.
    method
        ``"TMM"`` (trimmed mean of M values, default), ``"upperquartile"`` or ``"none"``.
    ref_column
        Reference sample (name or position); by default the sample whose upper-quartile
        factor is closest to the mean, as edgeR.

    Returns
    -------
    pandas.Series
        One factor per sample; effective library size is ``lib_size × factor``.

    References
    ----------
    Robinson MD, Oshlack A (2010). A scaling normalization method for differential
    expression analysis of RNA-seq data. Genome Biol 11, R25.
    """
    y = as_count_frame(counts, allow_zero_samples=True, layer=layer)
    lib = _lib_size(y, lib_size)
    x = y.to_numpy().T                              # genes × samples, as edgeR
    x = x[(x > 0).sum(axis=1) > 0]
    n_samples = x.shape[1]
    method = {"tmm": "TMM", "upperquartile": "upperquartile", "none": "none"}.get(
        str(method).lower(), None) or _bad_method(method)
    if x.shape[0] == 0 or n_samples == 1:
        method = "none"
    if method == "none":
        f = np.ones(n_samples)
    elif method == "upperquartile":
        f = np.quantile(x, p, axis=0) / lib
    else:
        if ref_column is None:
            f75 = np.quantile(x, 0.75, axis=0) / lib
            if np.median(f75) < 1e-20:
                ref = int(np.argmax(np.sqrt(x).sum(axis=0)))
            else:
                ref = int(np.argmin(np.abs(f75 - f75.mean())))
        elif isinstance(ref_column, (int, np.integer)):
            ref = int(ref_column)
        else:
            ref = list(y.index).index(ref_column)
        f = np.array([_tmm_factor(x[:, i], x[:, ref], lib[i], lib[ref], logratio_trim,
                                  sum_trim, do_weighting, a_cutoff) for i in range(n_samples)])
    f = f / np.exp(np.mean(np.log(f)))
    return pd.Series(f, index=y.index, name="norm_factors")


def _bad_method(method):
    raise InputError(f"unknown normalisation method {method!r}; use 'TMM', 'upperquartile' or 'none'")


def effective_lib_size(counts, *, norm_factors=None, layer: str | None = None) -> pd.Series:
    """Library size × normalisation factor per sample."""
    y = as_count_frame(counts, allow_zero_samples=True, layer=layer)
    lib = y.sum(axis=1)
    if norm_factors is None:
        return lib.rename("lib_size")
    nf = pd.Series(np.asarray(norm_factors, dtype=float).reshape(-1), index=y.index) \
        if not isinstance(norm_factors, pd.Series) else norm_factors.reindex(y.index)
    return (lib * nf).rename("lib_size")
