"""Differential expression, gene-set enrichment and PAM signatures.

* :mod:`omics.expression.dge` — per-gene t-test (the study's method), limma moderated t
  on voom, DESeq2 (pydeseq2); one tidy result schema.
* :mod:`omics.expression.limma` — limma's ``eBayes``/``topTable`` on
  :func:`omics.rnaseq.lm_fit`.
* :mod:`omics.expression.enrich` — pre-ranked GSEA and over-representation (gseapy).
* :mod:`omics.expression.pam` — nearest shrunken centroids (PAM, Tibshirani 2002).
"""

from omics.expression.dge import (DGE_COLUMNS, DGEResult, deseq2_dge, differential_expression,
                                  limma_dge, ttest_dge, two_groups)
from omics.expression.enrich import (EnrichmentResult, gsea_prerank, over_representation, ranking,
                                     signature_gene_sets)
from omics.expression.limma import EBayesFit, ebayes, squeeze_var, top_table
from omics.expression.pam import NearestShrunkenCentroids, balanced_folds, pam_signature

__all__ = [
    "DGE_COLUMNS", "DGEResult", "differential_expression", "ttest_dge", "limma_dge",
    "deseq2_dge", "two_groups", "EBayesFit", "ebayes", "squeeze_var", "top_table",
    "EnrichmentResult", "gsea_prerank", "over_representation", "ranking", "signature_gene_sets",
    "NearestShrunkenCentroids", "balanced_folds", "pam_signature",
]
