"""Paper-style tables: number formatting and CSV / Markdown / HTML rendering.

Formatting only — the numbers come from the analysis functions (``omics.stats``,
``omics.survival``). Conventions of the reference study: HR (95 % CI) with two decimals,
p-values with four decimals or ``< 0.0001``, stars * < 0.05, ** < 0.005, *** < 0.001,
the reference level shown as ``ref.``.
"""

from __future__ import annotations

import html
import os
from pathlib import Path
from typing import Iterable

import numpy as np
import pandas as pd

from omics.data.io import write_table, write_text
from omics.stats.multitest import significance_stars


def format_p(p: float, *, stars: bool = True, digits: int = 4) -> str:
    """``0.0146*``, ``< 0.0001***``; empty for NaN."""
    if p is None or not np.isfinite(p):
        return ""
    text = f"< {10 ** -digits:.{digits}f}" if p < 10 ** -digits else f"{p:.{digits}f}"
    return text + (significance_stars(p) if stars else "")


def format_ci(est: float, lower: float, upper: float, *, digits: int = 2, scale: float = 1.0) -> str:
    """``2.11 (1.05–4.23)``; empty for NaN estimates."""
    if est is None or not np.isfinite(est):
        return ""
    if not (np.isfinite(lower) and np.isfinite(upper)):
        return f"{est * scale:.{digits}f}"
    return f"{est * scale:.{digits}f} ({lower * scale:.{digits}f}–{upper * scale:.{digits}f})"


def to_markdown(df: pd.DataFrame, *, title: str | None = None, footnotes: Iterable[str] = ()) -> str:
    """GitHub-flavoured Markdown table (no extra dependency), with title and footnotes."""
    cols = [str(c) for c in df.columns]
    esc = lambda v: ("" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v)).replace("|", "\\|")  # noqa: E731
    lines = []
    if title:
        lines += [f"**{title}**", ""]
    lines.append("| " + " | ".join(esc(c) for c in cols) + " |")
    lines.append("|" + "|".join("---" for _ in cols) + "|")
    for row in df.itertuples(index=False):
        lines.append("| " + " | ".join(esc(v) for v in row) + " |")
    notes = [f for f in footnotes if f]
    if notes:
        lines.append("")
        lines += [f"{n}  " for n in notes]
    return "\n".join(lines) + "\n"


def to_html(df: pd.DataFrame, *, title: str | None = None, footnotes: Iterable[str] = ()) -> str:
    """A standalone HTML table with title (caption) and footnotes."""
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in df.columns)
    body = []
    for row in df.itertuples(index=False):
        cells = "".join("<td>{}</td>".format(
            "" if v is None or (isinstance(v, float) and np.isnan(v)) else html.escape(str(v))) for v in row)
        body.append(f"<tr>{cells}</tr>")
    caption = f"<caption>{html.escape(title)}</caption>" if title else ""
    notes = "".join(f"<p class='footnote'>{html.escape(n)}</p>" for n in footnotes if n)
    return (f"<table class='omics-table'>{caption}<thead><tr>{head}</tr></thead>"
            f"<tbody>{''.join(body)}</tbody></table>{notes}\n")


def render_table(df: pd.DataFrame, out: str | os.PathLike, stem: str, *, title: str | None = None,
                 footnotes: Iterable[str] = (), formats: Iterable[str] = ("csv", "md", "html")) -> list[Path]:
    """Write ``out/stem.csv|md|html`` atomically; returns the paths written."""
    out = Path(out)
    footnotes = list(footnotes)
    paths = []
    for fmt in formats:
        path = out / f"{stem}.{fmt}"
        if fmt == "csv":
            write_table(df, path, index=False)
        elif fmt == "md":
            write_text(to_markdown(df, title=title, footnotes=footnotes), path)
        elif fmt == "html":
            write_text(to_html(df, title=title, footnotes=footnotes), path)
        else:
            raise ValueError(f"unknown table format {fmt!r} (csv, md, html)")
        paths.append(path)
    return paths


def association_report(table) -> pd.DataFrame:
    """Study Table 2 layout from an :class:`~omics.stats.association.AssociationTable`.

    Rows ``Variable, Level``; per grouping one column per group (``n/N (%)`` or
    ``mean ± SD``) and a ``P`` column (with stars, on the variable's first row).
    """
    cells, tests = table.cells, table.tests
    out = None
    for grouping in dict.fromkeys(cells["grouping"]):
        sub = cells[cells.grouping == grouping]
        wide = sub.pivot_table(index=["variable", "level"], columns="group", values="cell",
                               aggfunc="first", sort=False)
        wide.columns = [str(c) for c in wide.columns]
        t = tests[tests.grouping == grouping].set_index("variable")
        pcol = t["p_adj"] if t["p_adj"].notna().any() else t["p"]
        wide = wide.reset_index()
        first = ~wide["variable"].duplicated()
        wide[f"P ({grouping})"] = [format_p(pcol.get(v, np.nan)) if f else ""
                                   for v, f in zip(wide["variable"], first)]
        out = wide if out is None else out.merge(wide, on=["variable", "level"], how="outer", sort=False)
    out = out.rename(columns={"variable": "Variable", "level": "Level"})
    out["Variable"] = out["Variable"].where(~out["Variable"].duplicated(), "")
    return out.fillna("")


def association_footnotes(table) -> list[str]:
    """Which test was used for which variable (the study states its tests in a footnote)."""
    notes = []
    for (test,), part in table.tests.groupby(["test"], sort=False):
        notes.append(f"{test}: " + ", ".join(f"{r.variable} ({r.grouping})" for r in part.itertuples()))
    notes.append("* p < 0.05, ** p < 0.005, *** p < 0.001.")
    return notes


def characteristics_footnotes(table) -> list[str]:
    """Subset sizes, the tests between the compared subsets, and how cells read."""
    notes = [f"{k}: n = {n}" for k, n in table.subsets.items()]
    if table.compare:
        notes.append("Tests between " + " and ".join(table.compare) + ": " + "; ".join(
            f"{r.variable} ({r.test})" for r in table.tests.itertuples()))
    notes.append("Cells: n/N (%) with N = patients with a value; mean ± SD and median (range).")
    return notes


def characteristics_report(table) -> pd.DataFrame:
    """Study Table 1 layout from :func:`~omics.stats.association.characteristics_table`."""
    cells, tests = table.cells, table.tests
    wide = cells.pivot_table(index=["variable", "level"], columns="group", values="cell",
                             aggfunc="first", sort=False)
    order = list(dict.fromkeys(cells["group"]))
    wide = wide[order].reset_index()
    if len(tests):
        name = tests["grouping"].iloc[0]
        t = tests.set_index("variable")
        first = ~wide["variable"].duplicated()
        wide[f"P ({name})"] = [format_p(t["p"].get(v, np.nan)) if f else ""
                               for v, f in zip(wide["variable"], first)]
    wide = wide.rename(columns={"variable": "Characteristic", "level": "Level"})
    wide["Characteristic"] = wide["Characteristic"].where(~wide["Characteristic"].duplicated(), "")
    return wide.fillna("")
