"""Response-prediction figures (S0 Fig 3; S1 Figs 2–7). They only draw results computed in
``omics.predict`` (ROC coordinates, AUCs, calibration and decision curves, nomogram scales,
SHAP values, LASSO paths); nothing here computes a statistic.

Every function returns a :class:`matplotlib.figure.Figure` (no pyplot state, no backend
change); :func:`save_figure` writes it atomically.
"""

from __future__ import annotations

from pathlib import Path
from typing import Mapping

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from omics.data.io import atomic_path

SET_COLOURS = {"train": "#c0392b", "cv": "#27ae60", "test": "#2c6fbb"}


def save_figure(fig: Figure, path, *, dpi: int = 150) -> Path:
    """Write a figure atomically (format from the suffix)."""
    path = Path(path)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=dpi, bbox_inches="tight", format=path.suffix.lstrip(".") or "png")
    return path


def _colour(label: str, i: int) -> str:
    if label in SET_COLOURS:
        return SET_COLOURS[label]
    if label.startswith("external"):
        return ["#2c6fbb", "#8e44ad", "#16a085", "#d35400"][i % 4]
    return f"C{i % 10}"


def roc_figure(curves: Mapping[str, pd.DataFrame], *, aucs: Mapping[str, object] | None = None,
               title: str | None = None) -> Figure:
    """ROC curves (training / CV / external …) on one plot, AUC (95 % CI) in the legend.

    ``curves``: label → ``omics.predict.roc_curve`` table; ``aucs``: label → ``AUC``.
    """
    fig = Figure(figsize=(5, 5))
    ax = fig.add_subplot()
    for i, (label, curve) in enumerate(curves.items()):
        a = (aucs or {}).get(label)
        text = label if a is None else f"{label}: AUC {a.auc:.2f} ({a.lower:.2f}–{a.upper:.2f})"
        ax.step(curve["fpr"], curve["tpr"], where="post", color=_colour(label, i), lw=1.8, label=text)
    ax.plot([0, 1], [0, 1], ls=":", color="grey", lw=1)
    ax.set(xlabel="1 − specificity", ylabel="Sensitivity", xlim=(-0.01, 1.01), ylim=(-0.01, 1.01),
           title=title or "ROC")
    ax.legend(loc="lower right", fontsize=8, frameon=False)
    ax.set_aspect("equal")
    return fig


def calibration_figure(curves: Mapping[str, pd.DataFrame], *, title: str | None = None) -> Figure:
    """Calibration: binned points (with Wilson 95 % CI) and the smoothed curve per model/set."""
    fig = Figure(figsize=(5, 5))
    ax = fig.add_subplot()
    ax.plot([0, 1], [0, 1], ls=":", color="grey", lw=1, label="ideal")
    for i, (label, curve) in enumerate(curves.items()):
        colour = _colour(label, i)
        b = curve[curve["kind"] == "binned"]
        # Wilson bounds of an all-or-none bin can sit 1e-16 inside the observed proportion: clip at 0
        yerr = np.clip([b["observed"] - b["lower"], b["upper"] - b["observed"]], 0, None)
        ax.errorbar(b["predicted"], b["observed"], yerr=yerr,
                    fmt="o", ms=4, color=colour, capsize=2, lw=0.8)
        s = curve[curve["kind"] == "smoothed"]
        ax.plot(s["predicted"], s["observed"], color=colour, lw=1.6, label=label)
    ax.set(xlabel="Predicted probability", ylabel="Observed proportion", xlim=(0, 1), ylim=(0, 1),
           title=title or "Calibration")
    ax.legend(loc="upper left", fontsize=8, frameon=False)
    return fig


def dca_figure(curves: Mapping[str, pd.DataFrame], *, title: str | None = None) -> Figure:
    """Decision curves: net benefit vs threshold probability, with treat-all and treat-none."""
    fig = Figure(figsize=(6, 4.5))
    ax = fig.add_subplot()
    first = next(iter(curves.values()))
    for i, (label, curve) in enumerate(curves.items()):
        ax.plot(curve["threshold"], curve["model"], color=_colour(label, i), lw=1.6, label=label)
    ax.plot(first["threshold"], first["treat_all"], color="grey", lw=1, label="treat all")
    ax.plot(first["threshold"], first["treat_none"], color="black", lw=1, label="treat none")
    top = max(c["model"].max() for c in curves.values())
    ax.set(xlabel="Threshold probability", ylabel="Net benefit", ylim=(-0.05, max(top, first["treat_all"].max()) + 0.05),
           xlim=(0, 1), title=title or "Decision curves")
    ax.legend(fontsize=8, frameon=False)
    return fig


def nomogram_figure(nomo, *, title: str | None = None) -> Figure:
    """Nomogram: a points axis, one axis per predictor, total points and probability."""
    variables = list(dict.fromkeys(nomo.axes["variable"]))
    rows = ["Points"] + variables + ["Total points", "Probability"]
    fig = Figure(figsize=(8, 0.6 * len(rows) + 1))
    ax = fig.add_subplot()
    max_total = float(nomo.total["points"].max())

    def axis(y, positions, labels, span):
        ax.plot(span, [y, y], color="black", lw=1)
        for x, lab in zip(positions, labels):
            ax.plot([x, x], [y, y + 0.15], color="black", lw=1)
            ax.text(x, y + 0.2, lab, ha="center", va="bottom", fontsize=7)

    n = len(rows)
    ticks = np.linspace(0, 100, 11)
    axis(n - 1, ticks, [f"{t:.0f}" for t in ticks], [0, 100])
    for i, var in enumerate(variables):
        part = nomo.axes[nomo.axes["variable"] == var]
        axis(n - 2 - i, part["points"], [f"{v:.3g}" for v in part["value"]],
             [part["points"].min(), part["points"].max()])
    scale = 100 / max_total if max_total > 0 else 1.0
    tot = nomo.total
    axis(1, tot["points"] * scale, [f"{p:.0f}" for p in tot["points"]], [0, 100])
    probs = [p for p in (0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.8, 0.9, 0.95)
             if tot["probability"].min() <= p <= tot["probability"].max()]
    lp = np.log(np.array(probs) / (1 - np.array(probs)))
    pts = (lp - nomo.lp0) * nomo.scale * scale
    axis(0, pts, [f"{p:.2f}" for p in probs], [0, 100])
    ax.set_yticks(range(n))
    ax.set_yticklabels(rows[::-1], fontsize=8)
    ax.set_xlim(-5, 105)
    ax.set_ylim(-0.5, n)
    ax.set_xticks([])
    for side in ("top", "right", "bottom"):
        ax.spines[side].set_visible(False)
    ax.set_title(title or "Nomogram")
    return fig


def shap_summary_figure(values: pd.DataFrame, *, max_features: int = 15, title: str | None = None) -> Figure:
    """SHAP summary (beeswarm): one row per feature, SHAP value on x, colour = feature value."""
    order = values.groupby("feature")["shap"].apply(lambda s: s.abs().mean()).sort_values().index[-max_features:]
    fig = Figure(figsize=(6, 0.35 * len(order) + 1.2))
    ax = fig.add_subplot()
    rng = np.random.default_rng(0)             # vertical jitter only (display)
    sc = None
    for i, f in enumerate(order):
        part = values[values["feature"] == f]
        v = part["value"].to_numpy(dtype=float)
        span = np.ptp(v) or 1.0
        sc = ax.scatter(part["shap"], i + rng.uniform(-0.25, 0.25, len(part)), c=(v - v.min()) / span,
                        cmap="coolwarm", s=10, vmin=0, vmax=1)
    ax.axvline(0, color="grey", lw=0.8)
    ax.set_yticks(range(len(order)))
    ax.set_yticklabels(order, fontsize=7)
    ax.set(xlabel="SHAP value (impact on predicted probability)", title=title or "SHAP summary")
    if sc is not None:
        bar = fig.colorbar(sc, ax=ax, ticks=[0, 1])
        bar.ax.set_yticklabels(["low", "high"])
        bar.set_label("Feature value")
    return fig


def lasso_figure(path: pd.DataFrame, *, title: str | None = None) -> Figure:
    """LASSO: CV error vs log λ, coefficient paths, and the selected coefficients (S1 Fig 2)."""
    fig = Figure(figsize=(14, 4), layout="constrained")   # room for the feature names
    ax_err, ax_path, ax_bar = fig.subplots(1, 3)
    err = path.drop_duplicates("lambda")
    chosen = float(path.loc[path["chosen"], "lambda"].iloc[0])
    ax_err.plot(np.log10(err["lambda"]), err["cv_brier"], "o-", ms=3)
    ax_path_x = np.log10(path["lambda"])
    for _, part in path.groupby("feature"):
        ax_path.plot(np.log10(part["lambda"]), part["coef"], lw=0.9)
    for ax in (ax_err, ax_path):
        ax.axvline(np.log10(chosen), ls="--", color="grey")
        ax.set_xlabel("log10 λ")
    ax_err.set_ylabel("CV mean squared error (Brier)")
    ax_path.set_ylabel("Coefficient")
    ax_path.set_xlim(ax_path_x.max(), ax_path_x.min())
    coef = path[path["chosen"] & (path["coef"] != 0)].sort_values("coef")
    ax_bar.barh(coef["feature"], coef["coef"], color=np.where(coef["coef"] > 0, "#c0392b", "#2c6fbb"))
    ax_bar.tick_params(axis="y", labelsize=7)
    ax_bar.set_xlabel(f"Coefficient at λ = {chosen:.4g}")
    fig.suptitle(title or "LASSO feature selection")
    return fig


def roi_comparison_figure(summary: pd.DataFrame, *, sets=("cv", "test"), title: str | None = None) -> Figure:
    """AUC (95 % CI) of one model per ROI (S1's seven ROIs), one marker per set."""
    rois = list(dict.fromkeys(summary["feature_set"]))
    fig = Figure(figsize=(7, 0.45 * len(rois) + 1.5))
    ax = fig.add_subplot()
    present = [s for s in sets if s in set(summary["set"])] or list(dict.fromkeys(summary["set"]))
    for j, s in enumerate(present):
        part = summary[summary["set"] == s].set_index("feature_set").reindex(rois)
        y = np.arange(len(rois)) + (j - (len(present) - 1) / 2) * 0.2
        ax.errorbar(part["auc"], y, xerr=[part["auc"] - part["auc_lower"], part["auc_upper"] - part["auc"]],
                    fmt="o", color=_colour(s, j), capsize=2, label=s)
    ax.axvline(0.5, ls=":", color="grey")
    ax.set_yticks(range(len(rois)))
    ax.set_yticklabels(rois)
    ax.set(xlabel="AUC (95 % CI)", xlim=(0, 1), title=title or "ROI comparison")
    ax.legend(fontsize=8, frameon=False)
    return fig
