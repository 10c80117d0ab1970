"""Differential gene expression between two groups of patients, one tidy result schema.

Three methods:

* ``"ttest"`` — the reference study's method: a per-gene two-sample t-test on voom
  log2-CPM, log2 fold change = difference of group means, Benjamini–Hochberg;
* ``"limma"`` — limma's moderated t: weighted ``lm_fit`` with voom precision weights,
  :func:`omics.expression.limma.ebayes`, ``topTable`` statistics;
* ``"deseq2"`` — DESeq2's negative-binomial Wald test on raw counts through pydeseq2.

Every method returns a :class:`DGEResult` whose ``table`` has one row per gene and the
columns of :data:`DGE_COLUMNS` (plus a few method-specific ones); a gene is
*significant* when ``p_adj < alpha`` and ``|log2fc| >= log2(fc_threshold)``.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from omics._result import Result
from omics.data.convert import as_samples_by_features
from omics.data.validate import InputError, check_counts, check_overlap
from omics.expression.limma import ebayes, top_table
from omics.stats.multitest import bh_adjust

__all__ = ["DGE_COLUMNS", "DGEResult", "TwoGroups", "differential_expression", "ttest_dge",
           "limma_dge", "deseq2_dge", "two_groups", "classify_genes"]

#: Columns shared by every method's table (index: ``gene``).
DGE_COLUMNS = ["log2fc", "average_expression", "statistic", "p_value", "p_adj",
               "significant", "direction"]

METHODS = ("ttest", "limma", "deseq2")


@dataclass(frozen=True)
class TwoGroups:
    """A two-group comparison: which samples are in the level of interest.

    Attributes
    ----------
    in_level
        Boolean Series indexed by sample (True = the level of interest).
    level, reference
        Labels of the two groups (``reference`` is ``"Others"`` when every other label
        is pooled).
    dropped
        Samples left out (missing group label, or a label that is neither group).
    """

    in_level: pd.Series
    level: str
    reference: str
    dropped: list = field(default_factory=list)

    @property
    def samples(self) -> pd.Index:
        return self.in_level.index

    @property
    def n_level(self) -> int:
        return int(self.in_level.sum())

    @property
    def n_reference(self) -> int:
        return int((~self.in_level).sum())


def two_groups(groups: pd.Series, samples, *, level: str, reference: str | None = None,
               source: str = "groups") -> TwoGroups:
    """Align a group column to the samples of an expression table and binarise it.

    Parameters
    ----------
    groups
        Group label per patient (index: patient ID). Missing or empty labels are left
        out, with a warning naming how many.
    samples
        Sample (patient) IDs of the expression table.
    level
        The group of interest (the numerator of the fold change).
    reference
        The comparison group; ``None`` pools every other label as ``"Others"``.

    Raises
    ------
    InputError
        If the level is absent, the IDs do not overlap, or a group has fewer than two
        samples.

    References
    ----------
    Crombé A, Lucchesi C et al. (2024). NPJ Precis Oncol (hybrid group vs all others).
    """
    if not isinstance(groups, pd.Series):
        raise InputError(f"{source}: expected a pandas Series of group labels indexed by patient")
    labels = groups.copy()
    labels.index = labels.index.map(str)
    labels = labels.astype("string").str.strip()
    samples = pd.Index([str(s) for s in samples])
    check_overlap(samples, labels.index, "expression", source, warn=False)
    labels = labels.reindex(samples)
    missing = labels.fillna("").eq("").to_numpy(dtype=bool)
    present = set(labels[~missing].astype(str))
    if str(level) not in present:
        raise InputError(f"{source}: level {level!r} not found; available labels: {sorted(present)}")
    if reference is not None and str(reference) not in present:
        raise InputError(f"{source}: reference {reference!r} not found; available labels: {sorted(present)}")
    keep = ~missing
    if reference is not None:
        keep &= labels.isin([str(level), str(reference)]).fillna(False).to_numpy(dtype=bool)
    dropped = list(samples[~keep])
    if dropped:
        warnings.warn(f"{source}: {len(dropped)} sample(s) without a label in the comparison "
                      f"were left out (e.g. {', '.join(dropped[:3])})", stacklevel=3)
    in_level = (labels[keep] == str(level)).astype(bool)
    result = TwoGroups(in_level, str(level), "Others" if reference is None else str(reference),
                       dropped)
    for name, n in ((result.level, result.n_level), (result.reference, result.n_reference)):
        if n < 2:
            raise InputError(f"{source}: group {name!r} has {n} sample(s); at least 2 are needed")
    return result


def classify_genes(log2fc, p_adj, *, fc_threshold: float = 2.0, alpha: float = 0.05):
    """Significance and direction: ``p_adj < alpha`` and ``|log2fc| >= log2(fc_threshold)``.

    Returns ``(significant, direction)`` arrays; direction is ``"up"``, ``"down"`` or
    ``"ns"`` (not significant). Genes with a missing adjusted p-value are not significant.
    """
    if fc_threshold < 1:
        raise InputError(f"fc_threshold is a fold change (>= 1), got {fc_threshold}")
    if not 0 < alpha < 1:
        raise InputError(f"alpha must lie in (0, 1), got {alpha}")
    lfc = np.asarray(log2fc, dtype=float)
    padj = np.asarray(p_adj, dtype=float)
    with np.errstate(invalid="ignore"):
        significant = (padj < alpha) & (np.abs(lfc) >= np.log2(fc_threshold))
    direction = np.where(significant, np.where(lfc > 0, "up", "down"), "ns")
    return significant, direction


@dataclass(repr=False)
class DGEResult(Result):
    """Result of a differential-expression analysis.

    Attributes
    ----------
    table
        One row per gene (index ``gene``), sorted by p-value: :data:`DGE_COLUMNS` plus
        method-specific columns (``B`` for limma; ``lfc_se``, ``base_mean`` for DESeq2;
        group means for the t-test).
    method
        ``"ttest"``, ``"limma"`` or ``"deseq2"``.
    groups
        The :class:`TwoGroups` compared (fold changes are level / reference).
    fc_threshold, alpha
        Thresholds of the ``significant`` column.
    parameters
        Method options (e.g. ``equal_var``, ``trend``, ``n_cpus``).
    model
        The underlying fit (:class:`~omics.expression.limma.EBayesFit` for limma, the
        pydeseq2 ``DeseqStats`` for DESeq2, ``None`` for the t-test).
    """

    table: pd.DataFrame
    method: str
    groups: TwoGroups
    fc_threshold: float
    alpha: float
    parameters: dict = field(default_factory=dict)
    model: object = None

    def to_frame(self) -> pd.DataFrame:
        """The tidy table with the gene as a column."""
        return self.table.reset_index()

    @property
    def n_up(self) -> int:
        return int((self.table["direction"] == "up").sum())

    @property
    def n_down(self) -> int:
        return int((self.table["direction"] == "down").sum())

    def _summary_dict(self) -> dict:
        return {"method": self.method, "level": self.groups.level,
                "reference": self.groups.reference, "n_level": self.groups.n_level,
                "n_reference": self.groups.n_reference, "n_genes": int(len(self.table)),
                "n_significant": self.n_up + self.n_down, "n_up": self.n_up,
                "n_down": self.n_down, "fc_threshold": self.fc_threshold, "alpha": self.alpha,
                "n_dropped": len(self.groups.dropped), **self.parameters}

    @property
    def summary(self) -> pd.DataFrame:
        """One row: the comparison, gene counts and settings (for reports and provenance)."""
        return pd.DataFrame([self._summary_dict()])

    def write(self, out_dir, *, name: str | None = None) -> dict:
        """Write the gene table as ``<name>.csv`` (default ``dge_<method>.csv``, as ``omics dge``)."""
        from pathlib import Path

        from omics.data.io import write_table

        stem = name or f"dge_{self.method}"
        return {"table": write_table(self.to_frame(), Path(out_dir) / f"{stem}.csv", index=False)}

    def _short(self) -> str:
        return (f"{self.method}: {self.groups.level} (n={self.groups.n_level}) vs "
                f"{self.groups.reference} (n={self.groups.n_reference}), {len(self.table)} genes, "
                f"{self.n_up} up / {self.n_down} down at |FC| >= {self.fc_threshold:g}, "
                f"adjusted p < {self.alpha:g}")


def _finish(table: pd.DataFrame, method: str, groups: TwoGroups, fc_threshold: float,
            alpha: float, parameters: dict, model=None) -> DGEResult:
    significant, direction = classify_genes(table["log2fc"], table["p_adj"], fc_threshold=fc_threshold,
                                           alpha=alpha)
    table = table.assign(significant=significant, direction=direction)
    table.index.name = "gene"
    extra = [c for c in table.columns if c not in DGE_COLUMNS]
    table = table[DGE_COLUMNS + extra]
    order = np.lexsort((np.arange(len(table)), table["p_value"].fillna(np.inf).to_numpy()))
    return DGEResult(table.iloc[order], method, groups, fc_threshold, alpha, parameters, model)


def _group_labels(data, groups, source: str = "groups") -> pd.Series:
    """``groups`` as a Series: given as is, or an ``obs`` column name of an AnnData."""
    if isinstance(groups, str):
        from omics.data.convert import is_anndata

        if not is_anndata(data):
            raise InputError(f"{source}: a column name ({groups!r}) needs an AnnData; "
                             "otherwise give a Series of labels indexed by patient")
        if groups not in data.obs.columns:
            shown = ", ".join(map(str, list(data.obs.columns)[:10])) or "none"
            raise InputError(f"{source}: no obs column {groups!r}; available: {shown}")
        return data.obs[groups].set_axis(data.obs_names.astype(str))
    return groups


def _expression(expr, groups, layer: str | None, source: str) -> tuple[pd.DataFrame, pd.Series]:
    """Log-expression as samples × genes (the one converter) and the group labels."""
    labels = _group_labels(expr, groups)
    ids = labels.index if isinstance(labels, pd.Series) else None
    return as_samples_by_features(expr, layer=layer, source=source, sample_ids=ids), labels


# ---------------------------------------------------------------------------------------
# (a) per-gene t-test
# ---------------------------------------------------------------------------------------

def ttest_dge(expr, groups, *, level: str, reference: str | None = None, equal_var: bool = False,
              fc_threshold: float = 2.0, alpha: float = 0.05, layer: str | None = None) -> DGEResult:
    """Per-gene two-sample t-test on log-expression (the reference study's DGE).

    Parameters
    ----------
    expr
        Log2-expression (voom log2-CPM), **samples × genes**: a DataFrame, an AnnData
        (``.X`` or ``layer``; one MuData modality included) or a 2-D array. A table whose
        columns are the patients of ``groups`` is refused as transposed.
    groups
        Group label per patient (Series indexed by patient ID), or the name of an ``obs``
        column when ``expr`` is an AnnData.
    level, reference
        The group of interest and the comparison group (``None``: all others).
    equal_var
        ``False`` (default): Welch's unequal-variance t-test, R's ``t.test`` default —
        the study says only "t-test", and its groups are unbalanced (a hybrid group
        against all others), where Welch keeps its size when variances differ.
        ``True``: Student's pooled-variance t-test.
    fc_threshold, alpha
        A gene is significant when ``p_adj < alpha`` and ``|log2fc| >= log2(fc_threshold)``
        (study: fold change 2, Benjamini–Hochberg; the adjusted-p threshold is not
        stated there, 0.05 assumed).
    layer
        AnnData layer holding the log-expression (default ``.X``).

    Returns
    -------
    DGEResult
        ``log2fc`` = mean(level) − mean(reference) of the log2 expression; ``statistic``
        is t; extra columns ``mean_level``, ``mean_reference``, ``df``.

    References
    ----------
    Welch BL (1947). The generalization of "Student's" problem when several different
    population variances are involved. Biometrika 34, 28–35.
    Benjamini Y, Hochberg Y (1995). J R Stat Soc B 57, 289–300.
    Crombé A, Lucchesi C et al. (2024). NPJ Precis Oncol (the reference study).
    """
    expr, groups = _expression(expr, groups, layer, "expression")
    grp = two_groups(groups, expr.index, level=level, reference=reference)
    x = expr.loc[grp.samples].to_numpy(dtype=float)
    mask = grp.in_level.to_numpy()
    a, b = x[mask], x[~mask]
    n1, n2 = len(a), len(b)
    m1, m2 = a.mean(axis=0), b.mean(axis=0)
    v1, v2 = a.var(axis=0, ddof=1), b.var(axis=0, ddof=1)
    if equal_var:
        df = np.full(x.shape[1], n1 + n2 - 2.0)
        pooled = ((n1 - 1) * v1 + (n2 - 1) * v2) / df
        se = np.sqrt(pooled * (1 / n1 + 1 / n2))
    else:
        q1, q2 = v1 / n1, v2 / n2
        se = np.sqrt(q1 + q2)
        with np.errstate(divide="ignore", invalid="ignore"):
            df = (q1 + q2) ** 2 / (q1 ** 2 / (n1 - 1) + q2 ** 2 / (n2 - 1))
    with np.errstate(divide="ignore", invalid="ignore"):
        t = (m1 - m2) / se
    p = 2 * stats.t.sf(np.abs(t), df)
    constant = se == 0
    if constant.any():
        warnings.warn(f"t-test: {int(constant.sum())} gene(s) constant within both groups; "
                      "their t and p are missing", stacklevel=2)
        t[constant], p[constant] = np.nan, np.nan
    table = pd.DataFrame({"log2fc": m1 - m2, "average_expression": x.mean(axis=0),
                          "statistic": t, "p_value": p, "p_adj": bh_adjust(p),
                          "mean_level": m1, "mean_reference": m2, "df": df},
                         index=expr.columns)
    return _finish(table, "ttest", grp, fc_threshold, alpha,
                   {"test": "student" if equal_var else "welch"})


# ---------------------------------------------------------------------------------------
# (b) limma moderated t on voom
# ---------------------------------------------------------------------------------------

def group_design(grp: TwoGroups) -> pd.DataFrame:
    """Design ``~ group``: an intercept and an indicator of the level (reference = 0)."""
    return pd.DataFrame({"Intercept": 1.0, grp.level: grp.in_level.astype(float)},
                        index=grp.samples)


def limma_dge(expr, groups, *, level: str, reference: str | None = None, weights=None,
              trend: bool = False, proportion: float = 0.01, fc_threshold: float = 2.0,
              alpha: float = 0.05, layer: str | None = None) -> DGEResult:
    """limma moderated t-test: weighted ``lm_fit`` + ``ebayes`` + ``topTable``.

    Parameters
    ----------
    expr
        voom log2-CPM, **samples × genes** (``omics.rnaseq.voom(...).E``), as a DataFrame,
        an AnnData (``.X`` or ``layer``) or an array.
    weights
        voom precision weights, samples × genes (``None``: unweighted, e.g. limma-trend);
        with an AnnData, the name of the layer holding them (``tl.voom`` writes
        ``"voom_weights"``).
    groups, level, reference
        As :func:`ttest_dge`; the design is ``~ group`` (intercept + level indicator).
    trend
        limma-trend: prior variance trended on average expression.
    proportion
        Prior proportion of DE genes for the ``B`` statistic.
    fc_threshold, alpha
        Thresholds of the ``significant`` column.
    layer
        AnnData layer holding the log-expression (default ``.X``).

    Returns
    -------
    DGEResult
        ``statistic`` is the moderated t, ``p_adj`` limma's ``adj.P.Val`` (BH), extra
        column ``B`` (log-odds). ``model`` is the :class:`EBayesFit`; limma's own
        column names come from :func:`omics.expression.limma.top_table`.

    References
    ----------
    Law CW et al. (2014). voom: precision weights unlock linear model analysis tools for
    RNA-seq read counts. Genome Biol 15, R29.
    Smyth GK (2004). Stat Appl Genet Mol Biol 3, Article 3.
    Ritchie ME et al. (2015). Nucleic Acids Res 43, e47.
    """
    from omics.data.convert import is_anndata
    from omics.rnaseq import lm_fit

    weight_source = expr if isinstance(weights, str) else weights
    if isinstance(weights, str) and not is_anndata(expr):
        raise InputError(f"weights: a layer name ({weights!r}) needs an AnnData expression input")
    expr, groups = _expression(expr, groups, layer, "expression")
    grp = two_groups(groups, expr.index, level=level, reference=reference)
    e = expr.loc[grp.samples]
    w = None
    if weights is not None:
        w = as_samples_by_features(weight_source, layer=weights if isinstance(weights, str) else None,
                                   source="weights")
        missing_s = grp.samples.difference(w.index)
        missing_g = e.columns.difference(w.columns)
        if len(missing_s) or len(missing_g):
            raise InputError(f"weights: {len(missing_s)} sample(s) and {len(missing_g)} gene(s) of "
                             "the expression table are missing from the weights table")
        w = w.loc[grp.samples, e.columns]
    design = group_design(grp)
    eb = ebayes(lm_fit(e, design=design, weights=w), proportion=proportion, trend=trend)
    tt = top_table(eb, coef=grp.level, sort_by="none")
    table = pd.DataFrame({"log2fc": tt["logFC"], "average_expression": tt["AveExpr"],
                          "statistic": tt["t"], "p_value": tt["P.Value"],
                          "p_adj": tt["adj.P.Val"], "B": tt["B"]})
    return _finish(table, "limma", grp, fc_threshold, alpha,
                   {"weighted": weights is not None, "trend": trend, "proportion": proportion},
                   model=eb)


# ---------------------------------------------------------------------------------------
# (c) DESeq2 through pydeseq2
# ---------------------------------------------------------------------------------------

def deseq2_dge(counts, groups, *, level: str, reference: str | None = None,
               n_cpus: int = 1, refit_cooks: bool = True, independent_filter: bool = True,
               fc_threshold: float = 2.0, alpha: float = 0.05, layer: str | None = None) -> DGEResult:
    """DESeq2 Wald test on raw counts, through pydeseq2 (design ``~ group``).

    Parameters
    ----------
    counts
        Raw integer counts, **samples × genes** (transpose a genes × samples file): a
        DataFrame, an AnnData (``.X`` or ``layer``, e.g. ``"counts"``) or an array.
    groups, level, reference
        As :func:`ttest_dge`.
    n_cpus
        Worker processes of pydeseq2 (default 1: no process pool).
    refit_cooks, independent_filter
        DESeq2's outlier refit and independent filtering of adjusted p-values (both on,
        as DESeq2's defaults).
    fc_threshold, alpha
        Thresholds of the ``significant`` column; ``alpha`` is also DESeq2's
        independent-filtering target.

    Returns
    -------
    DGEResult
        ``log2fc`` = DESeq2 ``log2FoldChange`` (MLE, unshrunken), ``statistic`` the Wald
        statistic, ``average_expression`` = log2(baseMean + 1); extra columns
        ``base_mean`` and ``lfc_se``. Adjusted p-values are missing where DESeq2 filters.

    References
    ----------
    Love MI, Huber W, Anders S (2014). Moderated estimation of fold change and
    dispersion for RNA-seq data with DESeq2. Genome Biol 15, 550.
    Muzellec B, Teleńczuk M, Cabeli V, Andreux M (2023). PyDESeq2: a python package for
    bulk RNA-seq differential expression analysis. Bioinformatics 39, btad547.
    """
    from pydeseq2.dds import DeseqDataSet
    from pydeseq2.default_inference import DefaultInference
    from pydeseq2.ds import DeseqStats

    if n_cpus < 1:
        raise InputError(f"n_cpus must be >= 1, got {n_cpus}")
    counts, groups = _expression(counts, groups, layer, "counts")
    check_counts(counts, source="counts")
    grp = two_groups(groups, counts.index, level=level, reference=reference)
    y = counts.loc[grp.samples].round().astype(np.int64)
    metadata = pd.DataFrame({"group": np.where(grp.in_level, "level", "reference")},
                            index=grp.samples)
    inference = DefaultInference(n_cpus=n_cpus)
    dds = DeseqDataSet(counts=y, metadata=metadata, design="~group", refit_cooks=refit_cooks,
                       inference=inference, quiet=True)
    dds.deseq2()
    ds = DeseqStats(dds, contrast=["group", "level", "reference"], alpha=alpha,
                    independent_filter=independent_filter, inference=inference, quiet=True)
    ds.summary()
    res = ds.results_df.reindex(y.columns)
    table = pd.DataFrame({"log2fc": res["log2FoldChange"],
                          "average_expression": np.log2(res["baseMean"] + 1.0),
                          "statistic": res["stat"], "p_value": res["pvalue"], "p_adj": res["padj"],
                          "base_mean": res["baseMean"], "lfc_se": res["lfcSE"]})
    return _finish(table, "deseq2", grp, fc_threshold, alpha,
                   {"n_cpus": n_cpus, "refit_cooks": refit_cooks,
                    "independent_filter": independent_filter}, model=ds)


def differential_expression(data, groups, *, level: str,
                            method: str = "ttest", **kwargs) -> DGEResult:
    """Dispatch to :func:`ttest_dge`, :func:`limma_dge` or :func:`deseq2_dge`.

    ``data`` is voom log2-CPM for ``"ttest"``/``"limma"`` and raw counts for
    ``"deseq2"`` (**samples × genes**; DataFrame, AnnData with ``layer=``, or array);
    other keyword arguments go to the method.

    References
    ----------
    Ritchie ME et al. (2015). Nucleic Acids Res 43, e47 (limma).
    Love MI, Huber W, Anders S (2014). Genome Biol 15, 550 (DESeq2).
    """
    funcs = {"ttest": ttest_dge, "limma": limma_dge, "deseq2": deseq2_dge}
    if method not in funcs:
        raise InputError(f"unknown DGE method {method!r}; choose one of {list(funcs)}")
    return funcs[method](data, groups, level=level, **kwargs)
