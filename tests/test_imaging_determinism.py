"""Imaging is deterministic (issue 13, item 3): the same inputs give the same bytes.

The cohort reference and the z-score once read a NumPy *view* of a temporary SimpleITK
image (``GetArrayViewFromImage(foreground_mask(img))``), freed at once, so the region they
read changed from call to call. These tests call them many times, compare with an
independent computation, and run preprocessing + extraction twice on tiny images.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import SimpleITK as sitk

from omics.cli import main
from omics.imaging.preprocess import cohort_reference, foreground_mask, zscore

SHAPE = (4, 16, 16)  # z, y, x


def _volume(seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    body = np.zeros(SHAPE, bool)
    body[:, 2:14, 2:14] = True
    img = np.where(body, rng.normal(300, 40, SHAPE), rng.normal(10, 3, SHAPE)).astype(np.float32)
    mask = np.zeros(SHAPE, np.uint8)
    mask[1:3, 5:10, 6:11] = 1
    img[mask == 1] += 150
    return img, mask


def _image(array, spacing=(1.0, 1.0, 2.0)) -> sitk.Image:
    image = sitk.GetImageFromArray(array)
    image.SetSpacing(spacing)
    return image


def test_cohort_reference_is_identical_over_many_calls_and_correct():
    images = [_image(_volume(s)[0]) for s in range(3)]
    first = sitk.GetArrayFromImage(cohort_reference(images, n_quantiles=64))
    for _ in range(20):
        again = sitk.GetArrayFromImage(cohort_reference(images, n_quantiles=64))
        np.testing.assert_array_equal(again, first)
    # independent computation with the foreground masks held alive
    curves = []
    for img in images:
        fg = foreground_mask(img)
        region = sitk.GetArrayFromImage(fg) > 0
        curves.append(np.quantile(sitk.GetArrayFromImage(img).astype(float)[region], np.linspace(0, 1, 64)))
    np.testing.assert_allclose(first.ravel(), np.mean(curves, axis=0).astype(np.float32), rtol=1e-6)


def test_zscore_is_identical_over_many_calls_and_standardises_the_foreground():
    image = _image(_volume(7)[0])
    first = sitk.GetArrayFromImage(zscore(image))
    for _ in range(20):
        np.testing.assert_array_equal(sitk.GetArrayFromImage(zscore(image)), first)
    region = sitk.GetArrayFromImage(foreground_mask(image)) > 0
    assert abs(first[region].mean()) < 1e-5 and abs(first[region].std() - 1) < 1e-5


@pytest.fixture
def cohort(tmp_path):
    inputs = tmp_path / "in"
    inputs.mkdir()
    rows = []
    for i in range(3):
        img, mask = _volume(10 + i)
        pid = f"P{i:03d}"
        sitk.WriteImage(_image(img), str(inputs / f"{pid}_CET1.nii.gz"))
        sitk.WriteImage(_image(img * 0.5 + 20), str(inputs / f"{pid}_T2.nii.gz"))
        sitk.WriteImage(_image(mask), str(inputs / f"{pid}_mask.nii.gz"))
        for seq in ("CET1", "T2"):
            rows.append({"patient_id": pid, "sequence": seq, "image": f"{pid}_{seq}.nii.gz",
                         "mask": f"{pid}_mask.nii.gz"})
    pd.DataFrame(rows).to_csv(inputs / "manifest.csv", index=False)
    return inputs / "manifest.csv"


def _digests(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and p.name != "provenance.json"}


def _run_imaging(manifest: Path, out: Path) -> None:
    refs = out / "refs"
    assert main(["preprocess", str(manifest), "--build-references", "--out", str(refs)]) == 0
    assert main(["preprocess", str(manifest), "--references", str(refs), "--shrink-factor", "1",
                 "--n4-iterations", "5,5", "--zscore", "--out", str(out / "pre")]) == 0
    assert main(["extract", str(out / "pre" / "manifest.csv"), "--rings", "2", "--quiet",
                 "--out", str(out / "features")]) == 0


def test_preprocess_and_extract_twice_give_identical_bytes(tmp_path, cohort):
    _run_imaging(cohort, tmp_path / "run1")
    _run_imaging(cohort, tmp_path / "run2")
    first, second = _digests(tmp_path / "run1"), _digests(tmp_path / "run2")
    assert any(k.startswith("refs/reference_") for k in first)
    assert "features/features.csv" in first
    steps = {k for k in first if k.endswith("steps.csv")}  # records wall-clock seconds
    assert {k: v for k, v in first.items() if k not in steps} == \
        {k: v for k, v in second.items() if k not in steps}
    features = pd.read_csv(tmp_path / "run1" / "features" / "features.csv", index_col=0)
    assert features.shape[0] == 3 and features.notna().all().all()
