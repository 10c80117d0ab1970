"""Figures of batch harmonisation: PCA coloured by batch and per-feature batch effects,
before and after ComBat. Only draws: the numbers come from
:func:`omics.harmonize.diagnostics.harmonization_diagnostics` (a tested API)."""

from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure


def plot_diagnostics(diag, *, train: pd.Series | None = None, title: str = "ComBat harmonisation"):
    """Four panels: PCA before/after (coloured by batch; hollow markers = not used for
    fitting), per-feature batch R² before vs after, and batch means of the 40 features
    with the largest batch effect before correction.

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig = Figure(figsize=(11, 9))
    axes = fig.subplots(2, 2)
    batches = list(pd.unique(diag.batch))
    tab10 = matplotlib.colormaps["tab10"]
    colours = tab10(np.linspace(0, 1, max(len(batches), 2)))[: len(batches)] \
        if len(batches) > 10 else tab10.colors[: len(batches)]
    fitted = pd.Series(True, index=diag.batch.index) if train is None else train.reindex(diag.batch.index).fillna(False)
    for ax, scores, ev, label in ((axes[0, 0], diag.pca_before, diag.explained_before, "before"),
                                  (axes[0, 1], diag.pca_after, diag.explained_after, "after")):
        for colour, level in zip(colours, batches):
            rows = (diag.batch == level).to_numpy()
            fit_rows = rows & fitted.to_numpy()
            new_rows = rows & ~fitted.to_numpy()
            ax.scatter(scores.iloc[fit_rows, 0], scores.iloc[fit_rows, 1], s=18, color=colour, label=str(level))
            if new_rows.any():
                ax.scatter(scores.iloc[new_rows, 0], scores.iloc[new_rows, 1], s=22,
                           facecolors="none", edgecolors=colour)
        ax.set_xlabel(f"PC1 ({100 * ev[0]:.1f} %)")
        ax.set_ylabel(f"PC2 ({100 * ev[1]:.1f} %)" if len(ev) > 1 else "PC2")
        ax.set_title(f"PCA {label} correction")
    axes[0, 0].legend(title="batch", fontsize=8, loc="best")
    r2 = diag.batch_r2
    ax = axes[1, 0]
    ax.scatter(r2["before"], r2["after"], s=8, alpha=0.6, color="0.3")
    lim = max(r2.max().max(), 0.05)
    ax.plot([0, lim], [0, lim], color="red", lw=1, ls="--")
    ax.set_xlabel("variance explained by batch, before")
    ax.set_ylabel("variance explained by batch, after")
    medians = diag.summary["median_batch_r2"]
    ax.set_title(f"per-feature batch R² (median {medians['before']:.2f} → {medians['after']:.2f})")
    ax = axes[1, 1]
    top = diag.top_features(n=40)
    x = np.arange(len(top))
    for colour, level in zip(colours, batches):
        ax.plot(x, diag.batch_means_before.loc[level, top], color=colour, lw=1, alpha=0.5, ls=":")
        ax.plot(x, diag.batch_means_after.loc[level, top], color=colour, lw=1.5, label=str(level))
    ax.set_xlabel("features with the largest batch effect (ranked)")
    ax.set_ylabel("batch mean (standardised)")
    ax.set_title("batch means: dotted before, solid after")
    fig.suptitle(title)
    fig.tight_layout()
    return fig
