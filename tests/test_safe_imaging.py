"""Image integrity and mask labels in the API (issue 13, items 3, 4 and 6)."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import numpy as np
import pytest
import SimpleITK as sitk

import omics.imaging
from omics.data import InputError
from omics.imaging.extract import extract_patient
from omics.imaging.io import PatientImages, check_nifti_complete, read_image
from omics.imaging.masks import peritumoral_ring, roi_masks, tumour_with_ring


def _mask(labels=(1,)) -> sitk.Image:
    arr = np.zeros((4, 16, 16), np.uint8)
    for k, label in enumerate(labels):
        arr[1 + k, 5:11, 5:11] = label
    img = sitk.GetImageFromArray(arr)
    img.SetSpacing((1.0, 1.0, 2.0))
    return img


@pytest.mark.parametrize("suffix", [".nii", ".nii.gz"])
def test_complete_nifti_passes_and_reads_back(tmp_path, suffix):
    path = tmp_path / f"m{suffix}"
    sitk.WriteImage(_mask(), str(path))
    check_nifti_complete(path)
    np.testing.assert_array_equal(sitk.GetArrayFromImage(read_image(path)), sitk.GetArrayFromImage(_mask()))


@pytest.mark.parametrize("suffix, keep", [(".nii", 0.9), (".nii", 0.3), (".nii.gz", 0.7), (".nii", 0.1)])
def test_truncated_nifti_is_an_error_naming_the_file(tmp_path, suffix, keep):
    path = tmp_path / f"m{suffix}"
    sitk.WriteImage(_mask(), str(path))
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])
    with pytest.raises(InputError, match=re.escape(str(path)) + ".*(truncated|corrupt)"):
        read_image(path)


def test_gzip_with_a_complete_stream_but_missing_data_is_refused(tmp_path):
    """A well-formed gzip holding a cut NIfTI (re-compressed after truncation)."""
    raw = tmp_path / "m.nii"
    sitk.WriteImage(_mask(), str(raw))
    path = tmp_path / "m.nii.gz"
    path.write_bytes(gzip.compress(raw.read_bytes()[:-200]))
    with pytest.raises(InputError, match="header describes"):
        read_image(path)


def test_corrupt_gzip_crc_is_refused(tmp_path):
    path = tmp_path / "m.nii.gz"
    sitk.WriteImage(_mask(), str(path))
    data = bytearray(path.read_bytes())
    data[-8] ^= 0xFF  # CRC32 of the gzip trailer
    path.write_bytes(bytes(data))
    with pytest.raises(InputError, match="corrupt gzip"):
        read_image(path)


def test_ring_functions_refuse_multi_label_masks():
    two = _mask((1, 2))
    for call in (lambda: roi_masks(two, distances_mm=(2.0,)), lambda: peritumoral_ring(two, 2.0),
                 lambda: tumour_with_ring(two, 2.0)):
        with pytest.raises(InputError, match=r"2 labels \(1, 2\)"):
            call()


def test_extract_patient_refuses_multi_label_unless_label_given():
    rng = np.random.default_rng(0)
    image = sitk.GetImageFromArray(rng.normal(100, 10, (4, 16, 16)).astype(np.float32))
    image.SetSpacing((1.0, 1.0, 2.0))
    patient = PatientImages("P1", {"CET1": image}, _mask((1, 2)))
    with pytest.raises(InputError, match="2 labels"):
        extract_patient(patient, ring_distances_mm=[])
    one = extract_patient(patient, ring_distances_mm=[], label=1).features
    two = extract_patient(patient, ring_distances_mm=[], label=2).features
    assert one["CET1__tumour__shape_VoxelVolume"] == two["CET1__tumour__shape_VoxelVolume"] == 72.0
    assert one != two  # different slices, different intensities


def test_no_array_view_of_simpleitk_images_in_imaging():
    """Audit guard: a NumPy view of a temporary image reads freed memory (issue 13 item 3)."""
    root = Path(omics.imaging.__file__).parent
    files = [*root.rglob("*.py"), root.parent / "cli" / "imaging.py"]
    offenders = [str(f) for f in files if "GetArrayViewFromImage" in f.read_text()]
    assert not offenders
