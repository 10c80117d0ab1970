"""Input handling shared by the clustering functions: coercion, validation, scaling and
pairwise distances between patients.

Everything here is pure (inputs are never modified) and raises
:class:`~omics.data.validate.InputError` with a message naming the table, the features or
the patients at fault.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from omics.cluster._distance import pairwise_distance  # noqa: F401  (re-exported)
from omics.data.validate import InputError, check_features, check_unique_ids
from omics.cluster._options import DISTANCES, SCALINGS  # noqa: F401  (re-exported)



def as_feature_frame(X: Any, source: str = "feature table") -> pd.DataFrame:
    """Return a patients × features DataFrame from a DataFrame, an AnnData or an array.

    The patient identifiers are the DataFrame index or the AnnData ``obs_names``; a plain
    array gets ``0 … n-1``. Identifiers must be unique and the features numeric and finite.
    """
    if hasattr(X, "obs_names") and hasattr(X, "to_df"):  # AnnData without importing it
        frame = X.to_df()
    elif isinstance(X, pd.DataFrame):
        frame = X
    else:
        array = np.asarray(X)
        if array.ndim != 2:
            raise InputError(f"{source}: expected a 2-D patients × features table, got shape {array.shape}")
        frame = pd.DataFrame(array)
    check_unique_ids(frame.index, source)
    check_features(frame, source=source)
    return frame


def check_not_constant(frame: pd.DataFrame, source: str) -> None:
    """Refuse zero-variance features: they carry no information about patient groups."""
    values = frame.to_numpy(dtype=float)
    constant = frame.columns[np.ptp(values, axis=0) == 0]
    if len(constant):
        shown = ", ".join(map(str, constant[:5])) + (" …" if len(constant) > 5 else "")
        raise InputError(f"{source}: {len(constant)} constant (zero-variance) feature(s) cannot be "
                         f"used for clustering: {shown}; drop them first")


def scale_features(values: np.ndarray, scale: str) -> np.ndarray:
    """Centre (and scale to unit SD, ``ddof=1``) every feature over patients, as R ``scale()``."""
    if scale not in SCALINGS:
        raise InputError(f"scale must be one of {SCALINGS}, got {scale!r}")
    values = np.asarray(values, dtype=float)
    if scale == "none":
        return values.copy()
    centred = values - values.mean(axis=0)
    if scale == "center":
        return centred
    return centred / values.std(axis=0, ddof=1)


def check_distance(distance: str) -> str:
    if distance not in DISTANCES:
        raise InputError(f"distance must be one of {DISTANCES}, got {distance!r}")
    return distance


def check_profiles(values: np.ndarray, patients: pd.Index, distance: str, source: str) -> None:
    """Correlation distances need every patient's profile to vary across features."""
    if distance in ("pearson", "spearman"):
        flat = patients[np.ptp(values, axis=1) == 0]
        if len(flat):
            raise InputError(f"{source}: {distance} distance is undefined for patient(s) whose features "
                             f"are all equal: {', '.join(map(str, flat[:5]))}")


