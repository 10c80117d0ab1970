"""Association of groupings (clusters) with clinical variables — Table 2 of the study.

Tests and how they are chosen (stated in each result's ``test`` column):

*Categorical variable × grouping* (``method="auto"``): Pearson's chi-square test of the
contingency table, with Yates' continuity correction for 2 × 2 tables (R ``chisq.test``
default). When the expected counts are small — any expected count < 1 or more than 20 %
of them < 5 (Cochran's rule) — Fisher's exact test instead: exact for 2 × 2 tables (R
``fisher.test``), and for larger tables a seeded Monte-Carlo p-value over tables with the
observed margins (R ``fisher.test(simulate.p.value = TRUE)``). ``method="chi2"`` forces the
chi-square test (what the study used throughout), ``method="fisher"`` forces Fisher.

*Continuous variable × grouping* (``method="auto"``): Shapiro–Wilk normality test in each
group (groups of 3 to 5,000 values); if no group departs from normality at
``normality_alpha`` (0.05), Welch's t-test (two groups; R ``t.test`` default) or one-way
ANOVA (k > 2 groups); otherwise Mann–Whitney U (two groups; normal approximation with
continuity correction, R ``wilcox.test(exact = FALSE)``) or Kruskal–Wallis (k > 2). The
study's footnote names a "Friedman test" for three independent groups; Friedman is a
test for repeated measures, so Kruskal–Wallis is used here (METHODS S4.5 item 11).

Cells: ``n/N (%)`` for categorical levels (N = patients of the group with a value),
``mean ± SD`` for continuous variables. Stars: * < 0.05, ** < 0.005, *** < 0.001.
Optional Benjamini–Hochberg adjustment over all tests of a table.

References
----------
Cochran WG. Some methods for strengthening the common χ² tests. Biometrics 1954;10:417–451.
Shapiro SS, Wilk MB. An analysis of variance test for normality. Biometrika 1965;52:591–611.
Kruskal WH, Wallis WA. Use of ranks in one-criterion variance analysis. JASA 1952;47:583–621.
Crombé A, Lucchesi C, et al. NPJ Precis Oncol 2024 (Table 2).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from omics._result import Result
from omics.data.validate import InputError
from omics.stats.multitest import bh_adjust, significance_stars

#: Monte-Carlo tables for Fisher's test on tables larger than 2 × 2.
FISHER_MC_RESAMPLES = 20_000


@dataclass(frozen=True)
class TestResult:
    """One association test."""

    test: str
    statistic: float
    df: float
    p_value: float
    note: str = ""


def _clean(groups, values, what: str):
    g = pd.Series(groups).reset_index(drop=True)
    v = pd.Series(values).reset_index(drop=True)
    if len(g) != len(v):
        raise InputError(f"{what}: groups ({len(g)}) and values ({len(v)}) differ in length")
    blank = lambda s: s.isna() | (s.astype(str).str.strip() == "")  # noqa: E731
    keep = ~(blank(g) | blank(v))
    return g[keep].astype(str), v[keep]


def categorical_test(groups, values, *, method: str = "auto", seed: int = 0) -> TestResult:
    """Chi-square or Fisher test of independence of two categorical variables.

    Parameters
    ----------
    groups, values
        One label per patient each; missing values are left out.
    method
        ``"auto"`` (chi-square unless expected counts are small, then Fisher),
        ``"chi2"`` or ``"fisher"``.
    seed
        Seed of the Monte-Carlo Fisher test (tables larger than 2 × 2).

    Returns
    -------
    TestResult
    """
    g, v = _clean(groups, values, "categorical_test")
    table = pd.crosstab(v, g)
    if table.shape[0] < 2 or table.shape[1] < 2:
        return TestResult("none", np.nan, np.nan, np.nan,
                          f"fewer than two levels ({table.shape[0]} values × {table.shape[1]} groups)")
    obs = table.to_numpy()
    expected = stats.contingency.expected_freq(obs)
    small = (expected < 1).any() or (expected < 5).mean() > 0.2
    if method not in ("auto", "chi2", "fisher"):
        raise ValueError(f"method must be 'auto', 'chi2' or 'fisher', got {method!r}")
    use_fisher = method == "fisher" or (method == "auto" and small)
    if use_fisher:
        if obs.shape == (2, 2):
            res = stats.fisher_exact(obs)
            return TestResult("Fisher exact", np.nan, np.nan, float(res.pvalue),
                              "expected counts < 5" if small else "")
        mc = stats.MonteCarloMethod(n_resamples=FISHER_MC_RESAMPLES, rng=np.random.default_rng(seed))
        res = stats.fisher_exact(obs, method=mc)
        return TestResult("Fisher exact (Monte-Carlo)", np.nan, np.nan, float(res.pvalue),
                          f"{FISHER_MC_RESAMPLES} random tables, seed {seed}")
    chi2, p, dof, _ = stats.chi2_contingency(obs, correction=True)
    name = "chi-square (Yates)" if obs.shape == (2, 2) else "chi-square"
    return TestResult(name, float(chi2), float(dof), float(p),
                      "expected counts < 5" if small else "")


def continuous_test(groups, values, *, method: str = "auto", normality_alpha: float = 0.05) -> TestResult:
    """Compare a continuous variable between groups (t/ANOVA or Mann–Whitney/Kruskal–Wallis).

    Parameters
    ----------
    method
        ``"auto"`` (by Shapiro–Wilk), ``"parametric"`` or ``"nonparametric"``.
    normality_alpha
        Level of the Shapiro–Wilk tests.
    """
    g, v = _clean(groups, values, "continuous_test")
    v = pd.to_numeric(v, errors="coerce")
    if v.isna().any():
        raise InputError("continuous_test: non-numeric values")
    samples = [v[g == lev].to_numpy(float) for lev in sorted(g.unique())]
    samples = [s for s in samples if s.size]
    if len(samples) < 2:
        return TestResult("none", np.nan, np.nan, np.nan, "fewer than two groups")
    if method not in ("auto", "parametric", "nonparametric"):
        raise ValueError(f"method must be 'auto', 'parametric' or 'nonparametric', got {method!r}")
    note = ""
    if method == "auto":
        normal = True
        for s in samples:
            if 3 <= s.size <= 5000 and np.ptp(s) > 0:
                if stats.shapiro(s).pvalue < normality_alpha:
                    normal = False
        parametric = normal
        note = f"Shapiro–Wilk {'not ' if normal else ''}rejected at {normality_alpha}"
    else:
        parametric = method == "parametric"
    if len(samples) == 2:
        if parametric:
            res = stats.ttest_ind(samples[0], samples[1], equal_var=False)
            return TestResult("Welch t-test", float(res.statistic), float(res.df), float(res.pvalue), note)
        res = stats.mannwhitneyu(samples[0], samples[1], use_continuity=True, method="asymptotic")
        return TestResult("Mann–Whitney U", float(res.statistic), np.nan, float(res.pvalue), note)
    if parametric:
        res = stats.f_oneway(*samples)
        df = (len(samples) - 1, sum(s.size for s in samples) - len(samples))
        return TestResult("one-way ANOVA", float(res.statistic), float(df[0]), float(res.pvalue), note)
    res = stats.kruskal(*samples)
    return TestResult("Kruskal–Wallis", float(res.statistic), float(len(samples) - 1), float(res.pvalue), note)


@dataclass(repr=False)
class AssociationTable(Result):
    """Associations of groupings with variables (or cohort characteristics by subset).

    Attributes
    ----------
    cells : pandas.DataFrame
        Long format: ``grouping, group, variable, level, n, total, percent, mean, sd,
        median, cell`` (``level`` empty for continuous variables).
    tests : pandas.DataFrame
        ``grouping, variable, kind, test, statistic, df, p, p_adj, stars, note``.
    kind : str
        ``"association"`` (:func:`association_table`) or ``"characteristics"``
        (:func:`characteristics_table`): the stem of the written files.
    subsets : dict
        ``{subset: number of patients}`` of a characteristics table.
    compare : tuple or None
        The two subsets tested against each other (characteristics table).
    """

    cells: pd.DataFrame
    tests: pd.DataFrame
    kind: str = "association"
    subsets: dict = field(default_factory=dict)
    compare: tuple | None = None

    def to_frame(self) -> pd.DataFrame:
        """The tests, one row per grouping and variable (tidy)."""
        return self.tests.copy()

    @property
    def summary(self) -> pd.DataFrame:
        """The wide table a reader scans (:meth:`wide`)."""
        return self.wide()

    def footnotes(self) -> list[str]:
        """Footnotes of the rendered table (which test for which variable; subset sizes)."""
        from omics.report.tables import association_footnotes, characteristics_footnotes

        return characteristics_footnotes(self) if self.kind == "characteristics" else association_footnotes(self)

    def write(self, out_dir, *, title: str | None = None) -> dict:
        """Write ``<kind>_tests.csv``, ``<kind>_cells.csv`` and the rendered study table
        ``table_<kind>.{csv,md,html}`` (the files of ``omics associate`` / ``characteristics``)."""
        from pathlib import Path

        from omics.data.io import write_table
        from omics.report.tables import association_report, characteristics_report, render_table

        out = Path(out_dir)
        paths = {"tests": write_table(self.tests, out / f"{self.kind}_tests.csv", index=False),
                 "cells": write_table(self.cells, out / f"{self.kind}_cells.csv", index=False)}
        report = characteristics_report(self) if self.kind == "characteristics" else association_report(self)
        for p in render_table(report, out, f"table_{self.kind}", title=title, footnotes=self.footnotes()):
            paths[f"table_{p.suffix.lstrip('.')}"] = p
        return paths

    def _short(self) -> str:
        return (f"{self.kind}: {self.tests['grouping'].nunique()} grouping(s) × "
                f"{self.cells['variable'].nunique()} variable(s); "
                f"{int((self.tests['p'] < 0.05).sum())} test(s) with p < 0.05")

    def wide(self) -> pd.DataFrame:
        """Wide table: rows ``variable, level``; per grouping a column per group and ``p``."""
        wide = self.cells.pivot_table(index=["variable", "level"], columns=["grouping", "group"],
                                      values="cell", aggfunc="first", sort=False)
        wide.columns = [f"{a}: {b}" for a, b in wide.columns]
        # a characteristics table's cells are grouped by "subset" while its test is named
        # "<a> vs <b>": test-only groupings get their p/test columns too
        order = list(dict.fromkeys([*self.cells["grouping"], *self.tests["grouping"]]))
        out = wide.reset_index()
        for grouping in order:
            t = self.tests[self.tests.grouping == grouping].set_index("variable")
            if t.empty:
                continue
            p = out["variable"].map(t["p"])
            first = ~out["variable"].duplicated()
            out[f"{grouping}: p"] = p.where(first)
            out[f"{grouping}: test"] = out["variable"].map(t["test"]).where(first, "")
        cols = ["variable", "level"]
        for grouping in order:
            cols += [c for c in out.columns if c.startswith(f"{grouping}: ")]
        out = out[cols]
        text = [c for c in cols if out[c].dtype == object]
        out[text] = out[text].fillna("")       # blank, not NaN, where a cell is empty (text columns)
        return out


def _is_categorical(s: pd.Series) -> bool:
    return not pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s) or s.dropna().nunique() <= 2


def association_table(data: pd.DataFrame, groupings: Sequence[str], variables: Sequence[str],
                      *, categorical: Sequence[str] | None = None,
                      categorical_method: str = "auto", continuous_method: str = "auto",
                      normality_alpha: float = 0.05, adjust: str | None = None,
                      level_order: Mapping[str, Sequence[str]] | None = None, digits: int = 1,
                      seed: int = 0) -> AssociationTable:
    """Test every grouping against every variable and tabulate the groups.

    Parameters
    ----------
    data
        One row per patient with the grouping and variable columns.
    groupings
        Columns of group labels (e.g. ``hrf``, ``rna``).
    variables
        Clinical columns to describe and test.
    categorical
        Variables to treat as categorical; by default non-numeric columns and numeric
        columns with at most two distinct values (0/1 flags).
    categorical_method, continuous_method, normality_alpha
        Test choice (see the module docstring).
    adjust
        ``"BH"`` to add Benjamini–Hochberg adjusted p-values over the whole table.
    level_order
        Order of the levels of categorical variables (default sorted).
    digits
        Decimals of percentages, means and SDs in the cells.
    seed
        Seed of Monte-Carlo Fisher tests.

    Returns
    -------
    AssociationTable

    Raises
    ------
    InputError
        A grouping or variable column is missing.
    """
    missing = [c for c in [*groupings, *variables] if c not in data.columns]
    if missing:
        raise InputError(f"association_table: column(s) {missing} not found; available: "
                         f"{', '.join(map(str, data.columns[:20]))}")
    categorical = set(categorical) if categorical is not None else {v for v in variables if _is_categorical(data[v])}
    level_order = dict(level_order or {})
    cells, tests = [], []
    for grouping in groupings:
        g_all = data[grouping]
        has_group = g_all.notna() & (g_all.astype(str).str.strip() != "")
        group_levels = sorted(g_all[has_group].astype(str).unique())
        for var in variables:
            if var == grouping:
                continue
            vals = data[var]
            present = has_group & vals.notna() & (vals.astype(str).str.strip() != "")
            g, v = g_all[present].astype(str), vals[present]
            if var in categorical:
                v = v.astype(str) if not pd.api.types.is_float_dtype(v) else v.map(lambda x: f"{x:g}")
                levels = list(level_order.get(var, sorted(v.unique())))
                for grp in group_levels:
                    in_g = g == grp
                    total = int(in_g.sum())
                    for lev in levels:
                        k = int((v[in_g] == lev).sum())
                        pct = 100.0 * k / total if total else np.nan
                        cells.append({"grouping": grouping, "group": grp, "variable": var, "level": lev,
                                      "n": k, "total": total, "percent": pct, "mean": np.nan,
                                      "sd": np.nan, "median": np.nan,
                                      "cell": f"{k}/{total} ({pct:.{digits}f})" if total else "0/0"})
                res = categorical_test(g, v, method=categorical_method, seed=seed)
                kind = "categorical"
            else:
                v = pd.to_numeric(v, errors="coerce")
                if v.isna().any():
                    bad = list(data.index[present][v.isna().to_numpy()][:5])
                    raise InputError(f"association_table: variable {var!r} is not numeric for {bad}; "
                                     "list it in `categorical`")
                for grp in group_levels:
                    x = v[g == grp].to_numpy(float)
                    mean, sd = (x.mean(), x.std(ddof=1)) if x.size > 1 else (x.mean() if x.size else np.nan, np.nan)
                    cells.append({"grouping": grouping, "group": grp, "variable": var, "level": "",
                                  "n": int(x.size), "total": int(x.size), "percent": np.nan,
                                  "mean": mean, "sd": sd, "median": np.median(x) if x.size else np.nan,
                                  "cell": f"{mean:.{digits}f} ± {sd:.{digits}f}"})
                res = continuous_test(g, v, method=continuous_method, normality_alpha=normality_alpha)
                kind = "continuous"
            tests.append({"grouping": grouping, "variable": var, "kind": kind, "test": res.test,
                          "statistic": res.statistic, "df": res.df, "p": res.p_value,
                          "n": int(present.sum()), "note": res.note})
    tests = pd.DataFrame(tests, columns=["grouping", "variable", "kind", "test", "statistic", "df",
                                         "p", "n", "note"])
    if adjust in ("BH", "fdr"):
        tests["p_adj"] = bh_adjust(tests["p"].to_numpy())
    elif adjust in (None, "none"):
        tests["p_adj"] = np.nan
    else:
        raise ValueError(f"adjust must be 'BH' or None, got {adjust!r}")
    p_for_stars = tests["p_adj"] if adjust else tests["p"]
    tests["stars"] = [significance_stars(p) for p in p_for_stars]
    return AssociationTable(pd.DataFrame(cells), tests)


def characteristics_table(data: pd.DataFrame, subsets: Mapping[str, Sequence[bool] | pd.Series],
                          variables: Sequence[str], *, compare: tuple[str, str] | None = None,
                          categorical: Sequence[str] | None = None, categorical_method: str = "auto",
                          continuous_method: str = "auto", digits: int = 1,
                          level_order: Mapping[str, Sequence[str]] | None = None,
                          seed: int = 0) -> AssociationTable:
    """Cohort characteristics by (possibly overlapping) subsets — Table 1 of the study.

    Parameters
    ----------
    data
        One row per patient.
    subsets
        ``{name: boolean mask}``, e.g. ``{"All": all, "RNA-seq": has_rna, "Training": …,
        "Testing": …}``; subsets may overlap.
    variables
        Columns to describe.
    compare
        Two *disjoint* subsets to test against each other (e.g. training vs testing);
        tests as in :func:`association_table`.

    Returns
    -------
    AssociationTable
        ``cells`` with ``grouping = "subset"``, ``group`` = subset name; continuous
        variables get two rows (``level`` ``"mean ± SD"`` and ``"median (range)"``);
        ``tests`` holds the comparison (if any).
    """
    missing = [c for c in variables if c not in data.columns]
    if missing:
        raise InputError(f"characteristics_table: column(s) {missing} not found")
    masks = {}
    for name, mask in subsets.items():
        m = pd.Series(np.asarray(mask, dtype=bool), index=data.index) if not isinstance(mask, pd.Series) \
            else mask.reindex(data.index).fillna(False).astype(bool)
        masks[name] = m
    categorical = set(categorical) if categorical is not None else {v for v in variables if _is_categorical(data[v])}
    level_order = dict(level_order or {})
    cells = []
    for var in variables:
        vals = data[var]
        present = vals.notna() & (vals.astype(str).str.strip() != "")
        for name, m in masks.items():
            v = vals[m & present]
            if var in categorical:
                v = v.astype(str) if not pd.api.types.is_float_dtype(v) else v.map(lambda x: f"{x:g}")
                levels = list(level_order.get(var, sorted(vals[present].astype(str).unique()
                                                          if not pd.api.types.is_float_dtype(vals)
                                                          else vals[present].map(lambda x: f"{x:g}").unique())))
                total = int(v.size)
                for lev in levels:
                    k = int((v == lev).sum())
                    pct = 100.0 * k / total if total else np.nan
                    cells.append({"grouping": "subset", "group": name, "variable": var, "level": lev,
                                  "n": k, "total": total, "percent": pct, "mean": np.nan, "sd": np.nan,
                                  "median": np.nan, "cell": f"{k}/{total} ({pct:.{digits}f})" if total else "0/0"})
            else:
                x = pd.to_numeric(v).to_numpy(float)
                mean = x.mean() if x.size else np.nan
                sd = x.std(ddof=1) if x.size > 1 else np.nan
                med = np.median(x) if x.size else np.nan
                base = {"grouping": "subset", "group": name, "variable": var, "n": int(x.size),
                        "total": int(x.size), "percent": np.nan, "mean": mean, "sd": sd, "median": med}
                cells.append({**base, "level": "mean ± SD", "cell": f"{mean:.{digits}f} ± {sd:.{digits}f}"})
                rng = f"{x.min():g}–{x.max():g}" if x.size else ""
                cells.append({**base, "level": "median (range)", "cell": f"{med:g} ({rng})"})
    tests = []
    if compare is not None:
        a, b = compare
        for name in (a, b):
            if name not in masks:
                raise InputError(f"characteristics_table: compare names unknown subset {name!r}")
        if (masks[a] & masks[b]).any():
            raise InputError(f"characteristics_table: subsets {a!r} and {b!r} overlap; "
                             "only disjoint subsets can be tested against each other")
        sel = masks[a] | masks[b]
        labels = pd.Series(np.where(masks[a], a, b), index=data.index)[sel]
        for var in variables:
            v = data.loc[sel, var]
            if var in categorical:
                res = categorical_test(labels, v, method=categorical_method, seed=seed)
                kind = "categorical"
            else:
                res = continuous_test(labels, v, method=continuous_method)
                kind = "continuous"
            tests.append({"grouping": f"{a} vs {b}", "variable": var, "kind": kind, "test": res.test,
                          "statistic": res.statistic, "df": res.df, "p": res.p_value,
                          "n": int(sel.sum()), "note": res.note, "p_adj": np.nan,
                          "stars": significance_stars(res.p_value)})
    tests = pd.DataFrame(tests, columns=["grouping", "variable", "kind", "test", "statistic", "df", "p",
                                         "n", "note", "p_adj", "stars"])
    return AssociationTable(pd.DataFrame(cells), tests, kind="characteristics",
                            subsets={k: int(m.sum()) for k, m in masks.items()},
                            compare=tuple(compare) if compare is not None else None)
