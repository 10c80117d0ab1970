"""The S1-style response study in one call: seven-ROI comparison, clinical model, combined
nomogram, side-by-side metrics, DeLong tests, calibration, decision curves, LASSO and SHAP.

Deviation from S1, on purpose: the best ROI is chosen on the training CV AUC, never on the
test set (S1 chose it on the test set — METHODS S1.5 [CHECK] 2).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from omics._result import Result
from omics.data.io import write_table
from omics.data.validate import InputError
from omics.predict.calibration import calibration_curve, calibration_intercept_slope, decision_curve
from omics.predict.clinical import ClinicalModel, _design, clinical_logistic, combined_logistic, nomogram
from omics.predict.metrics import metrics_table, youden_threshold
from omics.predict.roc import compare_auc, roc_auc, roc_curve
from omics.predict.validation import Design, GridResult, run_grid


def roi_feature_sets(features: pd.DataFrame) -> dict[str, list[str]]:
    """S1's seven ROIs from ``<sequence>__<roi>__<feature>`` names (``omics.imaging`` ROI names).

    ``intra`` = roi ``tumour``; ``peri<d>mm`` = the ring; ``intra+peri<d>mm`` = roi
    ``tumour_peri<d>mm`` (features of the union mask) where extracted, else the tumour and
    ring feature blocks together.
    """
    rois: dict[str, list[str]] = {}
    for c in features.columns:
        parts = str(c).split("__")
        if len(parts) == 3:
            rois.setdefault(parts[1], []).append(c)
    if "tumour" not in rois:
        raise InputError("feature names must look like <sequence>__<roi>__<feature> with a 'tumour' ROI "
                         "(as omics imaging extract writes)")
    sets = {"intra": rois["tumour"]}
    rings = sorted((r for r in rois if r.startswith("peri") and r.endswith("mm")), key=lambda r: float(r[4:-2]))
    for r in rings:
        sets[r] = rois[r]
    for r in rings:
        sets[f"intra+{r}"] = rois.get(f"tumour_{r}") or rois["tumour"] + rois[r]
    return sets


def log_variables(clinical: pd.DataFrame, log, *, variables, source: str = "clinical table"
                  ) -> tuple[pd.DataFrame, list[str]]:
    """Natural logs of the ``log`` columns as ``log_<column>``, and ``variables`` with each
    logged column renamed: what ``omics predict study --log`` enters into the clinical model.

    The input table is not modified (a copy is returned).
    """
    clinical = clinical.copy()
    variables = list(variables)
    for v in log:
        if v not in clinical.columns:
            raise InputError(f"{source}: no column {v!r} to log-transform")
        values = clinical[v].astype(float)
        if (values <= 0).any():
            raise InputError(f"{source}: column {v!r} has values <= 0; it cannot be log-transformed")
        clinical[f"log_{v}"] = np.log(values)
        variables = [f"log_{v}" if x == v else x for x in variables]
    return clinical, variables


@dataclass(repr=False)
class ResponseStudy(Result):
    """Everything the response workflow reports (see :func:`response_study`)."""

    roi_grid: GridResult
    best_roi: str
    clinical: ClinicalModel
    combined: object
    nomogram: object
    predictions: pd.DataFrame
    metrics: pd.DataFrame
    delong: pd.DataFrame
    calibration: dict
    calibration_stats: pd.DataFrame
    decision: dict
    lasso: pd.DataFrame | None = None
    shap: pd.DataFrame | None = None
    params: dict = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        return self.metrics.copy()

    @property
    def summary(self) -> pd.DataFrame:
        return self.metrics[["model", "set", "auc", "auc_lower", "auc_upper", "accuracy", "sensitivity",
                             "specificity", "precision", "f1", "brier"]]

    def _short(self) -> str:
        test = self.metrics[self.metrics["set"] == "test"].set_index("model")["auc"]
        return (f"best ROI {self.best_roi} (chosen on CV); test AUC "
                + ", ".join(f"{k} {v:.3f}" for k, v in test.items()))

    def write(self, out_dir) -> dict:
        """Tables (CSV/MD/HTML) and figures (PNG) of the study into ``out_dir``."""
        from omics.plotting import predict as plots
        from omics.report.predict import metrics_report, odds_ratio_report, write_tables
        out = Path(out_dir)
        paths = self.roi_grid.write(out / "roi")
        roi_summary = self.roi_grid.summary
        paths.update(write_tables({
            "roi_performance": (metrics_report(roi_summary.rename(columns={"feature_set": "model"})),
                                "Radiomics model per ROI (S1 Table 3)"),
            "model_performance": (metrics_report(self.metrics), "Clinical, radiomics and combined models (S1 Table 5)"),
            "logistic_or": (odds_ratio_report(self.clinical.table), "Logistic regression (S1 Table 4)"),
        }, out, footnotes=("Threshold: Youden's J on training data.",)))
        paths["metrics"] = write_table(self.metrics, out / "model_metrics.csv", index=False)
        paths["predictions"] = write_table(self.predictions, out / "model_predictions.csv", index=False)
        paths["delong"] = write_table(self.delong, out / "delong_tests.csv", index=False)
        paths["calibration"] = write_table(self.calibration_stats, out / "calibration.csv", index=False)
        if self.lasso is not None:
            paths["lasso"] = write_table(self.lasso, out / "lasso_path.csv", index=False)
        if self.shap is not None:
            paths["shap"] = write_table(self.shap, out / "shap_values.csv", index=False)
        figs = out / "figures"
        for s in ("train", "test"):
            part = self.predictions[self.predictions["set"] == s]
            curves = {m: roc_curve(p["y"], p["prob"]) for m, p in part.groupby("model", sort=False)}
            aucs = {m: roc_auc(p["y"], p["prob"]) for m, p in part.groupby("model", sort=False)}
            paths[f"roc_{s}"] = plots.save_figure(plots.roc_figure(curves, aucs=aucs, title=f"ROC, {s}"), figs / f"roc_{s}.png")
            paths[f"calibration_{s}"] = plots.save_figure(
                plots.calibration_figure({m: c for (m, ss), c in self.calibration.items() if ss == s},
                                         title=f"Calibration, {s}"), figs / f"calibration_{s}.png")
            paths[f"dca_{s}"] = plots.save_figure(
                plots.dca_figure({m: c for (m, ss), c in self.decision.items() if ss == s},
                                 title=f"Decision curves, {s}"), figs / f"dca_{s}.png")
        paths["nomogram"] = plots.save_figure(plots.nomogram_figure(self.nomogram, title="Combined model nomogram"),
                                              figs / "nomogram.png")
        paths["roi"] = plots.save_figure(plots.roi_comparison_figure(roi_summary), figs / "roi_comparison.png")
        if self.lasso is not None:
            paths["lasso_fig"] = plots.save_figure(plots.lasso_figure(self.lasso, title=f"LASSO, {self.best_roi}"),
                                                   figs / "lasso.png")
        if self.shap is not None:
            paths["shap_fig"] = plots.save_figure(plots.shap_summary_figure(self.shap, title="SHAP, combined model"),
                                                  figs / "shap_summary.png")
        return paths


def response_study(features: pd.DataFrame, clinical: pd.DataFrame, *, outcome: str, clinical_variables,
                   batch: str | None = None, harmonization: str = "none", selector: str = "mrmr+lasso",
                   classifier: str = "rf", n_features: int = 15, test_size: float = 0.2,
                   feature_sets: dict | None = None, screen_p: float = 0.1, inner_cv: int = 5,
                   shap: bool = True, seed: int = 0, n_jobs: int = 1) -> ResponseStudy:
    """Run the S1 analysis on a feature table and a clinical table.

    Parameters
    ----------
    features
        Patients × radiomic features named ``<sequence>__<roi>__<feature>``.
    clinical
        Patients × clinical columns, with ``outcome`` (0/1; 1 = good responder).
    clinical_variables
        Candidate clinical predictors (screened at ``screen_p``).
    batch
        Clinical column with the ComBat batch (with ``harmonization="combat"``).
    selector, classifier, n_features
        Radiomics pipeline (S1: zero variance → z-score → mRMR → LASSO, random forest).
    test_size
        Stratified random test fraction (S1: 18 of 93).
    feature_sets
        ROI feature sets; default :func:`roi_feature_sets` (S1's seven ROIs).
    inner_cv
        Folds of the training CV (rad-score of training patients is out-of-fold).
    shap
        Compute SHAP values of the combined model.
    seed
        Seeds the split, the pipelines and SHAP.

    Returns
    -------
    ResponseStudy

    References
    ----------
    Zheng T et al. MRI-based intratumoral and peritumoral radiomics predicting neoadjuvant
    chemotherapy response in osteosarcoma.
    """
    missing = features.index.difference(clinical.index)
    if len(missing):
        raise InputError(f"clinical table: no row for {len(missing)} patient(s) of the feature table, "
                         f"e.g. {list(missing[:3])}")
    clin = clinical.loc[features.index]
    y = clin[outcome]
    sets = feature_sets or roi_feature_sets(features)
    design = Design("holdout", test_size=test_size)
    grid = run_grid(features, y, batch=clin[batch] if batch else None, harmonizations=(harmonization,),
                    selectors=(selector,), classifiers=(classifier,), designs=(design,), feature_sets=sets,
                    n_features=n_features, inner_cv=inner_cv, seed=seed, n_jobs=n_jobs)
    summary = grid.summary
    cv = summary[summary["set"] == "cv"].set_index("feature_set")["auc"]
    best = str(cv.idxmax())
    preds = grid.predictions
    preds = preds[preds["feature_set"] == best]
    train_ids = preds.loc[preds["set"] == "cv", "patient"].to_numpy()
    test_ids = preds.loc[preds["set"] == "test", "patient"].to_numpy()
    rad = pd.concat([preds[preds["set"] == "cv"].set_index("patient")["prob"],
                     preds[preds["set"] == "test"].set_index("patient")["prob"]])
    clin_train, clin_test = clin.loc[train_ids], clin.loc[test_ids]
    cmodel = clinical_logistic(clin_train, outcome=outcome, variables=clinical_variables, screen_p=screen_p)

    # combined model: logit(rad-score) + the clinical terms that entered the clinical model
    def combined_frame(ids):
        X, _, _ = _design(clin.loc[ids], cmodel.selected, cmodel.levels) if cmodel.selected else (
            pd.DataFrame(index=ids), None, None)
        p = np.clip(rad.loc[ids].to_numpy(), 1e-6, 1 - 1e-6)
        X = X.copy()
        X.insert(0, "rad_score", np.log(p / (1 - p)))
        X[outcome] = clin.loc[ids, outcome].to_numpy()
        return X
    comb_train, comb_test = combined_frame(train_ids), combined_frame(test_ids)
    predictors = [c for c in comb_train.columns if c != outcome]
    combined = combined_logistic(comb_train, outcome=outcome, predictors=predictors)
    import statsmodels.api as sm
    prob = {
        ("clinical", "train"): cmodel.predict_proba(clin_train),
        ("clinical", "test"): cmodel.predict_proba(clin_test),
        (f"radiomics ({best})", "train"): rad.loc[train_ids],
        (f"radiomics ({best})", "test"): rad.loc[test_ids],
        ("combined", "train"): pd.Series(combined.predict(sm.add_constant(comb_train[predictors], has_constant="add")),
                                         index=train_ids),
        ("combined", "test"): pd.Series(combined.predict(sm.add_constant(comb_test[predictors], has_constant="add")),
                                        index=test_ids),
    }
    thresholds = {m: youden_threshold(y.loc[train_ids], prob[m, "train"]) for m, s in prob if s == "train"}
    rows = [pd.DataFrame({"model": m, "set": s, "patient": p.index.astype(str), "y": y.loc[p.index].to_numpy(),
                          "prob": p.to_numpy(), "threshold": thresholds[m]}) for (m, s), p in prob.items()]
    predictions = pd.concat(rows, ignore_index=True)
    metrics = metrics_table(predictions, by=("model", "set"))
    models = list(thresholds)
    tests = []
    for s in ("train", "test"):
        for i, a in enumerate(models):
            for b in models[i + 1:]:
                t = compare_auc(y.loc[prob[a, s].index], prob[a, s], prob[b, s].loc[prob[a, s].index])
                tests.append({"set": s, "model1": a, "model2": b, "auc1": t.auc1, "auc2": t.auc2, "z": t.z,
                              "p_value": t.p_value})
    calib, decision, cal_rows = {}, {}, []
    for (m, s), p in prob.items():
        yy = y.loc[p.index]
        calib[m, s] = calibration_curve(yy, p, n_bins=5)
        decision[m, s] = decision_curve(yy, p)
        cal_rows.append({"model": m, "set": s} | calibration_intercept_slope(yy, p))
    from omics.predict.model import lasso_path, shap_values
    lasso = lasso_path(features.loc[train_ids, sets[best]], y.loc[train_ids], seed=seed)
    shap_long = None
    if shap:
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import Pipeline
        lr = Pipeline([("classify", LogisticRegression(C=1e6, max_iter=5000))]).fit(comb_train[predictors],
                                                                                      comb_train[outcome])
        shap_long = shap_values(lr, pd.concat([comb_train, comb_test])[predictors], seed=seed)
    nomo = nomogram(combined, comb_train)
    params = {"outcome": outcome, "harmonization": harmonization, "selector": selector, "classifier": classifier,
              "n_features": n_features, "test_size": test_size, "seed": seed, "best_roi_rule": "highest CV AUC"}
    return ResponseStudy(grid, best, cmodel, combined, nomo, predictions, metrics, pd.DataFrame(tests), calib,
                         pd.DataFrame(cal_rows), decision, lasso, shap_long, params)
