"""Imaging figures: tumour mask and peritumoral rings on the mid slice, ICC distribution.

Figures only read results (images, masks, :class:`~omics.imaging.icc.ICCResult`); nothing
is computed here beyond what is drawn.
"""

from __future__ import annotations

from typing import Mapping


import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import SimpleITK as sitk  # noqa: E402


def plot_overlay(image: sitk.Image, mask: sitk.Image, *, rings: Mapping[str, sitk.Image] | None = None,
                 slice_index: int | None = None, title: str | None = None, ax=None):
    """Axial slice of ``image`` with the tumour contour and ring contours.

    Parameters
    ----------
    image, mask
        Same grid. ``slice_index`` defaults to the tumour's mid slice.
    rings
        ``{name: ring mask}`` (e.g. from :func:`omics.imaging.masks.roi_masks`), drawn as
        contours.
    """
    arr = sitk.GetArrayViewFromImage(image)
    msk = sitk.GetArrayViewFromImage(mask) > 0
    if slice_index is None:
        present = np.flatnonzero(msk.any(axis=(1, 2)))
        slice_index = int((present[0] + present[-1]) // 2) if present.size else arr.shape[0] // 2
    if ax is None:
        fig, ax = plt.subplots(figsize=(5, 5))
    else:
        fig = ax.figure
    sx, sy = image.GetSpacing()[:2]
    extent = (0, arr.shape[2] * sx, arr.shape[1] * sy, 0)
    ax.imshow(arr[slice_index], cmap="gray", extent=extent)
    ax.contour(msk[slice_index].astype(float), levels=[0.5], colors=["red"], extent=extent, origin="upper")
    colours = plt.cm.viridis(np.linspace(0.2, 0.9, max(len(rings or {}), 1)))
    handles = [plt.Line2D([], [], color="red", label="tumour")]
    for colour, (name, ring) in zip(colours, (rings or {}).items()):
        r = sitk.GetArrayViewFromImage(ring)[slice_index] > 0
        if r.any():
            ax.contour(r.astype(float), levels=[0.5], colors=[colour], extent=extent, origin="upper")
        handles.append(plt.Line2D([], [], color=colour, label=name))
    ax.legend(handles=handles, loc="lower right", fontsize=7)
    ax.set_title(title or f"slice {slice_index}")
    ax.set_xlabel("x (mm)")
    ax.set_ylabel("y (mm)")
    return fig


def plot_icc_distribution(result, *, ax=None):
    """Histogram of feature ICCs per sequence with the retention threshold.

    Parameters
    ----------
    result
        :class:`~omics.imaging.icc.ICCResult` (or its table with ``icc`` and ``sequence``
        columns; then the threshold line is at 0.90).
    """
    table = result.table if hasattr(result, "table") else pd.DataFrame(result)
    threshold = getattr(result, "threshold", 0.90)
    if ax is None:
        fig, ax = plt.subplots(figsize=(6, 4))
    else:
        fig = ax.figure
    bins = np.linspace(min(-0.2, float(np.nanmin(table["icc"])) if table["icc"].notna().any() else 0), 1, 41)
    for seq, group in table.groupby("sequence", sort=False):
        values = group["icc"].dropna()
        kept = int((values >= threshold).sum())
        ax.hist(values, bins=bins, histtype="step", linewidth=1.5, label=f"{seq or 'other'}: {kept}/{len(group)} kept")
    ax.axvline(threshold, color="black", linestyle="--", linewidth=1)
    ax.set_xlabel(f"{getattr(result, 'icc_type', 'ICC')} per feature")
    ax.set_ylabel("features")
    ax.legend(fontsize=8, loc="upper left")
    return fig
