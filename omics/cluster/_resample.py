"""Resampling and co-clustering counts of consensus clustering (runs in joblib workers).

Kept free of heavy imports (pandas, anndata, scipy.stats) so that worker processes start fast.
One resample: draw patients (and features), grow one tree, cut it at every K
(:func:`~omics.cluster._tree.segment_labels`). A block of resamples: the co-sampling counts
are ``I Iᵀ`` (``I`` patients × resamples indicator) and the co-clustering counts at K are
``H Hᵀ`` (``H`` patients × resample·cluster one-hot), exact integers in float32 products.
Counts are kept in the smallest unsigned type that holds the number of resamples
(:func:`count_dtype`: 2 bytes per pair and K below 65,536 resamples).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy as np
from scipy.spatial.distance import squareform

from omics.cluster._distance import pairwise_distance
from omics.cluster._tree import fast_linkage_tree, tree_splits

#: Resamples whose co-clustering counts are accumulated by one set of matrix products.
BLOCK_SIZE = 256


def count_dtype(n_resamples: int) -> np.dtype:
    """Smallest unsigned integer type that holds a count of ``n_resamples`` resamples exactly."""
    for dtype in (np.uint16, np.uint32):
        if n_resamples <= np.iinfo(dtype).max:
            return np.dtype(dtype)
    return np.dtype(np.uint64)


@dataclass(frozen=True)
class ResampleTask:
    """Everything a worker needs to cluster resamples; patients are in canonical order."""

    n: int
    n_items: int
    ks: tuple[int, ...]
    linkage: str
    distance: str
    p_feature: float
    entropy: int
    distance_matrix: np.ndarray | None = None   # square, when all features are used
    values: np.ndarray | None = None            # scaled features, when features are resampled

    def draw(self, r: int) -> tuple[np.ndarray, np.ndarray | None]:
        """Patients (and features) of resample ``r``: its own child of the seed sequence."""
        rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(self.entropy, spawn_key=(r,))))
        items = np.sort(rng.choice(self.n, self.n_items, replace=False))
        features = None
        if self.p_feature < 1:
            n_features = self.values.shape[1]
            features = np.sort(rng.choice(n_features, int(math.floor(n_features * self.p_feature)),
                                          replace=False))
        return items, features

    def condensed(self, items: np.ndarray, features: np.ndarray | None) -> np.ndarray:
        """Condensed distances among ``items`` (scipy order)."""
        if features is None:
            return squareform(self.distance_matrix.take(items, 0).take(items, 1), checks=False)
        upper_i, upper_j = _upper_indices(len(items))
        square = pairwise_distance(self.values[np.ix_(items, features)], self.distance)
        condensed = square[upper_i, upper_j]
        if not np.all(np.isfinite(condensed)):
            from omics.data.validate import InputError

            raise InputError("a feature subsample left a patient with constant features, so the "
                             f"{self.distance} distance is undefined; increase p_feature")
        return condensed


_UPPER_CACHE: dict[int, tuple[np.ndarray, np.ndarray]] = {}


def _upper_indices(m: int) -> tuple[np.ndarray, np.ndarray]:
    if m not in _UPPER_CACHE:
        _UPPER_CACHE[m] = np.triu_indices(m, 1)
    return _UPPER_CACHE[m]


def _accumulate(ids: list[np.ndarray], splits: list[np.ndarray], ks: Sequence[int], n: int,
                cosampled: np.ndarray, coclustered: np.ndarray) -> None:
    """Add one block's co-sampling and co-clustering counts (exact integers).

    With ``I`` the patients × resamples indicator, co-sampled = ``I Iᵀ``. Cuts are nested, so
    the pairs together at K are the co-sampled pairs minus those separated by the splits
    1→2, …, (K−1)→K; the pairs separated by one split are ``L Rᵀ + R Lᵀ = [L R] [R L]ᵀ``
    (one product, no transposed pass) with ``L`` and ``R`` the indicators of its two sides.
    Everything is float32 on 0/1 entries with sums far below 2²⁴: exact integers, so no
    rounding is needed before adding them to the unsigned counts.
    """
    sizes = np.array([len(x) for x in ids])
    m = len(ids)
    rows = np.concatenate(ids)
    resample = np.repeat(np.arange(m), sizes)
    position = np.arange(len(rows)) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    bounds = np.stack(splits)                     # (resamples, k_max - 1, 3)
    indicator = np.zeros((n, m), dtype=np.float32)
    indicator[rows, resample] = 1.0
    together = indicator @ indicator.T            # co-sampled in this block, <= BLOCK_SIZE
    np.add(cosampled, together, out=cosampled, casting="unsafe")
    wanted = {k: j for j, k in enumerate(ks)}
    sides = np.empty((n, 2 * m), dtype=np.float32)
    swapped = np.empty((n, 2 * m), dtype=np.float32)
    for step in range(max(ks) - 1):
        start, middle, end = (bounds[:, step, i][resample] for i in range(3))
        left = (position >= start) & (position < middle)
        right = (position >= middle) & (position < end)
        sides.fill(0.0)
        sides[rows[left], resample[left]] = 1.0
        sides[rows[right], m + resample[right]] = 1.0
        swapped[:, :m], swapped[:, m:] = sides[:, m:], sides[:, :m]
        together -= sides @ swapped.T             # pairs this split separates
        k = step + 2
        if k in wanted:
            np.add(coclustered[wanted[k]], together, out=coclustered[wanted[k]], casting="unsafe")


def _count_resamples(task: ResampleTask, resamples: Iterable) -> tuple[np.ndarray, np.ndarray]:
    """Co-sampling (n × n) and co-clustering (len(ks) × n × n) counts of some resamples.

    ``resamples`` holds resample numbers (drawn from the task's seed) or explicit arrays of
    patient positions.
    """
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):  # many small products: BLAS threads only contend
        return _count_resamples_serial(task, resamples)


def _count_resamples_serial(task: ResampleTask, resamples: Iterable) -> tuple[np.ndarray, np.ndarray]:
    n, ks = task.n, task.ks
    k_max = max(ks)
    resamples = list(resamples)
    dtype = count_dtype(len(resamples))
    cosampled = np.zeros((n, n), dtype=dtype)
    coclustered = np.zeros((len(ks), n, n), dtype=dtype)
    ids, splits = [], []
    for resample in resamples:
        if isinstance(resample, (int, np.integer)):
            items, features = task.draw(int(resample))
        else:
            items, features = np.asarray(resample, dtype=np.int64), None
        tree = fast_linkage_tree(task.condensed(items, features), task.linkage)
        order, split = tree_splits(tree, k_max)
        ids.append(items[order])
        splits.append(split)
        if len(ids) == BLOCK_SIZE:
            _accumulate(ids, splits, ks, n, cosampled, coclustered)
            ids, splits = [], []
    if ids:
        _accumulate(ids, splits, ks, n, cosampled, coclustered)
    return cosampled, coclustered


def _split(items: list, n_parts: int) -> list[list]:
    size = math.ceil(len(items) / n_parts)
    return [items[i:i + size] for i in range(0, len(items), size)]


def run_resamples(task: ResampleTask, resamples: list, n_jobs: int, progress: bool
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Counts of all ``resamples``, over ``n_jobs`` processes (the calling one included).

    The resamples are split into parts queued on a reusable loky executor with ``n_jobs − 1``
    workers; the calling process meanwhile takes parts from the end of the queue that no
    worker has started (so the workers' start-up time is not lost). Counts are integer sums:
    the result does not depend on who computed which part.
    """
    from joblib import effective_n_jobs

    workers = max(1, min(effective_n_jobs(n_jobs), math.ceil(len(resamples) / 16)))
    n_parts = 1 if workers == 1 else 8 * workers
    if progress:
        n_parts = max(n_parts, math.ceil(len(resamples) / BLOCK_SIZE))
    parts = _split(resamples, n_parts)
    bar = None
    if progress:
        from tqdm.auto import tqdm
        bar = tqdm(total=len(parts), desc="consensus resamples", unit="part")
    dtype = count_dtype(len(resamples))
    cosampled = np.zeros((task.n, task.n), dtype=dtype)
    coclustered = np.zeros((len(task.ks), task.n, task.n), dtype=dtype)

    def add(result):  # parts hold fewer resamples than the whole: their type casts up safely
        np.add(cosampled, result[0], out=cosampled)
        np.add(coclustered, result[1], out=coclustered)
        if bar is not None:
            bar.update()

    if workers == 1:
        for part in parts:
            add(_count_resamples(task, part))
    else:
        # joblib's own reusable executor, not loky's bare one: a bare loky executor left
        # behind breaks any later joblib.Parallel in the process (it lacks joblib's temp-folder
        # manager), e.g. imaging extraction after clustering in one session.
        from joblib.executor import get_memmapping_executor

        executor = get_memmapping_executor(workers - 1)
        futures = [executor.submit(_count_resamples, task, part) for part in parts]
        for future, part in zip(reversed(futures), reversed(parts)):
            if future.cancel():                   # nobody started it: do it here
                add(_count_resamples(task, part))
        for future in futures:
            if not future.cancelled():
                add(future.result())
    if bar is not None:
        bar.close()
    return cosampled, coclustered
