"""Input slices of the deep models: the tumour's mid slice, background removed, cropped,
resampled to a fixed square size and scaled to [0, 1] inside the tumour.

The reference study fed its autoencoders "the slice at the tumor's midpoint" of the fat-
saturated CE-T1 image with "the background surrounding the tumor" removed (Crombé, Lucchesi
et al. 2024). :func:`extract_slices` does that for every patient of a manifest with
:func:`omics.imaging.mid_slice` (the same mid-slice definition as the imaging stage) and then:

* crops a square field around the tumour — by default the tumour's bounding box plus a
  ``margin`` (shape and texture fill the input), or a fixed physical field ``field_mm``
  (tumour *size* stays visible to the network);
* resamples it to ``size`` × ``size`` pixels with the pixel spacing (anisotropic in-plane
  spacing is respected; bilinear for images, nearest neighbour for masks);
* scales intensities to [0, 1] between the 0.5th and 99.5th percentiles of the tumour's
  voxels (robust to a few hot voxels; outside the mask is 0).

Beyond the study (its stated limitation of one 2-D sequence): several ``sequences`` become
channels, and ``context=k`` adds the k slices on each side of the mid slice as channels
(2.5-D input). Channels are ordered sequence-major: ``CET1[-k] … CET1[+k], T2[-k] …``.

Only numpy / SimpleITK here: building the slice cache needs no torch.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

from omics._result import Result
from omics.data.io import atomic_path, read_table, write_table
from omics.data.validate import InputError

#: Percentiles of the tumour's intensities mapped to 0 and 1.
SCALE_PERCENTILES = (0.5, 99.5)


@dataclass(repr=False)
class SliceSet(Result):
    """Mid-tumour slices of a cohort, ready for the networks.

    Attributes
    ----------
    images : ndarray
        ``(n, channels, size, size)`` float32 in [0, 1]; 0 outside the tumour.
    masks : ndarray
        ``(n, size, size)`` uint8 tumour mask of the mid slice.
    patients : pandas.Index
        Patient IDs (strings), row order of ``images``.
    meta : DataFrame
        Per patient: slice index, tumour pixels, field of view (mm), intensity range.
    channels : list of str
        Channel names, e.g. ``CET1`` or ``CET1[-1]``, ``CET1[+0]``, ``CET1[+1]``.
    params : dict
        The extraction settings.
    """

    images: np.ndarray
    masks: np.ndarray
    patients: pd.Index
    meta: pd.DataFrame
    channels: list[str]
    params: dict = field(default_factory=dict)

    @property
    def size(self) -> int:
        return int(self.images.shape[-1])

    def subset(self, patients: Sequence[str]) -> "SliceSet":
        """The slices of ``patients`` (in that order); unknown IDs raise InputError."""
        patients = pd.Index([str(p) for p in patients])
        missing = patients.difference(self.patients)
        if len(missing):
            raise InputError(f"slices: no slice for patient(s) {', '.join(missing[:5])}; "
                             "re-run `omics deep slices` with them in the manifest")
        pos = self.patients.get_indexer(patients)
        return SliceSet(self.images[pos], self.masks[pos], patients, self.meta.iloc[pos],
                        list(self.channels), dict(self.params))

    def to_frame(self) -> pd.DataFrame:
        return self.meta.copy()

    @property
    def summary(self) -> pd.DataFrame:
        return pd.DataFrame({"patients": [len(self.patients)], "channels": [len(self.channels)],
                             "size": [self.size],
                             "median_tumour_pixels": [float(self.meta["tumour_pixels"].median())]})

    def to_anndata(self):
        """AnnData of the slice metadata (``.obs``) with the flattened pixels as ``X``."""
        import anndata

        adata = anndata.AnnData(X=self.images.reshape(len(self.patients), -1),
                                obs=self.meta.set_axis(self.patients.astype(str)))
        adata.uns["deep_slices"] = {"channels": list(self.channels), "size": self.size,
                                    "params": {k: str(v) for k, v in self.params.items()}}
        return adata

    def write(self, out_dir: str | os.PathLike) -> dict:
        """Write ``slices.npz`` (images, masks, patients, channels) and ``slices.csv`` (meta)."""
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        with atomic_path(out / "slices.npz") as tmp:
            with open(tmp, "wb") as fh:
                np.savez_compressed(fh, images=self.images, masks=self.masks,
                                    patients=np.array(self.patients, dtype=str),
                                    channels=np.array(self.channels, dtype=str),
                                    params=np.array(repr(self.params)))
        return {"slices": out / "slices.npz",
                "meta": write_table(self.meta.rename_axis("patient_id"), out / "slices.csv")}

    def _short(self) -> str:
        return (f"{len(self.patients)} patients, {len(self.channels)} channel(s) "
                f"{self.channels[:3]}{'…' if len(self.channels) > 3 else ''}, {self.size}×{self.size}")


def read_slices(path: str | os.PathLike) -> SliceSet:
    """Read a slice cache written by :meth:`SliceSet.write` (a folder or its ``slices.npz``)."""
    path = Path(path)
    folder = path if path.is_dir() else path.parent
    npz = folder / "slices.npz"
    if not npz.exists():
        raise InputError(f"{npz}: no slice cache; build it with `omics deep slices`")
    with np.load(npz, allow_pickle=False) as data:
        images, masks = data["images"], data["masks"]
        patients = pd.Index([str(p) for p in data["patients"]], name="patient_id")
        channels = [str(c) for c in data["channels"]]
    meta = read_table(folder / "slices.csv", index_col=0, dtype={"patient_id": str})
    meta.index = meta.index.astype(str)
    return SliceSet(images, masks, patients, meta.loc[patients], channels, {"source": str(npz)})


def _square_field(mid_mask: np.ndarray, field_mask: np.ndarray, spacing: tuple[float, float], margin: float,
                  field_mm: float | None) -> tuple[np.ndarray, float]:
    """Centre (row, col in pixels; the mid slice's tumour box centre) and side (mm) of the
    square field: it holds ``field_mask`` (the tumour on every stacked plane) plus the margin."""
    rows, cols = np.flatnonzero(mid_mask.any(axis=1)), np.flatnonzero(mid_mask.any(axis=0))
    centre = np.array([(rows[0] + rows[-1]) / 2, (cols[0] + cols[-1]) / 2])
    if field_mm:
        return centre, float(field_mm)
    sx, sy = spacing
    rows, cols = np.flatnonzero(field_mask.any(axis=1)), np.flatnonzero(field_mask.any(axis=0))
    half = max((max(centre[0] - rows[0], rows[-1] - centre[0]) + 0.5) * sy,
               (max(centre[1] - cols[0], cols[-1] - centre[1]) + 0.5) * sx)
    return centre, 2 * half * (1 + 2 * margin)


def _resample_square(plane: np.ndarray, centre: np.ndarray, side_mm: float, spacing: tuple[float, float],
                     size: int, order: int) -> np.ndarray:
    """Sample ``plane`` on a size × size grid covering ``side_mm`` around ``centre`` (zeros outside)."""
    from scipy import ndimage

    sx, sy = spacing
    offsets = (np.arange(size) - (size - 1) / 2) * side_mm / size
    rr = centre[0] + offsets[:, None] / sy
    cc = centre[1] + offsets[None, :] / sx
    coords = np.stack(np.broadcast_arrays(rr, cc))
    return ndimage.map_coordinates(plane.astype(np.float32), coords, order=order, mode="constant", cval=0.0)


def _scale_unit(values: np.ndarray, mask: np.ndarray, patient: str) -> tuple[np.ndarray, float, float]:
    inside = values[mask > 0]
    lo, hi = np.percentile(inside, SCALE_PERCENTILES)
    if not hi > lo:
        raise InputError(f"patient {patient}: the tumour's intensities are constant on the mid slice; "
                         "check the image and mask")
    scaled = np.clip((values - lo) / (hi - lo), 0.0, 1.0)
    return np.where(mask > 0, scaled, 0.0).astype(np.float32), float(lo), float(hi)


def patient_slice(images: dict, mask, *, sequences: Sequence[str] = ("CET1",), size: int = 128,
                  context: int = 0, margin: float = 0.1, field_mm: float | None = None,
                  method: str = "middle", patient: str = "") -> tuple[np.ndarray, np.ndarray, dict]:
    """One patient's input slice: ``(channels, size, size)`` image, ``(size, size)`` mask, meta.

    ``images`` maps sequence → path or SimpleITK image; ``mask`` is the tumour mask (shared
    by the sequences, on the grid of each). See the module docstring for the steps.
    """
    import SimpleITK as sitk

    from omics.imaging import mid_slice, read_image

    def as_image(obj):
        return obj if isinstance(obj, sitk.Image) else read_image(obj)

    missing = [s for s in sequences if s not in images]
    if missing:
        raise InputError(f"patient {patient}: no {', '.join(missing)} image in the manifest "
                         f"(has {', '.join(images)})")
    mask_img = as_image(mask)
    first = as_image(images[sequences[0]])
    mid = mid_slice(first, mask_img, method=method, patient=patient)
    mask3d = sitk.GetArrayFromImage(mask_img) > 0
    planes = [int(np.clip(mid.index + j, 0, mask3d.shape[0] - 1)) for j in range(-context, context + 1)]
    field_mask = mask3d[planes].any(axis=0)          # union over the stack: crop holds every channel's tumour
    centre, side = _square_field(mid.mask, field_mask, mid.spacing, margin, field_mm)
    mask_out = _resample_square(mid.mask, centre, side, mid.spacing, size, order=0) > 0.5
    if not mask_out.any():
        raise InputError(f"patient {patient}: the tumour vanished when resampling the mid slice to "
                         f"{size}×{size}; use a larger size or a smaller field_mm")
    channels, ranges = [], []
    for seq in sequences:
        image = first if seq == sequences[0] else as_image(images[seq])
        volume = sitk.GetArrayFromImage(sitk.Cast(image, sitk.sitkFloat32))
        if volume.shape != mask3d.shape:
            raise InputError(f"patient {patient}: {seq} image ({volume.shape}) and mask ({mask3d.shape}) "
                             "differ in size; resample them onto one grid (omics preprocess)")
        for z in planes:
            own = mask3d[z]
            plane = np.where(own, volume[z], 0.0)
            resampled = _resample_square(plane, centre, side, mid.spacing, size, order=1)
            own_out = _resample_square(own.astype(np.float32), centre, side, mid.spacing, size, order=0) > 0.5
            if not own_out.any():
                channels.append(np.zeros((size, size), np.float32))
                continue
            scaled, lo, hi = _scale_unit(resampled, own_out, patient)
            channels.append(scaled)
            ranges.append((lo, hi))
    meta = {"slice_index": mid.index, "tumour_pixels": int(mid.mask.sum()),
            "tumour_pixels_resampled": int(mask_out.sum()), "field_mm": round(side, 3),
            "intensity_low": ranges[context][0] if len(ranges) > context else np.nan,
            "intensity_high": ranges[context][1] if len(ranges) > context else np.nan}
    return np.stack(channels), mask_out.astype(np.uint8), meta


def channel_names(sequences: Sequence[str], context: int) -> list[str]:
    if context == 0:
        return list(sequences)
    return [f"{s}[{j:+d}]" for s in sequences for j in range(-context, context + 1)]


def extract_slices(patients, *, sequences: Sequence[str] = ("CET1",), size: int = 128, context: int = 0,
                   margin: float = 0.1, field_mm: float | None = None, method: str = "middle",
                   progress: bool = False) -> SliceSet:
    """Input slices of every patient of a manifest (see the module docstring).

    Parameters
    ----------
    patients
        A manifest path or a list of :class:`omics.imaging.PatientImages` (preprocessed or not;
        the mask must lie on the images' grid, as after ``omics preprocess``).
    sequences
        Sequences used as channels; the first defines the mid slice (default the study's CE-T1).
    size
        Output side in pixels (study-like default 128; the demo uses 64).
    context
        2-D (0) or 2.5-D input: the ``context`` slices on each side of the mid slice as extra
        channels (clamped at the volume's ends).
    margin
        Field = tumour bounding box enlarged by this fraction on each side (ignored with ``field_mm``).
    field_mm
        Fixed square field of view in mm centred on the tumour (keeps tumour size visible).
    method
        ``middle`` (the study) or ``largest`` slice, as :func:`omics.imaging.mid_slice`.

    Returns
    -------
    SliceSet

    References
    ----------
    Crombé A, Lucchesi C et al. Integrating pre-treatment radiomics, deep radiomics and
    transcriptomics for soft-tissue sarcoma prognosis. NPJ Precis Oncol 2024;8.
    doi:10.1038/s41698-024-00616-8
    """
    from omics.imaging import read_patient_images

    if size < 8:
        raise InputError(f"slice size must be at least 8 pixels, got {size}")
    if context < 0:
        raise InputError(f"context must be >= 0, got {context}")
    if not sequences:
        raise InputError("give at least one sequence")
    if isinstance(patients, (str, os.PathLike)):
        patients = read_patient_images(patients)
    if not patients:
        raise InputError("the manifest lists no patient")
    from tqdm.auto import tqdm

    images, masks, rows = [], [], []
    for p in tqdm(patients, desc="slices", disable=not progress):
        img, msk, meta = patient_slice(p.images, p.mask, sequences=sequences, size=size, context=context,
                                       margin=margin, field_mm=field_mm, method=method, patient=p.patient_id)
        images.append(img)
        masks.append(msk)
        rows.append(meta)
    ids = pd.Index([str(p.patient_id) for p in patients], name="patient_id")
    params = {"sequences": list(sequences), "size": size, "context": context, "margin": margin,
              "field_mm": field_mm, "method": method, "scale_percentiles": list(SCALE_PERCENTILES)}
    return SliceSet(np.stack(images).astype(np.float32), np.stack(masks), ids,
                    pd.DataFrame(rows, index=ids), channel_names(sequences, context), params)
