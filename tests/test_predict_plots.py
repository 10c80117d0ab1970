"""Every response figure draws from computed results and saves atomically."""

import numpy as np
import pandas as pd
import statsmodels.api as sm
from matplotlib.figure import Figure

from omics.plotting import predict as plots
from omics.predict import (calibration_curve, decision_curve, lasso_path, nomogram, roc_auc, roc_curve)


def test_all_figures(tmp_path):
    rng = np.random.default_rng(0)
    n = 80
    X = pd.DataFrame(rng.normal(size=(n, 6)), columns=[f"f{i}" for i in range(6)])
    y = pd.Series((X.f0 + rng.normal(size=n) > 0).astype(int))
    p = 1 / (1 + np.exp(-X.f0))
    figs = {
        "roc": plots.roc_figure({"train": roc_curve(y, p), "external:Paris": roc_curve(y, p ** 2)},
                                aucs={"train": roc_auc(y, p), "external:Paris": roc_auc(y, p ** 2)}),
        "calibration": plots.calibration_figure({"model": calibration_curve(y, p, n_bins=5)}),
        "dca": plots.dca_figure({"model": decision_curve(y, p)}),
        "nomogram": plots.nomogram_figure(nomogram(sm.Logit(y, sm.add_constant(X[["f0", "f1"]])).fit(disp=0), X)),
        "lasso": plots.lasso_figure(lasso_path(X, y, n_cs=6)),
        "shap": plots.shap_summary_figure(pd.DataFrame({"patient": np.repeat(range(n), 2), "feature": ["f0", "f1"] * n,
                                                        "shap": rng.normal(size=2 * n), "value": rng.normal(size=2 * n)})),
        "roi": plots.roi_comparison_figure(pd.DataFrame({"feature_set": ["intra", "intra", "peri2mm", "peri2mm"],
                                                         "set": ["cv", "test"] * 2, "auc": [0.7, 0.6, 0.8, 0.75],
                                                         "auc_lower": [0.6, 0.4, 0.7, 0.6],
                                                         "auc_upper": [0.8, 0.8, 0.9, 0.9]})),
    }
    for name, fig in figs.items():
        assert isinstance(fig, Figure) and fig.axes, name
        path = plots.save_figure(fig, tmp_path / f"{name}.png")
        assert path.stat().st_size > 2000


def test_calibration_figure_with_an_all_responder_bin():
    """A bin where every patient responds has a Wilson upper bound of 1 - 1e-16: still drawn."""
    y = pd.Series([0] * 7 + [1] * 7 + [1] * 7)
    p = pd.Series(np.r_[np.linspace(0.05, 0.3, 7), np.linspace(0.4, 0.6, 7), np.linspace(0.8, 0.95, 7)])
    curve = calibration_curve(y, p, n_bins=3)
    assert (curve.loc[curve.kind == "binned", "observed"] == 1).any()
    assert plots.calibration_figure({"model": curve}).axes
