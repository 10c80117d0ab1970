"""Tumour masks: validation, peritumoral rings and the mid-tumour slice.

* :func:`validate_mask` refuses empty masks, masks with several labels and masks whose
  geometry differs from the image's, naming the patient.
* :func:`peritumoral_ring` / :func:`tumour_with_ring` / :func:`roi_masks` build the
  peritumoral ROIs of Zheng et al. by a dilation in **physical** distance (mm): a voxel
  belongs to the ring of width *d* if the Euclidean distance between its centre and the
  centre of the nearest tumour voxel is in (0, d]. Distances come from an exact signed
  Maurer distance map computed with the image spacing, so anisotropic voxels are handled
  exactly; the ring never leaves the image grid, and an exclusion mask (bone, air, another
  organ) can be removed from it.
* :func:`mid_slice` extracts the slice at the tumour's midpoint (or the largest-area slice)
  with the background removed — the input of the deep models of the reference study.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np
import SimpleITK as sitk

from omics._result import Result
from omics.data.validate import InputError
from omics.imaging.io import describe_geometry, same_geometry


#: Distances within this many mm of the ring width count as equal to it (the distance map is
#: float32, so a voxel exactly at the ring width must not drop out through rounding).
TIE_MM = 1e-3


def _who(patient: str | None) -> str:
    return f"patient {patient}: " if patient else ""


def validate_mask(mask: sitk.Image, *, image: sitk.Image | None = None, patient: str | None = None,
                  label: int | None = None, name: str = "mask") -> sitk.Image:
    """Check a tumour mask and return it as a binary (0/1) uint8 image.

    Parameters
    ----------
    mask
        Label image (not modified).
    image
        If given, the mask must share its size, spacing, origin and direction.
    patient
        Patient identifier, named in every error.
    label
        Label to keep. ``None`` requires exactly one non-zero label.
    name
        What the mask is (``mask``, ``mask_repeat``…), for messages.

    Returns
    -------
    SimpleITK.Image
        uint8, 1 inside the ROI, 0 elsewhere, same geometry as ``mask``.

    Raises
    ------
    InputError
        Empty mask, several labels (when ``label`` is None), a missing label, or a geometry
        mismatch with ``image``.
    """
    who = _who(patient)
    if image is not None and not same_geometry(mask, image):
        raise InputError(f"{who}{name} geometry does not match the image: {name} {describe_geometry(mask)} "
                         f"vs image {describe_geometry(image)}; resample the mask onto the image grid "
                         "(nearest neighbour) first")
    arr = sitk.GetArrayFromImage(mask)
    labels = np.unique(arr[arr != 0])
    if labels.size == 0:
        raise InputError(f"{who}{name} is empty (no non-zero voxel)")
    if label is None:
        if labels.size > 1:
            shown = ", ".join(str(v) for v in labels[:6])
            raise InputError(f"{who}{name} has {labels.size} labels ({shown}); choose the tumour label "
                             "(--label in the CLI, label= in the API) or merge them")
        label = labels[0]
    elif label not in labels:
        raise InputError(f"{who}{name} has no voxel with label {label} (labels present: "
                         f"{', '.join(str(v) for v in labels[:6])})")
    binary = sitk.GetImageFromArray((arr == label).astype(np.uint8))
    binary.CopyInformation(mask)
    return binary


def distance_outside(mask: sitk.Image) -> np.ndarray:
    """Physical distance (mm) from every voxel centre to the nearest mask voxel centre
    (0 inside the mask); array in SimpleITK's (z, y, x) order.

    Uses an exact Euclidean distance transform with the image spacing
    (``SignedMaurerDistanceMap``, Maurer et al. 2003).

    References
    ----------
    Maurer CR, Qi R, Raghavan V. A linear time algorithm for computing exact Euclidean
    distance transforms of binary images in arbitrary dimensions. IEEE TPAMI
    2003;25:265–270.
    """
    binary = sitk.Cast(mask > 0, sitk.sitkUInt8)
    # Distance to the background seen from inside would be the wrong quantity; compute the
    # distance of background voxels to the object: the signed map (inside negative) with
    # squared distances and spacing, positive outside.
    dist = sitk.SignedMaurerDistanceMap(binary, insideIsPositive=False, squaredDistance=True,
                                        useImageSpacing=True, backgroundValue=0)
    arr = sitk.GetArrayFromImage(dist).astype(float)
    out = np.sqrt(np.clip(arr, 0.0, None))
    out[sitk.GetArrayFromImage(binary) > 0] = 0.0
    return out


def _from_array(arr: np.ndarray, like: sitk.Image) -> sitk.Image:
    img = sitk.GetImageFromArray(arr.astype(np.uint8))
    img.CopyInformation(like)
    return img


def _exclusion(exclude: sitk.Image | None, mask: sitk.Image) -> np.ndarray | None:
    if exclude is None:
        return None
    if not same_geometry(exclude, mask):
        raise InputError("the exclusion mask's geometry does not match the tumour mask: "
                         f"{describe_geometry(exclude)} vs {describe_geometry(mask)}")
    return sitk.GetArrayFromImage(exclude) > 0


def peritumoral_ring(mask: sitk.Image, distance_mm: float, *, exclude: sitk.Image | None = None) -> sitk.Image:
    """Peritumoral ring: voxels outside the tumour within ``distance_mm`` of it.

    A voxel is in the ring when the Euclidean distance (mm, with the voxel spacing) from its
    centre to the nearest tumour-voxel centre is > 0 and ≤ ``distance_mm`` — a 3-D
    morphological dilation by a ball of that physical radius, minus the tumour. The ring
    lies on the mask's grid (clipped to the image).

    Parameters
    ----------
    mask
        Binary tumour mask (non-zero = tumour); not modified.
    distance_mm
        Ring width in mm (the osteosarcoma study used 2, 4 and 6 mm).
    exclude
        Optional mask of voxels never part of the ring (e.g. bone, air, outside the body).

    Returns
    -------
    SimpleITK.Image
        uint8 ring mask on the mask's grid.

    References
    ----------
    Zheng T et al. MRI-based intratumoral and peritumoral radiomics predicting neoadjuvant
    chemotherapy response in osteosarcoma (peritumoral 2/4/6 mm expansions).
    """
    if distance_mm <= 0:
        raise InputError(f"ring distance must be > 0 mm, got {distance_mm}")
    mask = validate_mask(mask)  # one label, not empty: never a silent union of several labels
    dist = distance_outside(mask)
    ring = (dist > 0) & (dist <= distance_mm + TIE_MM)
    excl = _exclusion(exclude, mask)
    if excl is not None:
        ring &= ~excl
    return _from_array(ring, mask)


def tumour_with_ring(mask: sitk.Image, distance_mm: float, *, exclude: sitk.Image | None = None) -> sitk.Image:
    """Tumour plus its peritumoral ring of ``distance_mm`` (see :func:`peritumoral_ring`)."""
    if distance_mm <= 0:
        raise InputError(f"ring distance must be > 0 mm, got {distance_mm}")
    mask = validate_mask(mask)
    dist = distance_outside(mask)
    combined = dist <= distance_mm + TIE_MM
    excl = _exclusion(exclude, mask)
    if excl is not None:
        combined &= ~(excl & (dist > 0))
    return _from_array(combined, mask)


def ring_name(distance_mm: float) -> str:
    """ROI name of a ring, e.g. ``peri2mm`` (``peri2.5mm`` for non-integers)."""
    return f"peri{distance_mm:g}mm"


def roi_masks(mask: sitk.Image, *, distances_mm: Sequence[float] = (2.0, 4.0, 6.0),
              exclude: sitk.Image | None = None, include_combined: bool = True) -> dict[str, sitk.Image]:
    """All ROIs of a patient: ``tumour``, ``peri<d>mm`` rings and ``tumour_peri<d>mm``.

    With the default distances this gives the seven ROIs of Zheng et al. The mask must hold
    one non-zero label (see :func:`validate_mask` to choose one of several).
    """
    binary = validate_mask(mask)  # one label, not empty (choose a label first with validate_mask)
    rois = {"tumour": binary}
    if not distances_mm:
        return rois
    dist = distance_outside(binary)
    excl = _exclusion(exclude, binary)
    for d in distances_mm:
        if d <= 0:
            raise InputError(f"ring distance must be > 0 mm, got {d}")
        ring = (dist > 0) & (dist <= d + TIE_MM)
        if excl is not None:
            ring &= ~excl
        rois[ring_name(d)] = _from_array(ring, binary)
        if include_combined:
            rois[f"tumour_{ring_name(d)}"] = _from_array(ring | (dist == 0), binary)
    return rois


def roi_volumes(rois: dict[str, sitk.Image]) -> "pd.DataFrame":
    """Voxel count and physical volume (mm³) of each ROI mask: ``roi, voxels, volume_mm3``."""
    import pandas as pd

    rows = []
    for name, roi in rois.items():
        n = int(sitk.GetArrayFromImage(roi).astype(bool).sum())
        rows.append({"roi": name, "voxels": n, "volume_mm3": n * float(np.prod(roi.GetSpacing()))})
    return pd.DataFrame(rows, columns=["roi", "voxels", "volume_mm3"])


@dataclass(repr=False)
class MidSlice(Result):
    """A 2-D tumour slice with the background removed.

    Attributes
    ----------
    image
        2-D float32 array (rows = y, columns = x); voxels outside the mask are set to
        ``background``.
    mask
        2-D uint8 mask of the same shape.
    index
        Slice index along the chosen axis (in the SimpleITK index, i.e. z for axis 2).
    spacing
        In-plane spacing (column, row) in mm.
    patient_id, method
        Whose slice and how it was chosen (for the table ``write`` produces).

    ``to_frame()`` is the one-row description (``patient_id, method, slice_index, rows,
    columns, tumour_pixels``); ``write(out)`` writes ``midslice.nii.gz``,
    ``midslice_mask.nii.gz`` and ``midslice.csv`` as ``omics midslice`` does.
    """

    image: np.ndarray
    mask: np.ndarray
    index: int
    spacing: tuple[float, float]
    patient_id: str = ""
    method: str = "middle"

    def to_frame(self):
        import pandas as pd

        return pd.DataFrame([{"patient_id": self.patient_id, "method": self.method, "slice_index": self.index,
                              "rows": self.image.shape[0], "columns": self.image.shape[1],
                              "tumour_pixels": int(self.mask.sum())}])

    def to_images(self) -> tuple[sitk.Image, sitk.Image]:
        """The slice and its mask as 2-D SimpleITK images carrying the in-plane spacing."""
        image, mask = sitk.GetImageFromArray(self.image), sitk.GetImageFromArray(self.mask)
        image.SetSpacing(self.spacing)
        mask.SetSpacing(self.spacing)
        return image, mask

    def write(self, out_dir) -> dict:
        """Write the 2-D slice, its mask (NIfTI) and ``midslice.csv`` under ``out_dir``."""
        from omics.data.io import write_table
        from omics.imaging.io import write_image

        out = Path(out_dir)
        image, mask = self.to_images()
        return {"image": write_image(image, out / "midslice.nii.gz"),
                "mask": write_image(mask, out / "midslice_mask.nii.gz"),
                "table": write_table(self.to_frame(), out / "midslice.csv", index=False)}

    def _short(self) -> str:
        return f"index={self.index}, shape={self.image.shape}, voxels={int(self.mask.sum())}"


def mid_slice(image: sitk.Image, mask: sitk.Image, *, method: str = "middle", axis: int = 2,
              background: float = 0.0, crop: bool = False, margin: int = 0,
              patient: str | None = None) -> MidSlice:
    """The tumour's mid slice (or largest-area slice) with the background removed.

    Parameters
    ----------
    image, mask
        Same geometry (checked); not modified.
    method
        ``middle``: the slice halfway between the first and last slices holding tumour
        (the reference study's "slice at the tumor's midpoint"); ``largest``: the slice with
        the most tumour voxels (first one on ties).
    axis
        Image axis (SimpleITK order x=0, y=1, z=2) perpendicular to the slice.
    background
        Value written outside the mask.
    crop
        Crop to the tumour's bounding box in the slice, plus ``margin`` pixels.

    Returns
    -------
    MidSlice

    References
    ----------
    Crombé A, Lucchesi C et al. NPJ Precis Oncol 2024;8 (doi 10.1038/s41698-024-00616-8).
    """
    if method not in ("middle", "largest"):
        raise InputError(f"method must be 'middle' or 'largest', got {method!r}")
    if axis not in (0, 1, 2):
        raise InputError(f"axis must be 0, 1 or 2, got {axis}")
    binary = validate_mask(mask, image=image, patient=patient)
    arr = sitk.GetArrayFromImage(sitk.Cast(image, sitk.sitkFloat32))
    msk = sitk.GetArrayFromImage(binary)
    np_axis = 2 - axis  # numpy arrays are (z, y, x)
    areas = msk.sum(axis=tuple(a for a in range(3) if a != np_axis))
    present = np.flatnonzero(areas)
    index = int((present[0] + present[-1]) // 2) if method == "middle" else int(np.argmax(areas))
    img2d = np.take(arr, index, axis=np_axis)
    msk2d = np.take(msk, index, axis=np_axis)
    img2d = np.where(msk2d > 0, img2d, background).astype(np.float32)
    if crop:
        rows, cols = np.flatnonzero(msk2d.any(axis=1)), np.flatnonzero(msk2d.any(axis=0))
        r0, r1 = max(rows[0] - margin, 0), min(rows[-1] + margin + 1, msk2d.shape[0])
        c0, c1 = max(cols[0] - margin, 0), min(cols[-1] + margin + 1, msk2d.shape[1])
        img2d, msk2d = img2d[r0:r1, c0:c1], msk2d[r0:r1, c0:c1]
    in_plane = [a for a in range(3) if a != axis]
    spacing = image.GetSpacing()
    return MidSlice(img2d, msk2d.astype(np.uint8), index, (spacing[in_plane[0]], spacing[in_plane[1]]),
                    patient_id=patient or "", method=method)
