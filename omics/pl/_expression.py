"""scanpy-style plots of the expression stages, reading what :mod:`omics.tl` wrote.

* :func:`volcano` — the DGE table in ``uns[key]`` (``omics.tl.dge``);
* :func:`pca_batch` — the PCA of :func:`omics.harmonize.harmonization_diagnostics` for two
  layers side by side, coloured by batch: before and after a batch correction (``omics.tl.combat``).
"""

from __future__ import annotations

from omics.data.errors import InputError
from omics.tl._anndata import obs_column, target


def volcano(adata, *, key: str = "dge", n_labels: int = 10, title: str | None = None, ax=None):
    """Volcano plot of the DGE result stored by :func:`omics.tl.dge` under ``uns[key]``.

    Returns the matplotlib Figure (``ax``'s figure when ``ax`` is given).
    """
    import pandas as pd

    from omics.plotting.expression import volcano_table

    target(adata, False, source="pl.volcano")
    stored = adata.uns.get(key)
    if not isinstance(stored, dict) or "table" not in stored:
        raise InputError(f"pl.volcano: no DGE result in uns[{key!r}]; run omics.tl.dge(adata, ..., key_added={key!r})")
    params = stored.get("params", {})
    return volcano_table(pd.DataFrame(stored["table"]), fc_threshold=float(params.get("fc_threshold", 2.0)),
                         level=str(params.get("level", "level")),
                         reference=str(params.get("group_reference", params.get("reference", "Others"))),
                         method=str(params.get("method", "dge")), n_labels=n_labels, title=title, ax=ax)


def pca_batch(adata, *, batch_key: str, layers=(None, "combat"),
              titles=("before correction", "after correction"), ax=None):
    """PCA of two layers side by side, samples coloured by ``obs[batch_key]``.

    Parameters
    ----------
    adata
        AnnData (or a MuData modality) holding both layers (``None`` = ``.X``).
    batch_key
        ``obs`` column with the batch.
    layers
        ``(before, after)`` layer names, e.g. ``("voom", "combat")``.
    ax
        Two matplotlib Axes to draw on; by default a new Figure with two panels.

    The scores come from :func:`omics.harmonize.harmonization_diagnostics` (both layers
    standardised with the uncorrected layer's mean and SD, so the panels are comparable) —
    the same statistics ``omics harmonize`` reports; this function only draws them, and
    ``adata`` is never modified. Axis labels give each PC's share of variance.
    """
    from matplotlib import colormaps
    from matplotlib.figure import Figure

    from omics.data.convert import as_samples_by_features
    from omics.harmonize.diagnostics import harmonization_diagnostics

    target(adata, False, source="pl.pca_batch")
    if len(layers) != 2:
        raise InputError(f"pl.pca_batch: layers must be (before, after), got {layers!r}")
    batch = obs_column(adata, batch_key, source="pl.pca_batch").astype(str)
    before, after = (as_samples_by_features(adata, layer=layer, source=f"pl.pca_batch layer {layer!r}")
                     for layer in layers)
    diag = harmonization_diagnostics(before, after, batch)
    if ax is None:
        fig = Figure(figsize=(10, 4.5))
        axes = fig.subplots(1, 2)
    else:
        axes = list(ax)
        if len(axes) != 2:
            raise InputError("pl.pca_batch: ax must be two Axes (before, after)")
        fig = axes[0].figure
    levels = sorted(batch.unique())
    palette = colormaps["tab10"]
    panels = ((diag.pca_before, diag.explained_before), (diag.pca_after, diag.explained_after))
    for panel, (scores, ratio), layer, title in zip(axes, panels, layers, titles):
        for i, level in enumerate(levels):
            rows = (batch == level).to_numpy()
            panel.scatter(scores["PC1"][rows], scores["PC2"][rows], s=14, color=palette(i % 10), label=level)
        panel.set_xlabel(f"PC1 ({100 * ratio[0]:.1f} %)")
        panel.set_ylabel(f"PC2 ({100 * ratio[1]:.1f} %)")
        panel.set_title(f"{title} ({layer or 'X'})")
    axes[0].legend(title=batch_key, fontsize=8, loc="best")
    return fig
