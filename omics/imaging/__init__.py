"""Imaging: MRI preprocessing, tumour masks (rings, mid-slice), handcrafted radiomics with
pyradiomics and the ICC reproducibility filter.

Typical use::

    from omics import imaging
    patients = imaging.read_patient_images("cohort/manifest.csv")
    result = imaging.extract_cohort(patients, preset="study", n_jobs=2)
    icc = imaging.feature_icc(result.features, result.features_repeat, icc_type="ICC2")
    robust = imaging.apply_icc_filter(result.features, icc)

See ``docs/imaging.md``.
"""

from omics.imaging.extract import (ExtractionResult, PatientFeatures, PatientImages, Preset, extract_cohort,
                                   extract_patient, feature_name, list_presets, load_preset, manifest_patients,
                                   read_patient_images, split_feature_name)
from omics.imaging.icc import ICCResult, apply_icc_filter, feature_icc, icc_single, mean_squares
from omics.imaging.io import PatientImages, read_image, same_geometry, write_image
from omics.imaging.masks import (MidSlice, distance_outside, mid_slice, peritumoral_ring, ring_name, roi_masks,
                                 roi_volumes, tumour_with_ring, validate_mask)
from omics.imaging.preprocess import (CohortPreprocessing, PreprocessConfig, PreprocessResult, build_references,
                                      cohort_reference, foreground_mask, histogram_match, n4_correct,
                                      patients_table, preprocess_cohort, preprocess_files, preprocess_patient,
                                      read_references, resample, resample_to_reference, write_references, zscore)

__all__ = [
    "ExtractionResult", "PatientFeatures", "PatientImages", "Preset", "extract_cohort", "extract_patient",
    "feature_name", "list_presets", "load_preset", "manifest_patients", "read_patient_images", "split_feature_name",
    "ICCResult", "apply_icc_filter", "feature_icc", "icc_single", "mean_squares",
    "read_image", "same_geometry", "write_image",
    "MidSlice", "distance_outside", "mid_slice", "peritumoral_ring", "ring_name", "roi_masks",
    "roi_volumes", "tumour_with_ring", "validate_mask",
    "PreprocessConfig", "PreprocessResult", "build_references", "preprocess_files", "cohort_reference", "foreground_mask", "histogram_match",
    "n4_correct", "preprocess_patient", "resample", "resample_to_reference", "zscore",
    "CohortPreprocessing", "patients_table", "preprocess_cohort", "read_references", "write_references",
]
