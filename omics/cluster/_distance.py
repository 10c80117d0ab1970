"""Pairwise distances between patients (kept free of heavy imports: resampling workers use it)."""

from __future__ import annotations

import numpy as np
from scipy.spatial.distance import pdist, squareform


def _row_normalise(values: np.ndarray) -> np.ndarray:
    centred = values - values.mean(axis=1, keepdims=True)
    norms = np.sqrt(np.einsum("ij,ij->i", centred, centred))
    return centred / norms[:, None]


def pairwise_distance(values: np.ndarray, distance: str) -> np.ndarray:
    """Square matrix of distances between the rows (patients) of ``values``.

    ``pearson`` and ``spearman`` give ``1 - r`` (R ``1 - cor(t(x), method=...)``; Spearman ranks
    each patient's profile with average ties); ``euclidean`` and ``manhattan`` are R ``dist``.
    """
    if distance == "spearman":
        from scipy.stats import rankdata

        values = rankdata(values, axis=1, method="average")
    if distance in ("pearson", "spearman"):
        normalised = _row_normalise(values)
        square = 1.0 - normalised @ normalised.T
        np.fill_diagonal(square, 0.0)
        return square
    return squareform(pdist(values, metric="cityblock" if distance == "manhattan" else "euclidean"))
