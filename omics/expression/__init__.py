"""Differential expression, gene-set enrichment and PAM signatures.

* :mod:`omics.expression.dge` — per-gene t-test (the study's method), limma moderated t
  on voom, DESeq2 (pydeseq2); one tidy result schema.
* :mod:`omics.expression.limma` — limma's ``eBayes``/``topTable`` on
  :func:`omics.rnaseq.lm_fit`.
* :mod:`omics.expression.enrich` — pre-ranked GSEA and over-representation (gseapy).
* :mod:`omics.expression.pam` — nearest shrunken centroids (PAM, Tibshirani 2002).

Names are imported on first use (PEP 562), so that importing the package costs nothing
until a function is used.
"""

from __future__ import annotations

from omics._lazy import lazy_exports

_EXPORTS = {
    "DGE_COLUMNS": "dge", "DGEResult": "dge", "differential_expression": "dge", "ttest_dge": "dge",
    "limma_dge": "dge", "deseq2_dge": "dge", "two_groups": "dge",
    "EBayesFit": "limma", "ebayes": "limma", "squeeze_var": "limma", "top_table": "limma",
    "EnrichmentResult": "enrich", "gsea_prerank": "enrich", "over_representation": "enrich",
    "ranking": "enrich", "signature_gene_sets": "enrich",
    "NearestShrunkenCentroids": "pam", "PAMWarning": "pam", "balanced_folds": "pam",
    "pam_signature": "pam",
}

__getattr__, __dir__, __all__ = lazy_exports(__name__, _EXPORTS, globals())
