"""Preprocessing: resampling, N4 removes a planted bias field, histogram matching, z-score."""

import locale

import numpy as np
import pytest
import SimpleITK as sitk

from omics.data.validate import InputError
from omics.imaging.io import preserve_locale, read_image, write_image
from omics.imaging.preprocess import (PreprocessConfig, cohort_reference, histogram_match, n4_correct,
                                      preprocess_patient, resample, zscore)
from omics.imaging.synthetic import _physical_grid, bias_field, sphere_mask, to_image

SHAPE, SPACING = (16, 64, 64), (1.0, 1.0, 3.0)


def _body(seed=0, mean=500.0, sd=20.0):
    rng = np.random.default_rng(seed)
    x, y, z = _physical_grid(SHAPE, SPACING)
    body = ((x / 28) ** 2 + (y / 28) ** 2 + (z / 30) ** 2) <= 1
    inner = ((x / 22) ** 2 + (y / 22) ** 2 + (z / 20) ** 2) <= 1
    clean = np.where(body, mean + sd * rng.normal(size=SHAPE), 5 + rng.normal(size=SHAPE))
    return clean, inner


def _cv(a, region):
    v = a[region]
    return v.std() / v.mean()


def test_n4_removes_planted_bias_field():
    clean, inner = _body()
    field = bias_field(SHAPE, SPACING, strength=0.4, seed=3)
    biased = to_image(clean * field, SPACING)
    corrected, estimated = n4_correct(biased, shrink_factor=2, return_field=True)
    out = sitk.GetArrayFromImage(corrected)
    before, after, truth = _cv(clean * field, inner), _cv(out, inner), _cv(clean, inner)
    assert before > 2 * truth                    # the planted field more than doubles the spread
    assert after < truth + 0.25 * (before - truth)  # N4 removes at least 75 % of the excess
    est = sitk.GetArrayFromImage(estimated)
    assert np.corrcoef(np.log(est[inner]), np.log(field[inner]))[0, 1] > 0.95
    # a mask-aware fit: restricting the fit to the body gives the same correction quality
    body_mask = to_image((clean > 100).astype(np.uint8), SPACING, dtype=np.uint8)
    masked = sitk.GetArrayFromImage(n4_correct(biased, mask=body_mask, shrink_factor=2))
    assert _cv(masked, inner) < truth + 0.25 * (before - truth)
    assert sitk.GetArrayFromImage(biased).mean() == pytest.approx((clean * field).mean(), rel=1e-6)  # input intact


def test_resample_spacing_size_and_interpolators():
    img = to_image(np.random.default_rng(0).normal(size=(10, 30, 40)), (0.7, 0.7, 5.0))
    out = resample(img, spacing=(1.0, 1.0, 4.0))
    assert out.GetSpacing() == (1.0, 1.0, 4.0)
    assert out.GetSize() == (28, 21, 12)  # round(40·0.7), round(30·0.7), round(10·5/4)
    assert out.GetOrigin() == img.GetOrigin() and out.GetPixelID() == sitk.sitkFloat32
    labels = np.zeros((10, 30, 40), np.uint8)
    labels[3:7, 5:20, 5:30] = 1
    labels[4:6, 10:15, 10:15] = 3
    mask = resample(to_image(labels, (0.7, 0.7, 5.0), dtype=np.uint8), spacing=(1.0, 1.0, 4.0), interpolator="nearest")
    assert set(np.unique(sitk.GetArrayViewFromImage(mask))) == {0, 1, 3}
    assert mask.GetPixelID() == sitk.sitkUInt8
    with pytest.raises(InputError, match="interpolator"):
        resample(img, spacing=(1, 1, 4), interpolator="cubic")


def test_histogram_matching_to_cohort_reference():
    a, inner = _body(1, mean=500, sd=40)
    b, _ = _body(2, mean=1500, sd=150)  # same anatomy, another scanner's scale
    ref = cohort_reference([to_image(a, SPACING), to_image(b, SPACING)], n_quantiles=256)
    assert ref.GetSize() == (1, 1, 256)
    ma = sitk.GetArrayFromImage(histogram_match(to_image(a, SPACING), ref, output_range=(-10000, 10000)))
    mb = sitk.GetArrayFromImage(histogram_match(to_image(b, SPACING), ref, output_range=(-10000, 10000)))
    assert ma.min() >= -10000 and ma.max() <= 10000
    # before: medians differ 3-fold; after: within a few percent of the output range
    qa, qb = np.quantile(ma[inner], [0.25, 0.5, 0.75]), np.quantile(mb[inner], [0.25, 0.5, 0.75])
    assert np.abs(qa - qb).max() < 0.03 * 20000
    narrow = sitk.GetArrayFromImage(histogram_match(to_image(a, SPACING), ref, output_range=(0, 100)))
    assert narrow.min() >= 0 and narrow.max() <= 100


def test_zscore():
    a, inner = _body(0)
    out = sitk.GetArrayFromImage(zscore(to_image(a, SPACING), mask=to_image(inner.astype(np.uint8), SPACING, dtype=np.uint8)))
    assert out[inner].mean() == pytest.approx(0, abs=1e-5) and out[inner].std() == pytest.approx(1, rel=1e-5)
    with pytest.raises(InputError, match="constant"):
        zscore(to_image(np.ones(SHAPE), SPACING), mask=to_image(inner.astype(np.uint8), SPACING, dtype=np.uint8))


def test_preprocess_patient_common_grid_and_record(tmp_path):
    rng = np.random.default_rng(0)
    cet1 = to_image(rng.normal(500, 30, size=(12, 40, 40)), (0.8, 0.8, 3.0))
    t2 = to_image(rng.normal(900, 30, size=(8, 32, 32)), (1.0, 1.0, 4.5))  # another grid, same field of view
    mask = to_image(sphere_mask((12, 40, 40), (0.8, 0.8, 3.0), 8.0), (0.8, 0.8, 3.0), dtype=np.uint8)
    refs = {"CET1": cohort_reference([cet1]), "T2": cohort_reference([t2])}
    config = PreprocessConfig(spacing=(1.0, 1.0, 4.0), n4_shrink_factor=2, zscore=True)
    res = preprocess_patient({"T2": t2, "CET1": cet1}, {"mask": mask}, config=config, references=refs, patient_id="P1")
    grid = res.images["CET1"]
    assert grid.GetSpacing() == (1.0, 1.0, 4.0)
    for img in list(res.images.values()) + list(res.masks.values()):
        assert img.GetSize() == grid.GetSize() and img.GetSpacing() == grid.GetSpacing()
    steps = res.steps_frame()
    for seq in ("CET1", "T2"):
        assert steps.loc[steps["sequence"] == seq, "step"].tolist()[-3:] == ["n4", "histogram_match", "zscore"]
    off = preprocess_patient({"CET1": cet1}, {"mask": mask},
                             config=PreprocessConfig(spacing=None, n4=False, histogram_match=False), references=None, patient_id="P1")
    assert off.steps_frame()["step"].tolist() == ["resample"]  # only the mask onto the image grid
    np.testing.assert_allclose(sitk.GetArrayFromImage(off.images["CET1"]), sitk.GetArrayFromImage(cet1), rtol=1e-6)
    with pytest.raises(InputError, match="patient P1: histogram matching needs a cohort reference"):
        preprocess_patient({"CET1": cet1}, {"mask": mask}, config=PreprocessConfig(), references=None, patient_id="P1")
    write_image(grid, tmp_path / "x.nii.gz")
    assert read_image(tmp_path / "x.nii.gz").GetSize() == grid.GetSize()


def test_read_dicom_series_nrrd_and_errors(tmp_path):
    arr = np.arange(4 * 6 * 5, dtype=np.int16).reshape(4, 6, 5)
    img = sitk.GetImageFromArray(arr)
    img.SetSpacing((0.8, 0.8, 3.0))
    series = tmp_path / "dicom"
    series.mkdir()
    writer = sitk.ImageFileWriter()
    writer.KeepOriginalImageUIDOn()
    before = locale.setlocale(locale.LC_ALL)
    with preserve_locale():  # GDCM resets the process locale
        _write_dicom_slices(img, arr, series, writer)
    assert locale.setlocale(locale.LC_ALL) == before
    back = read_image(series)
    assert locale.setlocale(locale.LC_ALL) == before  # reading a DICOM series leaves the locale alone
    assert back.GetSize() == (5, 6, 4) and back.GetSpacing() == pytest.approx((0.8, 0.8, 3.0))
    np.testing.assert_array_equal(sitk.GetArrayFromImage(back), arr)
    write_image(img, tmp_path / "x.nrrd")
    np.testing.assert_array_equal(sitk.GetArrayFromImage(read_image(tmp_path / "x.nrrd")), arr)
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="no DICOM series"):
        read_image(tmp_path / "empty")
    with pytest.raises(FileNotFoundError):
        read_image(tmp_path / "missing.nii.gz")


def _write_dicom_slices(img, arr, series, writer):
    for z in reversed(range(arr.shape[0])):  # file order must not matter: sorted by position
        sl = img[:, :, z]
        sl.SetMetaData("0020|000e", "1.2.826.0.1.3680043.2.1125.1.12345")
        sl.SetMetaData("0020|0032", "\\".join(map(str, img.TransformIndexToPhysicalPoint((0, 0, z)))))
        sl.SetMetaData("0020|0037", "1\\0\\0\\0\\1\\0")
        sl.SetMetaData("0020|0013", str(z))
        sl.SetMetaData("0008|0060", "MR")
        writer.SetFileName(str(series / f"slice{3 - z}.dcm"))
        writer.Execute(sl)
