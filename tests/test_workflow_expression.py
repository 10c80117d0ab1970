"""The workflow on a user's expression-only cohort: a real public microarray survival cohort
(GSE4335, Sørlie et al. 2003, via survset, offline), 60 patients × 500 genes, log2 ratios,
genes × samples as microarray tables usually are, the user's own endpoint name, no gene sets.

The same run checks resuming (issue 13): a killed run leaves Snakemake's lock, which the
message names and ``--unlock`` clears; a deleted intermediate is made again by its rule.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml

from test_workflow import SNAKEFILE, snakemake

pytestmark = pytest.mark.slow

ENDPOINT = "overall survival"


def _gse4335(folder: Path) -> tuple[Path, Path]:
    """60 patients × 500 genes (the most variable measured in every patient) and their clinical table."""
    from SurvSet.data import SurvLoader

    data = SurvLoader().load_dataset("gse4335")["df"].sort_values("pid").head(60)
    values = data[[c for c in data.columns if c.startswith("num_HS_")]]
    # survset fills an array's missing spots with one value per patient (thousands of genes in
    # some patients); those genes would split patients by missingness, so they are left out
    fill = values.mode(axis=1).iloc[:, 0]
    filled = values.eq(fill, axis=0) & (values.eq(fill, axis=0).sum(axis=1) > 20).to_numpy()[:, None]
    genes = values.columns[~filled.any() & values.notna().all()]
    top = data[genes].var().sort_values(ascending=False).index[:500]
    expression = data.set_index("pid")[top].T                      # genes × samples
    expression.index = [g.removeprefix("num_HS_") for g in expression.index]
    expression.index.name = "gene"
    clinical = pd.DataFrame({"patient_id": data["pid"].to_numpy(), "os_months": data["time"].to_numpy(),
                             "os_event": data["event"].to_numpy(),
                             "er_status": data["fac_er_status"].astype(str).to_numpy()})
    folder.mkdir(parents=True, exist_ok=True)
    expression.to_csv(folder / "expression.csv")
    clinical.to_csv(folder / "clinical.csv", index=False)
    return folder / "expression.csv", folder / "clinical.csv"


def _config(tmp: Path, results: Path, **endpoint) -> Path:
    expression, clinical = _gse4335(tmp / f"cohort_{results.name}")
    config = {
        "results": str(results), "cohort_dir": str(expression.parent), "seed": 3,
        "inputs": {"clinical": str(clinical)},
        "endpoint": {"name": ENDPOINT, "time": "os_months", "event": "os_event", "unit": "months",
                     "landmarks": [24, 60], **endpoint},
        "modalities": [{"name": "array", "kind": "expression", "data": str(expression), "n_top": 200,
                        "cluster": {"k": "auto"}}],
        "cluster": {"reps": 60, "k_range": "2-3", "n_jobs": 1},
        "survival": {"n_boot": 10, "stepwise": False, "ph_test": False,
                     "table1_variables": ["er_status"], "association_variables": ["er_status"]},
        "expression": {"methods": ["ttest", "limma"], "pam_folds": 3, "pam_thresholds": 5},
    }
    path = tmp / f"{results.name}.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def _killed_run(config: Path, cwd: Path, results: Path) -> None:
    """Start a run and SIGKILL it (and its jobs) once a job is under way: the lock stays."""
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    process = subprocess.Popen([sys.executable, "-m", "snakemake", "-s", str(SNAKEFILE), "--configfile",
                                str(config), "--cores", "1"], cwd=cwd, env=env, start_new_session=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while time.time() < deadline and not (results / "logs").is_dir():
        time.sleep(0.2)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("expression_cohort")
    results = tmp / "results"
    config = _config(tmp, results)
    _killed_run(config, tmp, results)
    locked = snakemake("--configfile", config, "--cores", 1, cwd=tmp)
    unlocked = snakemake("--configfile", config, "--unlock", cwd=tmp)
    done = snakemake("--configfile", config, "--cores", 2, "--rerun-incomplete", cwd=tmp)
    return {"tmp": tmp, "results": results, "config": config, "locked": locked, "unlocked": unlocked,
            "done": done}


def test_a_killed_run_is_recovered_with_unlock(run):
    locked = run["locked"]
    assert locked.returncode != 0
    assert "--unlock" in locked.stdout + locked.stderr and "locked" in (locked.stdout + locked.stderr).lower()
    assert run["unlocked"].returncode == 0
    assert run["done"].returncode == 0, (run["done"].stderr + run["done"].stdout)[-5000:]


def test_expression_only_cohort_runs_and_speaks_of_its_endpoint(run):
    results, log = run["results"], run["done"].stderr + run["done"].stdout
    tables = results / "tables"
    prepared = pd.read_parquet(results / "modalities" / "array" / "cluster_input.parquet")
    assert prepared.shape == (60, 201) and prepared.columns[0] == "patient_id"   # ID + 200 genes
    steps = pd.read_csv(results / "modalities" / "array" / "steps.csv")
    assert list(steps["step"]) == ["read", "most variable genes"]
    groups = pd.read_csv(tables / "cluster" / "groups.csv", index_col=0, keep_default_na=False, dtype=str)
    assert list(groups.columns) == ["array"] and len(groups) == 60
    assert groups["array"].str.match(r"^[A-C]_array$").all()
    assert "K = " in (results / "logs" / "cluster_groups.log").read_text()          # k: auto says which K
    table3 = (tables / "survival" / "table3_survival" / "table_survival.md").read_text()
    assert "Survival at 60 months, % (95% CI)" in table3
    assert f"Endpoint: {ENDPOINT} (time os_months in months, event os_event)." in table3
    assert ENDPOINT.capitalize() in table3                                      # the title
    assert "Survival at 60 months" in (tables / "survival" / "table4_cindex" / "table_models.md").read_text()
    km = pd.read_csv(tables / "survival" / "km_all" / "km_summary.csv")
    assert {"surv_24", "surv_60"} <= set(km.columns)
    for path in tables.rglob("*"):
        if path.suffix in (".md", ".csv", ".html"):
            assert "metastasis" not in path.read_text(encoding="utf-8").lower(), path
    # DGE on the normalised expression (no counts: DESeq2 is not attempted); no gene sets: a message
    dge = pd.read_csv(tables / "expression" / "dge_limma.csv")
    assert len(dge) == 500
    assert (tables / "expression" / "pam_signature.csv").is_file()
    assert not (tables / "expression" / "gsea.csv").exists()
    assert "enrichment (GSEA/ORA) is skipped" in log


def test_the_report_lists_every_table_and_figure(run):
    """The run's HTML report (issue 12) on a cohort without imaging or gene sets, K chosen by
    the consensus rule: every table and figure, captions rendered with this config."""
    from test_report import check_report

    html = run["results"] / "report.html"
    made = snakemake("--configfile", run["config"], "--report", html, cwd=run["tmp"])
    assert made.returncode == 0, (made.stderr + made.stdout)[-5000:]
    listed = check_report(html, run["results"], categories={
        "Cohort", "Modality inputs", "Consensus clustering", "Hybrid groups", "Associations", "Survival",
        "Biology"})
    km = listed[(run["results"] / "figures" / "survival" / "km_all_array.png").resolve()]["caption"]
    assert ENDPOINT in km and "metastasis" not in km.lower()


def test_a_deleted_intermediate_is_made_again(run):
    labels = run["results"] / "tables" / "cluster" / "array" / "labels.csv"
    before = labels.read_bytes()
    labels.unlink()
    plan = snakemake("--configfile", run["config"], "-n", "--cores", 1, cwd=run["tmp"])
    assert plan.returncode == 0 and "cluster_consensus" in plan.stdout
    again = snakemake("--configfile", run["config"], "--cores", 1, labels, cwd=run["tmp"])
    assert again.returncode == 0, (again.stderr + again.stdout)[-3000:]
    assert labels.read_bytes() == before                                           # same seed, same labels


def test_a_failed_step_prints_how_to_resume(run):
    results = run["tmp"] / "results_bad"
    config = _config(run["tmp"], results, time="no_such_column")
    failed = snakemake("--configfile", config, "--cores", 1, cwd=run["tmp"])
    assert failed.returncode != 0
    text = failed.stdout + failed.stderr
    assert "--unlock" in text and "--rerun-incomplete" in text and "logs/<rule>.log" in text
