"""Hierarchical trees and their cuts, with R ``hclust``/``cutree`` semantics.

``cutree(tree, k)`` in R keeps the first ``n - k`` merges of the tree. The cut here does the
same for every K at once: in the dendrogram's leaf order every subtree is a contiguous run of
leaves, so undoing the last ``K - 1`` merges splits the order into ``K`` contiguous segments.
Only the top ``K_max - 1`` merges are visited, so the cost is one leaf ordering per tree.
"""

from __future__ import annotations

from typing import Iterable, Sequence

import numpy as np
from scipy.cluster.hierarchy import leaves_list, linkage

from omics.cluster._options import LINKAGES


try:  # scipy's compiled routines, without the public wrappers' O(n) validation
    from scipy.cluster._hierarchy import nn_chain as _nn_chain
    from scipy.cluster._hierarchy import prelist as _prelist
except ImportError:  # pragma: no cover - depends on the scipy version
    _nn_chain = _prelist = None

try:  # optional: Müllner's fastcluster, about twice as fast as scipy for average linkage
    import fastcluster as _fastcluster
except ImportError:  # pragma: no cover - optional dependency
    _fastcluster = None

#: scipy's method codes for its nearest-neighbour-chain routine (reducible linkages).
_NN_CHAIN_CODE = {"complete": 1, "average": 2, "ward": 5, "weighted": 6}

#: Linkage names (R ``hclust`` methods) → how they are computed with scipy.
_SCIPY_METHOD = {"average": "average", "complete": "complete", "single": "single",
                 "ward": "ward", "ward.D2": "ward", "mcquitty": "weighted"}


def _input_error(message: str) -> Exception:
    from omics.data.validate import InputError  # lazily: resampling workers import this module

    return InputError(message)


def check_linkage(method: str) -> str:
    if method not in LINKAGES:
        raise _input_error(f"linkage must be one of {LINKAGES}, got {method!r}")
    return method


def linkage_tree(condensed: np.ndarray, method: str) -> np.ndarray:
    """Agglomerative tree (scipy linkage matrix) of a condensed distance vector.

    ``ward`` is Ward's minimum-variance criterion on the distances themselves (R
    ``"ward.D2"``); ``"ward.D"`` is R's older variant (which R also calls ``"ward"``), obtained
    as scipy's Ward on the square roots of the distances with the heights squared back.
    """
    if method == "ward.D":
        tree = linkage(np.sqrt(np.clip(condensed, 0.0, None)), method="ward")
        tree[:, 2] **= 2
        return tree
    return linkage(condensed, method=_SCIPY_METHOD[method])


def fast_linkage_tree(condensed: np.ndarray, method: str) -> np.ndarray:
    """:func:`linkage_tree` for finite float64 distances, without input validation.

    Used in the resampling loop, where the distances are known to be valid (and may be
    overwritten). Uses fastcluster (Müllner 2013) when it is installed, else scipy's compiled
    nearest-neighbour chain; both return merges sorted by height, as R ``hclust``, and the
    same trees unless distances tie exactly.
    """
    scipy_method = _SCIPY_METHOD.get(method)
    if _fastcluster is not None and scipy_method is not None:
        return _fastcluster.linkage(condensed, method=scipy_method, preserve_input=False)
    code = _NN_CHAIN_CODE.get(scipy_method or "")
    if _nn_chain is None or code is None:
        return linkage_tree(condensed, method)
    n = int(round((1 + np.sqrt(1 + 8 * condensed.size)) / 2))
    return _nn_chain(condensed, n, code)


def leaf_order(tree: np.ndarray) -> np.ndarray:
    """Leaves in dendrogram order (left child first), as ``scipy...leaves_list``."""
    n = tree.shape[0] + 1
    if _prelist is None:
        return _leaf_order_vectorised(tree)
    order = np.zeros(n, dtype=np.int32)
    _prelist(np.ascontiguousarray(tree, dtype=float), order, n)
    return order


def _leaf_order_vectorised(tree: np.ndarray) -> np.ndarray:
    """Pre-order leaf positions by pointer jumping (no Python loop over the n nodes).

    A node starts where its parent starts, plus the size of its left sibling if it is a right
    child; summing these offsets up the path to the root (doubling the jump each round) gives
    every leaf's position in O(n log depth).
    """
    n = tree.shape[0] + 1
    children = tree[:, :2].astype(np.int64)
    sizes = np.ones(2 * n - 1, dtype=np.int64)
    sizes[n:] = tree[:, 3].astype(np.int64)
    parent = np.arange(2 * n - 1)                 # the root points to itself
    offset = np.zeros(2 * n - 1, dtype=np.int64)
    merged = np.arange(n, 2 * n - 1)
    parent[children[:, 0]] = merged
    parent[children[:, 1]] = merged
    offset[children[:, 1]] = sizes[children[:, 0]]
    while True:
        jumped = parent[parent]
        if np.array_equal(jumped, parent):
            break
        offset = offset + np.where(parent != jumped, offset[parent], 0)
        parent = jumped
    # after the loop every node points to the root; leaves' offsets are their positions
    order = np.empty(n, dtype=np.int64)
    order[offset[:n]] = np.arange(n)
    return order


def tree_splits(tree: np.ndarray, k_max: int) -> tuple[np.ndarray, np.ndarray]:
    """The splits that take a tree from 1 to ``k_max`` clusters, in leaf-order positions.

    Undoing the last merge splits the root into its two children; undoing the merge before
    splits one of the current clusters; and so on (R ``cutree(tree, K)`` keeps the first
    ``n - K`` merges). Every subtree is a contiguous run of the leaf order.

    Returns
    -------
    order : ndarray (n,)
        Leaf order of the tree.
    splits : ndarray (k_max - 1, 3)
        Row ``j`` = ``(start, middle, end)``: going from ``j + 1`` to ``j + 2`` clusters,
        the cluster at positions ``[start, end)`` splits into ``[start, middle)`` and
        ``[middle, end)``.
    """
    n = tree.shape[0] + 1
    order = leaf_order(tree)
    start = {2 * n - 2: 0}
    splits = np.empty((k_max - 1, 3), dtype=np.int64)
    for step in range(k_max - 1):
        row = n - 2 - step
        node_start = start[n + row]
        left, right = int(tree[row, 0]), int(tree[row, 1])
        left_size = 1 if left < n else int(tree[left - n, 3])
        start[left] = node_start
        start[right] = node_start + left_size
        splits[step] = (node_start, node_start + left_size, node_start + int(tree[row, 3]))
    return order, splits


def segment_labels(tree: np.ndarray, k_max: int) -> tuple[np.ndarray, np.ndarray]:
    """Cut ``tree`` at every K = 2 … ``k_max`` at once.

    Returns
    -------
    order : ndarray (n,)
        Leaf order of the tree.
    labels : ndarray (k_max - 1, n)
        ``labels[K - 2, p]`` is the cluster (0 … K-1) of the leaf at position ``p`` of
        ``order`` when the tree is cut into K clusters (R ``cutree(tree, K)`` up to the
        numbering of the clusters).
    """
    n = tree.shape[0] + 1
    order, splits = tree_splits(tree, k_max)
    crossed = splits[:, 1][:, None] <= np.arange(n)[None, :]
    return order, np.cumsum(crossed, axis=0, dtype=np.int16)


def cut_tree(tree: np.ndarray, ks: Iterable[int]) -> dict[int, np.ndarray]:
    """Cluster numbers (0 … K-1) of every item for each K in ``ks`` (R ``cutree`` semantics)."""
    ks = sorted(set(int(k) for k in ks))
    n = tree.shape[0] + 1
    if ks and (ks[0] < 1 or ks[-1] > n):
        raise _input_error(f"cannot cut {n} items into {ks[-1] if ks[-1] > n else ks[0]} clusters")
    out = {}
    if not ks:
        return out
    k_max = max(ks[-1], 2)
    order, labels = segment_labels(tree, k_max)
    for k in ks:
        item_labels = np.zeros(n, dtype=np.int64)
        if k > 1:
            item_labels[order] = labels[k - 2]
        out[k] = item_labels
    return out


def letters(i: int) -> str:
    """0 → A, 25 → Z, 26 → AA …"""
    name = ""
    i += 1
    while i:
        i, rem = divmod(i - 1, 26)
        name = chr(65 + rem) + name
    return name


def rank_by_size(labels: Sequence | np.ndarray) -> np.ndarray:
    """Cluster codes 0, 1, 2… by decreasing cluster size; ties go to the cluster whose first
    member comes first in the input order."""
    labels = np.asarray(labels)
    uniques, first, inverse, counts = np.unique(labels, return_index=True, return_inverse=True,
                                                return_counts=True)
    ranking = sorted(range(len(uniques)), key=lambda j: (-counts[j], first[j]))
    rank_of = np.empty(len(uniques), dtype=np.int64)
    rank_of[ranking] = np.arange(len(uniques))
    return rank_of[inverse.ravel()]


def relabel_by_size(labels: Sequence | np.ndarray) -> np.ndarray:
    """Rename clusters A, B, C… by decreasing size (ties: first member first in the input)."""
    return np.array([letters(c) for c in rank_by_size(labels)], dtype=object)
