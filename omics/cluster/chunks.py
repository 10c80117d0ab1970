"""Consensus clustering split into chunks of resamples: count in many jobs, merge in one.

The co-sampling and co-clustering counts of consensus clustering are sums over independent
resamples, and resample ``r`` draws its patients from its own child ``r`` of one
``SeedSequence(seed)`` (:class:`~omics.cluster._resample.ResampleTask`). So the resamples
``0 … reps − 1`` can be cut into chunks counted anywhere (one SLURM job each), and the summed
counts are the one-job counts exactly — for any chunking and any ``n_jobs``:

>>> counts = [consensus_counts(X, k=range(2, 7), reps=1000, resamples=chunk_resamples(1000, i, 4),
...                            seed=1) for i in range(4)]                                # doctest: +SKIP
>>> merge_consensus(counts)            # == consensus_cluster(X, k=range(2, 7), reps=1000, seed=1)  # doctest: +SKIP

Counts are kept in the smallest unsigned type that holds them exactly (``uint16`` below 65,536
resamples): a chunk file of n patients and K values of K holds ``2 (K + 1) n²`` bytes.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np
import pandas as pd

from omics._result import Result
from omics.cluster._resample import count_dtype, run_resamples
from omics.cluster.consensus import ConsensusResult, _consensus_from_counts, _plan_resampling
from omics.data.validate import InputError

#: Bumped when the layout of the ``.npz`` chunk files changes.
FORMAT_VERSION = 1


def chunk_resamples(reps: int, chunk: int, chunks: int) -> range:
    """Resample numbers of chunk ``chunk`` (0-based) when ``reps`` resamples are cut into
    ``chunks`` nearly equal consecutive chunks (the first ``reps % chunks`` get one more)."""
    if chunks < 1 or not 0 <= chunk < chunks:
        raise InputError(f"chunk must be in 0…{chunks - 1} (0-based) with chunks >= 1, "
                         f"got chunk {chunk} of {chunks}")
    if chunks > reps:
        raise InputError(f"cannot cut {reps} resamples into {chunks} chunks; use at most {reps}")
    size, extra = divmod(reps, chunks)
    start = chunk * size + min(chunk, extra)
    return range(start, start + size + (chunk < extra))


@dataclass(frozen=True, repr=False)
class ConsensusCounts(Result):
    """Co-sampling and co-clustering counts of a chunk of resamples (see :func:`consensus_counts`).

    Attributes
    ----------
    patients : pandas.Index
        Patient identifiers in the input order (rows and columns of every matrix).
    ks : tuple of int
    cosampled : ndarray (n × n), unsigned integers
        How many of the chunk's resamples held each pair of patients.
    coclustered : ndarray (len(ks) × n × n), unsigned integers
        How many of them put each pair in the same cluster, per K.
    resamples : range
        The resample numbers counted (out of ``params["reps"]``).
    params : dict
        Settings of the whole run; chunks merge only when these agree.
    input_digest : str
        SHA-256 of the patients and the prepared feature values, so that chunks computed on
        different inputs are refused at merge time.
    """

    patients: pd.Index
    ks: tuple[int, ...]
    cosampled: np.ndarray
    coclustered: np.ndarray
    resamples: range
    params: dict[str, Any] = field(default_factory=dict)
    input_digest: str = ""

    @property
    def summary(self) -> pd.DataFrame:
        """Per K: resamples counted, pairs ever co-sampled, and their mean consensus so far."""
        lower = np.tril_indices(len(self.patients), -1)
        sampled = self.cosampled[lower]
        seen = sampled > 0
        rows = [{"k": k, "resamples": len(self.resamples), "pairs_cosampled": int(seen.sum()),
                 "mean_consensus": float(np.mean(self.coclustered[j][lower][seen] / sampled[seen]))
                 if seen.any() else float("nan")}
                for j, k in enumerate(self.ks)]
        return pd.DataFrame(rows).set_index("k")

    def to_frame(self) -> pd.DataFrame:
        """Tidy counts: one row per pair of patients (lower triangle) with ``cosampled`` and
        ``coclustered_k{K}`` columns."""
        i, j = np.tril_indices(len(self.patients), -1)
        columns = {"patient_a": self.patients[i], "patient_b": self.patients[j],
                   "cosampled": self.cosampled[i, j]}
        columns.update({f"coclustered_k{k}": self.coclustered[m][i, j] for m, k in enumerate(self.ks)})
        return pd.DataFrame(columns)

    def save(self, path: str | os.PathLike) -> Path:
        """Write the counts to one ``.npz`` file (atomically; patient IDs as text)."""
        from omics.data.io import atomic_path

        path = Path(path)
        meta = {"format_version": FORMAT_VERSION, "ks": list(self.ks),
                "resamples": [self.resamples.start, self.resamples.stop], "params": self.params,
                "input_digest": self.input_digest}
        with atomic_path(path) as tmp:
            np.savez(tmp, patients=np.asarray(self.patients.astype(str), dtype=str),
                     cosampled=self.cosampled, coclustered=self.coclustered,
                     meta=np.array(json.dumps(meta)))
        return path

    def write(self, out_dir: str | os.PathLike) -> dict[str, Path]:
        """Write ``counts.npz`` into ``out_dir`` (``omics consensus-chunk`` writes the same file
        under the name given by ``--out``, through :meth:`save`)."""
        return {"counts": self.save(Path(out_dir) / "counts.npz")}

    @classmethod
    def load(cls, path: str | os.PathLike) -> "ConsensusCounts":
        """Read counts written by :meth:`save`."""
        try:
            with np.load(path, allow_pickle=False) as data:
                meta = json.loads(str(data["meta"]))
                arrays = {name: data[name] for name in ("patients", "cosampled", "coclustered")}
        except (OSError, ValueError, KeyError) as exc:
            raise InputError(f"{path}: not a consensus chunk file written by `omics consensus-chunk` "
                             f"({exc})") from None
        if meta.get("format_version") != FORMAT_VERSION:
            raise InputError(f"{path}: chunk file format {meta.get('format_version')}, this omics reads "
                             f"{FORMAT_VERSION}; recompute the chunk")
        return cls(patients=pd.Index(arrays["patients"].astype(object)), ks=tuple(meta["ks"]),
                   cosampled=arrays["cosampled"], coclustered=arrays["coclustered"],
                   resamples=range(*meta["resamples"]), params=meta["params"],
                   input_digest=meta["input_digest"])

    def _short(self) -> str:
        r = self.resamples
        return (f"{len(self.patients)} patients, K={list(self.ks)}, resamples "
                f"{r.start}…{r.stop - 1} of {self.params.get('reps', '?')}, {self.cosampled.dtype} counts, "
                f"{(self.cosampled.nbytes + self.coclustered.nbytes) / 2**20:.1f} MiB")


def consensus_counts(X: Any, *, k: int | Iterable[int] = range(2, 7), reps: int = 1000,
                     resamples: range | tuple[int, int] | None = None, p_item: float = 0.8,
                     p_feature: float = 1.0, distance: str = "pearson", linkage: str = "average",
                     scale: str = "none", seed: int | None = None, n_jobs: int = 1,
                     progress: bool = False, source: str = "feature table", layer: str | None = None,
                     obsm: str | None = None, sample_ids: Iterable | None = None) -> ConsensusCounts:
    """Co-sampling and co-clustering counts of a chunk of the resamples of a consensus clustering.

    The options are those of :func:`~omics.cluster.consensus_cluster` (``reps`` is the number
    of resamples of the whole run); ``resamples`` picks the chunk. Merging the chunks that
    cover ``0 … reps − 1`` with :func:`merge_consensus` gives exactly the result of
    ``consensus_cluster`` with the same options, whatever the chunking and ``n_jobs``.

    Parameters
    ----------
    X
        Patients × features DataFrame, AnnData (one MuData modality) or array, with ``layer``
        / ``obsm`` (and ``sample_ids``, the orientation check) as for ``consensus_cluster``.
    resamples
        The resample numbers of this chunk, a ``range`` or ``(start, stop)`` within
        ``0 … reps``; default all (see :func:`chunk_resamples`).
    seed
        Seed of the resampling; required when the chunk is not the whole run (every chunk
        must draw from the same seed).

    Returns
    -------
    ConsensusCounts

    References
    ----------
    Monti S, Tamayo P, Mesirov J, Golub T (2003) Consensus clustering: a resampling-based
    method for class discovery and visualization of gene expression microarray data.
    Mach Learn 52:91–118.
    Wilkerson MD, Hayes DN (2010) ConsensusClusterPlus. Bioinformatics 26:1572–1573.
    """
    chunk = _check_chunk(resamples, reps)
    if seed is None and len(chunk) != reps:
        raise InputError("seed: give a seed when counting a chunk of the resamples; every chunk "
                         "of one run must draw from the same seed")
    plan = _plan_resampling(X, k, reps, p_item, p_feature, distance, linkage, scale, seed, None, source,
                            layer=layer, obsm=obsm, sample_ids=sample_ids)
    counted = run_resamples(plan.task, plan.resamples[chunk.start:chunk.stop], n_jobs, progress)
    cosampled, coclustered = plan.input_order(*counted)
    return ConsensusCounts(patients=plan.patients, ks=plan.task.ks, cosampled=cosampled,
                           coclustered=coclustered, resamples=chunk, params=dict(plan.params),
                           input_digest=_digest(plan))


def merge_consensus(counts: Sequence[ConsensusCounts | str | os.PathLike], *,
                    final_linkage: str | None = None,
                    pac_window: tuple[float, float] = (0.1, 0.9),
                    min_size: int | None = None) -> ConsensusResult:
    """Sum the counts of chunks covering all resamples and finish the consensus clustering.

    Chunks given as paths are read one at a time, so memory stays that of two sets of counts
    plus the consensus matrices. The result equals that of
    :func:`~omics.cluster.consensus_cluster` run in one job with the same options.

    Parameters
    ----------
    counts
        :class:`ConsensusCounts` or paths of their ``.npz`` files, in any order; together
        they must cover resamples ``0 … reps − 1`` once each.
    final_linkage
        Linkage of the final tree on ``1 − consensus``; default: the resampling linkage.
    pac_window
        ``(x1, x2)`` of the PAC.
    min_size
        Smallest admissible cluster for the suggested K (default: max(3, 5 % of patients)),
        as in :func:`~omics.cluster.consensus_cluster`.

    Raises
    ------
    InputError
        When the chunks come from different inputs or settings, overlap, or miss resamples.

    References
    ----------
    Wilkerson MD, Hayes DN (2010) ConsensusClusterPlus. Bioinformatics 26:1572–1573.
    Şenbabaoğlu Y, Michailidis G, Li JZ (2014) Critical limitations of consensus clustering
    in class discovery. Sci Rep 4:6207.
    """
    from omics.cluster._tree import check_linkage

    if not counts:
        raise InputError("merge_consensus: give at least one chunk of counts")
    first = None
    cosampled = coclustered = None
    covered: list[tuple[range, str]] = []
    for item in counts:
        name = str(item) if isinstance(item, (str, os.PathLike)) else f"chunk {len(covered)}"
        chunk = ConsensusCounts.load(item) if isinstance(item, (str, os.PathLike)) else item
        if first is None:
            first = chunk
            dtype = count_dtype(int(chunk.params["reps"]))
            cosampled = np.zeros_like(chunk.cosampled, dtype=dtype)
            coclustered = np.zeros_like(chunk.coclustered, dtype=dtype)
        else:
            _check_same_run(first, chunk, name)
        np.add(cosampled, chunk.cosampled, out=cosampled)
        np.add(coclustered, chunk.coclustered, out=coclustered)
        covered.append((chunk.resamples, name))
        del chunk
    _check_coverage(covered, int(first.params["reps"]))
    linkage = first.params["linkage"] if final_linkage is None else check_linkage(final_linkage)
    return _consensus_from_counts(first.patients, first.ks, cosampled, coclustered,
                                  params=dict(first.params), final_linkage=linkage,
                                  pac_window=tuple(pac_window), min_size=min_size)


def _check_chunk(resamples: range | tuple[int, int] | None, reps: int) -> range:
    if int(reps) < 1:
        raise InputError(f"reps must be >= 1, got {reps}")
    if resamples is None:
        return range(int(reps))
    chunk = resamples if isinstance(resamples, range) else range(*map(int, resamples))
    if chunk.step != 1 or len(chunk) == 0 or chunk.start < 0 or chunk.stop > reps:
        raise InputError(f"resamples must be a non-empty consecutive range within 0…{reps}, "
                         f"got {resamples!r}")
    return chunk


def _digest(plan) -> str:
    """Fingerprint of the run's input: patients in input order and the prepared values."""
    task = plan.task
    values = task.distance_matrix if task.values is None else task.values
    digest = hashlib.sha256("\x1f".join(map(str, plan.patients)).encode())
    digest.update(np.ascontiguousarray(values).tobytes())
    return digest.hexdigest()


def _check_same_run(first: ConsensusCounts, chunk: ConsensusCounts, name: str) -> None:
    if not first.patients.astype(str).equals(chunk.patients.astype(str)):
        raise InputError(f"{name}: its patients differ from the first chunk's; merge chunks of one run")
    if chunk.input_digest != first.input_digest:
        raise InputError(f"{name}: computed on different feature values than the first chunk; "
                         "recompute all chunks from the same input")
    differing = sorted(key for key in set(first.params) | set(chunk.params)
                       if first.params.get(key) != chunk.params.get(key))
    if differing or tuple(chunk.ks) != tuple(first.ks):
        shown = ", ".join(f"{key}: {first.params.get(key)!r} vs {chunk.params.get(key)!r}"
                          for key in differing) or f"k: {list(first.ks)} vs {list(chunk.ks)}"
        raise InputError(f"{name}: settings differ from the first chunk's ({shown}); "
                         "merge chunks of one run")


def _check_coverage(covered: list[tuple[range, str]], reps: int) -> None:
    """Every resample 0 … reps − 1 exactly once."""
    covered = sorted(covered, key=lambda item: item[0].start)
    expected = 0
    for chunk, name in covered:
        if chunk.start < expected:
            raise InputError(f"{name}: resamples {chunk.start}…{min(expected, chunk.stop) - 1} are "
                             "already in another chunk; give each chunk once")
        if chunk.start > expected:
            raise InputError(f"resamples {expected}…{chunk.start - 1} of {reps} are in no chunk; "
                             "compute the missing chunk(s)")
        expected = chunk.stop
    if expected != reps:
        raise InputError(f"resamples {expected}…{reps - 1} of {reps} are in no chunk; "
                         "compute the missing chunk(s)")


__all__ = ["ConsensusCounts", "consensus_counts", "merge_consensus", "chunk_resamples"]
