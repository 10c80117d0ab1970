"""Cluster inputs per modality kind: one call turns a modality's data into the patients ×
features matrix that consensus clustering takes, and records what it did.

A cohort's modalities are data, not names (DESIGN.md §1): each has a *kind* that says how its
raw data become a clustering input.

===============  =====================================================================
kind             what :func:`cluster_input` does
===============  =====================================================================
``counts``       RNA-seq counts: filterByExpr → (ComBat-seq | batch in design) → TMM → voom,
                 the most variable genes of the (batch-corrected) log-CPM
                 (:func:`omics.rnaseq.pipeline.preprocess_counts`)
``expression``   already normalised expression (e.g. log2 microarray): optional ComBat on a
                 batch (:func:`omics.harmonize.combat`), the most variable genes
``features``     any ready patients × features table: checked (numeric, finite), constant
                 features dropped
``handcrafted``  ICC-filtered radiomic features (the imaging rules' output): as ``features``
``cae``,         deep latent features (``tables/deep/<model>_features.csv``): as ``features``
``hscae``
===============  =====================================================================
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from omics._result import Result

if TYPE_CHECKING:  # pandas, numpy and omics.data load on first use: `omics --help` stays fast
    import pandas as pd

#: Kinds of modality and whether their data are raw counts / normalised expression / ready features.
KINDS = ("counts", "expression", "features", "handcrafted", "cae", "hscae")
#: Kinds whose data go in as they are (a ready patients × features table).
FEATURE_KINDS = ("features", "handcrafted", "cae", "hscae")


@dataclass(repr=False)
class ClusterInput(Result):
    """What :func:`cluster_input` returns.

    Attributes
    ----------
    kind
        The modality kind.
    matrix
        Patients × features, ready for :func:`omics.cluster.consensus_cluster`.
    expression
        Patients × genes after normalisation and batch correction, all genes kept (for
        differential expression); ``None`` for feature kinds.
    weights
        voom precision weights (``counts`` only), else ``None``.
    steps
        One row per step: ``step, detail, n_patients, n_features``.
    """

    kind: str
    matrix: pd.DataFrame
    expression: pd.DataFrame | None = None
    weights: pd.DataFrame | None = None
    steps: list[dict] = field(default_factory=list)

    @property
    def summary(self) -> pd.DataFrame:
        """The steps as a table (``step, detail, n_patients, n_features``)."""
        import pandas as pd
        return pd.DataFrame(self.steps, columns=["step", "detail", "n_patients", "n_features"])

    def to_frame(self) -> pd.DataFrame:
        """The clustering matrix (patients × features)."""
        return self.matrix

    def write(self, out_dir, *, format: str = "parquet") -> dict[str, Path]:
        """Write ``cluster_input``, ``expression`` and ``weights`` (Parquet by default: only
        omics reads them next) and ``steps.csv`` (for people) into ``out_dir``."""
        from omics.data.io import write_table
        from omics.data.validate import InputError
        if format not in ("parquet", "csv"):
            raise InputError(f"format must be 'parquet' or 'csv', not {format!r}")
        out = Path(out_dir)
        written = {}
        for name in ("cluster_input", "expression", "weights"):
            table = self.matrix if name == "cluster_input" else getattr(self, name)
            if table is not None:
                # the ID as the first column, as in CSV, so every table reader sees the same layout
                written[name] = write_table(table.rename_axis("patient_id").reset_index(),
                                            out / f"{name}.{format}", index=False)
        written["steps"] = write_table(self.summary, out / "steps.csv", index=False)
        return written

    def _short(self) -> str:
        n, p = self.matrix.shape
        done = "; ".join(f"{s['step']} ({s['detail']})" if s["detail"] else s["step"] for s in self.steps)
        return f"kind={self.kind!r}, {n} patients × {p} features; {done}"


def _as_frame(data, source: str, layer: str | None = None) -> pd.DataFrame:
    """A samples × features DataFrame (text IDs and feature names) through the one converter
    (DataFrame, AnnData or one MuData modality; a whole MuData is refused naming its modalities).
    Values are checked later, per kind."""
    from omics.data.convert import as_samples_by_features
    from omics.data.validate import InputError

    import pandas as pd
    if not isinstance(data, pd.DataFrame) and not hasattr(data, "obs_names"):
        raise InputError(f"{source}: expected a pandas DataFrame or an AnnData (patients × features), "
                         f"got {type(data).__name__}")
    frame = as_samples_by_features(data, layer=layer, source=source, numeric=False)
    frame.columns = frame.columns.astype(str)
    return frame


def _aligned(values, index: pd.Index, what: str) -> pd.Series | pd.DataFrame | None:
    import pandas as pd

    from omics.data.validate import InputError
    if values is None:
        return None
    if isinstance(values, (pd.Series, pd.DataFrame)):
        values = values.copy()
        values.index = values.index.astype(str)
        missing = index.difference(values.index)
        if len(missing):
            raise InputError(f"{what}: no value for {len(missing)} patient(s): {', '.join(missing[:5])}")
        values = values.loc[index]
        empty = values.isna() if isinstance(values, pd.Series) else values.isna().any(axis=1)
        if empty.any():
            raise InputError(f"{what}: empty for {int(empty.sum())} patient(s): "
                             f"{', '.join(values.index[empty.to_numpy()][:5])}")
        return values
    values = pd.Series(list(values), index=index)
    if len(values) != len(index):
        raise InputError(f"{what}: {len(values)} values for {len(index)} patients")
    return values


def _refuse_non_integer(frame: pd.DataFrame, source: str) -> None:
    import numpy as np

    from omics.data.validate import InputError
    values = frame.to_numpy(dtype=float)
    finite = values[np.isfinite(values)]
    if finite.size and (np.any(finite < 0) or np.any(np.abs(finite - np.round(finite)) > 1e-8)):
        raise InputError(f"{source}: kind 'counts' needs raw integer counts, but the values are "
                         "negative or fractional; for log2/normalised expression (e.g. microarray) "
                         "use kind 'expression'")


def _drop_constant(frame: pd.DataFrame, steps: list[dict]) -> pd.DataFrame:
    import numpy as np
    values = frame.to_numpy(dtype=float)
    constant = frame.columns[np.nanmax(values, axis=0) == np.nanmin(values, axis=0)] if len(frame) else []
    if len(constant):
        frame = frame.drop(columns=constant)
        shown = ", ".join(map(str, constant[:5])) + (" …" if len(constant) > 5 else "")
        steps.append({"step": "drop constant features", "detail": f"{len(constant)}: {shown}",
                      "n_patients": frame.shape[0], "n_features": frame.shape[1]})
    return frame


def cluster_input(data, *, kind: str, batch=None, covariates=None, group=None,
                  batch_method: str = "combat-seq", n_top: int | None = 2000,
                  variability: str = "variance", min_count: float = 10, min_total_count: float = 15,
                  source: str = "data", layer: str | None = None) -> ClusterInput:
    """Turn one modality's data into the patients × features matrix that clustering takes.

    Parameters
    ----------
    data
        Patients × features (a DataFrame indexed by patient ID, or an AnnData with patients as
        observations): raw counts for ``kind="counts"``, normalised (log) expression for
        ``"expression"``, a ready table for ``"features"``, ``"handcrafted"``, ``"cae"``,
        ``"hscae"``.
    kind
        One of :data:`KINDS` (see the module docstring for what each does).
    batch
        Batch label per patient (Series indexed by patient ID): ComBat-seq / batch in the voom
        design for ``counts`` (see ``batch_method``), ComBat for ``expression``; ignored (an
        error) for feature kinds, which come harmonised from their own stage.
    covariates
        Biological covariates protected by ComBat (``expression``; DataFrame by patient).
    group
        Biological group protected by the low-count filter and ComBat-seq (``counts``).
    batch_method
        ``counts`` only: ``"combat-seq"``, ``"combat"`` or ``"none"`` (see
        :func:`omics.rnaseq.pipeline.preprocess_counts`).
    n_top
        Most variable genes kept for clustering (``counts``, ``expression``); ``None`` keeps all.
    variability
        ``"variance"``, ``"sd"`` or ``"mad"``.
    min_count, min_total_count
        ``filterByExpr`` thresholds (``counts``).
    source
        Name of the data in messages (e.g. the file).
    layer
        AnnData input only: read ``adata.layers[layer]`` (e.g. ``"counts"``) instead of ``.X``.

    Returns
    -------
    ClusterInput
        ``.matrix`` for clustering, ``.expression``/``.weights`` for DGE, ``.steps`` recording
        what was done.

    Raises
    ------
    InputError
        Unknown kind; fractional or negative values given as counts (with the hint to use
        ``expression``); NaN/inf or non-numeric values; a batch without a value for a patient.

    References
    ----------
    Law CW et al. (2014) Genome Biol 15, R29 (voom). Johnson WE et al. (2007) Biostatistics 8,
    118–127 (ComBat). Wilkerson MD, Hayes DN (2010) Bioinformatics 26, 1572–1573 (clustering the
    most variable genes, ConsensusClusterPlus vignette).
    """
    from omics.data.validate import InputError, check_features
    if kind not in KINDS:
        raise InputError(f"unknown modality kind {kind!r}; use one of {', '.join(KINDS)}")
    frame = _as_frame(data, source, layer)
    steps = [{"step": "read", "detail": source, "n_patients": frame.shape[0], "n_features": frame.shape[1]}]
    if kind == "counts":
        return _from_counts(frame, steps, batch=batch, group=group, batch_method=batch_method,
                            n_top=n_top, variability=variability, min_count=min_count,
                            min_total_count=min_total_count, source=source)
    check_features(frame, source=source)
    frame = frame.astype(float)
    if kind == "expression":
        return _from_expression(frame, steps, batch=batch, covariates=covariates, n_top=n_top,
                                variability=variability, source=source)
    if batch is not None:
        raise InputError(f"{source}: kind {kind!r} takes no batch; harmonise the features in their own "
                         "stage (e.g. imaging.harmonize) or give kind 'expression'")
    frame = _drop_constant(frame, steps)
    return ClusterInput(kind=kind, matrix=frame, steps=steps)


def _from_counts(frame, steps, *, batch, group, batch_method, n_top, variability, min_count,
                 min_total_count, source) -> ClusterInput:
    import numpy as np

    from omics.rnaseq.pipeline import preprocess_counts
    _refuse_non_integer(frame, source)
    batch = _aligned(batch, frame.index, f"{source}: batch")
    group = _aligned(group, frame.index, f"{source}: group")
    result = preprocess_counts(frame.round().astype(np.int64), batch=batch, group=group,
                               batch_method=batch_method if batch is not None else "none",
                               n_top=n_top or frame.shape[1], variability=variability,
                               min_count=min_count, min_total_count=min_total_count)
    s = result.summary.iloc[0]          # one row: counts and choices of the preprocessing
    steps += [
        {"step": "filterByExpr", "detail": f"min_count {min_count:g}, min_total_count {min_total_count:g}",
         "n_patients": s["n_samples"], "n_features": s["n_genes_kept"]},
        {"step": "batch correction", "detail": s["batch_method"], "n_patients": s["n_samples"],
         "n_features": s["n_genes_kept"]},
        {"step": "TMM + voom", "detail": "log2-CPM with precision weights", "n_patients": s["n_samples"],
         "n_features": s["n_genes_kept"]},
        {"step": "most variable genes", "detail": f"top {s['n_top']} by {variability}",
         "n_patients": s["n_samples"], "n_features": result.for_clustering.shape[1]},
    ]
    return ClusterInput(kind="counts", matrix=result.for_clustering, expression=result.voom.E,
                        weights=result.voom.weights, steps=steps)


def _from_expression(frame, steps, *, batch, covariates, n_top, variability, source) -> ClusterInput:
    import numpy as np
    import pandas as pd

    from omics.rnaseq.select import most_variable_genes
    values = frame.to_numpy()
    if values.size and np.all(values == np.round(values)) and values.max() > 1000:
        import warnings
        warnings.warn(f"{source}: integer values up to {values.max():.0f} look like raw counts; "
                      "kind 'expression' expects log/normalised values (use kind 'counts' for RNA-seq counts)",
                      UserWarning, stacklevel=3)
    if batch is not None:
        from omics.harmonize import combat
        batch = _aligned(batch, frame.index, f"{source}: batch")
        covariates = _aligned(covariates, frame.index, f"{source}: covariates")
        frame = combat(frame, batch, covariates=covariates)
        steps.append({"step": "ComBat", "detail": f"{batch.nunique()} batches"
                      + (f", protecting {', '.join(map(str, covariates.columns))}"
                         if isinstance(covariates, pd.DataFrame) else ""),
                      "n_patients": frame.shape[0], "n_features": frame.shape[1]})
    expression = frame
    frame = _drop_constant(frame, steps)
    if n_top is not None and n_top < frame.shape[1]:
        frame = most_variable_genes(frame, n_top=n_top, method=variability)
        steps.append({"step": "most variable genes", "detail": f"top {n_top} by {variability}",
                      "n_patients": frame.shape[0], "n_features": frame.shape[1]})
    return ClusterInput(kind="expression", matrix=frame, expression=expression, steps=steps)


def modality_groups(labels: dict[str, pd.Series], *, hybrids: Sequence[tuple[str, str]] = (),
                    levels: dict[tuple[str, str], str] | None = None) -> pd.DataFrame:
    """One table of every modality's groups and the configured hybrids (the workflow's groups.csv).

    Parameters
    ----------
    labels
        ``{modality name: cluster labels (A, B, …) by patient}``; a label becomes ``A_<name>``.
    hybrids
        Pairs of modality names crossed into hybrid groups.
    levels
        Per pair, the hybrid level kept in the binarised column (default ``A_<a>×A_<b>``).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``patient_id`` (every patient with any label): one column per modality
        (named as the modality), and per pair ``hybrid_<a>_<b>`` (exhaustive) and
        ``hybrid_binary_<a>_<b>`` (the level or ``Others``); empty where a patient lacks a label.
    """
    import pandas as pd

    from omics.cluster.hybrid import _suffixed, hybrid_groups
    from omics.data.validate import InputError
    if not labels:
        raise InputError("modality_groups needs at least one modality's labels")
    levels = dict(levels or {})
    columns = {name: _suffixed(series.astype(object), name) for name, series in labels.items()}
    for a, b in hybrids:
        for name in (a, b):
            if name not in labels:
                raise InputError(f"hybrid {a}×{b}: no modality named {name!r}; modalities: {', '.join(labels)}")
        pair = hybrid_groups(labels[a], labels[b], names=(a, b), level=levels.get((a, b)), columns=(a, b))
        columns[hybrid_column(a, b)] = pair["hybrid"].astype(object)
        columns[hybrid_column(a, b, binary=True)] = pair["hybrid_binary"].astype(object)
    table = pd.concat(columns, axis=1)
    table.index.name = "patient_id"
    return table


@dataclass(repr=False)
class ModalityGroups(Result):
    """Every modality's groups, the hybrids of chosen pairs and their agreement
    (see :func:`group_modalities`).

    Attributes
    ----------
    groups
        The :func:`modality_groups` table (the workflow's groups.csv).
    agreements
        ``{(a, b): PartitionAgreement}`` per hybrid pair.
    """

    groups: pd.DataFrame
    agreements: dict = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        """The groups table (patients × modality and hybrid columns)."""
        return self.groups

    @property
    def summary(self) -> pd.DataFrame:
        """Per hybrid pair: ``modality_a, modality_b`` and the agreement numbers (chi², ARI…)."""
        import pandas as pd

        rows = [agreement.to_frame().assign(modality_a=a, modality_b=b)
                for (a, b), agreement in self.agreements.items()]
        if not rows:
            return pd.DataFrame(columns=["modality_a", "modality_b"])
        table = pd.concat(rows, ignore_index=True)
        return table[["modality_a", "modality_b", *table.columns[:-2]]]

    def write(self, out_dir) -> dict[str, Path]:
        """Write what ``omics groups`` writes: groups.csv, and with hybrids agreement.csv and
        one ``agreement_<a>_<b>.csv`` cross-table per pair."""
        from omics.data.io import write_table

        out = Path(out_dir)
        written = {"groups": write_table(self.groups, out / "groups.csv")}
        for (a, b), agreement in self.agreements.items():
            name = f"agreement_{hybrid_column(a, b)[len('hybrid_'):]}"
            written[name] = write_table(agreement.crosstab, out / f"{name}.csv")
        if self.agreements:
            written["agreement"] = write_table(self.summary, out / "agreement.csv", index=False)
        return written

    def _short(self) -> str:
        modalities = [c for c in self.groups.columns if not c.startswith("hybrid_")]
        pairs = ", ".join(f"{a}×{b}" for a, b in self.agreements)
        return f"{len(self.groups)} patients; {', '.join(modalities)}" + (f"; hybrids {pairs}" if pairs else "")


def group_modalities(labels: dict[str, pd.Series], *, hybrids: Sequence[tuple[str, str]] = (),
                     levels: dict[tuple[str, str], str] | None = None) -> ModalityGroups:
    """:func:`modality_groups` plus the agreement (:func:`~omics.cluster.partition_agreement`)
    of every hybrid pair, as one result whose ``write`` gives the files of ``omics groups``."""
    from omics.cluster.hybrid import partition_agreement
    from omics.data.validate import InputError

    hybrids = [tuple(pair) for pair in hybrids]
    unknown = [pair for pair in (levels or {}) if tuple(pair) not in hybrids]
    if unknown:
        raise InputError(f"level for {unknown[0][0]} {unknown[0][1]}: that pair is not a hybrid")
    table = modality_groups(labels, hybrids=hybrids, levels=levels)
    agreements = {(a, b): partition_agreement(labels[a], labels[b]) for a, b in hybrids}
    return ModalityGroups(groups=table, agreements=agreements)


def hybrid_column(a: str, b: str, *, binary: bool = False) -> str:
    """Name of the groups.csv column of the hybrid of modalities ``a`` and ``b``."""
    return f"hybrid_{'binary_' if binary else ''}{a}_{b}"
