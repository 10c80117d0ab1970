"""Small synthetic MRI phantoms with known ground truth, for tests, examples and
benchmarks: spherical tumours whose texture differs between two groups, three sequences,
repeat segmentations and an optional planted bias field, written as NIfTI with a manifest.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import SimpleITK as sitk
from scipy import ndimage

from omics.data.io import write_table
from omics.imaging.io import write_image

#: Mean tumour / background intensity of each sequence.
SEQUENCE_CONTRAST = {"T1": (300.0, 200.0), "T2": (700.0, 250.0), "CET1": (900.0, 220.0)}


def _physical_grid(shape_zyx, spacing_xyz):
    z, y, x = np.indices(shape_zyx, dtype=float)
    centre = [(n - 1) / 2.0 for n in shape_zyx]
    return ((x - centre[2]) * spacing_xyz[0], (y - centre[1]) * spacing_xyz[1], (z - centre[0]) * spacing_xyz[2])


def bias_field(shape_zyx, spacing_xyz, *, strength: float = 0.4, seed: int = 0) -> np.ndarray:
    """A smooth multiplicative bias field ``exp(strength · g)``, ``g`` a random linear +
    quadratic trend scaled to [−1, 1] over the volume."""
    rng = np.random.default_rng(seed)
    x, y, z = _physical_grid(shape_zyx, spacing_xyz)
    coef = rng.normal(size=5)
    g = coef[0] * x + coef[1] * y + coef[2] * z + coef[3] * x * y / 40.0 + coef[4] * (x ** 2) / 40.0
    g = 2.0 * (g - g.min()) / (g.max() - g.min()) - 1.0
    return np.exp(strength * g)


def sphere_mask(shape_zyx, spacing_xyz, radius_mm: float, *, centre_mm=(0.0, 0.0, 0.0)) -> np.ndarray:
    """Voxels whose centre lies within ``radius_mm`` of ``centre_mm`` (x, y, z from the
    volume centre)."""
    x, y, z = _physical_grid(shape_zyx, spacing_xyz)
    r2 = (x - centre_mm[0]) ** 2 + (y - centre_mm[1]) ** 2 + (z - centre_mm[2]) ** 2
    return (r2 <= radius_mm ** 2).astype(np.uint8)


def to_image(array: np.ndarray, spacing_xyz, *, dtype=np.float32) -> sitk.Image:
    """NumPy (z, y, x) array → SimpleITK image with the given spacing."""
    img = sitk.GetImageFromArray(np.asarray(array, dtype=dtype))
    img.SetSpacing(tuple(float(s) for s in spacing_xyz))
    return img


def phantom_patient(group: int, seed: int, *, shape_zyx=(12, 48, 48), spacing_xyz=(1.0, 1.0, 3.5),
                    radius_mm: float = 11.0, bias_strength: float = 0.0):
    """One phantom patient: ``({sequence: image}, mask, repeat_mask)``.

    Group 0 tumours have fine-grained texture (white noise), group 1 coarse texture
    (noise smoothed with a 1.5-voxel Gaussian, rescaled to the same SD), so first-order
    statistics hardly differ while texture features do. The repeat mask has a radius
    perturbed by up to ±5 %.
    """
    rng = np.random.default_rng(seed)
    centre = rng.uniform(-3, 3, size=3) * np.array([1.0, 1.0, 0.3])
    radius = radius_mm * rng.uniform(0.85, 1.15)
    mask = sphere_mask(shape_zyx, spacing_xyz, radius, centre_mm=centre)
    repeat = sphere_mask(shape_zyx, spacing_xyz, radius * rng.uniform(0.95, 1.05), centre_mm=centre)
    x, y, z = _physical_grid(shape_zyx, spacing_xyz)
    body = ((x / 22.0) ** 2 + (y / 22.0) ** 2 + (z / 40.0) ** 2) <= 1.0
    field = bias_field(shape_zyx, spacing_xyz, strength=bias_strength, seed=seed + 1) if bias_strength > 0 else 1.0
    images = {}
    for k, (seq, (tumour_mean, tissue_mean)) in enumerate(SEQUENCE_CONTRAST.items()):
        noise = rng.normal(size=shape_zyx)
        if group == 1:
            noise = ndimage.gaussian_filter(noise, sigma=(0.5, 1.5, 1.5))
            noise /= noise.std()
        tissue = tissue_mean + 15.0 * rng.normal(size=shape_zyx)
        arr = np.where(mask > 0, tumour_mean + 60.0 * noise, np.where(body, tissue, 5.0 + rng.normal(size=shape_zyx)))
        images[seq] = to_image(np.clip(arr * field, 0, None), spacing_xyz)
    return images, to_image(mask, spacing_xyz, dtype=np.uint8), to_image(repeat, spacing_xyz, dtype=np.uint8)


def make_phantom_cohort(out: str | os.PathLike, *, n_per_group: int = 6, n_repeat: int | None = None,
                        seed: int = 0, bias_strength: float = 0.0, **kwargs) -> pd.DataFrame:
    """Write a two-group phantom cohort (NIfTI + ``manifest.csv``) and return the manifest.

    Parameters
    ----------
    out
        Folder; gets ``images/<patient>/<sequence>.nii.gz``, ``mask.nii.gz``,
        ``mask_repeat.nii.gz``, ``manifest.csv`` and ``truth.csv`` (patient, group).
    n_per_group
        Patients per texture group (patients alternate between groups).
    n_repeat
        Patients with a repeat mask (the first ones); default all.
    seed
        Seed of everything random.
    bias_strength
        Strength of a planted multiplicative bias field (0 = none).
    kwargs
        Passed to :func:`phantom_patient` (shape, spacing, radius).
    """
    out = Path(out)
    seeds = np.random.SeedSequence(seed).generate_state(2 * n_per_group)
    n_repeat = 2 * n_per_group if n_repeat is None else n_repeat
    rows, truth = [], []
    for i in range(2 * n_per_group):
        pid, group = f"PH{i + 1:03d}", i % 2
        images, mask, repeat = phantom_patient(group, int(seeds[i]), bias_strength=bias_strength, **kwargs)
        folder = out / "images" / pid
        write_image(mask, folder / "mask.nii.gz")
        if i < n_repeat:
            write_image(repeat, folder / "mask_repeat.nii.gz")
        for seq, img in images.items():
            write_image(img, folder / f"{seq}.nii.gz")
            rows.append({"patient_id": pid, "sequence": seq, "image": f"images/{pid}/{seq}.nii.gz",
                         "mask": f"images/{pid}/mask.nii.gz",
                         "repeat_mask": f"images/{pid}/mask_repeat.nii.gz" if i < n_repeat else ""})
        truth.append({"patient_id": pid, "group": group})
    manifest = pd.DataFrame(rows)
    write_table(manifest, out / "manifest.csv", index=False)
    write_table(pd.DataFrame(truth), out / "truth.csv", index=False)
    return manifest
