# Rules of the response workflow: demo cohort → radiomic extraction with 2/4/6 mm rings →
# S0 factorial grid → final frozen model (+ SHAP) → applied to the patients → S1 study
# (seven ROIs, clinical + combined nomogram, calibration, DCA, LASSO, SHAP).

from omics.data.paths import safe_name


def _response_report(path, caption, category):
    """A response-workflow output registered for `snakemake --report`."""
    return report(path, caption=f"../report/{caption}.rst", category=category)


def _rendered(folder, stem, caption, category):
    """CSV, Markdown and HTML of one table (omics.report.tables.render_table)."""
    return [_response_report(f"{folder}/{stem}.{ext}", caption, category) for ext in ("md", "csv", "html")]


# The grid's tables, one per validation design (omics.report.predict.write_grid_report).
_GRID_STEMS = (["performance_grid"] if len(P["grid"]["designs"]) == 1 else
               [f"performance_grid_{safe_name(d.replace(':', '_').replace('+', '_'), what='design')}"
                for d in P["grid"]["designs"]])
_GRID = "S0: factorial grid"
_STUDY = "S1: response study"

RESPONSE_TARGETS = [
    f"{RESULTS}/grid/performance_grid.md" if len(P["grid"]["designs"]) == 1 else f"{RESULTS}/grid/grid_metrics.csv",
    f"{RESULTS}/model/model_card.json",
    f"{RESULTS}/model/predictions.csv",
    f"{RESULTS}/study/model_performance.md",
]

if "demo" in config:

    rule demo_response:
        output:
            clinical=f"{COHORT}/clinical.csv",
            features=f"{COHORT}/features.csv",
            manifest=f"{COHORT}/manifest.csv",
            truth=f"{COHORT}/truth/truth.json",
        params:
            sizes=",".join(str(s) for s in config["demo"].get("sizes", [69, 45, 62])),
            n_repeat=config["demo"].get("n_repeat", 20),
            cohort=COHORT,
        log:
            f"{LOGS}/demo_response.log",
        shell:
            "{OMICS} demo-response --out {params.cohort:q} --sizes {params.sizes:q} "
            "--n-repeat {params.n_repeat:q} --seed {SEED} > {log:q} 2>&1"


rule extract:
    input:
        manifest=INPUTS["manifest"],
    output:
        features=_response_report(f"{RESULTS}/imaging/features.csv", "extract", "Imaging"),
        repeat=_response_report(f"{RESULTS}/imaging/features_repeat.csv", "extract", "Imaging"),
        diagnostics=_response_report(f"{RESULTS}/imaging/diagnostics.csv", "extract", "Imaging"),
        failures=_response_report(f"{RESULTS}/imaging/failures.csv", "extract", "Imaging"),
    params:
        out=f"{RESULTS}/imaging",
        rings=",".join(str(r) for r in P.get("rings_mm", [2, 4, 6])),
        preset=P.get("preset", "study"),
    threads: 2
    log:
        f"{LOGS}/extract.log",
    shell:
        "{OMICS} extract {input.manifest:q} --out {params.out:q} --preset {params.preset:q} "
        "--rings {params.rings:q} --n-jobs {threads:q} --quiet > {log:q} 2>&1"


def _grid_opts():
    g = P["grid"]
    return {"harmonization": ",".join(g["harmonizations"]), "selector": ",".join(g["selectors"]),
            "classifier": ",".join(g["classifiers"]), "design": ",".join(g["designs"])}


rule grid:
    input:
        features=INPUTS["features"],
        clinical=INPUTS["clinical"],
    output:
        metrics=_response_report(f"{RESULTS}/grid/grid_metrics.csv", "grid", _GRID),
        predictions=_response_report(f"{RESULTS}/grid/grid_predictions.csv", "grid", _GRID),
        rule_text=_response_report(f"{RESULTS}/grid/threshold_rule.txt", "grid", _GRID),
        table=[item for stem in _GRID_STEMS for item in _rendered(f"{RESULTS}/grid", stem, "grid", _GRID)],
        figures=report(directory(f"{RESULTS}/grid/figures"), patterns=["{name}.png"],
                       caption="../report/grid_roc.rst", category=_GRID),
    params:
        out=f"{RESULTS}/grid",
        outcome=P["outcome"],
        batch=P["batch"],
        centre=P["centre"],
        n_features=P.get("n_features", 15),
        inner_cv=P["grid"].get("inner_cv", 5),
        **_grid_opts(),
    threads: 2
    log:
        f"{LOGS}/grid.log",
    shell:
        "{OMICS} predict grid --features {input.features:q} --clinical {input.clinical:q} "
        "--outcome {params.outcome:q} --batch {params.batch:q} --centre {params.centre:q} "
        "--harmonization {params.harmonization:q} --selector {params.selector:q} "
        "--classifier {params.classifier:q} --design {params.design:q} --n-features {params.n_features:q} "
        "--inner-cv {params.inner_cv:q} --jobs {threads:q} --seed {SEED} --out {params.out:q} > {log:q} 2>&1"


rule fit_model:
    input:
        features=INPUTS["features"],
        clinical=INPUTS["clinical"],
    output:
        card=_response_report(f"{RESULTS}/model/model_card.json", "model", "Final model"),
        model=f"{RESULTS}/model/model.joblib",
        shap=_response_report(f"{RESULTS}/model/shap_summary.png", "model", "Final model"),
        shap_values=_response_report(f"{RESULTS}/model/shap_values.csv", "model", "Final model"),
    params:
        out=f"{RESULTS}/model",
        outcome=P["outcome"],
        batch=P["batch"],
        harmonization=P["model"]["harmonization"],
        selector=P["model"]["selector"],
        classifier=P["model"]["classifier"],
        n_features=P.get("n_features", 15),
    log:
        f"{LOGS}/fit_model.log",
    shell:
        "{OMICS} predict fit --features {input.features:q} --clinical {input.clinical:q} "
        "--outcome {params.outcome:q} --batch {params.batch:q} --harmonization {params.harmonization:q} "
        "--selector {params.selector:q} --classifier {params.classifier:q} --n-features {params.n_features:q} "
        "--shap --seed {SEED} --out {params.out:q} > {log:q} 2>&1"


rule apply_model:
    input:
        card=f"{RESULTS}/model/model_card.json",
        features=INPUTS["features"],
        clinical=INPUTS["clinical"],
    output:
        _response_report(f"{RESULTS}/model/predictions.csv", "apply", "Final model"),
    params:
        model=f"{RESULTS}/model",
        batch=P["batch"],
    log:
        f"{LOGS}/apply_model.log",
    shell:
        "{OMICS} predict apply --model {params.model:q} --features {input.features:q} "
        "--clinical {input.clinical:q} --batch {params.batch:q} --out {output:q} > {log:q} 2>&1"


rule study:
    input:
        features=str(rules.extract.output.features) if P["study"].get("features", "imaging") == "imaging" else INPUTS["features"],
        clinical=INPUTS["clinical"],
    output:
        table=_response_report(f"{RESULTS}/study/model_performance.md", "study_models", _STUDY),
        tables=[*_rendered(f"{RESULTS}/study", "model_performance", "study_models", _STUDY)[1:],
                *_rendered(f"{RESULTS}/study", "roi_performance", "study_roi", _STUDY),
                *_rendered(f"{RESULTS}/study", "logistic_or", "study_clinical", _STUDY)],
        data=[_response_report(f"{RESULTS}/study/{name}.csv", "study_models", _STUDY)
              for name in ("model_metrics", "model_predictions", "delong_tests", "calibration")],
        lasso=_response_report(f"{RESULTS}/study/lasso_path.csv", "study_roi", _STUDY),
        shap=_response_report(f"{RESULTS}/study/shap_values.csv", "study_clinical", _STUDY),
        roi_grid=report(directory(f"{RESULTS}/study/roi"), patterns=[f"{{name}}.{ext}" for ext in ("csv", "md", "html", "txt")],
                        caption="../report/study_roi.rst",
                        category=_STUDY),
        nomogram=_response_report(f"{RESULTS}/study/figures/nomogram.png", "study_clinical", _STUDY),
        roc=_response_report(f"{RESULTS}/study/figures/roc_test.png", "study_models", _STUDY),
        dca=_response_report(f"{RESULTS}/study/figures/dca_test.png", "study_models", _STUDY),
        calibration=_response_report(f"{RESULTS}/study/figures/calibration_test.png", "study_models", _STUDY),
        roi=_response_report(f"{RESULTS}/study/figures/roi_comparison.png", "study_roi", _STUDY),
        training=[_response_report(f"{RESULTS}/study/figures/{name}_train.png", "study_models", _STUDY)
                  for name in ("roc", "dca", "calibration")],
        lasso_figure=_response_report(f"{RESULTS}/study/figures/lasso.png", "study_roi", _STUDY),
        shap_figure=_response_report(f"{RESULTS}/study/figures/shap_summary.png", "study_clinical", _STUDY),
    params:
        out=f"{RESULTS}/study",
        outcome=P["outcome"],
        batch=P["batch"],
        variables=",".join(P["study"]["clinical_variables"]),
        log_vars=",".join(P["study"].get("log", [])),
        harmonization=P["study"].get("harmonization", "combat"),
        selector=P["study"].get("selector", "mrmr+lasso"),
        classifier=P["study"].get("classifier", "rf"),
        n_features=P["study"].get("n_features", 15),
        test_size=P["study"].get("test_size", 0.2),
        inner_cv=P["study"].get("inner_cv", 5),
    threads: 2
    log:
        f"{LOGS}/study.log",
    shell:
        "{OMICS} predict study --features {input.features:q} --clinical {input.clinical:q} "
        "--outcome {params.outcome:q} --batch {params.batch:q} --clinical-variables {params.variables:q} "
        "--log {params.log_vars:q} --harmonization {params.harmonization:q} --selector {params.selector:q} "
        "--classifier {params.classifier:q} --n-features {params.n_features:q} --test-size {params.test_size:q} "
        "--inner-cv {params.inner_cv:q} "
        "--jobs {threads:q} --seed {SEED} --out {params.out:q} > {log:q} 2>&1"
