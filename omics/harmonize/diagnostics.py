"""Before/after diagnostics of a batch correction (what the figure shows)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from omics._result import Result
from omics.data.convert import as_samples_by_features
from omics.harmonize.combat import _as_batch


@dataclass(repr=False)
class HarmonizationDiagnostics(Result):
    """PCA scores and per-feature batch statistics before and after correction.

    Attributes
    ----------
    pca_before, pca_after
        samples × (PC1, PC2) of the feature-standardised tables (each standardised with
        the *uncorrected* table's mean and SD so the two are comparable).
    explained_before, explained_after
        Fraction of variance of PC1, PC2.
    batch_r2
        Per feature, the fraction of its variance explained by batch (one-way ANOVA R²)
        before and after (columns ``before``, ``after``).
    batch_means_before, batch_means_after
        batches × features means of the standardised tables.
    batch
        The batch labels.
    """

    pca_before: pd.DataFrame
    pca_after: pd.DataFrame
    explained_before: np.ndarray
    explained_after: np.ndarray
    batch_r2: pd.DataFrame
    batch_means_before: pd.DataFrame
    batch_means_after: pd.DataFrame
    batch: pd.Series

    _file_stem = "harmonize_diagnostics"

    def to_frame(self) -> pd.DataFrame:
        """Per-feature batch R² before and after (index: feature)."""
        return self.batch_r2.rename_axis("feature")

    @property
    def summary(self) -> pd.DataFrame:
        """Rows ``before``/``after``: median and mean per-feature batch R², variance share of PC1/PC2."""
        rows = {}
        for stage, explained in (("before", self.explained_before), ("after", self.explained_after)):
            ev = list(np.asarray(explained, dtype=float)) + [np.nan, np.nan]
            rows[stage] = {"median_batch_r2": float(self.batch_r2[stage].median()),
                           "mean_batch_r2": float(self.batch_r2[stage].mean()),
                           "explained_pc1": ev[0], "explained_pc2": ev[1]}
        return pd.DataFrame.from_dict(rows, orient="index").rename_axis("stage")

    def top_features(self, *, n: int = 40) -> pd.Index:
        """The ``n`` features with the largest batch R² before correction (the figure's panel)."""
        return self.batch_r2["before"].sort_values(ascending=False, kind="stable").index[:n]

    def _short(self) -> str:
        s = self.summary
        return (f"{len(self.batch)} samples, {len(self.batch_r2)} features, {self.batch.nunique()} batches; "
                f"median batch R² {s.loc['before', 'median_batch_r2']:.3f} -> {s.loc['after', 'median_batch_r2']:.3f}")


def _pca(z: np.ndarray, k: int = 2):
    centred = z - z.mean(axis=0)
    u, s, _ = np.linalg.svd(centred, full_matrices=False)
    var = s ** 2
    return u[:, :k] * s[:k], var[:k] / var.sum() if var.sum() > 0 else np.zeros(k)


def _batch_r2(z: np.ndarray, codes: np.ndarray) -> np.ndarray:
    total = ((z - z.mean(axis=0)) ** 2).sum(axis=0)
    between = np.zeros(z.shape[1])
    for c in np.unique(codes):
        rows = codes == c
        between += rows.sum() * (z[rows].mean(axis=0) - z.mean(axis=0)) ** 2
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, between / total, 0.0)


def harmonization_diagnostics(before, after, batch) -> HarmonizationDiagnostics:
    """Compare a samples × features table before and after batch correction.

    ``before`` and ``after`` are samples × features (DataFrame, AnnData or array, through
    :func:`omics.data.convert.as_samples_by_features`); ``batch`` one label per sample.
    The figure :func:`omics.plotting.harmonize.plot_diagnostics` draws this result.

    References
    ----------
    Johnson WE, Li C, Rabinovic A (2007). Biostatistics 8, 118–127 (ComBat's assumption
    of batch differences in location and scale, which these summaries display).
    """
    before = as_samples_by_features(before, source="before").astype(float)
    after = as_samples_by_features(after, source="after").astype(float)
    missing = before.index.difference(after.index).union(before.columns.difference(after.columns))
    if len(missing):
        from omics.data.errors import InputError

        raise InputError(f"after: {len(missing)} sample(s)/feature(s) of the uncorrected table are missing")
    after = after.loc[before.index, before.columns]
    b = _as_batch(batch, before.index)
    mean = before.mean(axis=0)
    sd = before.std(axis=0, ddof=1).replace(0, 1.0)
    zb = ((before - mean) / sd).to_numpy()
    za = ((after - mean) / sd).to_numpy()
    pcs_b, ev_b = _pca(zb)
    pcs_a, ev_a = _pca(za)
    codes = pd.Categorical(b).codes
    r2 = pd.DataFrame({"before": _batch_r2(zb, codes), "after": _batch_r2(za, codes)},
                      index=before.columns)
    means_b = pd.DataFrame(zb, index=before.index, columns=before.columns).groupby(b.to_numpy()).mean()
    means_a = pd.DataFrame(za, index=before.index, columns=before.columns).groupby(b.to_numpy()).mean()
    cols = ["PC1", "PC2"]
    return HarmonizationDiagnostics(
        pd.DataFrame(pcs_b, index=before.index, columns=cols[:pcs_b.shape[1]]),
        pd.DataFrame(pcs_a, index=before.index, columns=cols[:pcs_a.shape[1]]),
        ev_b, ev_a, r2, means_b, means_a, b)
