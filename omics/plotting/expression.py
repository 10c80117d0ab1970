"""Figures of the expression stage (Fig. 3 analogues): volcano, enrichment bars, PAM heatmap.

Functions only read result objects (:class:`~omics.expression.dge.DGEResult`,
:class:`~omics.expression.enrich.EnrichmentResult`, PAM signature tables) and return a
matplotlib Figure; ``out=`` saves it atomically. Figures are plain
:class:`matplotlib.figure.Figure` objects (no pyplot state, no backend chosen on import).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from omics.data.io import atomic_path

UP, DOWN, NS = "#d62728", "#1f77b4", "#b0b0b0"


def _save(fig, out):
    if out is not None:
        with atomic_path(out) as tmp:
            fig.savefig(tmp, dpi=150, bbox_inches="tight")
    return fig


def volcano(result, *, n_labels: int = 10, out=None, title: str | None = None, ax=None):
    """Volcano plot: log2FC against −log10 p; up red, down blue, top genes labelled.

    The dashed lines mark ±log2(fold-change threshold); labelled are the ``n_labels``
    significant genes of smallest p-value. Draws on ``ax`` when given.
    """
    return volcano_table(result.table, fc_threshold=result.fc_threshold, level=result.groups.level,
                         reference=result.groups.reference, method=result.method,
                         n_labels=n_labels, out=out, title=title, ax=ax)


def volcano_table(table: pd.DataFrame, *, fc_threshold: float, level: str, reference: str,
                  method: str, n_labels: int = 10, out=None, title: str | None = None, ax=None):
    """:func:`volcano` from a stored DGE table (index or ``gene`` column = gene), e.g. the
    ``uns["dge"]["table"]`` that :func:`omics.tl.dge` writes."""
    table = table.set_index("gene") if "gene" in table.columns else table
    if ax is None:
        fig = Figure(figsize=(6, 5))
        ax = fig.subplots()
    else:
        fig = ax.figure
    y = -np.log10(table["p_value"].astype(float).clip(lower=1e-300))
    colours = table["direction"].map({"up": UP, "down": DOWN}).fillna(NS)
    ax.scatter(table["log2fc"], y, c=colours, s=6, linewidths=0, alpha=0.8, rasterized=True)
    lfc = np.log2(fc_threshold)
    for x in (-lfc, lfc):
        ax.axvline(x, ls="--", lw=0.8, c="k")
    significant = table["significant"].astype(bool)
    sig = table[significant].sort_values("p_value", kind="stable").head(n_labels)
    for gene, row in sig.iterrows():
        ax.annotate(str(gene), (row["log2fc"], -np.log10(max(row["p_value"], 1e-300))),
                    fontsize=7, xytext=(3, 3), textcoords="offset points")
    n_up = int((table["direction"] == "up").sum())
    n_down = int((table["direction"] == "down").sum())
    ax.set_xlabel(f"log2 fold change ({level} vs {reference})")
    ax.set_ylabel("−log10 p")
    ax.set_title(title or f"{method}: {n_up} up (red), {n_down} down (blue)")
    return _save(fig, out)


def enrichment_bars(result, *, top: int = 20, alpha: float = 0.05, out=None, title: str | None = None):
    """Bar chart of the top gene sets (smallest adjusted p), red activated, blue inhibited.

    GSEA: the bar is the NES (FDRs at the permutation bound tie, so NES ranks the
    strongest sets); over-representation: −log10 adjusted p. Sets with an adjusted p at
    or above ``alpha`` are drawn pale. The label right of each bar is the proportion of
    the set's genes activated (log2FC > 0) in the group of interest, with the numbers of
    significant up/down genes.
    """
    gsea = result.method == "gsea"
    column = "fdr" if gsea else "p_adj"
    table = result.table.copy()
    table["_strength"] = table["nes"].abs() if gsea else -table["p_value"]
    table = table.sort_values([column, "_strength"], ascending=[True, False], kind="stable").head(top)
    table = table.iloc[::-1]
    if gsea:
        values = table["nes"].to_numpy(dtype=float)
    else:
        values = -np.log10(table[column].clip(lower=1e-300).to_numpy(dtype=float))
    fig = Figure(figsize=(7.5, 0.3 * len(table) + 1.2))
    ax = fig.subplots()
    colours = np.where(table["direction"] == "activated", UP, DOWN)
    faded = (table[column] >= alpha).to_numpy()
    bars = ax.barh(np.arange(len(table)), values, color=colours)
    for bar, pale in zip(bars, faded):
        bar.set_alpha(0.35 if pale else 1.0)
    ax.set_yticks(np.arange(len(table)), table["gene_set"], fontsize=7)
    span = max(np.abs(values).max(), 1.0) if len(values) else 1.0
    for i, (_, row) in enumerate(table.iterrows()):
        x = max(values[i], 0)
        ax.text(x + 0.02 * span, i, f"{row['prop_positive']:.0%} ({row['n_up']}↑ {row['n_down']}↓)",
                va="center", fontsize=7)
    if gsea:
        ax.axvline(0, c="k", lw=0.8)
        ax.set_xlim(min(values.min(), 0) * 1.1 - 0.1, max(values.max(), 0) + 0.45 * span)
        ax.set_xlabel("normalised enrichment score (NES)")
    else:
        ax.set_xlim(0, span * 1.4)
        ax.set_xlabel("−log10 adjusted p")
    ax.set_title(title or f"{'GSEA' if gsea else 'Over-representation'}: top gene sets "
                          f"(red activated, blue inhibited; pale: {column} ≥ {alpha:g})", fontsize=9)
    return _save(fig, out)


def signature_heatmap(expr: pd.DataFrame, groups: pd.Series, signature: pd.DataFrame,
                      *, max_genes: int = 200, out=None, title: str | None = None):
    """Heatmap of the PAM signature genes (z-scored by gene), samples ordered by group.

    An empty signature draws nothing: a warning says so and ``None`` is returned.
    """
    if signature.empty:
        import warnings
        warnings.warn("PAM signature is empty: no heatmap drawn", UserWarning, stacklevel=2)
        return None
    genes = list(signature["gene"].head(max_genes))
    labels = groups.reindex(expr.index).dropna().astype(str)
    order = labels.sort_values(kind="stable").index
    data = expr.loc[order, genes]
    z = ((data - data.mean()) / data.std(ddof=1).replace(0, 1)).T
    z = z.loc[signature.set_index("gene").loc[genes].sort_values(["class", "direction"]).index]
    fig = Figure(figsize=(8, 6))
    band, ax = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [0.4, 10], "hspace": 0.02})
    levels = sorted(labels.unique())
    codes = labels.loc[order].map({lev: i for i, lev in enumerate(levels)}).to_numpy()
    band.imshow(codes[None, :], aspect="auto", cmap="tab10", vmin=0, vmax=9)
    band.set_yticks([])
    image = ax.imshow(z.to_numpy(), aspect="auto", cmap="RdBu_r", vmin=-2.5, vmax=2.5,
                      interpolation="nearest")
    ax.set_yticks(np.arange(len(z)) if len(z) <= 60 else [])
    if len(z) <= 60:
        ax.set_yticklabels(z.index, fontsize=5)
    ax.set_xticks([])
    ax.set_xlabel("samples (" + ", ".join(f"{lev}: n={int((labels == lev).sum())}" for lev in levels) + ")")
    fig.colorbar(image, ax=[band, ax], fraction=0.03, label="z-score")
    band.set_title(title or f"PAM signature: {len(genes)} genes")
    return _save(fig, out)


def message_figure(text: str, *, out=None, title: str | None = None):
    """A figure that only says why there is nothing to draw (keeps a command's file outputs fixed)."""
    fig = Figure(figsize=(6, 2.5))
    ax = fig.subplots()
    ax.axis("off")
    ax.text(0.5, 0.5, text, ha="center", va="center", wrap=True, fontsize=10)
    if title:
        ax.set_title(title)
    return _save(fig, out)


def pam_cv_curve(cv_table: pd.DataFrame, *, out=None):
    """CV and training error against the threshold, with the number of genes on top."""
    fig = Figure(figsize=(6, 4))
    ax = fig.subplots()
    ax.plot(cv_table["threshold"], cv_table["train_error"], "o-", ms=3, label="training")
    if "cv_error" in cv_table:
        ax.plot(cv_table["threshold"], cv_table["cv_error"], "o-", ms=3, label="cross-validation")
    chosen = cv_table[cv_table["chosen"]]
    for t in chosen["threshold"]:
        ax.axvline(t, ls="--", c="k", lw=0.8)
    ax.set_xlabel("threshold")
    ax.set_ylabel("misclassification error")
    top = ax.twiny()
    top.set_xlim(ax.get_xlim())
    ticks = cv_table.iloc[::3]
    top.set_xticks(ticks["threshold"], ticks["n_genes"], fontsize=7)
    top.set_xlabel("genes")
    ax.legend()
    return _save(fig, out)
