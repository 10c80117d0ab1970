"""Cohort container, readers/writers, validation and the demo cohort."""

from omics.data.cohort import (build_cohort, clinical_of, describe_cohort, modality_table,
                               read_cohort, write_cohort)
from omics.data.demo import DemoCohort, demo_cohort
from omics.data.demo_response import DemoResponseCohort, demo_response_cohort
from omics.data.io import atomic_path, read_table, write_table, write_text
from omics.data.paths import child_path, safe_name
from omics.data.provenance import write_provenance
from omics.data.readers import (check_image_geometry, detect_count_orientation, group_labels,
                                read_clinical, read_counts, read_features, read_gmt, read_groups,
                                read_manifest, read_matrix, write_gmt)
from omics.data.validate import InputError, OverlapWarning, check_overlap, select_patients

__all__ = [
    "DemoCohort", "DemoResponseCohort", "InputError", "OverlapWarning", "atomic_path", "build_cohort", "check_image_geometry", "child_path",
    "check_overlap", "clinical_of", "demo_cohort", "demo_response_cohort", "describe_cohort", "detect_count_orientation", "group_labels",
    "modality_table", "read_clinical", "read_cohort", "read_counts", "read_features", "read_gmt", "read_groups", "read_matrix",
    "read_manifest", "read_table", "safe_name", "select_patients", "write_cohort", "write_gmt", "write_provenance", "write_table",
    "write_text",
]
