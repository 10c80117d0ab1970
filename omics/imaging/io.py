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

from omics.data.io import atomic_path
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


def read_image(path: str | os.PathLike, *, pixel_type: int | None = None) -> sitk.Image:
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
        If the folder holds no or several DICOM series, or the file cannot be read, or a
        NIfTI file is truncated or corrupt (see :func:`check_nifti_complete`).

    References
    ----------
    Lowekamp BC et al. The design of SimpleITK. Front Neuroinform 2013;7:45.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such image file or DICOM folder")
    if path.is_file() and path.name.lower().endswith((".nii", ".nii.gz")):
        check_nifti_complete(path)
    try:
        with preserve_locale():
            image = _read_dicom_series(path) if path.is_dir() else sitk.ReadImage(str(path))
    except RuntimeError as exc:
        raise InputError(f"{path}: could not be read as an image ({str(exc).strip().splitlines()[-1]})") from exc
    if pixel_type is not None:
        image = sitk.Cast(image, pixel_type)
    return image


#: NIfTI header layouts: (header size, offsets and formats of dim, bitpix, vox_offset).
_NIFTI_LAYOUTS = {348: (40, "8h", 72, "h", 108, "f"), 540: (16, "8q", 14, "h", 168, "q")}


def _nifti_expected_size(header: bytes, path: Path) -> int:
    """Bytes a single-file NIfTI-1/-2 needs: ``vox_offset + prod(dim) * bitpix / 8``."""
    import struct

    for endian in "<>":
        if len(header) >= 4 and struct.unpack(endian + "i", header[:4])[0] in _NIFTI_LAYOUTS:
            break
    else:
        raise InputError(f"{path}: not a NIfTI file (bad header size field); the file is corrupt or "
                         "not NIfTI")
    size = struct.unpack(endian + "i", header[:4])[0]
    if len(header) < size:
        raise InputError(f"{path}: truncated NIfTI file (the header alone needs {size} bytes, "
                         f"the file holds {len(header)})")
    dim_at, dim_fmt, bitpix_at, bitpix_fmt, offset_at, offset_fmt = _NIFTI_LAYOUTS[size]
    dim = struct.unpack_from(endian + dim_fmt, header, dim_at)
    bitpix = struct.unpack_from(endian + bitpix_fmt, header, bitpix_at)[0]
    vox_offset = int(struct.unpack_from(endian + offset_fmt, header, offset_at)[0])
    ndim = dim[0]
    if not 1 <= ndim <= 7 or min(dim[1:ndim + 1]) < 1 or bitpix < 1:
        raise InputError(f"{path}: corrupt NIfTI header (dim {list(dim)}, bitpix {bitpix})")
    voxels = 1
    for n in dim[1:ndim + 1]:
        voxels *= int(n)
    return max(vox_offset, size) + (voxels * int(bitpix) + 7) // 8


def check_nifti_complete(path: str | os.PathLike) -> None:
    """Refuse a truncated or corrupt NIfTI file (``.nii`` or ``.nii.gz``).

    ITK's NIfTI reader may fill the missing end of a truncated file with zeros and succeed,
    which silently cuts a tumour mask in half. Here the whole gzip stream is decompressed
    (so an incomplete stream or a CRC error is caught) and the data length is compared
    with what the header's ``dim`` and ``bitpix`` require.

    Raises
    ------
    InputError
        Naming the file and what is wrong with it.
    """
    import gzip
    import zlib

    path = Path(path)
    with open(path, "rb") as fh:
        compressed = fh.read(2) == b"\x1f\x8b"
    opener = gzip.open if compressed else open
    try:
        with opener(path, "rb") as fh:
            header = fh.read(544)
            length = len(header)
            while chunk := fh.read(1 << 22):
                length += len(chunk)
    except (EOFError, OSError, zlib.error) as exc:
        raise InputError(f"{path}: truncated or corrupt gzip data ({exc}); the file is incomplete, "
                         "copy it again") from exc
    expected = _nifti_expected_size(header, path)
    if length < expected:
        raise InputError(f"{path}: truncated NIfTI file: the header describes {expected} bytes, the file "
                         f"holds {length}{' (uncompressed)' if compressed else ''}; copy it again")


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


def write_image(image: sitk.Image, path: str | os.PathLike, *, compress: bool = True) -> Path:
    """Write an image atomically; the format follows the suffix (``.nii.gz`` recommended)."""
    path = Path(path)
    with atomic_path(path) as tmp, preserve_locale():
        sitk.WriteImage(image, str(tmp), compress)
    return path


def same_geometry(a: sitk.Image, b: sitk.Image, *, tolerance: float = 1e-4) -> bool:
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


def read_patient_images(path: str | os.PathLike) -> list[PatientImages]:
    """The patients' image and mask files listed in a manifest, one :class:`PatientImages` each.

    The manifest table is read by :func:`omics.data.read_manifest` (the one reader of the
    manifest: columns ``patient_id, sequence, image, mask[, repeat_mask]``, paths relative to
    its folder); this groups its rows per patient. Every patient must have one mask (the
    same for all its sequences) and each sequence once. Files are opened later, when used.

    Returns
    -------
    list of PatientImages
        In the manifest's order.
    """
    from omics.data.readers import read_manifest

    table = read_manifest(path, check_files=False)
    return manifest_patients(table, source=str(path))


def manifest_patients(table: pd.DataFrame, *, base: str | os.PathLike = ".", source: str = "manifest") -> list[PatientImages]:
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
