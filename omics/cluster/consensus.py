"""Consensus clustering with ConsensusClusterPlus semantics (Monti 2003; Wilkerson & Hayes 2010).

How one run works (R ConsensusClusterPlus 1.62, ``clusterAlg = "hc"``):

1. every resample draws ``floor(n * p_item)`` patients without replacement (and, when
   ``p_feature < 1``, ``floor(p * p_feature)`` features); with all features the distance
   matrix is computed once on the full data and sub-set, as CCP does;
2. one hierarchical tree per resample (inner linkage), cut at every K (R ``cutree``);
3. ``consensus[i, j] = co-clustered(i, j) / co-sampled(i, j)`` (0 when never co-sampled; the
   diagonal is 1 for every patient sampled at least once);
4. final labels: ``hclust(as.dist(1 - consensus), final_linkage)`` cut at K;
5. CDF of the lower-triangle consensus values on 100 bins, area under it and the relative
   change in area ("delta area") exactly as CCP's internal ``CDF()``; PAC (Şenbabaoğlu 2014)
   from the empirical CDF; item and cluster consensus exactly as CCP's ``calcICL()``.

Speed: per resample, one sub-setted distance vector, one tree and one top-down walk of its last
K_max − 1 merges (:mod:`omics.cluster._resample`). Counts are accumulated per block of
resamples by small matrix products on 0/1 indicators (co-sampled = ``I Iᵀ``; the pairs a split
separates = ``L Rᵀ + R Lᵀ``; cuts are nested, so co-clustered at K = co-sampled minus the
pairs separated by the first K − 1 splits), never keeping per-resample matrices. Blocks are
summed as integers, so any ``n_jobs`` and any blocking give the same numbers. Memory is
O(K·n²).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd
from scipy.spatial.distance import squareform

from omics._result import Result
from omics.cluster._prepare import (DISTANCES, check_distance, check_not_constant, check_profiles,
                                    pairwise_distance, scale_features)
from omics.cluster._resample import ResampleTask, run_resamples
from omics.cluster._tree import check_linkage, cut_tree, letters, linkage_tree, rank_by_size
from omics.data.convert import as_samples_by_features
from omics.data.validate import InputError

#: CCP's histogram: 100 bins on [0, 1].
CDF_BINS = 100


# ---------------------------------------------------------------------------------------------
# statistics of consensus matrices
# ---------------------------------------------------------------------------------------------

def consensus_cdf(consensus: np.ndarray, *, bins: int = CDF_BINS) -> np.ndarray:
    """CCP's consensus CDF: cumulative share of lower-triangle values up to each bin's upper edge.

    Reproduces ``hist(v, breaks = seq(0, 1, by = 1/bins))`` (right-closed bins, lowest
    included, R's ``fuzz`` of ``1e-7 ×`` the median bin width) followed by
    ``cumsum(counts) / sum(counts)``.

    References
    ----------
    Wilkerson MD, Hayes DN (2010) ConsensusClusterPlus. Bioinformatics 26:1572–1573.
    """
    values = consensus[np.tril_indices(consensus.shape[0], -1)]
    breaks = np.arange(bins + 1) * (1.0 / bins)
    diddle = 1e-7 * np.median(np.diff(breaks))
    upper_edges = breaks[1:] + diddle
    counts = np.searchsorted(np.sort(values), upper_edges, side="right").astype(float)
    counts = np.diff(np.concatenate([[0.0], counts]))  # per-bin counts, as hist returns them
    return np.cumsum(counts) / np.sum(counts)


def cdf_area(cdf: np.ndarray, *, bins: int = CDF_BINS) -> float:
    """Area under the CDF as CCP sums it: ``Σ_b cdf[b] · (break[b+1] − break[b])``, in order.

    References
    ----------
    Wilkerson MD, Hayes DN (2010) ConsensusClusterPlus. Bioinformatics 26:1572–1573.
    """
    widths = np.diff(np.arange(bins + 1) * (1.0 / bins))
    area = 0.0
    for height, width in zip(cdf, widths):
        area = area + height * width
    return area


def delta_area(areas: Sequence[float]) -> np.ndarray:
    """CCP's delta area: the first K's area, then ``(A_K − A_{K−1}) / A_{K−1}``.

    References
    ----------
    Wilkerson MD, Hayes DN (2010) ConsensusClusterPlus. Bioinformatics 26:1572–1573.
    """
    areas = np.asarray(areas, dtype=float)
    return np.concatenate([areas[:1], (areas[1:] - areas[:-1]) / areas[:-1]])


def proportion_ambiguous(consensus: np.ndarray, *, window: tuple[float, float] = (0.1, 0.9)) -> float:
    """PAC: ``F(x2) − F(x1)`` with ``F`` the empirical CDF of the lower-triangle consensus.

    References
    ----------
    Şenbabaoğlu Y, Michailidis G, Li JZ (2014) Critical limitations of consensus clustering
    in class discovery. Sci Rep 4:6207.
    """
    values = consensus[np.tril_indices(consensus.shape[0], -1)]
    low, high = window
    return float(np.mean(values <= high) - np.mean(values <= low))


def _onehot(codes: np.ndarray, k: int) -> np.ndarray:
    onehot = np.zeros((len(codes), k))
    onehot[np.arange(len(codes)), codes] = 1.0
    return onehot


def item_and_cluster_consensus(consensus: np.ndarray, codes: np.ndarray, k: int
                               ) -> tuple[np.ndarray, np.ndarray]:
    """CCP ``calcICL``: item consensus (n × K) and cluster consensus (K,).

    Item consensus of patient i with cluster c: mean consensus between i and the members of c
    other than i. Cluster consensus: mean consensus over the pairs inside c (NaN for a
    singleton, as in CCP).

    References
    ----------
    Wilkerson MD, Hayes DN (2010) ConsensusClusterPlus. Bioinformatics 26:1572–1573.
    """
    off_diagonal = consensus.copy()
    np.fill_diagonal(off_diagonal, 0.0)
    onehot = _onehot(codes, k)
    sizes = onehot.sum(axis=0)
    sums = off_diagonal @ onehot
    with np.errstate(divide="ignore", invalid="ignore"):
        item = sums / (sizes[None, :] - onehot)
        within = np.einsum("ic,ij,jc->c", onehot, off_diagonal, onehot) / 2.0
        cluster = within / (sizes * (sizes - 1) / 2.0)
    return item, cluster


# ---------------------------------------------------------------------------------------------
# result object
# ---------------------------------------------------------------------------------------------

SUGGESTED_K_RULE = ("smallest PAC (proportion of ambiguous clustering, Şenbabaoğlu 2014) over "
                    "the K tried whose smallest cluster has at least {min_size} patients; ties go "
                    "to the larger K (a split that is as stable as the coarser partition is kept)")


class SmallClusterWarning(UserWarning):
    """A partition has a cluster below the minimum cluster size."""


def min_cluster_size(n_patients: int, *, fraction: float = 0.05, floor: int = 3) -> int:
    """Default minimum cluster size: ``max(3, ceil(5 % of the patients))``.

    Why: a cluster of 1–2 patients is an outlier, not a subtype — it cannot carry a
    survival comparison (no HR, see :mod:`omics.survival.design`) and rarely replicates;
    5 % keeps every suggested cluster a real share of the cohort (8 of 150 patients,
    20 of 400), the floor of 3 keeps small cohorts usable.
    """
    return max(int(floor), int(math.ceil(fraction * n_patients)))


def _suggest_k(summary: pd.DataFrame, min_size: int) -> tuple[int, str]:
    """K of smallest PAC among admissible K (smallest cluster ≥ min_size); the rule text."""
    rule = SUGGESTED_K_RULE.format(min_size=min_size)
    admissible = summary[summary["min_cluster_size"] >= min_size]
    if admissible.empty:
        k = int(summary["min_cluster_size"].idxmax())
        return k, (f"no K tried has all clusters of at least {min_size} patients; K = {k} has the "
                   "largest smallest cluster")
    pac = admissible["pac"].to_numpy()
    return int(admissible.index[np.flatnonzero(pac == pac.min())[-1]]), rule


@dataclass(frozen=True, repr=False)
class ConsensusResult(Result):
    """Consensus clustering of patients at several K (see :func:`consensus_cluster`).

    Attributes
    ----------
    patients : pandas.Index
        Patient identifiers, in the input order (every matrix and table follows it).
    ks : tuple of int
    consensus : dict K → ndarray (n × n)
        Consensus matrices.
    labels : DataFrame
        Patients × ``k{K}`` final cluster labels (``A`` = largest cluster).
    cdf : DataFrame
        K × 100 bin upper edges: CCP's consensus CDF.
    summary : DataFrame (property; stored as ``per_k``)
        Per K: ``area``, ``delta_area``, ``pac``, ``mean_cluster_consensus``,
        ``min_cluster_size`` and ``admissible`` (every cluster has at least the minimum
        cluster size, so the K may be suggested).
    item_consensus : DataFrame
        Long table ``k, patient, cluster, item_consensus`` (one row per patient, cluster, K).
    cluster_consensus : DataFrame
        Long table ``k, cluster, size, cluster_consensus``.
    trees : dict K → ndarray
        Final linkage matrix per K; its leaves index ``tree_patients``.
    tree_patients : pandas.Index
        Leaf identifiers of the final trees (patients in sorted-ID order).
    cosampled : ndarray or None
        How many resamples held each pair of patients (``None`` when built from given
        consensus matrices).
    suggested_k, suggested_k_rule
        The K suggested by :data:`SUGGESTED_K_RULE` (the rule as applied, with its minimum
        cluster size); any other K can be used instead.
    params : dict
        Settings of the run (and the seed entropy actually used).
    """

    patients: pd.Index
    ks: tuple[int, ...]
    consensus: dict[int, np.ndarray]
    labels: pd.DataFrame
    cdf: pd.DataFrame
    per_k: pd.DataFrame
    item_consensus: pd.DataFrame
    cluster_consensus: pd.DataFrame
    trees: dict[int, np.ndarray]
    tree_patients: pd.Index
    suggested_k: int
    suggested_k_rule: str = SUGGESTED_K_RULE.format(min_size="the minimum")
    cosampled: np.ndarray | None = None
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def summary(self) -> pd.DataFrame:
        """Per K: area, delta area, PAC, mean cluster consensus, smallest cluster, admissible."""
        return self.per_k

    def labels_for(self, k: int) -> pd.Series:
        """Final labels at ``k`` as a Series indexed by patient."""
        self._check_k(k)
        return self.labels[f"k{k}"].rename(f"k{k}")

    def consensus_frame(self, k: int) -> pd.DataFrame:
        """Consensus matrix at ``k`` as a patients × patients DataFrame."""
        self._check_k(k)
        return pd.DataFrame(self.consensus[k], index=self.patients, columns=self.patients)

    def item_consensus_matrix(self, k: int) -> pd.DataFrame:
        """Item consensus at ``k`` as patients × clusters."""
        self._check_k(k)
        table = self.item_consensus[self.item_consensus["k"] == k]
        wide = table.pivot(index="patient", columns="cluster", values="item_consensus")
        return wide.loc[self.patients]

    def to_frame(self, what: str = "summary") -> pd.DataFrame:
        """A tidy view: ``summary``, ``labels``, ``cdf``, ``item`` or ``cluster``."""
        views = {"summary": self.summary, "labels": self.labels, "cdf": self.cdf,
                 "item": self.item_consensus, "cluster": self.cluster_consensus}
        if what not in views:
            raise ValueError(f"what must be one of {sorted(views)}, got {what!r}")
        return views[what].copy()

    def write(self, out_dir) -> dict[str, Path]:
        """Write the tables of ``omics consensus`` into ``out_dir`` (atomically): labels.csv,
        summary.csv, cdf.csv, item_consensus.csv, cluster_consensus.csv, consensus_k<K>.csv;
        return ``{name: path}``."""
        from omics.data.io import write_table

        out = Path(out_dir)
        paths = {
            "labels": write_table(self.labels.rename_axis("patient_id"), out / "labels.csv"),
            "summary": write_table(self.summary.reset_index(), out / "summary.csv", index=False),
            "cdf": write_table(self.cdf.reset_index(), out / "cdf.csv", index=False),
            "item_consensus": write_table(self.item_consensus, out / "item_consensus.csv", index=False),
            "cluster_consensus": write_table(self.cluster_consensus, out / "cluster_consensus.csv",
                                             index=False),
        }
        for k in self.ks:
            paths[f"consensus_k{k}"] = write_table(self.consensus_frame(k).rename_axis("patient_id"),
                                                   out / f"consensus_k{k}.csv")
        return paths

    def _check_k(self, k: int) -> None:
        if k not in self.ks:
            raise KeyError(f"K={k} was not computed; available K: {list(self.ks)}")

    def _short(self) -> str:
        p = self.params
        return (f"{len(self.patients)} patients, K={self.ks[0]}..{self.ks[-1]}, "
                f"{p.get('reps', '?')} resamples, p_item={p.get('p_item', '?')}, "
                f"{p.get('distance', '?')}/{p.get('linkage', '?')}; suggested K={self.suggested_k}")

    def __repr__(self) -> str:
        # one line per K below the headline: the numbers a user picks K from, in a terminal
        head = f"ConsensusResult({self._short()})"
        sizes = {k: "/".join(str(v) for v in self.labels[f"k{k}"].value_counts().sort_index())
                 for k in self.ks}
        rows = [f"  K={k}: area={r.area:.4f} delta={r.delta_area:+.4f} PAC={r.pac:.4f} "
                f"cluster consensus={r.mean_cluster_consensus:.3f} sizes={sizes[k]}"
                for k, r in self.summary.iterrows()]
        return "\n".join([head, *rows, f"  suggested K rule: {self.suggested_k_rule}"])


def _final_partition(consensus: np.ndarray, canonical: np.ndarray, k: int, final_linkage: str
                     ) -> tuple[np.ndarray, np.ndarray]:
    """CCP's final clustering: ``hclust(as.dist(1 - consensus), final_linkage)`` cut at ``k``.

    The tree is grown on the patients in ``canonical`` order (sorted IDs); the returned codes
    (0 = largest cluster) are in input order.
    """
    ordered = consensus[np.ix_(canonical, canonical)]
    tree = linkage_tree(squareform(1.0 - ordered, checks=False), final_linkage)
    codes = np.empty(len(canonical), dtype=np.int64)
    codes[canonical] = cut_tree(tree, [k])[k]
    return tree, rank_by_size(codes)


def summarise_consensus(consensus: Mapping[int, np.ndarray], *, patients: Sequence | None = None,
                        final_linkage: str = "average", pac_window: tuple[float, float] = (0.1, 0.9),
                        cosampled: np.ndarray | None = None, params: Mapping[str, Any] | None = None,
                        min_size: int | None = None) -> ConsensusResult:
    """Final labels and every CCP statistic from given consensus matrices.

    This is the second half of :func:`consensus_cluster`; on its own it turns consensus
    matrices computed elsewhere (e.g. by R ConsensusClusterPlus) into the same result object.

    Parameters
    ----------
    consensus
        K → symmetric n × n consensus matrix (patients in the order of ``patients``).
    patients
        Patient identifiers (default ``0 … n-1``).
    final_linkage
        Linkage of ``hclust(1 − consensus)`` for the final labels.
    pac_window
        ``(x1, x2)`` of the PAC.
    min_size
        Smallest cluster a suggested K may hold (default :func:`min_cluster_size`:
        ``max(3, ceil(5 % of patients))``); a single K with a smaller cluster warns.

    References
    ----------
    Wilkerson MD, Hayes DN (2010) ConsensusClusterPlus. Bioinformatics 26:1572–1573.
    Şenbabaoğlu Y, Michailidis G, Li JZ (2014) Critical limitations of consensus clustering
    in class discovery. Sci Rep 4:6207.
    """
    check_linkage(final_linkage)
    ks = tuple(sorted(int(k) for k in consensus))
    if not ks or ks[0] < 2:
        raise InputError(f"consensus matrices are needed for K >= 2, got K = {list(ks)}")
    n = np.asarray(consensus[ks[0]]).shape[0]
    patients = pd.Index(range(n) if patients is None else patients)
    if len(patients) != n:
        raise InputError(f"{len(patients)} patient IDs for {n} × {n} consensus matrices")
    low, high = pac_window
    if not 0 <= low < high <= 1:
        raise InputError(f"pac_window must satisfy 0 <= x1 < x2 <= 1, got {pac_window}")
    canonical = np.argsort(patients.astype(str), kind="stable")
    matrices, cdfs, summary_rows, item_rows, cluster_rows = {}, {}, [], [], []
    labels, trees = {}, {}
    for k in ks:
        matrix = np.asarray(consensus[k], dtype=float)
        if matrix.shape != (n, n):
            raise InputError(f"consensus matrix for K={k} has shape {matrix.shape}, expected {(n, n)}")
        if k > n:
            raise InputError(f"cannot form K={k} clusters from {n} patients")
        matrices[k] = matrix
        tree, label_codes = _final_partition(matrix, canonical, k, final_linkage)
        names = [letters(c) for c in range(k)]
        labels[f"k{k}"], trees[k] = np.array(names, dtype=object)[label_codes], tree
        cdfs[k] = consensus_cdf(matrix)
        item, cluster = item_and_cluster_consensus(matrix, label_codes, k)
        sizes = np.bincount(label_codes, minlength=k)
        for c in range(k):
            cluster_rows.append((k, names[c], int(sizes[c]), cluster[c]))
            item_rows.append(pd.DataFrame({"k": k, "patient": patients, "cluster": names[c],
                                           "item_consensus": item[:, c]}))
        summary_rows.append({"k": k, "area": cdf_area(cdfs[k]),
                             "pac": proportion_ambiguous(matrix, window=pac_window),
                             "mean_cluster_consensus": float(np.nanmean(cluster)),
                             "min_cluster_size": int(sizes.min())})
    summary = pd.DataFrame(summary_rows).set_index("k")
    summary.insert(1, "delta_area", delta_area(summary["area"].to_numpy()))
    edges = np.round(np.arange(1, CDF_BINS + 1) / CDF_BINS, 10)
    cdf = pd.DataFrame([cdfs[k] for k in ks], index=pd.Index(ks, name="k"), columns=edges)
    min_size = min_cluster_size(n) if min_size is None else int(min_size)
    summary["admissible"] = summary["min_cluster_size"] >= min_size
    suggested, rule = _suggest_k(summary, min_size)
    tiny = summary.index[~summary["admissible"]]
    if len(ks) == 1 and len(tiny):
        sizes = "/".join(str(int(v)) for v in pd.Series(labels[f"k{ks[0]}"]).value_counts())
        warnings.warn(f"K = {ks[0]} gives a cluster smaller than {min_size} patients (sizes {sizes}); "
                      "such a cluster cannot carry a survival comparison — try a smaller K or "
                      "several K to compare", SmallClusterWarning, stacklevel=2)
    return ConsensusResult(
        patients=patients, ks=ks, consensus=matrices,
        labels=pd.DataFrame(labels, index=patients),
        cdf=cdf, per_k=summary,
        item_consensus=pd.concat(item_rows, ignore_index=True),
        cluster_consensus=pd.DataFrame(cluster_rows, columns=["k", "cluster", "size", "cluster_consensus"]),
        trees=trees, tree_patients=patients[canonical], suggested_k=suggested,
        suggested_k_rule=rule, cosampled=cosampled,
        params=dict(params or {}, final_linkage=final_linkage, pac_window=list(pac_window),
                    min_cluster_size=min_size))


# ---------------------------------------------------------------------------------------------
# the public entry point
# ---------------------------------------------------------------------------------------------

def _check_ks(k: int | Iterable[int]) -> tuple[int, ...]:
    ks = (int(k),) if isinstance(k, (int, np.integer)) else tuple(sorted(set(int(x) for x in k)))
    if not ks:
        raise InputError("k: give at least one number of clusters")
    if ks[0] < 2:
        raise InputError(f"k: numbers of clusters must be >= 2, got {list(ks)}")
    return ks


def consensus_cluster(X: Any, *, k: int | Iterable[int] = range(2, 7), reps: int = 1000,
                      p_item: float = 0.8, p_feature: float = 1.0, distance: str = "pearson",
                      linkage: str = "average", final_linkage: str | None = None,
                      scale: str = "none", seed: int | None = None, n_jobs: int = 1,
                      pac_window: tuple[float, float] = (0.1, 0.9),
                      resamples: Sequence[Sequence[int]] | None = None,
                      progress: bool = False, source: str = "feature table",
                      min_size: int | None = None, layer: str | None = None,
                      obsm: str | None = None, sample_ids: Iterable | None = None) -> ConsensusResult:
    """Consensus hierarchical clustering of patients (ConsensusClusterPlus semantics).

    Parameters
    ----------
    X
        Patients × features DataFrame (index = patient IDs), AnnData or one MuData modality
        (``obs_names``; ``mdata["rna"]``, never the whole MuData) or a 2-D array.
    k
        Numbers of clusters to evaluate (e.g. ``range(2, 7)``; CCP's ``maxK = 6``).
    reps
        Number of resamples (CCP ``reps``).
    p_item, p_feature
        Share of patients (``floor(n · p_item)``) and of features drawn per resample, without
        replacement (CCP ``pItem``, ``pFeature``). With ``p_feature = 1`` the distance matrix
        is computed once on all features and sub-set, as in CCP.
    distance
        ``"pearson"`` (1 − r, CCP default), ``"spearman"``, ``"euclidean"`` or ``"manhattan"``.
    linkage
        Linkage of the tree grown on every resample (CCP ``innerLinkage``): ``"average"``,
        ``"complete"``, ``"single"``, ``"ward"`` (= R ``"ward.D2"``), ``"ward.D"``, ``"mcquitty"``.
    final_linkage
        Linkage of the final tree on ``1 − consensus`` (CCP ``finalLinkage``); default: ``linkage``.
    scale
        Feature preprocessing over patients before clustering: ``"none"`` (CCP),
        ``"center"`` or ``"center-scale"`` (mean 0, SD 1, as R ``scale()``).
    seed
        Seed of the resampling. Resample ``r`` uses child ``r`` of ``SeedSequence(seed)`` and
        patients are resampled in the order of their sorted IDs, so the result neither depends
        on ``n_jobs`` nor on the row order of ``X``. ``None`` draws fresh entropy (recorded in
        ``result.params["seed_entropy"]``).
    n_jobs
        Worker processes (joblib); the counts are integer sums, identical for any value.
    pac_window
        ``(x1, x2)`` of the PAC.
    resamples
        Explicit resamples instead of random ones: one array of 0-based row positions of ``X``
        per resample (e.g. to replay the subsamples of an R run); ``reps``, ``p_item`` and
        ``seed`` are then unused and ``p_feature`` must be 1.
    progress
        Show a progress bar.
    source
        Name of the input used in error messages.
    min_size
        Smallest cluster a suggested K may hold; default ``max(3, ceil(5 % of patients))``
        (:func:`min_cluster_size`). The suggested K never has a smaller cluster; a single
        requested K that does warns (:class:`SmallClusterWarning`).
    layer, obsm
        AnnData input only: cluster ``adata.layers[layer]`` or ``adata.obsm[obsm]`` (e.g.
        ``"X_pca"``) instead of ``.X``.
    sample_ids
        Known patient IDs (e.g. the clinical table's): a table whose columns, not rows, match
        them is refused as transposed instead of clustering features.

    Returns
    -------
    ConsensusResult

    Raises
    ------
    InputError
        For a whole MuData (pass one modality), a transposed table, NaN/inf or non-numeric features, constant
        features, duplicated IDs, fewer
        patients than clusters, resamples too small to hold ``max(k)`` clusters, or unknown
        options.

    References
    ----------
    Monti S, Tamayo P, Mesirov J, Golub T (2003) Consensus clustering: a resampling-based
    method for class discovery and visualization of gene expression microarray data.
    Mach Learn 52:91–118.
    Wilkerson MD, Hayes DN (2010) ConsensusClusterPlus: a class discovery tool with
    confidence assessments and item tracking. Bioinformatics 26:1572–1573.
    Şenbabaoğlu Y, Michailidis G, Li JZ (2014) Critical limitations of consensus clustering
    in class discovery. Sci Rep 4:6207.
    """
    final_linkage = linkage if final_linkage is None else check_linkage(final_linkage)
    plan = _plan_resampling(X, k, reps, p_item, p_feature, distance, linkage, scale, seed, resamples, source,
                            layer=layer, obsm=obsm, sample_ids=sample_ids)
    cosampled, coclustered = plan.input_order(*run_resamples(plan.task, plan.resamples, n_jobs, progress))
    return _consensus_from_counts(plan.patients, plan.task.ks, cosampled, coclustered, params=plan.params,
                                  final_linkage=final_linkage, pac_window=pac_window, min_size=min_size)


@dataclass(frozen=True)
class _ResamplingPlan:
    """Validated input of one run: the resampling task (patients in sorted-ID order) and
    all its resample numbers (or explicit resamples); shared with :mod:`omics.cluster.chunks`."""

    patients: pd.Index
    task: ResampleTask
    resamples: list
    back: np.ndarray        # input row i sits at canonical position back[i]
    params: dict[str, Any]

    def input_order(self, cosampled: np.ndarray, coclustered: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Counts from canonical (sorted-ID) order back to the input order."""
        back = np.ix_(self.back, self.back)
        return cosampled[back], np.stack([counts[back] for counts in coclustered])


def _plan_resampling(X, k, reps, p_item, p_feature, distance, linkage, scale, seed, resamples,
                     source, *, layer=None, obsm=None, sample_ids=None) -> _ResamplingPlan:
    frame = as_samples_by_features(X, layer=layer, obsm=obsm, source=source, sample_ids=sample_ids)
    check_not_constant(frame, source)
    ks = _check_ks(k)
    check_distance(distance)
    check_linkage(linkage)
    if not 0 < p_feature <= 1:
        raise InputError(f"p_feature must be in (0, 1], got {p_feature}")
    n = frame.shape[0]
    if ks[-1] > n:
        raise InputError(f"{source}: {n} patients cannot form K={ks[-1]} clusters")
    values = scale_features(frame.to_numpy(dtype=float), scale)
    check_profiles(values, frame.index, distance, source)
    canonical = np.argsort(frame.index.astype(str), kind="stable")
    position_in_canonical = np.empty(n, dtype=np.int64)
    position_in_canonical[canonical] = np.arange(n)
    values = values[canonical]

    if resamples is not None:
        if p_feature < 1:
            raise InputError("explicit resamples cannot be combined with p_feature < 1")
        resample_list = [np.sort(position_in_canonical[_check_resample(r, n)]) for r in resamples]
        if not resample_list:
            raise InputError("resamples: the list is empty")
        n_items = min(len(r) for r in resample_list)
        entropy = 0
    else:
        if int(reps) < 1:
            raise InputError(f"reps must be >= 1, got {reps}")
        if not 0 < p_item <= 1:
            raise InputError(f"p_item must be in (0, 1], got {p_item}")
        n_items = int(math.floor(n * p_item))
        entropy = np.random.SeedSequence(seed).entropy
        resample_list = list(range(int(reps)))
    if n_items < max(ks[-1], 2):
        raise InputError(f"{source}: each resample holds {n_items} patients (floor({n} × p_item)), "
                         f"too few to form K={ks[-1]} clusters; raise p_item or lower K")
    if p_feature < 1 and math.floor(frame.shape[1] * p_feature) < 2:
        raise InputError(f"p_feature={p_feature} keeps fewer than 2 of {frame.shape[1]} features")

    task = ResampleTask(
        n=n, n_items=n_items, ks=ks, linkage=linkage, distance=distance, p_feature=p_feature,
        entropy=entropy,
        distance_matrix=pairwise_distance(values, distance) if p_feature == 1 else None,
        values=values if p_feature < 1 else None)
    params = {"reps": len(resample_list), "p_item": p_item if resamples is None else None,
              "p_feature": p_feature, "distance": distance, "linkage": linkage, "scale": scale,
              "seed": seed, "seed_entropy": entropy if resamples is None else None,
              "explicit_resamples": resamples is not None, "n_features": frame.shape[1]}
    return _ResamplingPlan(frame.index, task, resample_list, position_in_canonical, params)


def _consensus_from_counts(patients: pd.Index, ks: Sequence[int], cosampled: np.ndarray,
                           coclustered: np.ndarray, *, params: Mapping[str, Any], final_linkage: str,
                           pac_window: tuple[float, float], min_size: int | None = None) -> ConsensusResult:
    """Consensus = co-clustered / co-sampled (0 where never co-sampled), then every statistic."""
    consensus = {}
    with np.errstate(divide="ignore", invalid="ignore"):
        for j, kk in enumerate(ks):
            matrix = coclustered[j] / cosampled
            matrix[cosampled == 0] = 0.0
            consensus[kk] = matrix
    return summarise_consensus(consensus, patients=patients, final_linkage=final_linkage,
                               pac_window=pac_window, cosampled=cosampled, params=params,
                               min_size=min_size)


def _check_resample(resample: Sequence[int], n: int) -> np.ndarray:
    positions = np.asarray(resample, dtype=np.int64)
    if positions.ndim != 1 or positions.size < 2:
        raise InputError("resamples: every resample must list at least two patient positions")
    if positions.min() < 0 or positions.max() >= n or len(np.unique(positions)) != positions.size:
        raise InputError(f"resamples: positions must be distinct and in 0…{n - 1}")
    return positions


__all__ = ["ConsensusResult", "consensus_cluster", "summarise_consensus", "consensus_cdf",
           "cdf_area", "delta_area", "proportion_ambiguous", "item_and_cluster_consensus",
           "DISTANCES", "SUGGESTED_K_RULE", "SmallClusterWarning", "min_cluster_size"]
