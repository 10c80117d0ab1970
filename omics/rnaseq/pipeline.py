"""The study's RNA-seq preprocessing in one call: filter → (ComBat-seq) → TMM → voom,
plus a batch-corrected log-expression matrix of the most variable genes for clustering."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from omics._result import Result
from omics.data.validate import InputError
from omics.harmonize.combat import combat
from omics.rnaseq._counts import as_count_frame
from omics.rnaseq.combatseq import combat_seq
from omics.rnaseq.normalize import calc_norm_factors, filter_by_expr
from omics.rnaseq.select import gene_variability
from omics.rnaseq.voom import VoomResult, voom

BATCH_METHODS = ("combat-seq", "combat", "none")


@dataclass(repr=False)
class RnaseqPreprocessing(Result):
    """Result of :func:`preprocess_counts`.

    Attributes
    ----------
    voom
        voom result on the filtered (and, with ComBat-seq, batch-corrected) counts.
    kept_genes
        Boolean per input gene: passed the low-count filter.
    norm_factors
        TMM factors of the counts given to voom.
    for_clustering
        samples × ``n_top`` most variable genes of the batch-corrected log-CPM.
    variability
        All genes ranked by variability (``gene, mean, variability, rank``).
    settings
        Numbers of samples/genes and the choices made (a dict, for provenance);
        :attr:`summary` shows them as a one-row DataFrame.
    """

    voom: VoomResult
    kept_genes: pd.Series
    norm_factors: pd.Series
    for_clustering: pd.DataFrame
    variability: pd.DataFrame
    settings: dict = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        """All input genes ranked by variability of the (corrected) log-CPM."""
        return self.variability

    @property
    def summary(self) -> pd.DataFrame:
        """One row: samples, genes kept, batch method, genes for clustering, design."""
        return pd.DataFrame([self.settings])

    @property
    def samples(self) -> pd.DataFrame:
        """Per sample: raw library size, TMM factor and the effective library size voom used."""
        return pd.DataFrame({"lib_size": self.voom.lib_size / self.norm_factors,
                             "norm_factor": self.norm_factors,
                             "effective_lib_size": self.voom.lib_size}).rename_axis("patient_id")

    def write(self, out_dir) -> dict:
        """Write the tables of ``omics voom``: ``voom_expression.csv``, ``voom_weights.csv``,
        ``expression_for_clustering.csv``, ``variable_genes.csv`` and ``samples.csv``."""
        from omics.data.io import write_table

        out = Path(out_dir)
        paths = self.voom.write(out)
        paths["for_clustering"] = write_table(self.for_clustering.rename_axis("patient_id"),
                                              out / "expression_for_clustering.csv")
        paths["variable_genes"] = write_table(self.variability, out / "variable_genes.csv", index=False)
        paths["samples"] = write_table(self.samples, out / "samples.csv")
        return paths

    def _short(self) -> str:
        s = self.settings
        return (f"{s.get('n_samples')} samples, {s.get('n_genes_kept')}/{s.get('n_genes_input')} genes "
                f"kept, batch={s.get('batch_method')}, {self.for_clustering.shape[1]} genes for clustering")


def _design(index: pd.Index, group: pd.Series | None, batch: pd.Series | None) -> pd.DataFrame:
    parts = {"Intercept": np.ones(len(index))}
    for name, series in (("group", group), ("batch", batch)):
        if series is None:
            continue
        levels = sorted(series.astype(str).unique())
        for level in levels[1:]:
            parts[f"{name}[{level}]"] = (series.astype(str) == level).to_numpy(dtype=float)
    return pd.DataFrame(parts, index=index)


def preprocess_counts(counts, *, batch=None, group=None, batch_method: str = "combat-seq",
                      n_top: int = 2000, variability: str = "variance", min_count: float = 10,
                      min_total_count: float = 15, span: float = 0.5) -> RnaseqPreprocessing:
    """Filter, batch-correct, TMM-normalise and voom-transform raw counts.

    Parameters
    ----------
    counts
        Raw counts, **samples × genes** (DataFrame, AnnData or 2-D array); refused as
        transposed when its columns, not its rows, are the samples of ``batch``/``group``.
    batch
        Batch label per sample (or ``None``).
    group
        Biological group per sample, used by the filter (smallest group size), protected
        by the batch correction and put in the voom design; optional.
    batch_method
        ``"combat-seq"``: ComBat-seq on the filtered counts, then TMM and voom (the
        corrected log-CPM is used for clustering). ``"combat"``: voom with batch in the
        design (E is not corrected, as DGE should model batch), and ComBat on voom's
        log-CPM for the clustering matrix only. ``"none"``: no correction.
    n_top
        Number of most variable genes for clustering.
    variability
        ``"variance"``, ``"sd"`` or ``"mad"``.
    min_count, min_total_count
        ``filterByExpr`` thresholds.

    Returns
    -------
    RnaseqPreprocessing

    Notes
    -----
    TMM factors are computed on the counts that voom receives (after ComBat-seq when it
    is used), so that they describe the libraries being normalised; library sizes are
    recomputed after filtering (``keep.lib.sizes = FALSE``).

    References
    ----------
    Law CW et al. (2014) Genome Biol 15, R29. Robinson MD, Oshlack A (2010) Genome Biol 11,
    R25. Johnson WE et al. (2007) Biostatistics 8, 118–127. Zhang Y et al. (2020) NAR
    Genom Bioinform 2, lqaa078.
    """
    if batch_method not in BATCH_METHODS:
        raise InputError(f"batch_method must be one of {BATCH_METHODS}, got {batch_method!r}")
    from omics.harmonize.combat import _known_ids

    y = as_count_frame(counts, sample_ids=_known_ids(batch, group))
    b = None
    if batch is not None and batch_method != "none":
        from omics.harmonize.combat import _as_batch
        b = _as_batch(batch, y.index)
        if b.nunique() < 2:
            raise InputError(f"batch: only one batch ({b.iloc[0]!r}); use batch_method='none'")
    g = None
    if group is not None:
        from omics.harmonize.combat import _as_batch
        g = _as_batch(group, y.index).rename("group")
    keep = filter_by_expr(y, group=g, min_count=min_count, min_total_count=min_total_count)
    if keep.sum() < 2:
        raise InputError(f"only {int(keep.sum())} gene(s) pass the low-count filter "
                         f"(min_count={min_count}); check the counts")
    filtered = y.loc[:, keep.to_numpy()]
    if b is not None and batch_method == "combat-seq":
        filtered = combat_seq(filtered, b, group=g)
    nf = calc_norm_factors(filtered)
    design = _design(y.index, g, b if batch_method == "combat" else None)
    v = voom(filtered, design=design, norm_factors=nf, span=span)
    expr = v.E
    if b is not None and batch_method == "combat":
        expr = combat(v.E, b, covariates=None if g is None else g.to_frame())
    table = gene_variability(expr, method=variability)
    top = list(table["gene"].iloc[:n_top])
    summary = {
        "n_samples": int(len(y)), "n_genes_input": int(y.shape[1]),
        "n_genes_kept": int(keep.sum()), "batch_method": batch_method if b is not None else "none",
        "n_batches": int(b.nunique()) if b is not None else 0, "n_top": int(min(n_top, len(table))),
        "variability": variability, "design": list(design.columns),
    }
    return RnaseqPreprocessing(v, keep, nf, expr.loc[:, top], table, summary)
