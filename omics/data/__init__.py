"""Cohort container, readers/writers, validation and the demo cohort.

Names are imported on first use (PEP 562): ``import omics.data`` — which every CLI module
does — must not load anndata, mudata or scipy.stats (the demo generator).
"""

from __future__ import annotations

from omics._lazy import lazy_exports

_EXPORTS = {
    "build_cohort": "cohort", "clinical_of": "cohort", "describe_cohort": "cohort",
    "modality_table": "cohort", "read_cohort": "cohort", "write_cohort": "cohort",
    "DemoCohort": "demo", "demo_cohort": "demo",
    "DemoResponseCohort": "demo_response", "demo_response_cohort": "demo_response",
    "atomic_path": "io", "read_table": "io", "write_table": "io", "write_text": "io",
    "child_path": "paths", "safe_name": "paths",
    "write_provenance": "provenance",
    "check_image_geometry": "readers", "detect_count_orientation": "readers", "group_labels": "readers",
    "read_clinical": "readers", "read_counts": "readers", "read_features": "readers", "read_gmt": "readers",
    "read_groups": "readers", "read_manifest": "readers", "read_matrix": "readers", "write_gmt": "readers",
    "IdentifierWarning": "errors", "InputError": "errors", "OrientationWarning": "errors",
    "OverlapWarning": "errors", "check_overlap": "validate", "select_patients": "validate",
    "join_groups": "select", "subset_mask": "select", "subset_masks": "select", "with_values": "select",
    "read_patient_matrix": "readers", "looks_like_genes": "readers",
}

__getattr__, __dir__, __all__ = lazy_exports(__name__, _EXPORTS, globals())
