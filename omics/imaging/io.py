"""Reading and writing medical images (NIfTI, NRRD, DICOM series) with SimpleITK.

Everything in :mod:`omics.imaging` works on :class:`SimpleITK.Image` objects, which carry
their physical geometry (origin, spacing, direction). These helpers are the only place that
touches image files.
"""

from __future__ import annotations

import contextlib
import locale
import os
from pathlib import Path

from dataclasses import dataclass
from typing import Any

import pandas as pd
import SimpleITK as sitk

from omics.data.io import atomic_path, read_table
from omics.data.validate import InputError, check_unique_ids

#: File suffixes read as single files (anything else that is a folder is read as DICOM).
SEQUENCES = ("T1", "T2", "CET1")
MANIFEST_COLUMNS = ("patient_id", "sequence", "image", "mask", "repeat_mask")

IMAGE_SUFFIXES = (".nii", ".nii.gz", ".nrrd", ".nhdr", ".mha", ".mhd", ".dcm")


@contextlib.contextmanager
def preserve_locale():
    """Restore the process locale after a SimpleITK call: its DICOM (GDCM) I/O resets it to
    "C", after which Python's default text encoding becomes ASCII for the whole process."""
    saved = locale.setlocale(locale.LC_ALL)
    try:
        yield
    finally:
        try:
            locale.setlocale(locale.LC_ALL, saved)
        except locale.Error:  # pragma: no cover - the saved locale is always valid here
            pass


def read_image(path: str | os.PathLike, pixel_type: int | None = None) -> sitk.Image:
    """Read a NIfTI/NRRD/MetaImage file or a folder holding one DICOM series.

    Parameters
    ----------
    path
        A file (``.nii``, ``.nii.gz``, ``.nrrd``, ``.mha``…) or a folder of DICOM files.
        A folder with several series is refused (say which one to read by giving a folder
        that holds only it).
    pixel_type
        Optional SimpleITK pixel type to cast to on reading (e.g. ``sitk.sitkFloat32``).

    Returns
    -------
    SimpleITK.Image

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    InputError
        If the folder holds no or several DICOM series, or the file cannot be read.

    References
    ----------
    Lowekamp BC et al. The design of SimpleITK. Front Neuroinform 2013;7:45.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such image file or DICOM folder")
    try:
        with preserve_locale():
            image = _read_dicom_series(path) if path.is_dir() else sitk.ReadImage(str(path))
    except RuntimeError as exc:
        raise InputError(f"{path}: could not be read as an image ({str(exc).strip().splitlines()[-1]})") from exc
    if pixel_type is not None:
        image = sitk.Cast(image, pixel_type)
    return image


def _read_dicom_series(folder: Path) -> sitk.Image:
    series = sitk.ImageSeriesReader.GetGDCMSeriesIDs(str(folder))
    if not series:
        raise InputError(f"{folder}: no DICOM series found in this folder")
    if len(series) > 1:
        raise InputError(f"{folder}: {len(series)} DICOM series in one folder ({', '.join(series[:3])}…); "
                         "give a folder holding one series")
    reader = sitk.ImageSeriesReader()
    reader.SetFileNames(sitk.ImageSeriesReader.GetGDCMSeriesFileNames(str(folder), series[0]))
    return reader.Execute()


def write_image(image: sitk.Image, path: str | os.PathLike, compress: bool = True) -> Path:
    """Write an image atomically; the format follows the suffix (``.nii.gz`` recommended)."""
    path = Path(path)
    with atomic_path(path) as tmp, preserve_locale():
        sitk.WriteImage(image, str(tmp), compress)
    return path


def same_geometry(a: sitk.Image, b: sitk.Image, tolerance: float = 1e-4) -> bool:
    """True if two images share size, spacing, origin and direction (within ``tolerance``)."""
    if a.GetSize() != b.GetSize():
        return False
    pairs = ((a.GetSpacing(), b.GetSpacing()), (a.GetOrigin(), b.GetOrigin()),
             (a.GetDirection(), b.GetDirection()))
    return all(abs(x - y) <= tolerance * max(1.0, abs(x)) for u, v in pairs for x, y in zip(u, v))


def describe_geometry(image: sitk.Image) -> str:
    """One-line geometry summary used in error messages."""
    sp = ", ".join(f"{s:g}" for s in image.GetSpacing())
    org = ", ".join(f"{o:.4g}" for o in image.GetOrigin())
    return f"size {image.GetSize()}, spacing ({sp}) mm, origin ({org})"


@dataclass
class PatientImages:
    """The image files of one patient.

    Attributes
    ----------
    patient_id
        Identifier.
    images
        ``{sequence: image}`` (paths or SimpleITK images).
    mask
        Tumour mask (drawn on CET1, shared by all sequences).
    repeat_mask
        Second, independent segmentation for the ICC, or ``None``.
    """

    patient_id: str
    images: dict[str, Any]
    mask: Any
    repeat_mask: Any = None


def read_manifest(path: str | os.PathLike) -> list[PatientImages]:
    """Read an imaging manifest (``patient_id, sequence, image, mask, repeat_mask``).

    Paths are relative to the manifest's folder. Every patient must have one mask (the
    same for all its sequences) and each sequence once.

    Returns
    -------
    list of PatientImages
        In the manifest's order.
    """
    path = Path(path)
    table = read_table(path, dtype=str, keep_default_na=False)
    missing = [c for c in MANIFEST_COLUMNS[:4] if c not in table.columns]
    if missing:
        raise InputError(f"{path}: manifest lacks column(s) {missing}; expected {list(MANIFEST_COLUMNS)}")
    if "repeat_mask" not in table.columns:
        table["repeat_mask"] = ""
    return manifest_patients(table, path.parent, source=str(path))


def manifest_patients(table: pd.DataFrame, base: str | os.PathLike = ".", source: str = "manifest") -> list[PatientImages]:
    """Group a manifest table into :class:`PatientImages` (paths resolved against ``base``)."""
    base = Path(base)
    patients = []
    table = table.fillna("")
    for pid, rows in table.groupby("patient_id", sort=False):
        pid = str(pid)
        check_unique_ids(rows["sequence"], f"{source}, patient {pid}", what="sequence")
        masks = {m for m in rows["mask"] if m}
        if len(masks) != 1:
            raise InputError(f"{source}: patient {pid} must have exactly one mask shared by its sequences, "
                             f"found {sorted(masks) or 'none'}")
        repeats = {m for m in rows["repeat_mask"] if m}
        if len(repeats) > 1:
            raise InputError(f"{source}: patient {pid} has several repeat masks: {sorted(repeats)}")
        images = {str(r.sequence): base / r.image for r in rows.itertuples()}
        patients.append(PatientImages(pid, images, base / masks.pop(),
                                      base / repeats.pop() if repeats else None))
    return patients
