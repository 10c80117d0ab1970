"""Paper-style tables of response prediction (formatting only; numbers from omics.predict)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from omics.report.tables import format_ci, format_p, render_table

GRID_FOOTNOTES = (
    "AUC with DeLong 95 % CI; Se = sensitivity, Sp = specificity (%), at a threshold chosen by "
    "Youden's J on training data only (inner-CV predictions of the training rows where the design has one).",
    "train = apparent (refit on all training rows); cv = cross-validated within the training rows; "
    "test / external:<centre> = held-out patients. Misclassification on the last held-out set.",
)


def _set_order(sets) -> list[str]:
    rank = {"train": 0, "cv": 1, "test": 2}
    return sorted(dict.fromkeys(sets), key=lambda s: (rank.get(s, 3), s))


def performance_grid(summary: pd.DataFrame, *, factors: list[str]) -> pd.DataFrame:
    """S0 Table 2/3 layout from a grid summary (one row per cell × set).

    Columns: the factors, then ``<set> AUC (95 % CI)``, ``<set> Se``, ``<set> Sp`` for every
    set, then the misclassification rate (%) and count of the last held-out set.
    """
    rows = []
    for key, part in summary.groupby(factors, sort=False):
        key = key if isinstance(key, tuple) else (key,)
        row = dict(zip(factors, key))
        by_set = part.set_index("set")
        held_out = None
        for s in _set_order(by_set.index):
            m = by_set.loc[s]
            row[f"{s} AUC (95% CI)"] = format_ci(m["auc"], m["auc_lower"], m["auc_upper"])
            row[f"{s} Se"] = "" if np.isnan(m["sensitivity"]) else f"{100 * m['sensitivity']:.0f}"
            row[f"{s} Sp"] = "" if np.isnan(m["specificity"]) else f"{100 * m['specificity']:.0f}"
            if s not in ("train",):
                held_out = m
        if held_out is not None:
            row["Misclass. %"] = f"{100 * held_out['misclassification_rate']:.0f}"
            row["Misclassified n"] = f"{held_out['misclassified']:.0f}"
        rows.append(row)
    return pd.DataFrame(rows)


def write_grid_report(grid, out) -> dict:
    """``performance_grid.csv|md|html`` for every design of a grid (S0 Tables 2–3)."""
    paths = {}
    table = grid.table()
    for design, part in table.groupby("design", sort=False):
        part = part.dropna(axis=1, how="all").drop(columns=["design"])
        stem = "performance_grid" if table["design"].nunique() == 1 else f"performance_grid_{_stem(design)}"
        files = render_table(part, out, stem, title=f"Diagnostic performance, design {design}",
                             footnotes=GRID_FOOTNOTES)
        paths[stem] = files[0]
    return paths


def _stem(text: str) -> str:
    from omics.data import safe_name
    return safe_name(text.replace(":", "_").replace("+", "_"), what="design")


def metrics_report(summary: pd.DataFrame, *, label_columns=("model",)) -> pd.DataFrame:
    """S1 Tables 3/5 layout: AUC (95 % CI), accuracy, sensitivity, specificity, precision, F1,
    Brier per model × set."""
    out = summary.loc[:, [c for c in label_columns if c in summary.columns] + ["set"]].copy()
    out["AUC (95% CI)"] = [format_ci(a, lo, hi, digits=3) for a, lo, hi in
                          zip(summary["auc"], summary["auc_lower"], summary["auc_upper"])]
    for col, name in [("accuracy", "Accuracy"), ("sensitivity", "Sensitivity"), ("specificity", "Specificity"),
                      ("precision", "Precision"), ("f1", "F1"), ("brier", "Brier")]:
        out[name] = [f"{v:.3f}" if np.isfinite(v) else "" for v in summary[col]]
    return out


def odds_ratio_report(table: pd.DataFrame) -> pd.DataFrame:
    """S1 Table 4 layout from :func:`omics.predict.clinical_logistic` ``.table``."""
    rows = []
    for r in table.itertuples(index=False):
        rows.append({"Variable": r.term,
                     "Univariable OR (95% CI)": format_ci(r.uni_or, r.uni_lower, r.uni_upper, digits=3),
                     "P (uni)": format_p(r.uni_p, stars=False, digits=3),
                     "Multivariable OR (95% CI)": (format_ci(r.multi_or, r.multi_lower, r.multi_upper, digits=3)
                                                   if np.isfinite(r.multi_or) else "–"),
                     "P (multi)": format_p(r.multi_p, stars=False, digits=3) if np.isfinite(r.multi_p) else "–"})
    return pd.DataFrame(rows)


def write_tables(tables: dict, out: str | Path, *, footnotes=()) -> dict:
    """Render ``{stem: (DataFrame, title)}`` to CSV/Markdown/HTML."""
    return {stem: render_table(df, out, stem, title=title, footnotes=footnotes)[0]
            for stem, (df, title) in tables.items()}
