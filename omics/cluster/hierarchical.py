"""Plain (single-run) hierarchical clustering of patients, as used for deep features."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import numpy as np
import pandas as pd
from scipy.spatial.distance import squareform

from omics._result import Result
from omics.cluster._prepare import (check_distance, check_not_constant, check_profiles, pairwise_distance,
                                    scale_features)
from omics.cluster._tree import check_linkage, cut_tree, linkage_tree, relabel_by_size
from omics.data.convert import as_samples_by_features
from omics.data.validate import InputError


@dataclass(frozen=True, repr=False)
class HierarchicalResult(Result):
    """Hierarchical clustering of patients (see :func:`hierarchical_cluster`).

    Attributes
    ----------
    labels : DataFrame
        Patients × ``k{K}`` labels (``A`` = largest cluster), input order.
    tree : ndarray
        scipy linkage matrix; leaf ``i`` is ``tree_patients[i]``.
    tree_patients : pandas.Index
        Patients in the order used to grow the tree (sorted IDs).
    params : dict
    """

    labels: pd.DataFrame
    tree: np.ndarray
    tree_patients: pd.Index
    params: dict[str, Any] = field(default_factory=dict)

    def labels_for(self, k: int) -> pd.Series:
        column = f"k{k}"
        if column not in self.labels:
            raise KeyError(f"K={k} was not computed; available: {list(self.labels.columns)}")
        return self.labels[column]

    def to_frame(self) -> pd.DataFrame:
        """Patients × ``k{K}`` labels (index ``patient_id``)."""
        return self.labels.rename_axis("patient_id")

    @property
    def summary(self) -> pd.DataFrame:
        """Cluster sizes: one row per K and cluster (``k, cluster, size``)."""
        rows = [{"k": int(column[1:]), "cluster": cluster, "size": int(size)}
                for column in self.labels.columns
                for cluster, size in self.labels[column].value_counts().sort_index().items()]
        return pd.DataFrame(rows, columns=["k", "cluster", "size"])

    def write(self, out_dir) -> dict[str, Path]:
        """Write ``labels.csv`` (what ``omics hierarchical`` writes) into ``out_dir``."""
        from omics.data.io import write_table

        return {"labels": write_table(self.to_frame(), Path(out_dir) / "labels.csv")}

    def _short(self) -> str:
        sizes = "; ".join(f"{c}: " + "/".join(map(str, self.labels[c].value_counts().sort_index()))
                          for c in self.labels.columns)
        p = self.params
        return (f"{len(self.labels)} patients, {p.get('distance')}/{p.get('linkage')}, "
                f"scale={p.get('scale')}; sizes {sizes}")


def hierarchical_cluster(X: Any, *, k: int | Iterable[int] = 2, distance: str = "pearson",
                         linkage: str = "average", scale: str = "none",
                         source: str = "feature table", layer: str | None = None,
                         obsm: str | None = None, sample_ids: Iterable | None = None) -> HierarchicalResult:
    """Agglomerative clustering of patients cut into ``k`` groups (R ``hclust`` + ``cutree``).

    Parameters
    ----------
    X
        Patients × features DataFrame, AnnData (one MuData modality) or array.
    k
        Number(s) of clusters.
    distance, linkage, scale
        As in :func:`~omics.cluster.consensus_cluster` (the seed study used ``"pearson"``,
        ``"average"`` and ``"center-scale"`` for its deep features).
    layer, obsm
        AnnData input only: cluster ``layers[layer]`` or ``obsm[obsm]`` instead of ``.X``.
    sample_ids
        Known patient IDs: a table whose columns match them is refused as transposed.

    Returns
    -------
    HierarchicalResult
        Labels named by size (``A`` = most numerous), the tree and the settings. The tree is
        grown on the patients sorted by ID, so the row order of ``X`` does not matter.

    References
    ----------
    Murtagh F, Contreras P (2012) Algorithms for hierarchical clustering: an overview.
    WIREs Data Min Knowl Discov 2:86–97.
    Crombé A, Lucchesi C et al. (2024) NPJ Precis Oncol 8 (doi 10.1038/s41698-024-00616-8).
    """
    frame = as_samples_by_features(X, layer=layer, obsm=obsm, source=source, sample_ids=sample_ids)
    check_not_constant(frame, source)
    check_distance(distance)
    check_linkage(linkage)
    ks = [int(k)] if isinstance(k, (int, np.integer)) else sorted(set(int(x) for x in k))
    n = frame.shape[0]
    if not ks or ks[0] < 1 or ks[-1] > n:
        raise InputError(f"{source}: cannot cut {n} patients into K={ks} clusters")
    values = scale_features(frame.to_numpy(dtype=float), scale)
    check_profiles(values, frame.index, distance, source)
    canonical = np.argsort(frame.index.astype(str), kind="stable")
    square = pairwise_distance(values[canonical], distance)
    tree = linkage_tree(squareform(square, checks=False), linkage)
    labels = {}
    for kk, codes in cut_tree(tree, ks).items():
        in_input_order = np.empty(n, dtype=np.int64)
        in_input_order[canonical] = codes
        labels[f"k{kk}"] = relabel_by_size(in_input_order)
    return HierarchicalResult(labels=pd.DataFrame(labels, index=frame.index), tree=tree,
                              tree_patients=frame.index[canonical],
                              params={"distance": distance, "linkage": linkage, "scale": scale})
