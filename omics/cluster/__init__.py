"""Consensus clustering, plain hierarchical clustering, centroid assignment and hybrid groups.

The consensus clustering follows R ConsensusClusterPlus (Wilkerson & Hayes 2010) exactly —
resampling, one tree per resample cut at every K, consensus = co-clustered / co-sampled, final
labels from ``hclust(1 − consensus)``, CCP's CDF / area / delta area — plus PAC and CCP's item
and cluster consensus. Labels are ``A`` (largest cluster), ``B``, ``C``…

Names are imported on first use (PEP 562), so that resampling worker processes, which import
only :mod:`omics.cluster._resample`, start without loading pandas, anndata or scipy.stats.
"""

from __future__ import annotations

from omics._lazy import lazy_exports

_EXPORTS = {
    "consensus_cluster": "consensus", "ConsensusResult": "consensus", "summarise_consensus": "consensus",
    "SUGGESTED_K_RULE": "consensus", "consensus_cdf": "consensus", "cdf_area": "consensus",
    "delta_area": "consensus", "proportion_ambiguous": "consensus",
    "item_and_cluster_consensus": "consensus", "SmallClusterWarning": "consensus",
    "min_cluster_size": "consensus",
    "consensus_counts": "chunks", "merge_consensus": "chunks", "ConsensusCounts": "chunks",
    "chunk_resamples": "chunks",
    "hierarchical_cluster": "hierarchical", "HierarchicalResult": "hierarchical",
    "CentroidClassifier": "centroid", "CentroidAssignment": "centroid", "assign_centroids": "centroid",
    "drop_constant_features": "_prepare",
    "hybrid_groups": "hybrid", "partition_agreement": "hybrid", "PartitionAgreement": "hybrid",
    "relabel_by_size": "_tree", "LINKAGES": "_options",
    "DISTANCES": "_options", "SCALINGS": "_options",
    "cluster_input": "inputs", "ClusterInput": "inputs", "KINDS": "inputs", "modality_groups": "inputs",
    "group_modalities": "inputs", "ModalityGroups": "inputs",
}

__getattr__, __dir__, __all__ = lazy_exports(__name__, _EXPORTS, globals())
