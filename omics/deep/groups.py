"""d-RF groups: plain hierarchical clustering of the training cohort's latent vectors, and
nearest-centroid assignment of the other patients (the study's protocol for CAE / HSCAE).

The study: "center-scaled d-RFs, unsupervised hierarchical clustering with Pearson distance
and average link", fitted on the Training cohort, two groups "named A and B, with cluster A
… referring to the most numerous group"; the Testing cohort assigned by "the Pearson distance
between each new observation and the centroid of each cluster". Both steps reuse
:func:`omics.cluster.hierarchical_cluster` and :class:`omics.cluster.CentroidClassifier`
(centre-scaling learnt on the training patients and applied unchanged to the others).

References
----------
Crombé A, Lucchesi C et al. NPJ Precis Oncol 2024;8. doi:10.1038/s41698-024-00616-8
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from omics._result import Result
from omics.data.validate import InputError


@dataclass(repr=False)
class DeepGroups(Result):
    """Groups of every patient and how they were obtained.

    Attributes
    ----------
    labels : DataFrame
        Per patient: ``cohort``, ``group`` (A = largest training cluster) and ``source``
        (``clustered`` for training patients, ``assigned`` for the others).
    distances : DataFrame
        Pearson distance of every patient to every training centroid.
    classifier : CentroidClassifier
        Fitted on the training patients (apply it to new patients with ``predict``).
    """

    labels: pd.DataFrame
    distances: pd.DataFrame
    classifier: object
    params: dict = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        return self.labels.copy()

    @property
    def summary(self) -> pd.DataFrame:
        return self.labels.groupby(["cohort", "group"]).size().rename("patients").reset_index()

    def write(self, out_dir: str | os.PathLike, *, name: str = "groups") -> dict:
        """Write ``<name>.csv`` (labels) and ``<name>_distances.csv`` under ``out_dir``."""
        from omics.data.io import write_table

        out = Path(out_dir)
        return {"labels": write_table(self.labels.rename_axis("patient_id"), out / f"{name}.csv"),
                "distances": write_table(self.distances.rename_axis("patient_id"), out / f"{name}_distances.csv")}

    def _short(self) -> str:
        s = self.summary
        parts = "; ".join(f"{c}: " + "/".join(f"{g} {n}" for g, n in zip(d.group, d.patients))
                          for c, d in s.groupby("cohort"))
        return f"{len(self.labels)} patients; {parts}"


def deep_groups(features: pd.DataFrame, cohort: pd.Series, *, training: str = "training", k: int = 2,
                distance: str = "pearson", linkage: str = "average", scale: str = "center-scale",
                name: str = "") -> DeepGroups:
    """Cluster the training patients' d-RFs and assign everyone else to the nearest centroid.

    Parameters
    ----------
    features
        Patients × d-RFs (e.g. from :meth:`DeepModel.encode`), or an AnnData.
    cohort
        Cohort label per patient (index = patient ID); ``training`` marks the patients clustered.
    k, distance, linkage, scale
        The study: 2, Pearson, average, centre-scaled.
    name
        Suffix of the group labels (``A_HSCAE``) when given; plain ``A``/``B`` otherwise.

    Returns
    -------
    DeepGroups
    """
    from omics.cluster import CentroidClassifier, hierarchical_cluster
    from omics.data.convert import as_samples_by_features

    frame = as_samples_by_features(features, source="deep features")
    frame.index = frame.index.astype(str)
    cohort = cohort.set_axis(cohort.index.astype(str)).reindex(frame.index)
    if cohort.isna().any():
        raise InputError(f"cohort column: no cohort for {int(cohort.isna().sum())} patient(s) with d-RFs: "
                         f"{', '.join(cohort.index[cohort.isna()][:5])}")
    is_train = (cohort == training).to_numpy()
    if is_train.sum() < k:
        raise InputError(f"cohort column: only {int(is_train.sum())} patient(s) are {training!r}; "
                         f"cannot cluster them into {k} groups")
    clusters = hierarchical_cluster(frame[is_train], k=k, distance=distance, linkage=linkage, scale=scale,
                                    source="deep features").labels_for(k)
    classifier = CentroidClassifier(distance=distance, scale=scale).fit(frame[is_train], clusters)
    distances = classifier.transform(frame)
    group = classifier.predict(frame).astype(object)
    group[is_train] = clusters.loc[frame.index[is_train]].to_numpy()
    if name:
        group = group.map(lambda g: f"{g}_{name}")
        distances.columns = [f"{c}_{name}" for c in distances.columns]
    labels = pd.DataFrame({"cohort": cohort.to_numpy(), "group": group.to_numpy(),
                           "source": np.where(is_train, "clustered", "assigned")}, index=frame.index)
    return DeepGroups(labels, distances, classifier,
                      {"k": k, "distance": distance, "linkage": linkage, "scale": scale, "training": training})


def latent_anndata(features: pd.DataFrame, *, modality: str, card: dict | None = None, obs: pd.DataFrame | None = None):
    """d-RFs as an AnnData modality (``cae`` / ``hscae``) with the model card in ``.uns``."""
    import anndata
    import json

    adata = anndata.AnnData(X=features.to_numpy(dtype=np.float32),
                            obs=(obs.reindex(features.index) if obs is not None
                                 else pd.DataFrame(index=features.index.astype(str))),
                            var=pd.DataFrame(index=features.columns.astype(str)))
    adata.obs_names = features.index.astype(str)
    adata.uns["modality"] = {"kind": modality}
    if card is not None:
        adata.uns["model_card"] = json.dumps(card, default=str)
    return adata
