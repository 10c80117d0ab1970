"""RNA-seq preprocessing: low-count filtering, TMM, ComBat-seq, voom, gene selection.

Orientation throughout: **samples × genes** (patients are rows), the transpose of R's
edgeR/limma convention.
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
