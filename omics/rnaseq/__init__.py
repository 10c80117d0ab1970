"""RNA-seq preprocessing: low-count filtering, TMM, ComBat-seq, voom, gene selection.

Orientation throughout: **samples × genes** (patients are rows), the transpose of R's
edgeR/limma convention. Counts may be a DataFrame, an AnnData (``.X`` or ``layer=``; one
MuData modality) or a 2-D array; a whole MuData, or a table transposed with respect to
known sample IDs, is refused (:func:`omics.data.convert.as_samples_by_features`).
"""

from omics.rnaseq.combatseq import combat_seq
from omics.rnaseq.linear_model import LinearModelFit, lm_fit
from omics.rnaseq.normalize import calc_norm_factors, cpm, effective_lib_size, filter_by_expr
from omics.rnaseq.pipeline import RnaseqPreprocessing, preprocess_counts
from omics.rnaseq.select import gene_variability, most_variable_genes
from omics.rnaseq.voom import VoomResult, voom

__all__ = [
    "LinearModelFit", "lm_fit", "VoomResult", "voom", "calc_norm_factors", "cpm",
    "effective_lib_size", "filter_by_expr", "combat_seq", "gene_variability",
    "most_variable_genes", "RnaseqPreprocessing", "preprocess_counts",
]
