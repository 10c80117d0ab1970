"""voom: log-CPM with precision weights from the mean–variance trend (limma ``voom``)."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from omics._result import Result
from omics.data.validate import InputError
from omics.rnaseq._counts import as_count_frame
from omics.rnaseq._lowess import r_lowess
from omics.rnaseq.linear_model import LinearModelFit, as_design, lm_fit


@dataclass(repr=False)
class VoomResult(Result):
    """Result of :func:`voom` (limma's ``EList``), samples × genes.

    Attributes
    ----------
    E
        log2-counts-per-million, ``log2((count + 0.5) / (lib_size + 1) · 1e6)``.
    weights
        Precision weights, ``1 / trend(fitted log-count)^4``.
    lib_size
        Library sizes used (including normalisation factors when given).
    design
        Design matrix, samples × coefficients.
    trend_x, trend_y
        The lowess trend (R's ``voom.line``): log2 count size and sqrt(residual SD).
    """

    E: pd.DataFrame
    weights: pd.DataFrame
    lib_size: pd.Series
    design: pd.DataFrame
    trend_x: np.ndarray | None = None
    trend_y: np.ndarray | None = None

    def to_frame(self) -> pd.DataFrame:
        """Long table: sample, gene, E, weight."""
        long_e = self.E.stack().rename("E")
        long_w = self.weights.stack().rename("weight")
        out = pd.concat([long_e, long_w], axis=1)
        out.index.names = ["sample", "gene"]
        return out.reset_index()

    @property
    def summary(self) -> pd.DataFrame:
        """Per sample: library size, mean log2-CPM and mean precision weight."""
        return pd.DataFrame({"lib_size": self.lib_size, "mean_log_cpm": self.E.mean(axis=1),
                             "mean_weight": self.weights.mean(axis=1)}).rename_axis("sample")

    def write(self, out_dir) -> dict:
        """Write ``voom_expression.csv`` and ``voom_weights.csv`` (patients × genes, as ``omics voom``)."""
        from pathlib import Path

        from omics.data.io import write_table

        out = Path(out_dir)
        return {"expression": write_table(self.E.rename_axis("patient_id"), out / "voom_expression.csv"),
                "weights": write_table(self.weights.rename_axis("patient_id"), out / "voom_weights.csv")}

    def _short(self) -> str:
        return f"{self.E.shape[0]} samples × {self.E.shape[1]} genes, design {list(self.design.columns)}"


def _library_sizes(counts: pd.DataFrame, lib_size, norm_factors) -> pd.Series:
    if lib_size is None:
        lib = counts.sum(axis=1).astype(float)
    elif isinstance(lib_size, pd.Series):
        lib = lib_size.reindex(counts.index).astype(float)
    else:
        lib = pd.Series(np.asarray(lib_size, dtype=float).reshape(-1), index=counts.index)
    if norm_factors is not None:
        nf = norm_factors.reindex(counts.index) if isinstance(norm_factors, pd.Series) \
            else pd.Series(np.asarray(norm_factors, dtype=float).reshape(-1), index=counts.index)
        if nf.isna().any() or len(nf) != len(counts):
            raise InputError("norm_factors must give one finite factor per sample")
        lib = lib * nf
    if lib.isna().any() or len(lib) != len(counts) or not np.isfinite(lib.to_numpy()).all() \
            or (lib <= 0).any():
        raise InputError("lib_size must give one finite positive library size per sample")
    return lib.rename("lib_size")


def _trend_function(x: np.ndarray, y: np.ndarray):
    """Linear interpolation of the lowess line with constant extrapolation and tied x
    averaged (R ``approxfun(l, rule = 2, ties = list("ordered", mean))``)."""
    ux, start = np.unique(x, return_index=True)
    if len(ux) < len(x):
        sums = np.add.reduceat(y, start)
        counts = np.diff(np.append(start, len(x)))
        uy = sums / counts
    else:
        uy = y
    return lambda v: np.interp(v, ux, uy)


def voom(counts, *, design=None, lib_size=None, norm_factors=None, span: float = 0.5,
         layer: str | None = None) -> VoomResult:
    """Transform counts to log2-CPM with observation-level precision weights (limma ``voom``).

    Parameters
    ----------
    counts
        Raw counts, **samples × genes** (DataFrame, AnnData ``.X`` or ``layer``, 2-D array).
        Negative, non-integer,
        missing counts and all-zero samples are refused.
    design
        Design matrix, samples × coefficients (default: intercept only, ``GrandMean``).
    lib_size
        Library sizes (default: total count per sample).
    norm_factors
        Normalisation factors (e.g. TMM from :func:`calc_norm_factors`); the effective
        library size is ``lib_size × norm_factors`` as for an edgeR ``DGEList``.
    span
        Lowess span for the mean–variance trend.
    layer
        With an AnnData (or MuData modality): the layer holding the raw counts (default ``.X``).

    Returns
    -------
    VoomResult
        ``E`` (log2-CPM), ``weights``, ``lib_size``, ``design``, all samples × genes.

    Notes
    -----
    Follows limma 3.54 exactly: ``E = log2((y + 0.5)/(L + 1)·1e6)``; gene-wise linear
    model; ``sqrt(sigma)`` against ``mean E + mean(log2(L + 1)) − log2(1e6)`` smoothed by R's
    ``lowess`` (``f = span``, 3 robustness iterations, ``delta = 1 %`` of the range;
    genes with zero total count left out of the trend); weights are
    ``trend(log2 fitted count)^-4``. Without replication weights are all 1 (with a warning).

    References
    ----------
    Law CW, Chen Y, Shi W, Smyth GK (2014). voom: precision weights unlock linear model
    analysis tools for RNA-seq read counts. Genome Biol 15, R29.
    """
    y = as_count_frame(counts, layer=layer)
    if y.shape[1] < 2:
        raise InputError("voom needs at least two genes to fit a mean-variance trend")
    lib = _library_sizes(y, lib_size, norm_factors)
    design_df = as_design(design, y.index)
    lib_arr = lib.to_numpy()
    e_values = np.log2((y.to_numpy() + 0.5) / (lib_arr[:, None] + 1.0) * 1e6)
    expr = pd.DataFrame(e_values, index=y.index, columns=y.columns)
    fit: LinearModelFit = lm_fit(expr, design=design_df)
    if int((fit.df_residual > 0).sum()) < 2:
        warnings.warn("voom: the design has no replication (or only one gene with any); "
                      "setting all weights to 1", stacklevel=2)
        weights = pd.DataFrame(1.0, index=y.index, columns=y.columns)
        return VoomResult(expr, weights, lib, design_df)
    sx = fit.amean.to_numpy() + np.mean(np.log2(lib_arr + 1.0)) - np.log2(1e6)
    sy = np.sqrt(fit.sigma.to_numpy())
    nonzero = y.to_numpy().sum(axis=0) != 0
    line_x, line_y = r_lowess(sx[nonzero], sy[nonzero], f=span)
    trend = _trend_function(line_x, line_y)
    fitted = fit.fitted_values().to_numpy()           # samples × genes, log2-CPM
    fitted_count = 1e-6 * (2.0 ** fitted) * (lib_arr[:, None] + 1.0)
    weights = 1.0 / trend(np.log2(fitted_count)) ** 4
    return VoomResult(expr, pd.DataFrame(weights, index=y.index, columns=y.columns),
                      lib, design_df, trend_x=line_x, trend_y=line_y)
