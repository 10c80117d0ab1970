"""Survival figures (study Fig. 2): KM curves with risk tables, forest plots, C-index dot plots.

These functions only draw result objects (``KaplanMeier``, ``LogRank``, HR tables, C-index
estimates); they compute no statistics.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Mapping, Sequence


import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from omics.data.io import atomic_path  # noqa: E402


def _save(fig, out):
    if out is not None:
        out = Path(out)
        with atomic_path(out) as tmp:
            fig.savefig(tmp, dpi=150, bbox_inches="tight", format=out.suffix.lstrip(".") or "png")
        plt.close(fig)
    return fig


def _new_figure(figsize):
    """A figure outside pyplot's state (no global figure manager, nothing to close)."""
    from matplotlib.figure import Figure
    return Figure(figsize=figsize)


def km_plot(km, *, logrank=None, risk_times: Sequence[float] | None = None, title: str | None = None,
            xlabel: str | None = None, ylabel: str | None = None,
            colors: Mapping[str, str] | None = None, show_ci: bool = True,
            out: str | os.PathLike | None = None, endpoint: str = "survival", time_unit: str = "",
            ax=None):
    """Kaplan–Meier curves with censoring ticks, the log-rank p and a risk table below.

    Parameters
    ----------
    km
        :class:`omics.survival.KaplanMeier`.
    logrank
        Optional :class:`omics.survival.LogRank` whose p-value is printed on the plot.
    risk_times
        Times of the numbers-at-risk table (default: 6 evenly spaced ticks).
    xlabel, ylabel
        Axis titles; by default ``Time (<time_unit>)`` and ``<Endpoint> probability``.
    endpoint, time_unit
        The endpoint's name (e.g. ``"overall survival"``) and the unit of the time axis.
    out
        Write the figure there (PNG/PDF/SVG by suffix) and close it.
    ax
        Draw the curves on this Axes (the risk table goes in an axes appended below it);
        by default a new figure.

    Returns
    -------
    matplotlib.figure.Figure
    """
    xlabel = xlabel or endpoint_axis_label(time_unit=time_unit)
    ylabel = ylabel or f"{endpoint[:1].upper()}{endpoint[1:]} probability"
    tab = km.table
    tmax = float(tab["time"].max())
    if risk_times is None:
        step = _nice_step(tmax)
        risk_times = list(np.arange(0, tmax + 1e-9, step))
    n_groups = len(km.groups)
    if ax is None:
        fig = _new_figure((6.4, 4.6 + 0.22 * n_groups))
        gs = fig.add_gridspec(2, 1, height_ratios=[4.0, 0.45 + 0.22 * n_groups], hspace=0.22)
        ax = fig.add_subplot(gs[0])
        axr = fig.add_subplot(gs[1], sharex=ax)
    else:
        from mpl_toolkits.axes_grid1 import make_axes_locatable
        fig = ax.figure
        axr = make_axes_locatable(ax).append_axes("bottom", size=f"{12 + 5 * n_groups}%", pad=0.35, sharex=ax)
    palette = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    colors = dict(colors or {})
    for i, g in enumerate(km.groups):
        part = tab[tab["group"] == g]
        c = colors.get(g, palette[i % len(palette)])
        t = np.concatenate([[0.0], part["time"].to_numpy()])
        s = np.concatenate([[1.0], part["surv"].to_numpy()])
        ax.step(t, s, where="post", color=c, label=f"{g} (n={int(km.n[g])})", lw=1.6)
        if show_ci:
            lo = np.concatenate([[1.0], part["lower"].to_numpy()])
            hi = np.concatenate([[1.0], part["upper"].to_numpy()])
            ax.fill_between(t, lo, hi, step="post", color=c, alpha=0.12, lw=0)
        cens = part[part["n_censor"] > 0]
        ax.plot(cens["time"], cens["surv"], "|", color=c, ms=6, mew=1)
    ax.set_ylim(0, 1.02)
    ax.set_ylabel(ylabel)
    ax.legend(loc="lower left", frameon=False, fontsize=8)
    if logrank is not None:
        p = logrank.p_value
        ptxt = "p < 0.0001" if p < 1e-4 else f"p = {p:.4f}"
        ax.text(0.97, 0.95, f"Log-rank {ptxt}", transform=ax.transAxes, ha="right", va="top", fontsize=9)
    if title:
        ax.set_title(title)
    plt.setp(ax.get_xticklabels(), visible=False)
    # risk table
    for i, g in enumerate(km.groups):
        part = tab[tab["group"] == g]
        at = [int(part.loc[part["time"] >= t, "n_risk"].iloc[0]) if (part["time"] >= t).any() else 0
              for t in risk_times]
        y = n_groups - 1 - i
        c = colors.get(g, palette[i % len(palette)])
        for t, n in zip(risk_times, at):
            axr.text(t, y, str(n), ha="center", va="center", fontsize=8, color=c)
    axr.set_yticks(range(n_groups))
    axr.set_yticklabels(list(reversed(km.groups)), fontsize=8)
    axr.set_ylim(-0.6, n_groups - 0.4)
    axr.set_xlabel(xlabel)
    axr.set_xticks(risk_times)
    axr.set_xlim(-0.02 * tmax, tmax * 1.02)
    for side in ("top", "right", "left"):
        axr.spines[side].set_visible(False)
    axr.tick_params(axis="y", length=0)
    axr.set_title("No. at risk", fontsize=8, loc="left", pad=2)
    return _save(fig, out)


def endpoint_axis_label(*, time_unit: str = "") -> str:
    """``Time (months)``, or ``Time`` when the unit is not given."""
    return f"Time ({time_unit})" if time_unit else "Time"


def _nice_step(tmax: float) -> float:
    for step in (1, 2, 5, 6, 12, 24, 30, 60, 100, 120, 200, 250, 365, 500, 1000, 2000):
        if tmax / step <= 8:
            return float(step)
    return float(10 ** np.ceil(np.log10(tmax / 8)))


def forest_plot(table: pd.DataFrame, *, label: str = "label", hr: str = "hr", lower: str = "hr_lower",
                upper: str = "hr_upper", p: str | None = "p", title: str | None = None,
                out: str | os.PathLike | None = None, ax=None):
    """Forest plot of hazard ratios (log scale) with 95 % CIs; reference rows drawn at 1.

    ``table`` has one row per HR (e.g. :func:`omics.survival.cox_table`); rows with NaN CI
    (references) are shown as open squares at 1. Without a ``label`` column the labels are
    built from ``variable``/``level``/``reference`` (``"hrf: B_hRF"``, ``"hrf: C_hRF (ref.)"``).
    Rows that are not estimable (``estimable`` False, HR NaN) are labelled ``NE`` and not drawn.
    Draws on ``ax`` when given, otherwise on a new figure.
    """
    df = table.reset_index(drop=True)
    if label not in df and {"variable", "level", "reference"} <= set(df.columns):
        df[label] = [f"{v}: {lv}" + (" (ref.)" if r else "") if isinstance(lv, str) and lv else v
                     for v, lv, r in zip(df["variable"], df["level"], df["reference"])]
    n = len(df)
    if ax is None:
        fig = _new_figure((6.4, 0.9 + 0.32 * n))
        ax = fig.add_subplot()
    else:
        fig = ax.figure
    y = np.arange(n)[::-1]
    est = df[hr].to_numpy(float)
    lo, hi = df[lower].to_numpy(float), df[upper].to_numpy(float)
    not_estimable = ~np.isfinite(est)
    if not_estimable.any():
        df[label] = [f"{lab} (NE)" if ne else lab for lab, ne in zip(df[label].astype(str), not_estimable)]
    ref = ~np.isfinite(lo) & ~not_estimable
    drawn = ~ref & ~not_estimable
    ax.errorbar(est[drawn], y[drawn], xerr=[est[drawn] - lo[drawn], hi[drawn] - est[drawn]],
                fmt="s", color="black", ms=5, capsize=2, lw=1)
    ax.plot(np.ones(ref.sum()), y[ref], "s", mfc="white", mec="black", ms=5)
    ax.axvline(1.0, color="grey", lw=0.8, ls="--")
    ax.set_xscale("log")
    from matplotlib.ticker import FuncFormatter, LogLocator
    ax.xaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.xaxis.set_minor_formatter(FuncFormatter(lambda v, _: ""))
    ax.set_yticks(y)
    ax.set_yticklabels(df[label].astype(str), fontsize=8)
    ax.set_xlabel("Hazard ratio (95% CI)")
    if p is not None and p in df:
        for yy, pv, h in zip(y, df[p], hi):
            if np.isfinite(pv):
                ax.annotate("p<0.0001" if pv < 1e-4 else f"p={pv:.3f}", (1.0, yy), xycoords=("axes fraction", "data"),
                            xytext=(4, 0), textcoords="offset points", va="center", fontsize=7)
    if title:
        ax.set_title(title)
    ax.set_ylim(-0.7, n - 0.3)
    return _save(fig, out)


def cindex_plot(estimates: pd.DataFrame, *, comparisons: pd.DataFrame | None = None,
                labels: Mapping[str, str] | None = None, title: str | None = None,
                out: str | os.PathLike | None = None):
    """Dot plot of cross-validated C-indices with 95 % intervals, and comparison brackets.

    ``estimates`` and ``comparisons`` are ``CIndexResult.estimates`` / ``.comparisons``;
    each comparison with p < 0.05 gets a bracket with its stars.
    """
    labels = dict(labels or {})
    df = estimates.reset_index(drop=True)
    n = len(df)
    fig, ax = plt.subplots(figsize=(1.2 + 0.9 * n, 4.0))
    x = np.arange(n)
    c, lo, hi = df["c_index"].to_numpy(float), df["lower"].to_numpy(float), df["upper"].to_numpy(float)
    ok = np.isfinite(lo) & np.isfinite(hi)
    ax.errorbar(x[ok], c[ok], yerr=[c[ok] - lo[ok], hi[ok] - c[ok]], fmt="o", color="black", capsize=3)
    ax.plot(x[~ok], c[~ok], "o", color="black")
    for xi, ci in zip(x, c):
        ax.annotate(f"{ci:.3f}", (xi, ci), xytext=(6, 0), textcoords="offset points", fontsize=7, va="center")
    ax.axhline(0.5, color="grey", lw=0.8, ls="--")
    ax.set_xticks(x)
    ax.set_xticklabels([labels.get(m, m) for m in df["model"]], rotation=30, ha="right", fontsize=8)
    ax.set_ylabel("C-index, cross-validated (95% CI)")
    top = np.nanmax(np.where(ok, hi, c)) if n else 1.0
    if comparisons is not None:
        pos = {m: i for i, m in enumerate(df["model"])}
        level = 0
        for r in comparisons.itertuples(index=False):
            if r.model_a not in pos or r.model_b not in pos or not np.isfinite(r.p) or r.p >= 0.05:
                continue
            level += 1
            yb = top + 0.02 * level + 0.01
            a, b = sorted((pos[r.model_a], pos[r.model_b]))
            ax.plot([a, a, b, b], [yb - 0.005, yb, yb, yb - 0.005], color="black", lw=0.8)
            stars = "***" if r.p < 0.001 else "**" if r.p < 0.005 else "*"
            ax.text((a + b) / 2, yb, stars, ha="center", va="bottom", fontsize=9)
        top = top + 0.02 * level + 0.03
    ax.set_ylim(min(0.4, np.nanmin(np.where(ok, lo, c)) - 0.02), max(top + 0.02, 0.8))
    ax.set_xlim(-0.5, n - 0.5)
    if title:
        ax.set_title(title)
    return _save(fig, out)
