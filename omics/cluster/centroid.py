"""Nearest-centroid assignment of new patients to clusters learnt on training patients."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin

from omics._result import Result
from omics.cluster._prepare import DISTANCES, SCALINGS, check_distance
from omics.data.convert import as_samples_by_features
from omics.data.validate import InputError


def _centroid_distance(values: np.ndarray, centroids: np.ndarray, distance: str) -> np.ndarray:
    """Distances (patients × centroids)."""
    if distance in ("pearson", "spearman"):
        if distance == "spearman":
            from scipy.stats import rankdata
            values = rankdata(values, axis=1)
            centroids = rankdata(centroids, axis=1)
        a = values - values.mean(axis=1, keepdims=True)
        b = centroids - centroids.mean(axis=1, keepdims=True)
        a /= np.linalg.norm(a, axis=1, keepdims=True)
        b /= np.linalg.norm(b, axis=1, keepdims=True)
        return 1.0 - a @ b.T
    difference = values[:, None, :] - centroids[None, :, :]
    if distance == "manhattan":
        return np.abs(difference).sum(axis=2)
    return np.sqrt((difference ** 2).sum(axis=2))


@dataclass(frozen=True, repr=False)
class CentroidAssignment(Result):
    """New patients assigned to the nearest training centroid (see :meth:`CentroidClassifier.assign`).

    Attributes
    ----------
    clusters : Series
        Nearest cluster per new patient (index = patient ID).
    distances : DataFrame
        Patients × clusters: distance to every centroid.
    centroids : DataFrame
        Clusters × features, in the scaled space of the training patients.
    params : dict
        ``distance`` and ``scale`` of the classifier.
    """

    clusters: pd.Series
    distances: pd.DataFrame
    centroids: pd.DataFrame
    params: dict[str, Any] = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        """One row per new patient: ``cluster`` and ``distance_<cluster>`` columns."""
        table = pd.DataFrame({"cluster": self.clusters}, index=self.distances.index)
        table = table.join(self.distances.add_prefix("distance_"))
        table.index.name = "patient_id"
        return table

    @property
    def summary(self) -> pd.DataFrame:
        """Patients assigned per cluster (``cluster, n_patients``), every training cluster listed."""
        counts = self.clusters.value_counts().reindex(self.centroids.index, fill_value=0)
        return pd.DataFrame({"cluster": counts.index, "n_patients": counts.to_numpy().astype(int)})

    def write(self, out_dir) -> dict[str, Path]:
        """Write what ``omics assign`` writes: ``assignments.csv`` and ``centroids.csv``."""
        from omics.data.io import write_table

        out = Path(out_dir)
        return {"assignments": write_table(self.to_frame(), out / "assignments.csv"),
                "centroids": write_table(self.centroids, out / "centroids.csv")}

    def _short(self) -> str:
        counts = self.clusters.value_counts().sort_index()
        return (f"{len(self.clusters)} patients, {self.params.get('distance')} distance: "
                + ", ".join(f"{c} {n}" for c, n in counts.items()))


class CentroidClassifier(ClassifierMixin, BaseEstimator):
    """Assign patients to the cluster whose training centroid is nearest.

    The centroid of a cluster is the mean feature vector of its training patients (after the
    optional scaling, whose means and SDs are learnt on the training patients and applied
    unchanged to new patients). The seed study used the Pearson distance (1 − r).

    Parameters
    ----------
    distance : {"pearson", "spearman", "euclidean", "manhattan"}
    scale : {"none", "center", "center-scale"}
        Feature scaling learnt on the training patients.

    Attributes
    ----------
    classes_ : ndarray
        Cluster labels, sorted.
    centroids_ : DataFrame
        Clusters × features (in the scaled space).
    features_ : pandas.Index
    mean_, scale_ : ndarray
        Training means and SDs used for scaling (0 and 1 when not scaled).

    References
    ----------
    Crombé A, Lucchesi C et al. (2024) NPJ Precis Oncol 8 (doi 10.1038/s41698-024-00616-8):
    "the Pearson distance between each new observation and the centroid of each cluster".
    Tibshirani R, Hastie T, Narasimhan B, Chu G (2002) PNAS 99:6567–6572 (nearest centroids).

    A scikit-learn estimator (``get_params``/``set_params``, ``clone``, ``score`` = accuracy);
    unlike scikit-learn's, ``predict`` returns a Series labelled by patient ID.
    """

    def __init__(self, *, distance: str = "pearson", scale: str = "none"):
        self.distance = distance
        self.scale = scale

    def fit(self, X: Any, labels: pd.Series | Any) -> "CentroidClassifier":
        """Learn centroids from training patients ``X`` and their cluster ``labels``.

        ``labels`` is a Series indexed by patient (aligned on ``X``'s index) or a sequence in
        the row order of ``X``; every training patient needs a label.
        """
        check_distance(self.distance)
        if self.scale not in SCALINGS:
            raise InputError(f"scale must be one of {SCALINGS}, got {self.scale!r}")
        frame = as_samples_by_features(X, source="training features")
        if isinstance(labels, pd.Series):
            missing = frame.index.difference(labels.dropna().index)
            if len(missing):
                raise InputError(f"training labels: {len(missing)} training patient(s) have no label: "
                                 f"{', '.join(map(str, missing[:5]))}")
            labels = labels.loc[frame.index]
        labels = np.asarray(labels, dtype=object)
        if len(labels) != frame.shape[0]:
            raise InputError(f"training labels: {len(labels)} labels for {frame.shape[0]} patients")
        values = frame.to_numpy(dtype=float)
        self.mean_ = values.mean(axis=0) if self.scale != "none" else np.zeros(values.shape[1])
        self.scale_ = values.std(axis=0, ddof=1) if self.scale == "center-scale" else np.ones(values.shape[1])
        if np.any(self.scale_ == 0):
            constant = frame.columns[self.scale_ == 0]
            raise InputError(f"training features: {len(constant)} constant feature(s) cannot be scaled: "
                             f"{', '.join(map(str, constant[:5]))}")
        scaled = (values - self.mean_) / self.scale_
        self.classes_ = np.array(sorted(set(labels)), dtype=object)
        if len(self.classes_) < 2:
            raise InputError("training labels: at least two clusters are needed")
        centroids = np.vstack([scaled[labels == c].mean(axis=0) for c in self.classes_])
        self.features_ = frame.columns
        self.centroids_ = pd.DataFrame(centroids, index=pd.Index(self.classes_, name="cluster"),
                                       columns=frame.columns)
        return self

    def _scaled(self, X: Any) -> pd.DataFrame:
        if not hasattr(self, "centroids_"):
            raise RuntimeError("CentroidClassifier is not fitted; call fit() first")
        frame = as_samples_by_features(X, source="new features")
        missing = self.features_.difference(frame.columns)
        if len(missing):
            raise InputError(f"new features: {len(missing)} training feature(s) are missing: "
                             f"{', '.join(map(str, missing[:5]))}")
        values = frame[self.features_].to_numpy(dtype=float)
        return pd.DataFrame((values - self.mean_) / self.scale_, index=frame.index, columns=self.features_)

    def transform(self, X: Any) -> pd.DataFrame:
        """Distance of every patient to every centroid (patients × clusters)."""
        scaled = self._scaled(X)
        distances = _centroid_distance(scaled.to_numpy(), self.centroids_.to_numpy(), self.distance)
        if not np.all(np.isfinite(distances)):
            raise InputError(f"new features: the {self.distance} distance is undefined for patients "
                             "whose (scaled) features are all equal")
        return pd.DataFrame(distances, index=scaled.index, columns=pd.Index(self.classes_, name="cluster"))

    distances = transform

    def predict(self, X: Any) -> pd.Series:
        """Nearest-centroid cluster of every patient (ties: the first cluster in sorted order)."""
        distances = self.transform(X)
        nearest = np.argmin(distances.to_numpy(), axis=1)
        return pd.Series(self.classes_[nearest], index=distances.index, name="cluster")

    def fit_predict(self, X: Any, labels: Any) -> pd.Series:
        """Fit on ``X`` and ``labels``, then assign the same patients."""
        return self.fit(X, labels).predict(X)

    def assign(self, X: Any) -> CentroidAssignment:
        """Nearest cluster and distance to every centroid of each patient of ``X``, as a result
        object (``.write(out)`` writes what ``omics assign`` writes)."""
        distances = self.transform(X)
        nearest = np.argmin(distances.to_numpy(), axis=1)
        clusters = pd.Series(self.classes_[nearest], index=distances.index, name="cluster")
        return CentroidAssignment(clusters=clusters, distances=distances, centroids=self.centroids_.copy(),
                                  params={"distance": self.distance, "scale": self.scale})

    def __repr__(self) -> str:
        fitted = (f", {len(self.classes_)} clusters × {len(self.features_)} features"
                  if hasattr(self, "classes_") else "")
        return f"CentroidClassifier(distance={self.distance!r}, scale={self.scale!r}{fitted})"


def assign_centroids(train: Any, labels: pd.Series, new: Any, *, distance: str = "pearson",
                     scale: str = "none") -> CentroidAssignment:
    """Learn cluster centroids on ``train`` (labelled by ``labels``) and assign ``new`` patients.

    The one-call form of ``CentroidClassifier(distance=…, scale=…).fit(train, labels).assign(new)``.
    """
    return CentroidClassifier(distance=distance, scale=scale).fit(train, labels).assign(new)


__all__ = ["CentroidClassifier", "CentroidAssignment", "assign_centroids", "DISTANCES"]
