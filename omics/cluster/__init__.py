"""Consensus clustering, plain hierarchical clustering, centroid assignment and hybrid groups.

The consensus clustering follows R ConsensusClusterPlus (Wilkerson & Hayes 2010) exactly —
resampling, one tree per resample cut at every K, consensus = co-clustered / co-sampled, final
labels from ``hclust(1 − consensus)``, CCP's CDF / area / delta area — plus PAC and CCP's item
and cluster consensus. Labels are ``A`` (largest cluster), ``B``, ``C``…

Names are imported on first use (PEP 562), so that resampling worker processes, which import
only :mod:`omics.cluster._resample`, start without loading pandas, anndata or scipy.stats.
"""

from __future__ import annotations

import importlib

_EXPORTS = {
    "consensus_cluster": "consensus", "ConsensusResult": "consensus", "summarise_consensus": "consensus",
    "SUGGESTED_K_RULE": "consensus", "consensus_cdf": "consensus", "cdf_area": "consensus",
    "delta_area": "consensus", "proportion_ambiguous": "consensus",
    "item_and_cluster_consensus": "consensus",
    "consensus_counts": "chunks", "merge_consensus": "chunks", "ConsensusCounts": "chunks",
    "chunk_resamples": "chunks",
    "hierarchical_cluster": "hierarchical", "HierarchicalResult": "hierarchical",
    "CentroidClassifier": "centroid",
    "hybrid_groups": "hybrid", "partition_agreement": "hybrid", "PartitionAgreement": "hybrid",
    "relabel_by_size": "_tree", "LINKAGES": "_tree",
    "DISTANCES": "_prepare", "SCALINGS": "_prepare",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        value = getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + list(_EXPORTS))
