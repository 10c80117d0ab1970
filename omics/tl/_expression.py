"""scanpy-style tools of the expression stages: voom, ComBat, DGE, PAM and pre-ranked GSEA
on an AnnData (or one MuData modality, ``mdata["rna"]``).

Each function converts its input with :func:`omics.data.convert.as_samples_by_features`
(observations = samples, so a transposed table or a whole MuData is refused), runs the
DataFrame function of :mod:`omics.rnaseq`, :mod:`omics.harmonize` or
:mod:`omics.expression` — no statistics are computed here — and writes the result where
scverse users look for it:

=================  =====================================================================
``tl.voom``        ``layers[key_added]`` log2-CPM, ``layers[f"{key_added}_weights"]``
                   precision weights, ``uns[key_added]`` params and per-sample summary
``tl.combat``      ``layers[key_added]`` batch-corrected values, ``uns[key_added]``
                   params and per-batch summary
``tl.dge``         ``varm[key_added]`` per-gene table aligned on ``var_names``;
                   ``uns[key_added]`` = ``{"params", "summary", "table"}``
``tl.pam``         ``obs[key_added]`` predicted class, ``varm[key_added]`` shrunken
                   differences (genes × classes), ``uns[key_added]`` params, CV table,
                   signature
``tl.gsea``        ``uns[key_added]`` = ``{"params", "summary", "table"}`` from the DGE
                   ranking stored by ``tl.dge`` in ``uns[key]``
=================  =====================================================================

``copy=False`` (default) writes into the object passed and returns ``None``;
``copy=True`` returns a modified copy and leaves the input untouched.
"""

from __future__ import annotations

import pandas as pd

from omics.data.convert import as_samples_by_features
from omics.data.errors import InputError
from omics.tl._anndata import finish, obs_column, put_labels, put_uns, storable, target


def _layer_frame(adata, layer, source: str) -> pd.DataFrame:
    return as_samples_by_features(adata, layer=layer, source=source)


# ---------------------------------------------------------------------------------------
def voom(adata, *, layer: str | None = "counts", batch_key: str | None = None,
         groupby: str | None = None, normalize: str | None = "TMM", span: float = 0.5,
         key_added: str = "voom", copy: bool = False):
    """limma-voom log2-CPM and precision weights of raw counts, written as layers.

    Parameters
    ----------
    adata
        AnnData (or a MuData modality) of raw counts, observations = samples.
    layer
        Layer holding the raw counts (default ``"counts"``); ``None`` reads ``.X``.
    batch_key, groupby
        ``obs`` columns entering the voom design (intercept + treatment-coded levels), as
        :func:`omics.rnaseq.preprocess_counts` does with ``batch_method="combat"``.
    normalize
        ``"TMM"`` (edgeR's :func:`omics.rnaseq.calc_norm_factors`) or ``None`` (library
        sizes only).
    span
        Lowess span of the mean–variance trend.
    key_added, copy
        Where to write (``layers[key_added]``, ``layers[f"{key_added}_weights"]``,
        ``uns[key_added]``) and scanpy's copy rule.

    Notes
    -----
    Every gene is kept (a layer has the shape of ``.X``): filter low counts first (e.g.
    ``adata[:, omics.rnaseq.filter_by_expr(...)]``) as the CLI's ``omics voom`` does.
    """
    from omics.rnaseq.normalize import calc_norm_factors
    from omics.rnaseq.pipeline import _design
    from omics.rnaseq.voom import voom as voom_frame

    adata = target(adata, copy, source="tl.voom")
    counts = _layer_frame(adata, layer, "tl.voom counts")
    if normalize not in ("TMM", None):
        raise InputError(f"tl.voom: normalize must be 'TMM' or None, got {normalize!r}")
    batch = obs_column(adata, batch_key, source="tl.voom") if batch_key else None
    group = obs_column(adata, groupby, source="tl.voom") if groupby else None
    design = _design(counts.index, group, batch)
    nf = calc_norm_factors(counts) if normalize == "TMM" else None
    result = voom_frame(counts, design=design, norm_factors=nf, span=span)
    adata.layers[key_added] = result.E.to_numpy()
    adata.layers[f"{key_added}_weights"] = result.weights.to_numpy()
    put_uns(adata, key_added,
            params=dict(layer=layer, batch_key=batch_key, groupby=groupby, normalize=normalize,
                           span=span, design=[str(c) for c in design.columns]),
            summary=result.summary)
    return finish(adata, copy)


def combat(adata, *, batch_key: str, covariates=None, layer: str | None = None,
           parametric: bool = True, mean_only: bool = False, ref_batch=None,
           key_added: str = "combat", copy: bool = False):
    """ComBat (``sva::ComBat``) of a log-scale layer, written to ``layers[key_added]``.

    Parameters
    ----------
    adata
        AnnData (or a MuData modality), observations = samples, log-scale values (e.g. the
        ``"voom"`` layer of :func:`voom`).
    batch_key
        ``obs`` column with the batch.
    covariates
        ``obs`` column name(s) of biological covariates to protect.
    layer
        Layer to correct (``None``: ``.X``).
    parametric, mean_only, ref_batch
        As :func:`omics.harmonize.combat`.
    key_added, copy
        ``layers[key_added]`` and ``uns[key_added]`` (params, per-batch summary); scanpy's
        copy rule.
    """
    from omics.harmonize.combat import ComBat

    adata = target(adata, copy, source="tl.combat")
    data = _layer_frame(adata, layer, "tl.combat input")
    batch = obs_column(adata, batch_key, source="tl.combat")
    names = [covariates] if isinstance(covariates, str) else list(covariates or [])
    cov = pd.concat([obs_column(adata, c, source="tl.combat") for c in names], axis=1) if names else None
    model = ComBat(parametric=parametric, mean_only=mean_only, ref_batch=ref_batch)
    corrected = model.fit_transform(data, batch, covariates=cov)
    adata.layers[key_added] = corrected.to_numpy()
    put_uns(adata, key_added,
            params=dict(batch_key=batch_key, covariates=names, layer=layer, parametric=parametric,
                           mean_only=mean_only, ref_batch=ref_batch),
            summary=model.summary.reset_index())
    return finish(adata, copy)


def dge(adata, *, groupby: str, level: str, reference: str | None = None, method: str = "ttest",
        layer: str | None = None, weights_layer: str | None = None, key_added: str = "dge",
        copy: bool = False, **options):
    """Differential expression between two groups of ``obs[groupby]``.

    Parameters
    ----------
    adata
        AnnData (or MuData modality): voom log2-CPM for ``"ttest"``/``"limma"`` (e.g.
        ``layer="voom"``), raw counts for ``"deseq2"`` (e.g. ``layer="counts"``).
    groupby, level, reference
        ``obs`` column and the two groups (``reference=None``: all other samples).
    method
        ``"ttest"``, ``"limma"`` or ``"deseq2"`` (:func:`omics.expression.differential_expression`).
    weights_layer
        limma: layer of voom precision weights (e.g. ``"voom_weights"``).
    options
        Other options of the method (``fc_threshold``, ``alpha``, ``equal_var``, ``trend``…).

    Writes
    ------
    ``varm[key_added]`` — the per-gene table (``log2fc``, ``statistic``, ``p_value``,
    ``p_adj``, ``significant``, ``direction``…) in ``var_names`` order;
    ``uns[key_added]`` — ``{"params", "summary", "table"}`` with the table sorted by p-value
    (what :func:`gsea` ranks and :func:`omics.pl.volcano` draws).
    """
    from omics.expression.dge import differential_expression

    adata = target(adata, copy, source="tl.dge")
    obs_column(adata, groupby, source="tl.dge")          # a clear error for a missing column
    if weights_layer is not None:
        if method != "limma":
            raise InputError("tl.dge: weights_layer applies to method='limma'")
        options["weights"] = weights_layer
    result = differential_expression(adata, groupby, level=level, reference=reference, method=method,
                                     layer=layer, **options)
    table = result.table
    adata.varm[key_added] = storable(table.reindex(adata.var_names.astype(str))).set_axis(adata.var_names)
    put_uns(adata, key_added,
            params=dict(groupby=groupby, level=str(level), reference=reference, method=method,
                           layer=layer, weights_layer=weights_layer, fc_threshold=result.fc_threshold,
                           alpha=result.alpha, group_reference=result.groups.reference),
            summary=storable(result.summary), table=storable(result.to_frame()))
    return finish(adata, copy)


def pam(adata, *, groupby: str, layer: str | None = None, key_added: str = "pam",
        copy: bool = False, **options):
    """PAM nearest-shrunken-centroid signature of ``obs[groupby]`` (cross-validated threshold).

    ``options`` go to :func:`omics.expression.pam_signature` (``n_folds``, ``prior``,
    ``error``, ``threshold``, ``random_state``…).

    Writes
    ------
    ``obs[key_added]`` — class predicted by the fitted signature (every sample);
    ``varm[key_added]`` — shrunken centroid differences, genes × classes (0 off-signature);
    ``uns[key_added]`` — ``{"params", "summary" (the CV table), "signature"}``.
    """
    from omics.expression.pam import pam_signature

    adata = target(adata, copy, source="tl.pam")
    labels = obs_column(adata, groupby, source="tl.pam")
    expr = _layer_frame(adata, layer, "tl.pam expression")
    model, signature = pam_signature(expr, labels, **options)
    put_labels(adata, key_added, model.predict(expr))
    diff = model.shrunken_differences().reindex(adata.var_names.astype(str)).fillna(0.0)
    adata.varm[key_added] = diff.set_axis([str(c) for c in diff.columns], axis=1).set_axis(adata.var_names)
    put_uns(adata, key_added,
            params=dict(groupby=groupby, layer=layer, threshold=float(model.threshold_),
                           classes=[str(c) for c in model.classes_],
                           **{k: v for k, v in options.items() if isinstance(v, (int, float, str, bool))}),
            summary=model.summary, signature=storable(signature))
    return finish(adata, copy)


def gsea(adata, *, key: str = "dge", gene_sets, key_added: str = "gsea", copy: bool = False,
         **options):
    """Pre-ranked GSEA of the DGE ranking that :func:`dge` stored in ``uns[key]``.

    ``gene_sets`` is a GMT path or a dict name → genes; ``options`` go to
    :func:`omics.expression.gsea_prerank` (``rank_by``, ``permutations``, ``seed``,
    ``min_size``, ``max_size``…). Writes ``uns[key_added]`` = ``{"params", "summary",
    "table"}`` (the table with leading-edge genes joined by ``;``).
    """
    from omics.expression.enrich import gsea_prerank

    adata = target(adata, copy, source="tl.gsea")
    stored = adata.uns.get(key)
    if not isinstance(stored, dict) or "table" not in stored:
        raise InputError(f"tl.gsea: no DGE result in uns[{key!r}]; run omics.tl.dge(adata, ..., key_added={key!r}) first")
    result = gsea_prerank(pd.DataFrame(stored["table"]), gene_sets, **options)
    put_uns(adata, key_added,
            params=dict(key=key, gene_sets=gene_sets if isinstance(gene_sets, str) else None,
                           **{k: v for k, v in options.items() if isinstance(v, (int, float, str, bool))}),
            summary=storable(result.summary), table=storable(result.to_frame()))
    return finish(adata, copy)
