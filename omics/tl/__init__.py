"""Tools in scanpy style: ``omics.tl.<stage>(adata, *, layer=…, groupby=…, key_added=…, copy=False)``.

Each function takes an AnnData (or one MuData modality, ``mdata["rna"]``), runs the matching
DataFrame function of its stage and writes the results where scverse users look for them —
see :mod:`omics.tl._anndata` for the conventions. Names are imported on first use.
"""

from __future__ import annotations

from omics._lazy import lazy_exports

_EXPORTS: dict[str, str] = {
    # cluster (omics.tl._cluster)
    "consensus_cluster": "_cluster", "hierarchical_cluster": "_cluster", "assign_centroids": "_cluster",
    "hybrid_groups": "_cluster",
    # expression, rnaseq, harmonize (omics.tl._expression)
    "voom": "_expression", "combat": "_expression", "dge": "_expression", "pam": "_expression", "gsea": "_expression",
    # survival, stats (omics.tl._survival)
    "km": "_survival", "cox": "_survival", "cindex": "_survival", "associate": "_survival",
}

__getattr__, __dir__, __all__ = lazy_exports(__name__, _EXPORTS, globals())
