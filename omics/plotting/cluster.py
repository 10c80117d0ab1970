"""Figures of consensus clustering (they only read a :class:`~omics.cluster.ConsensusResult`).

Consensus heatmap with dendrogram and cluster bar, CDF curves per K, delta area, PAC per K and
item-consensus bars, in the style of ConsensusClusterPlus (Wilkerson & Hayes 2010).
"""

from __future__ import annotations

from pathlib import Path


import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.colors import LinearSegmentedColormap, ListedColormap  # noqa: E402
from scipy.cluster.hierarchy import dendrogram  # noqa: E402

from omics.data.io import atomic_path  # noqa: E402

#: CCP's cluster palette (first colours of ``thisPal``).
CLUSTER_COLOURS = ["#A6CEE3", "#1F78B4", "#B2DF8A", "#33A02C", "#FB9A99", "#E31A1C", "#FDBF6F",
                   "#FF7F00", "#CAB2D6", "#6A3D9A", "#FFFF99", "#B15928"]
CONSENSUS_CMAP = LinearSegmentedColormap.from_list("consensus", ["#FFFFFF", "#0000FF"])


def _colour(i: int) -> str:
    return CLUSTER_COLOURS[i % len(CLUSTER_COLOURS)]


def _tree_order(result, k: int) -> np.ndarray:
    """Positions (in ``result.patients``) of the final tree's leaves, left to right."""
    leaves = dendrogram(result.trees[k], no_plot=True)["leaves"]
    return result.patients.get_indexer(result.tree_patients[leaves])


def consensus_heatmap(result, k: int) -> plt.Figure:
    """Consensus matrix at ``k`` ordered by the final tree, with dendrogram and cluster bar."""
    fig = plt.figure(figsize=(6.4, 7.0))
    grid = fig.add_gridspec(3, 2, height_ratios=[1.2, 0.25, 6], width_ratios=[20, 1], hspace=0.02, wspace=0.05)
    ax_tree, ax_bar = fig.add_subplot(grid[0, 0]), fig.add_subplot(grid[1, 0])
    ax_heat, ax_cbar = fig.add_subplot(grid[2, 0]), fig.add_subplot(grid[2, 1])
    dendrogram(result.trees[k], ax=ax_tree, no_labels=True, color_threshold=0,
               above_threshold_color="#444444")
    ax_tree.set_axis_off()
    order = _tree_order(result, k)
    labels = result.labels_for(k).to_numpy()[order]
    names = sorted(set(labels))
    codes = np.array([names.index(x) for x in labels])
    ax_bar.imshow(codes[None, :], aspect="auto", interpolation="nearest",
                  cmap=ListedColormap([_colour(i) for i in range(len(names))]), vmin=-0.5,
                  vmax=len(names) - 0.5)
    ax_bar.set_xticks([])
    ax_bar.set_yticks([])
    image = ax_heat.imshow(result.consensus[k][np.ix_(order, order)], cmap=CONSENSUS_CMAP, vmin=0, vmax=1,
                           aspect="auto", interpolation="nearest")
    ax_heat.set_xticks([])
    ax_heat.set_yticks([])
    ax_heat.set_xlabel(f"{len(order)} patients (final-tree order)")
    fig.colorbar(image, cax=ax_cbar, label="consensus")
    handles = [plt.Rectangle((0, 0), 1, 1, color=_colour(i)) for i in range(len(names))]
    ax_tree.legend(handles, [f"{n} ({int((labels == n).sum())})" for n in names], loc="upper right",
                   fontsize=7, frameon=False, ncol=min(len(names), 4))
    ax_tree.set_title(f"consensus matrix, K = {k}")
    return fig


def draw_cdf(cdf, *, ax) -> None:
    """Draw CCP's consensus CDF curves on ``ax`` from a K × bin-upper-edge table
    (``ConsensusResult.cdf``, or ``uns[key]["cdf"]`` written by :func:`omics.tl.consensus_cluster`)."""
    import matplotlib

    ks = list(cdf.index)
    cmap = matplotlib.colormaps["viridis"].resampled(len(ks))
    for i, k in enumerate(ks):
        ax.step(cdf.columns.astype(float), cdf.loc[k].to_numpy(), where="post",
                color=cmap(i), lw=1.6, label=f"K = {k}")
    ax.set(xlim=(0, 1), ylim=(0, 1.02), xlabel="consensus index", ylabel="CDF", title="consensus CDF")
    ax.legend(fontsize=8, frameon=False, loc="lower right")


def draw_consensus_matrix(matrix: np.ndarray, labels: np.ndarray, *, ax, title: str = "") -> None:
    """Draw a consensus matrix already in display order on ``ax``, with a cluster colour bar
    above it (an inset) and a colour scale; ``labels`` are the clusters in the same order."""
    names = sorted(set(labels), key=str)
    codes = np.array([names.index(x) for x in labels])
    image = ax.imshow(matrix, cmap=CONSENSUS_CMAP, vmin=0, vmax=1, aspect="auto", interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel(f"{len(labels)} patients")
    bar = ax.inset_axes((0.0, 1.01, 1.0, 0.04))
    bar.imshow(codes[None, :], aspect="auto", interpolation="nearest",
               cmap=ListedColormap([_colour(i) for i in range(len(names))]), vmin=-0.5, vmax=len(names) - 0.5)
    bar.set_axis_off()
    ax.figure.colorbar(image, ax=ax, label="consensus", fraction=0.046, pad=0.02)
    handles = [plt.Rectangle((0, 0), 1, 1, color=_colour(i)) for i in range(len(names))]
    ax.legend(handles, [f"{n} ({int((labels == n).sum())})" for n in names], loc="upper center",
              bbox_to_anchor=(0.5, -0.06), fontsize=7, frameon=False, ncol=min(len(names), 6))
    if title:
        ax.set_title(title, pad=14)


def cdf_plot(result) -> plt.Figure:
    """Consensus CDF per K (CCP: cumulative share of lower-triangle values per 0.01 bin)."""
    fig, ax = plt.subplots(figsize=(5.5, 4.2))
    draw_cdf(result.cdf, ax=ax)
    return fig


def delta_area_plot(result) -> plt.Figure:
    """CCP's relative change in area under the CDF, per K."""
    fig, ax = plt.subplots(figsize=(5.0, 3.8))
    ax.plot(result.summary.index, result.summary["delta_area"], "o-", color="#1F78B4")
    ax.set(xlabel="K", ylabel="relative change in area under CDF", title="delta area")
    ax.set_xticks(list(result.summary.index))
    return fig


def pac_plot(result) -> plt.Figure:
    """Proportion of ambiguous clustering per K (lower is more stable); the suggested K marked."""
    fig, ax = plt.subplots(figsize=(5.0, 3.8))
    summary = result.summary
    ax.plot(summary.index, summary["pac"], "o-", color="#E31A1C")
    ax.plot([result.suggested_k], [summary.loc[result.suggested_k, "pac"]], "o", ms=12, mfc="none",
            mec="black", label=f"suggested K = {result.suggested_k}")
    window = result.params.get("pac_window", [0.1, 0.9])
    ax.set(xlabel="K", ylabel=f"PAC ({window[0]}–{window[1]})", title="proportion of ambiguous clustering")
    ax.set_xticks(list(summary.index))
    ax.legend(frameon=False, fontsize=8)
    return fig


def item_consensus_plot(result, k: int) -> plt.Figure:
    """Stacked item-consensus bars per patient (final-tree order); the colour strip marks the
    patient's own cluster."""
    order = _tree_order(result, k)
    matrix = result.item_consensus_matrix(k).to_numpy()[order]
    own = result.labels_for(k).to_numpy()[order]
    names = list(result.item_consensus_matrix(k).columns)
    fig, (ax, ax_own) = plt.subplots(2, 1, figsize=(max(6.0, len(order) * 0.04), 3.8),
                                     gridspec_kw={"height_ratios": [12, 1]}, sharex=True)
    bottom = np.zeros(len(order))
    x = np.arange(len(order))
    for i, name in enumerate(names):
        heights = np.nan_to_num(matrix[:, i])
        ax.bar(x, heights, bottom=bottom, width=1.0, color=_colour(i), label=name, linewidth=0)
        bottom += heights
    ax.set(ylabel="item consensus", title=f"item consensus, K = {k}", xlim=(-0.5, len(order) - 0.5))
    ax.legend(fontsize=7, frameon=False, ncol=len(names), loc="upper right")
    ax_own.imshow(np.array([[names.index(c) for c in own]]), aspect="auto", interpolation="nearest",
                  cmap=ListedColormap([_colour(i) for i in range(len(names))]), vmin=-0.5,
                  vmax=len(names) - 0.5, extent=(-0.5, len(order) - 0.5, 0, 1))
    ax_own.set_yticks([])
    ax_own.set_xticks([])
    return fig


def save_consensus_figures(result, out_dir: str | Path, *, prefix: str = "", ks=None, dpi: int = 120
                           ) -> list[Path]:
    """Write every consensus figure as PNG into ``out_dir`` (atomically); return the paths.

    Files: ``{prefix}consensus_k{K}.png`` and ``{prefix}item_consensus_k{K}.png`` for each K in
    ``ks`` (default all), ``{prefix}cdf.png``, ``{prefix}delta_area.png``, ``{prefix}pac.png``.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    ks = result.ks if ks is None else ks
    figures = {f"{prefix}cdf.png": cdf_plot(result), f"{prefix}delta_area.png": delta_area_plot(result),
               f"{prefix}pac.png": pac_plot(result)}
    paths = []
    for name, fig in figures.items():
        paths.append(_save(fig, out_dir / name, dpi))
    for k in ks:
        paths.append(_save(consensus_heatmap(result, k), out_dir / f"{prefix}consensus_k{k}.png", dpi))
        paths.append(_save(item_consensus_plot(result, k), out_dir / f"{prefix}item_consensus_k{k}.png", dpi))
    return paths


def _save(fig: plt.Figure, path: Path, dpi: int) -> Path:
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=dpi, bbox_inches="tight", format="png")
    plt.close(fig)
    return path
