"""Imaging results speak the one result vocabulary (to_frame / summary / write / repr), and
``write`` produces the files the CLI commands write, with the same content."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import SimpleITK as sitk

from omics.data.validate import InputError
from omics.imaging import (CohortPreprocessing, ExtractionResult, MidSlice, PatientFeatures, PreprocessConfig,
                           PreprocessResult, feature_icc, load_preset, mid_slice, preprocess_cohort,
                           preprocess_patient, read_image, read_references, roi_masks, roi_volumes,
                           write_image, write_references)
from omics.imaging.io import PatientImages
from omics.imaging.synthetic import sphere_mask, to_image


def _features(seed=0, n=12):
    rng = np.random.default_rng(seed)
    ids = [f"P{i:02d}" for i in range(n)]
    names = ["T1__tumour__glcm_A", "T1__tumour__glcm_B", "CET1__tumour__shape_D"]
    truth = rng.normal(size=(n, 3)) * 5
    noise = np.array([0.1, 10.0, 0.1])
    first = pd.DataFrame(truth + rng.normal(size=(n, 3)) * noise, index=ids, columns=names)
    repeat = pd.DataFrame(truth + rng.normal(size=(n, 3)) * noise, index=ids, columns=names)
    return first, repeat


def test_icc_result_vocabulary_and_write(tmp_path):
    first, repeat = _features()
    res = feature_icc(first, repeat)
    assert res.retained == ["T1__tumour__glcm_A", "CET1__tumour__shape_D"]
    pd.testing.assert_frame_equal(res.summary, res.retained_counts())
    assert "2/3 features retained over 12 patients" in repr(res) and repr(res).startswith("ICCResult(")
    assert "<table" in res._repr_html_()
    first.iloc[11, 0] = np.nan  # robust on the re-segmented patients, NaN for one without a repeat
    res = feature_icc(first, repeat.iloc[:10])
    assert res.not_finite == ["T1__tumour__glcm_A"]
    paths = res.write(tmp_path, features=first)
    assert sorted(p.name for p in paths.values()) == ["handcrafted_features.csv", "icc.csv", "retained_counts.csv"]
    kept = pd.read_csv(tmp_path / "handcrafted_features.csv", index_col=0)
    assert list(kept.columns) == ["CET1__tumour__shape_D"] and list(kept.index) == list(first.index)
    assert pd.read_csv(tmp_path / "icc.csv")["feature"].tolist() == list(first.columns)
    assert set(res.write(tmp_path / "no_features")) == {"icc", "retained_counts"}


def test_extraction_result_write_check_and_patient_features(tmp_path):
    features = pd.DataFrame({"T1__tumour__glcm_A": [1.0, 2.0]}, index=pd.Index(["P1", "P2"], name="patient_id"))
    empty_diag = pd.DataFrame(columns=["patient_id", "mask", "sequence", "roi", "key", "value"])
    fail = pd.DataFrame([{"patient_id": "P3", "mask": "mask", "reason": "empty mask"}])
    res = ExtractionResult(features, features.iloc[:1], empty_diag, fail, load_preset("study"))
    assert res.summary.iloc[0].to_dict() == {"n_patients": 2, "n_features": 1, "n_repeat": 1, "n_failures": 1,
                                             "preset": "study"}
    assert "2 patients × 1 features" in repr(res)
    paths = res.write(tmp_path)
    assert {p.name for p in paths.values()} == {"features.csv", "features_repeat.csv", "diagnostics.csv",
                                                "failures.csv"}
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "features.csv", index_col=0), features)
    assert res.check() is res
    none = ExtractionResult(features.iloc[:0], features.iloc[:0], empty_diag, fail, load_preset("study"))
    with pytest.raises(InputError, match="extraction failed for every patient.*P3: empty mask"):
        none.check()
    assert none.check(allow_failures=True) is none

    pf = PatientFeatures("P1", {"T1__tumour__glcm_A": 1.5, "T1__peri2mm__glcm_A": 2.5},
                         [{"patient_id": "P1", "mask": "mask", "sequence": "T1", "roi": "tumour",
                           "key": "diagnostics_x", "value": "1"}])
    frame = pf.to_frame()
    assert frame.index.tolist() == ["P1"] and frame.index.name == "patient_id"
    assert pf.summary["n_features"].tolist() == [1, 1]
    pf.write(tmp_path / "pf")
    assert pd.read_csv(tmp_path / "pf" / "diagnostics.csv")["key"].tolist() == ["diagnostics_x"]


def test_mid_slice_result_and_roi_volumes(tmp_path):
    spacing = (0.5, 0.5, 4.0)
    arr = np.zeros((6, 20, 20), np.uint8)
    arr[2:5, 5:9, 6:12] = 1
    mask = to_image(arr, spacing, dtype=np.uint8)
    image = to_image(np.arange(arr.size, dtype=float).reshape(arr.shape), spacing)
    sl = mid_slice(image, mask, method="middle", patient="P7")
    assert isinstance(sl, MidSlice) and sl.index == 3
    row = sl.to_frame().iloc[0].to_dict()
    assert row == {"patient_id": "P7", "method": "middle", "slice_index": 3, "rows": 20, "columns": 20,
                   "tumour_pixels": 24}
    sl.write(tmp_path)
    back = read_image(tmp_path / "midslice.nii.gz")
    np.testing.assert_array_equal(sitk.GetArrayFromImage(back), sl.image)
    assert back.GetSpacing() == (0.5, 0.5)
    assert pd.read_csv(tmp_path / "midslice.csv")["tumour_pixels"].tolist() == [24]

    rois = roi_masks(mask, distances_mm=(1.0,))
    vol = roi_volumes(rois).set_index("roi")
    assert vol.loc["tumour", "voxels"] == arr.sum()
    assert vol.loc["tumour", "volume_mm3"] == pytest.approx(arr.sum() * 0.5 * 0.5 * 4.0)
    assert vol.loc["tumour_peri1mm", "voxels"] == vol.loc["tumour", "voxels"] + vol.loc["peri1mm", "voxels"]


def test_preprocess_results_and_cohort(tmp_path):
    rng = np.random.default_rng(0)
    spacing = (0.8, 0.8, 3.0)
    folder = tmp_path / "in"
    patients = []
    for pid in ("P1", "P2"):
        img = to_image(rng.normal(500, 30, size=(8, 24, 24)), spacing)
        msk = to_image(sphere_mask((8, 24, 24), spacing, 5.0), spacing, dtype=np.uint8)
        patients.append(PatientImages(pid, {"CET1": write_image(img, folder / pid / "CET1.nii.gz")},
                                      write_image(msk, folder / pid / "mask.nii.gz")))
    config = PreprocessConfig(spacing=(1.0, 1.0, 4.0), n4=False, histogram_match=False)
    one = preprocess_patient({"CET1": read_image(patients[0].images["CET1"])},
                             {"mask": read_image(patients[0].mask)}, config=config, patient_id="P1")
    assert isinstance(one, PreprocessResult) and one.to_frame().equals(one.steps_frame())
    assert set(one.summary["kind"]) == {"image", "mask"}
    out = tmp_path / "out"
    run = preprocess_cohort(patients, out, config=config)
    assert isinstance(run, CohortPreprocessing) and "2 patients, 2 images" in repr(run)
    assert run.manifest["image"].tolist() == ["P1/CET1.nii.gz", "P2/CET1.nii.gz"]
    assert (out / "P2" / "mask.nii.gz").is_file()
    run.write(out)
    assert pd.read_csv(out / "manifest.csv")["mask"].tolist() == ["P1/mask.nii.gz", "P2/mask.nii.gz"]
    assert set(pd.read_csv(out / "steps.csv")["patient_id"]) == {"P1", "P2"}
    with pytest.raises(InputError, match="needs references"):
        preprocess_cohort(patients, out, config=PreprocessConfig())
    refs = {"CET1": read_image(patients[0].images["CET1"])}
    write_references(refs, tmp_path / "refs")
    assert set(read_references(tmp_path / "refs", ["CET1", "CET1"])) == {"CET1"}
