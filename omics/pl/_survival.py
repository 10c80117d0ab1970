"""Survival plots of what ``omics.tl`` stored: ``pl.km`` (curves + risk table), ``pl.forest`` (HRs)."""

from __future__ import annotations

import pandas as pd

from omics.data.errors import InputError


def _uns(adata, key: str, needed: tuple[str, ...], tool: str, source: str) -> dict:
    entry = adata.uns.get(key) if hasattr(adata, "uns") else None
    if not isinstance(entry, dict) or any(k not in entry for k in needed):
        raise InputError(f"{source}: no {tool} result under uns[{key!r}]; run omics.tl.{tool}(adata, ...) first")
    return entry


def km(adata, *, key: str = "km", ax=None, title: str | None = None, endpoint: str = "survival",
       time_unit: str = "", show_ci: bool = True, risk_times=None):
    """Kaplan–Meier curves with the log-rank p and a numbers-at-risk table, from ``uns[key]``
    (written by :func:`omics.tl.km`); drawn by :func:`omics.plotting.survival.km_plot`.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from omics.plotting.survival import km_plot
    from omics.survival.km import KaplanMeier, LogRank

    entry = _uns(adata, key, ("table", "summary", "logrank", "params"), "km", "pl.km")
    table = entry["table"].drop(columns=["grouping"], errors="ignore").reset_index(drop=True)
    summary = entry["summary"].set_index("group")
    groups = [str(g) for g in summary.index]
    params = entry["params"]
    curves = KaplanMeier(table, groups, str(params.get("conf_type", "log")), 0.95,
                         summary["n"].astype(int), summary["events"].astype(int),
                         grouping=str(params.get("groupby", "")) or None)
    lr = entry["logrank"].iloc[0]
    logrank = LogRank(float(lr["chisq"]), int(lr["df"]), float(lr["p"]), pd.DataFrame())
    return km_plot(curves, logrank=logrank, title=title if title is not None else params.get("groupby"),
                   endpoint=endpoint, time_unit=time_unit, show_ci=show_ci, risk_times=risk_times, ax=ax)


def forest(adata, *, key: str = "cox", ax=None, title: str | None = None):
    """Forest plot of the hazard ratios in ``uns[key]["table"]`` (written by :func:`omics.tl.cox`);
    reference levels at 1, not-estimable HRs labelled ``NE``.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from omics.plotting.survival import forest_plot

    entry = _uns(adata, key, ("table",), "cox", "pl.forest")
    params = entry.get("params", {})
    return forest_plot(entry["table"], title=title if title is not None else params.get("formula"), ax=ax)
