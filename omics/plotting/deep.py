"""Figures of the deep-radiomics stage: CAM overlays, a grid of example patients per group,
reconstructions and CV learning curves. Plotting only reads results (no statistics here)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure


def cam_overlay(image: np.ndarray, cam: np.ndarray, *, title: str = "", alpha: float = 0.45, ax=None):
    """One slice (grey) with its CAM map (jet, transparent where the map is 0)."""
    fig = None
    if ax is None:
        fig = Figure(figsize=(3, 3))
        ax = fig.add_subplot()
    ax.imshow(image, cmap="gray", vmin=0, vmax=1)
    ax.imshow(np.ma.masked_where(cam <= 0.05, cam), cmap="jet", alpha=alpha, vmin=0, vmax=1)
    ax.set_title(title, fontsize=8)
    ax.set_axis_off()
    return fig if fig is not None else ax.figure


def cam_grid(slices, cams, *, groups: pd.Series | None = None, per_group: int = 4) -> Figure:
    """The study's Fig. 4 in miniature: per group, ``per_group`` patients as slice + CAM overlay.

    Patients are taken in ID order within each group (deterministic).
    """
    if groups is None:
        groups = pd.Series("all", index=slices.patients)
    groups = groups.reindex(slices.patients).fillna("unassigned").astype(str)
    levels = sorted(groups.unique())
    fig = Figure(figsize=(2.0 * per_group, 4.0 * len(levels)), layout="constrained")
    axes = fig.subplots(2 * len(levels), per_group, squeeze=False)
    for g, level in enumerate(levels):
        ids = sorted(groups.index[groups == level])[:per_group]
        for j in range(per_group):
            top, bottom = axes[2 * g, j], axes[2 * g + 1, j]
            top.set_axis_off()
            bottom.set_axis_off()
            if j >= len(ids):
                continue
            i = slices.patients.get_loc(ids[j])
            top.imshow(slices.images[i, 0], cmap="gray", vmin=0, vmax=1)
            top.set_title(f"{level}: {ids[j]}", fontsize=8)
            cam_overlay(slices.images[i, 0], cams.maps[i], ax=bottom, title=cams.target)
    return fig


def learning_curves(histories: pd.DataFrame, *, column: str = "heldout_mse") -> Figure:
    """Held-out curves of every CV repeat (``RepeatResult.to_frame()`` rows concatenated)."""
    fig = Figure(figsize=(5, 3.5), layout="constrained")
    ax = fig.add_subplot()
    for _, h in histories.groupby("repeat"):
        ax.plot(h["epoch"], h[column], color="tab:blue", alpha=0.3, lw=1)
    ax.set_xlabel("epoch")
    ax.set_ylabel(column.replace("_", " "))
    return fig


def reconstructions(slices, recon: np.ndarray, *, n: int = 6) -> Figure:
    """Input (top) and reconstruction (bottom) of the first ``n`` patients."""
    n = min(n, len(slices.patients))
    fig = Figure(figsize=(2 * n, 4), layout="constrained")
    axes = fig.subplots(2, n, squeeze=False)
    for j in range(n):
        axes[0, j].imshow(slices.images[j, 0], cmap="gray", vmin=0, vmax=1)
        axes[0, j].set_title(str(slices.patients[j]), fontsize=8)
        axes[1, j].imshow(recon[j, 0], cmap="gray", vmin=0, vmax=1)
        axes[0, j].set_axis_off()
        axes[1, j].set_axis_off()
    return fig
