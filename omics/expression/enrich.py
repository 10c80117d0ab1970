"""Gene-set enrichment of a DGE result: pre-ranked GSEA and over-representation (gseapy).

Gene sets come from the user (GMT files, read offline with
:func:`omics.data.readers.read_gmt`, or a dict);
the package ships no MSigDB or CIBERSORT data. :func:`signature_gene_sets` turns a
signature matrix such as CIBERSORT LM22 (genes × cell types) into gene sets.

Results are tidy: one row per gene set, numbers as numbers (no ``"12/60"`` strings) and
the leading edge / overlap genes as Python lists.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from omics._result import Result
from omics.data.readers import read_gmt, write_gmt
from omics.data.validate import InputError
from omics.stats.multitest import bh_adjust

__all__ = ["read_gmt", "write_gmt", "signature_gene_sets", "ranking", "gsea_prerank",
           "over_representation", "EnrichmentResult", "RANKING_STATISTICS"]

#: Ranking statistics that :func:`ranking` can build from a DGE table.
RANKING_STATISTICS = ("statistic", "log2fc", "signed_log10_p")


def signature_gene_sets(signature: pd.DataFrame, *, min_fold: float = 2.0, min_size: int = 5,
                        max_size: int | None = 200, log_scale: bool = False) -> dict[str, list[str]]:
    """Gene sets from a signature matrix (genes × cell types), e.g. CIBERSORT LM22.

    The rule: a gene belongs to cell type *c*'s set when its expression in *c* is at
    least ``min_fold`` times the **median** of its expression in the other cell types,
    i.e. ``log2(1 + M[g, c]) − median_{c' ≠ c} log2(1 + M[g, c']) ≥ log2(min_fold)``.
    A gene can mark several cell types. Each set keeps its ``max_size`` genes with the
    largest log-ratio (ties by gene order); sets with fewer than ``min_size`` genes are
    dropped. Set names are ``<cell type>`` with spaces replaced by ``_``.

    Parameters
    ----------
    signature
        Non-negative expression, genes (index) × cell types (columns).
    min_fold
        Fold change over the median of the other cell types (> 1).
    min_size, max_size
        Bounds on the set size (``max_size=None``: no cap).
    log_scale
        ``True`` if the matrix is already log2 (then no ``log2(1 + ·)``).

    References
    ----------
    Newman AM et al. (2015). Robust enumeration of cell subsets from tissue expression
    profiles. Nat Methods 12, 453–457 (LM22).
    """
    if signature.shape[1] < 2:
        raise InputError("signature matrix: needs at least two cell types (columns)")
    values = signature.apply(pd.to_numeric, errors="coerce")
    if values.isna().any().any():
        raise InputError("signature matrix: non-numeric or missing values")
    if min_fold <= 1:
        raise InputError(f"min_fold must be > 1, got {min_fold}")
    if not log_scale and (values.to_numpy() < 0).any():
        raise InputError("signature matrix: negative values; pass log_scale=True for log data")
    logm = values.to_numpy(dtype=float) if log_scale else np.log2(1.0 + values.to_numpy(dtype=float))
    genes = values.index.astype(str)
    sets = {}
    for j, cell in enumerate(values.columns):
        others = np.delete(logm, j, axis=1)
        ratio = logm[:, j] - np.median(others, axis=1)
        chosen = np.flatnonzero(ratio >= np.log2(min_fold))
        chosen = chosen[np.lexsort((chosen, -ratio[chosen]))]
        if max_size is not None:
            chosen = chosen[:max_size]
        if len(chosen) >= min_size:
            sets[str(cell).replace(" ", "_")] = list(genes[chosen])
    return sets


def ranking(dge_table: pd.DataFrame, *, by: str = "statistic") -> pd.Series:
    """A ranking of genes from a DGE table (index ``gene``), highest first.

    ``by``: ``"statistic"`` (t / moderated t / Wald; default), ``"log2fc"``, or
    ``"signed_log10_p"`` = ``sign(log2fc) · −log10(p_value)``. Genes with a missing
    value are left out.

    References
    ----------
    Subramanian A et al. (2005). PNAS 102, 15545–15550 (pre-ranked GSEA).
    """
    if by not in RANKING_STATISTICS:
        raise InputError(f"ranking statistic must be one of {RANKING_STATISTICS}, got {by!r}")
    table = dge_table.set_index("gene") if "gene" in dge_table.columns else dge_table
    if by == "signed_log10_p":
        values = np.sign(table["log2fc"]) * -np.log10(table["p_value"].clip(lower=1e-300))
    else:
        values = table[by]
    values = values.astype(float).dropna()
    return values.sort_values(ascending=False, kind="stable").rename(by)


@dataclass(repr=False)
class EnrichmentResult(Result):
    """Tidy enrichment table plus the settings that produced it.

    ``table`` has one row per gene set (sorted by adjusted p). GSEA columns:
    ``gene_set, set_size, es, nes, p_value, fdr, fwer, at_bound, leading_edge, n_leading_edge,
    n_up, n_down, n_positive, n_negative, prop_positive, direction``. A permutation p of 0
    only says that no permutation was as extreme: such ``p_value``/``fdr``/``fwer`` hold the
    permutation bound ``1 / (permutations + 1)`` instead, ``at_bound`` is True, and the
    reading is "p < bound" (see :attr:`footnote`). ORA columns:
    ``gene_set, set_size, n_overlap, overlap_genes, p_value, p_adj, odds_ratio, n_up,
    n_down, n_positive, n_negative, prop_positive, direction``. ``n_up``/``n_down``
    count the set's significant DGE genes; ``n_positive``/``n_negative`` the set's genes
    with log2FC > 0 / < 0 (``prop_positive`` = share activated in the level of interest).
    """

    table: pd.DataFrame
    method: str
    parameters: dict = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        """The table with list columns joined by ``;`` (for CSV)."""
        out = self.table.copy()
        for col in ("leading_edge", "overlap_genes"):
            if col in out:
                out[col] = out[col].map(lambda genes: ";".join(genes))
        return out

    def significant(self, *, alpha: float = 0.05) -> pd.DataFrame:
        column = "fdr" if self.method == "gsea" else "p_adj"
        return self.table[self.table[column] < alpha]

    @property
    def footnote(self) -> str:
        """What the p-values mean (the permutation bound of GSEA), for table footnotes."""
        if self.method != "gsea":
            return "One-sided hypergeometric p; p_adj = Benjamini–Hochberg."
        permutations = self.parameters.get("permutations")
        bound = 1.0 / (permutations + 1) if permutations else float("nan")
        n = int(self.table["at_bound"].sum()) if "at_bound" in self.table else 0
        return (f"GSEA with {permutations} permutations: p, FDR and FWER cannot be resolved below "
                f"1/(permutations + 1) = {bound:.2g}; {n} gene set(s) reached that bound "
                f"(at_bound = True) and read p < {bound:.2g}, not p = 0.")

    @property
    def _p_column(self) -> str:
        return "fdr" if self.method == "gsea" else "p_adj"

    @property
    def summary(self) -> pd.DataFrame:
        """One row: method, gene sets tested, sets with adjusted p < 0.05, sets at the
        permutation bound, and the settings."""
        n_bound = int(self.table["at_bound"].sum()) if "at_bound" in self.table else 0
        return pd.DataFrame([{"method": self.method, "n_gene_sets": int(len(self.table)),
                              "n_significant": int((self.table[self._p_column] < 0.05).sum()),
                              "n_at_bound": n_bound, **self.parameters}])

    def write(self, out_dir, *, name: str | None = None) -> dict:
        """Write ``<name>.csv`` and ``<name>_footnote.txt`` (default name ``gsea`` / ``ora``,
        as ``omics gsea``)."""
        from pathlib import Path

        from omics.data.io import write_table, write_text

        out = Path(out_dir)
        stem = name or ("gsea" if self.method == "gsea" else "ora")
        return {"table": write_table(self.to_frame(), out / f"{stem}.csv", index=False),
                "footnote": write_text(self.footnote + "\n", out / f"{stem}_footnote.txt")}

    def _short(self) -> str:
        column = self._p_column
        n_sig = int((self.table[column] < 0.05).sum())
        return f"{self.method}: {len(self.table)} gene sets, {n_sig} with {column} < 0.05"

    def __repr__(self) -> str:
        # the headline plus the five best sets: what a user wants to see at a glance
        column = self._p_column
        top = self.table.head(5)
        lines = [f"  {r.gene_set}: {'NES' if self.method == 'gsea' else 'overlap'} "
                 f"{r.nes if self.method == 'gsea' else r.n_overlap:.3g}, {column} "
                 f"{'< ' if getattr(r, 'at_bound', False) else ''}{getattr(r, column):.3g}"
                 for r in top.itertuples(index=False)]
        return "\n".join([f"EnrichmentResult({self._short()})", *lines])


def _set_counts(genes: list[str], dge: pd.DataFrame) -> dict:
    sub = dge.reindex([g for g in genes if g in dge.index])
    n_pos = int((sub["log2fc"] > 0).sum())
    n_neg = int((sub["log2fc"] < 0).sum())
    return {"n_up": int((sub["direction"] == "up").sum()),
            "n_down": int((sub["direction"] == "down").sum()),
            "n_positive": n_pos, "n_negative": n_neg,
            "prop_positive": n_pos / len(sub) if len(sub) else np.nan}


def _dge_index(dge_table) -> pd.DataFrame:
    if hasattr(dge_table, "groups") and isinstance(getattr(dge_table, "table", None), pd.DataFrame):
        dge_table = dge_table.table                 # a DGEResult itself
    if not isinstance(dge_table, pd.DataFrame):
        raise InputError("DGE table: expected a DGEResult or its table (a DataFrame)")
    table = dge_table.set_index("gene") if "gene" in dge_table.columns else dge_table
    missing = {"log2fc", "p_value", "direction"} - set(table.columns)
    if missing:
        raise InputError(f"DGE table: missing column(s) {sorted(missing)} (use a DGEResult table)")
    return table


def _check_sets(gene_sets) -> dict[str, list[str]]:
    if isinstance(gene_sets, (str, os.PathLike)):
        return read_gmt(gene_sets)
    if not isinstance(gene_sets, dict) or not gene_sets:
        raise InputError("gene_sets: give a GMT path or a non-empty dict name -> genes")
    return {str(k): list(dict.fromkeys(map(str, v))) for k, v in gene_sets.items()}


def _check_set_sizes(sets: dict[str, list[str]], genes, min_size: int, max_size: int) -> None:
    """Refuse gene sets of which none keeps min_size..max_size genes of the ranking (gseapy
    would raise a bare LookupError), saying whether the identifiers may be of another kind."""
    genes = set(map(str, genes))
    shared = {name: len(genes.intersection(members)) for name, members in sets.items()}
    if not any(min_size <= n <= max_size for n in shared.values()):
        most = max(shared.values())
        hint = "; are the gene identifiers of the same kind?" if not most else ""
        raise InputError(f"gene sets: none has {min_size}-{max_size} genes of the DGE table "
                         f"(at most {most} shared{hint})")


def gsea_prerank(dge_table: pd.DataFrame, gene_sets, *, rank_by: str = "statistic",
                 min_size: int = 15, max_size: int = 500, permutations: int = 1000,
                 weight: float = 1.0, seed: int = 0, threads: int = 1) -> EnrichmentResult:
    """Pre-ranked GSEA (gseapy ``prerank``) on a ranking built from a DGE table.

    Parameters
    ----------
    dge_table
        A :class:`~omics.expression.dge.DGEResult` or its table (index or column ``gene``).
    gene_sets
        GMT path or dict name → genes (offline; no library download).
    rank_by
        See :func:`ranking`.
    min_size, max_size
        Set-size bounds after restricting to ranked genes (GSEA defaults 15–500).
    permutations
        Gene-set permutations for the null distribution.
    weight
        Weighted KS exponent *p* (1 = classic GSEA).
    seed, threads
        Seed of the permutations (results are identical for a given seed and thread count).

    Returns
    -------
    EnrichmentResult
        ``es``, ``nes``, nominal ``p_value``, ``fdr`` (GSEA FDR q-value), ``fwer``, the
        leading edge as a list, set size, and DGE up/down counts in the set. Values below
        the permutation bound ``1/(permutations + 1)`` (gseapy reports 0) are set to the
        bound and flagged in ``at_bound``: read them as "p < bound".

    References
    ----------
    Subramanian A et al. (2005). Gene set enrichment analysis. PNAS 102, 15545–15550.
    Fang Z, Liu X, Peltz G (2023). GSEApy. Bioinformatics 39, btac757.
    """
    import gseapy

    dge = _dge_index(dge_table)
    sets = _check_sets(gene_sets)
    rnk = ranking(dge, by=rank_by)
    if rnk.index.duplicated().any():
        raise InputError("DGE table: duplicated gene names")
    _check_set_sizes(sets, rnk.index, min_size, max_size)
    res = gseapy.prerank(rnk=rnk, gene_sets=sets, min_size=min_size, max_size=max_size,
                         permutation_num=permutations, weight=weight, seed=seed,
                         threads=threads, outdir=None, no_plot=True, verbose=False)
    raw = res.res2d
    rows = []
    ranked = set(rnk.index)
    for _, r in raw.iterrows():
        name = str(r["Term"])
        members = [g for g in sets[name] if g in ranked]
        lead = [g for g in str(r["Lead_genes"]).split(";") if g]
        rows.append({"gene_set": name, "set_size": len(members), "es": float(r["ES"]),
                     "nes": float(r["NES"]), "p_value": float(r["NOM p-val"]),
                     "fdr": float(r["FDR q-val"]), "fwer": float(r["FWER p-val"]),
                     "leading_edge": lead, "n_leading_edge": len(lead),
                     **_set_counts(members, dge)})
    table = pd.DataFrame(rows)
    if table.empty:
        raise InputError(f"GSEA: no gene set has between {min_size} and {max_size} ranked genes")
    table["direction"] = np.where(table["nes"] > 0, "activated", "inhibited")
    bound = 1.0 / (permutations + 1)
    table.insert(table.columns.get_loc("fwer") + 1, "at_bound", (table[["p_value", "fdr", "fwer"]] < bound).any(axis=1))
    for col in ("p_value", "fdr", "fwer"):
        table[col] = table[col].clip(lower=bound)   # p = 0 means "below the permutation bound"
    table = table.sort_values(["fdr", "p_value", "gene_set"], kind="stable").reset_index(drop=True)
    return EnrichmentResult(table, "gsea", {"rank_by": rank_by, "min_size": min_size,
                                            "max_size": max_size, "permutations": permutations,
                                            "weight": weight, "seed": seed, "threads": threads})


def over_representation(dge_table: pd.DataFrame, gene_sets, *, genes: str = "significant",
                        min_size: int = 5, max_size: int = 500) -> EnrichmentResult:
    """Over-representation of DGE genes in gene sets (gseapy ``enrich``, hypergeometric).

    Parameters
    ----------
    dge_table
        A DGE table; its genes are the background (universe).
    gene_sets
        GMT path or dict name → genes.
    genes
        Which genes are tested: ``"significant"`` (up and down), ``"up"`` or ``"down"``.
    min_size, max_size
        Set-size bounds within the background.

    Returns
    -------
    EnrichmentResult
        One-sided hypergeometric ``p_value`` (gseapy), ``p_adj`` = Benjamini–Hochberg over
        **every** tested set (sets without overlap count with p = 1), the overlap size and
        genes, the odds ratio and DGE up/down counts in the set.

    References
    ----------
    Fang Z, Liu X, Peltz G (2023). GSEApy. Bioinformatics 39, btac757.
    Benjamini Y, Hochberg Y (1995). J R Stat Soc B 57, 289–300.
    """
    import gseapy

    dge = _dge_index(dge_table)
    sets = _check_sets(gene_sets)
    choices = {"significant": dge["direction"].isin(["up", "down"]),
               "up": dge["direction"] == "up", "down": dge["direction"] == "down"}
    if genes not in choices:
        raise InputError(f"genes must be one of {list(choices)}, got {genes!r}")
    query = list(dge.index[choices[genes]].astype(str))
    if not query:
        raise InputError(f"over-representation: no {genes} genes in the DGE table")
    background = list(dge.index.astype(str))
    universe = set(background)
    tested = {k: [g for g in v if g in universe] for k, v in sets.items()}
    tested = {k: v for k, v in tested.items() if min_size <= len(v) <= max_size}
    if not tested:
        raise InputError(f"over-representation: no gene set has {min_size}–{max_size} genes "
                         "in the background")
    res = gseapy.enrich(gene_list=query, gene_sets=tested, background=background, outdir=None,
                        cutoff=1.0, no_plot=True, verbose=False)
    raw = res.res2d.set_index("Term") if res.res2d is not None and len(res.res2d) else pd.DataFrame()
    query_set = set(query)
    rows = []
    for name, members in tested.items():
        overlap = [g for g in members if g in query_set]
        hit = name in raw.index
        rows.append({"gene_set": name, "set_size": len(members), "n_overlap": len(overlap),
                     "overlap_genes": overlap,
                     "p_value": float(raw.loc[name, "P-value"]) if hit else 1.0,
                     "odds_ratio": float(raw.loc[name, "Odds Ratio"]) if hit else 0.0,
                     **_set_counts(members, dge)})
    table = pd.DataFrame(rows)
    table.insert(5, "p_adj", bh_adjust(table["p_value"].to_numpy()))
    table["direction"] = np.where(table["n_up"] >= table["n_down"], "activated", "inhibited")
    table = table.sort_values(["p_adj", "p_value", "gene_set"], kind="stable").reset_index(drop=True)
    return EnrichmentResult(table, "ora", {"genes": genes, "n_query": len(query),
                                           "n_background": len(background),
                                           "min_size": min_size, "max_size": max_size})
