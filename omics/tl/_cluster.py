"""Clustering in scanpy style: thin layers over :mod:`omics.cluster` that write into an AnnData.

=================================  ==============================================================
function                           writes
=================================  ==============================================================
:func:`consensus_cluster`          ``obs[key]`` labels at the chosen K; ``obsp[f"{key}_consensus"]``
                                   its consensus matrix; ``uns[key]`` = ``params``, ``summary``
                                   (per K), ``k``, ``ks``, ``cdf``, ``order``, ``rule``
:func:`hierarchical_cluster`       ``obs[key]`` labels; ``uns[key]`` = ``params``, ``summary``
                                   (cluster sizes), ``k``, ``order``
:func:`assign_centroids`           in the *new* data: ``obs[key]`` nearest training cluster,
                                   ``obsm[f"{key}_distances"]``; ``uns[key]`` = ``params``,
                                   ``summary``, ``centroids``
:func:`hybrid_groups`              ``obs[key]`` hybrid level, ``obs[f"{key}_binary"]`` level vs
                                   Others; ``uns[key]`` = ``params``, ``summary`` (agreement),
                                   ``crosstab``
=================================  ==============================================================

Everything stored is writable to ``.h5ad``/``.h5mu`` (no ``None``, integers within 64 bits).
The statistics are those of the DataFrame functions (same seed, same labels).
"""

from __future__ import annotations

from typing import Any, Iterable

import numpy as np
import pandas as pd

from omics.data.convert import is_mudata
from omics.data.errors import InputError
from omics.tl._anndata import finish, obs_column, put_labels, put_uns, storable, target

#: Ks tried by :func:`consensus_cluster` when ``ks`` is not given (CCP's maxK = 6).
DEFAULT_KS = tuple(range(2, 7))


def _leaf_order(tree: np.ndarray, tree_patients: pd.Index, patients: pd.Index) -> np.ndarray:
    """Positions (in ``patients``) of the tree's leaves, left to right (for drawing)."""
    from scipy.cluster.hierarchy import leaves_list

    return patients.get_indexer(tree_patients[leaves_list(tree)]).astype(np.int64)


def _ks(k, ks) -> tuple[int, ...]:
    if k is not None and k != "auto" and not isinstance(k, (int, np.integer)):
        raise InputError(f"tl.consensus_cluster: k must be a number of clusters, None or 'auto', got {k!r}; "
                         "the Ks to try go in ks=")
    tried = DEFAULT_KS if ks is None else ((int(ks),) if isinstance(ks, (int, np.integer)) else tuple(ks))
    if isinstance(k, (int, np.integer)):
        if ks is None:
            tried = tuple(sorted(set(tried) | {int(k)}))
        elif int(k) not in {int(x) for x in tried}:
            raise InputError(f"tl.consensus_cluster: k={k} is not among ks={list(tried)}")
    return tuple(sorted({int(x) for x in tried}))


def consensus_cluster(adata: Any, *, layer: str | None = None, obsm: str | None = None,
                      k: int | str | None = None, ks: Iterable[int] | None = None,
                      key_added: str = "consensus", copy: bool = False, **options):
    """Consensus clustering of the observations of ``adata`` (ConsensusClusterPlus semantics).

    Runs :func:`omics.cluster.consensus_cluster` on ``adata.X`` (or ``layers[layer]``,
    ``obsm[obsm]``, e.g. ``"X_pca"``) at every K of ``ks`` and keeps the chosen K.

    Parameters
    ----------
    adata
        AnnData, or one MuData modality (``mdata["rna"]``); a whole MuData is refused.
    k
        The K whose labels and consensus matrix are stored: ``None``/``"auto"`` = the suggested
        K (smallest PAC among the admissible K, see :data:`omics.cluster.SUGGESTED_K_RULE`);
        a number is added to the default ``ks`` when ``ks`` is not given.
    ks
        The Ks tried (default 2 … 6); their statistics go to ``uns[key_added]["summary"]``.
    key_added
        ``obs[key_added]`` (categorical labels ``A`` = largest cluster…),
        ``obsp[f"{key_added}_consensus"]`` (dense float, observations × observations) and
        ``uns[key_added]`` = ``{"params", "summary", "k", "ks", "cdf", "order", "rule"}``
        (``summary``: one row per K with ``k, area, delta_area, pac, mean_cluster_consensus,
        min_cluster_size, admissible``; ``cdf``: K × 100 bins; ``order``: final-tree leaf order).
    copy
        ``False``: write into ``adata`` and return ``None``; ``True``: return a modified copy.
    **options
        Passed on to :func:`omics.cluster.consensus_cluster` (``reps``, ``p_item``, ``distance``,
        ``linkage``, ``scale``, ``seed``, ``n_jobs``, ``min_size``…).

    Returns
    -------
    AnnData or None
    """
    from omics.cluster import consensus_cluster as _consensus

    out = target(adata, copy, source="tl.consensus_cluster")
    tried = _ks(k, ks)
    options.setdefault("source", "tl.consensus_cluster")
    result = _consensus(adata, layer=layer, obsm=obsm, k=tried, **options)
    chosen = result.suggested_k if k is None or k == "auto" else int(k)
    put_labels(out, key_added, result.labels_for(chosen))
    out.obsp[f"{key_added}_consensus"] = np.asarray(result.consensus[chosen], dtype=float)
    params = storable({**result.params, "layer": layer, "obsm": obsm, "k": k if k is not None else "auto"})
    put_uns(out, key_added, params=params, summary=result.summary.reset_index(), k=int(chosen),
            ks=[int(x) for x in result.ks], cdf=result.cdf.to_numpy(dtype=float),
            order=_leaf_order(result.trees[chosen], result.tree_patients, result.patients),
            rule=result.suggested_k_rule)
    return finish(out, copy)


def hierarchical_cluster(adata: Any, *, layer: str | None = None, obsm: str | None = None, k: int = 2,
                         key_added: str = "hierarchical", copy: bool = False, **options):
    """Plain hierarchical clustering of the observations (R ``hclust`` + ``cutree``), cut at ``k``.

    Runs :func:`omics.cluster.hierarchical_cluster`; writes ``obs[key_added]`` (categorical
    labels, ``A`` = largest) and ``uns[key_added]`` = ``{"params", "summary" (cluster sizes),
    "k", "order" (tree leaf order)}``. ``**options``: ``distance``, ``linkage``, ``scale``.
    ``copy`` as in :func:`consensus_cluster`.
    """
    from omics.cluster import hierarchical_cluster as _hierarchical

    out = target(adata, copy, source="tl.hierarchical_cluster")
    if not isinstance(k, (int, np.integer)):
        raise InputError(f"tl.hierarchical_cluster: k must be one number of clusters, got {k!r}")
    options.setdefault("source", "tl.hierarchical_cluster")
    result = _hierarchical(adata, layer=layer, obsm=obsm, k=int(k), **options)
    patients = result.labels.index
    put_labels(out, key_added, result.labels_for(int(k)))
    put_uns(out, key_added, params=storable({**result.params, "layer": layer, "obsm": obsm}),
            summary=result.summary, k=int(k), order=_leaf_order(result.tree, result.tree_patients, patients))
    return finish(out, copy)


def assign_centroids(adata_train: Any, adata_new: Any, *, groupby: str, layer: str | None = None,
                     obsm: str | None = None, distance: str = "pearson", scale: str = "none",
                     key_added: str | None = None, copy: bool = False):
    """Assign the observations of ``adata_new`` to the nearest centroid of the groups
    ``adata_train.obs[groupby]`` (e.g. the labels of :func:`consensus_cluster`).

    Training observations without a label are left out of the centroids. Both objects must
    hold the training features (same ``var_names``, or the same ``obsm`` key). Writes into
    ``adata_new``: ``obs[key_added]`` (default ``groupby``), ``obsm[f"{key_added}_distances"]``
    (observations × clusters, clusters in ``uns[key_added]["params"]["classes"]``) and
    ``uns[key_added]`` = ``{"params", "summary" (patients per cluster), "centroids"}``.
    ``copy=True`` returns a modified copy of ``adata_new``; ``adata_train`` is never changed.
    """
    from omics.cluster import CentroidClassifier
    from omics.data.convert import as_samples_by_features

    key_added = groupby if key_added is None else key_added
    target(adata_train, False, source="tl.assign_centroids (training data)")
    out = target(adata_new, copy, source="tl.assign_centroids (new data)")
    labels = obs_column(adata_train, groupby, source="tl.assign_centroids").dropna()
    labels = labels[labels.astype(str) != ""]
    train = as_samples_by_features(adata_train, layer=layer, obsm=obsm, source="training data")
    model = CentroidClassifier(distance=distance, scale=scale).fit(train.loc[labels.index], labels.astype(str))
    new = as_samples_by_features(adata_new, layer=layer, obsm=obsm, source="new data")
    result = model.assign(new)
    put_labels(out, key_added, result.clusters)
    out.obsm[f"{key_added}_distances"] = result.distances.to_numpy(dtype=float)
    put_uns(out, key_added, params=storable({"groupby": groupby, "distance": distance, "scale": scale,
                                              "layer": layer, "obsm": obsm,
                                              "classes": [str(c) for c in model.classes_]}),
            summary=result.summary, centroids=result.centroids.rename(index=str, columns=str))
    return finish(out, copy)


def _labels_of(data: Any, key: str) -> pd.Series:
    """Labels ``key`` of an AnnData's obs, or of a MuData: ``mdata.obs[key]``, else
    ``"mod:column"`` read from the modality ``mdata[mod].obs[column]`` (no ``mdata.update()`` needed)."""
    if not is_mudata(data):
        return obs_column(data, key, source="tl.hybrid_groups")
    if key in data.obs.columns:
        return data.obs[key].set_axis(data.obs_names.astype(str))
    mod, _, column = key.partition(":")
    if column and mod in data.mod and column in data.mod[mod].obs.columns:
        return obs_column(data.mod[mod], column, source="tl.hybrid_groups")
    raise InputError(f"tl.hybrid_groups: no column {key!r} in mdata.obs nor 'modality:column' in a "
                     f"modality (modalities: {', '.join(data.mod.keys())})")


def hybrid_groups(data: Any, *, keys: tuple[str, str], names: tuple[str, str] | None = None,
                  level: str | None = None, key_added: str = "hybrid", copy: bool = False):
    """Cross two label columns into hybrid groups and measure their agreement.

    Thin layer over :func:`omics.cluster.hybrid_groups` and
    :func:`omics.cluster.partition_agreement`.

    Parameters
    ----------
    data
        An AnnData whose ``obs`` holds both columns, or a **MuData**: there the keys are
        ``mdata.obs`` columns or ``"modality:column"`` (``"rna:consensus"``), read from the
        modalities directly, so labels written by :func:`consensus_cluster` into
        ``mdata["rna"]`` and ``mdata["mri"]`` can be crossed; results go to ``mdata.obs``/``mdata.uns``.
    keys
        The two label columns.
    names
        Grouping names appended to the labels (``A`` → ``A_rna``); default: the modality part of
        a ``"mod:column"`` key, else the key.
    level
        Hybrid level kept in the binary column (default: first level of each crossed).
    key_added
        ``obs[key_added]`` (hybrid level, empty unless both labels exist),
        ``obs[f"{key_added}_binary"]`` (``level`` or ``Others``), ``uns[key_added]`` =
        ``{"params", "summary" (chi², ARI, discordant…), "crosstab"}``.
    copy
        ``False``: write in place, return ``None``; ``True``: return a modified copy.
    """
    from omics.cluster import hybrid_groups as _hybrid
    from omics.cluster import partition_agreement

    if len(keys) != 2:
        raise InputError(f"tl.hybrid_groups: keys must name two label columns, got {keys!r}")
    if is_mudata(data):
        out = data.copy() if copy else data
    else:
        out = target(data, copy, source="tl.hybrid_groups")
    a, b = (_labels_of(data, key).astype(object).rename(key) for key in keys)
    names = tuple(names) if names is not None else tuple(key.partition(":")[0] for key in keys)
    groups = _hybrid(a, b, names=names, level=level)
    agreement = partition_agreement(a, b)
    index = out.obs_names.astype(str)
    for column, values in ((key_added, groups["hybrid"]), (f"{key_added}_binary", groups["hybrid_binary"])):
        aligned = values.reindex(index)
        out.obs[column] = pd.Categorical(aligned.to_numpy(), categories=values.cat.categories)
    crosstab = agreement.crosstab.rename(index=str, columns=str)
    crosstab.index.name, crosstab.columns.name = None, None
    put_uns(out, key_added, params=storable({"keys": list(keys), "names": list(names),
                                              "level": str(groups["hybrid_binary"].cat.categories[0])}),
            summary=agreement.summary, crosstab=crosstab)
    return finish(out, copy)
