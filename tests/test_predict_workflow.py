"""The response workflow (snakemake/response) and the `omics predict` CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from omics.cli import main

ROOT = Path(__file__).resolve().parents[1]
SNAKEFILE = ROOT / "snakemake" / "response" / "Snakefile"
DATA = Path(__file__).parent / "data" / "predict"


def snakemake(*args, cwd):
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    return subprocess.run([sys.executable, "-m", "snakemake", "-s", str(SNAKEFILE), *map(str, args)],
                          cwd=cwd, capture_output=True, text=True, env=env)


def small_config(tmp_path: Path) -> Path:
    config = yaml.safe_load((ROOT / "snakemake" / "response" / "config" / "demo_response.yaml").read_text())
    config["results"] = str(tmp_path / "results with space")
    config["cohort_dir"] = str(tmp_path / "cohort")
    config["demo"] = {"sizes": [14, 10, 14], "n_repeat": 4}
    p = config["predict"]
    p["n_features"] = 5
    p["preset"] = str(DATA / "preset_small.yaml")
    p["grid"].update(selectors=["ttest"], classifiers=["logistic"], designs=["external:Lyon+Nantes"], inner_cv=3)
    p["model"].update(selector="ttest", classifier="logistic")
    p["study"].update(selector="ttest", classifier="logistic", n_features=5, test_size=0.25, inner_cv=3)
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def test_dry_run_of_the_demo_response_config(tmp_path):
    result = snakemake("--configfile", ROOT / "snakemake" / "response" / "config" / "demo_response.yaml", "-n",
                       "--cores", 1, "--config", f"results={tmp_path}/r", f"cohort_dir={tmp_path}/c", cwd=tmp_path)
    assert result.returncode == 0, result.stderr + result.stdout
    for rule in ("demo_response", "extract", "grid", "fit_model", "apply_model", "study"):
        assert rule in result.stdout


def test_template_config_is_valid(tmp_path):
    result = snakemake("--configfile", ROOT / "snakemake" / "response" / "config" / "template_response.yaml",
                       "-n", "--cores", 1, cwd=tmp_path)
    # the template's inputs do not exist here: validation passes and Snakemake reports the missing files
    assert "MissingInputException" in result.stderr + result.stdout or result.returncode == 0


@pytest.mark.slow
def test_response_workflow_runs_on_a_small_demo(tmp_path):
    config = small_config(tmp_path)
    result = snakemake("--configfile", config, "--cores", 2, cwd=tmp_path)
    assert result.returncode == 0, (result.stderr + result.stdout)[-5000:]
    res = tmp_path / "results with space"
    grid = pd.read_csv(res / "grid" / "grid_metrics.csv")
    assert set(grid.harmonization) == {"none", "combat"} and "external:Paris" in set(grid.set)
    card = json.loads((res / "model" / "model_card.json").read_text())
    assert card["needs_batch"] and len(card["selected_features"]) == 5
    preds = pd.read_csv(res / "model" / "predictions.csv")
    assert len(preds) == 38 and preds.prob.between(0, 1).all()
    study = res / "study"
    for fig in ("nomogram", "roc_test", "roc_train", "dca_test", "calibration_test", "roi_comparison", "lasso",
                "shap_summary"):
        assert (study / "figures" / f"{fig}.png").stat().st_size > 1000
    roi = pd.read_csv(study / "roi" / "grid_metrics.csv")
    assert set(roi.feature_set) == {"intra", "peri2mm", "peri4mm", "peri6mm", "intra+peri2mm", "intra+peri4mm",
                                    "intra+peri6mm"}
    assert "Multivariable OR" in (study / "logistic_or.md").read_text()
    # the run's HTML report (issue 12): every table and figure it wrote, by step, with captions
    from test_report import check_report

    made = snakemake("--configfile", config, "--report", res / "report.html", cwd=tmp_path)
    assert made.returncode == 0, (made.stderr + made.stdout)[-5000:]
    check_report(res / "report.html", res, folders=("imaging", "grid", "model", "study"),
                 categories={"Imaging", "S0: factorial grid", "Final model", "S1: response study"})


def test_cli_compare_auc_matches_api(tmp_path, capsys):
    out = tmp_path / "test.csv"
    d = pd.read_csv(DATA / "delong_data.csv")
    d[d.dataset == "ties"].to_csv(tmp_path / "ties.csv", index=False)
    assert main(["predict", "compare-auc", "--table", str(tmp_path / "ties.csv"), "--outcome", "y",
                 "--score1", "s1", "--score2", "s2", "--out", str(out)]) == 0
    ref = pd.read_csv(DATA / "delong_reference.csv")
    ref = ref[ref.dataset == "ties"].set_index("quantity")["value"]
    assert pd.read_csv(out).p_value[0] == pytest.approx(ref["paired_p"], rel=1e-8)


def test_cli_bad_input_exits_2_with_one_line(tmp_path, capsys):
    from omics.data import demo_response_cohort
    demo = demo_response_cohort(out=tmp_path / "d", sizes=(10, 10, 10), images=False)
    code = main(["predict", "grid", "--features", str(tmp_path / "d" / "features.csv"), "--clinical",
                 str(tmp_path / "d" / "clinical.csv"), "--batch", "no_such_column", "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == 2 and "no_such_column" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "o").exists()
    assert demo.clinical.shape[0] == 30
