"""The Snakemake workflow: dry run of the demo config and a real run on a small demo."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
SNAKEFILE = ROOT / "snakemake" / "Snakefile"


def snakemake(*args, cwd):
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    return subprocess.run([sys.executable, "-m", "snakemake", "-s", str(SNAKEFILE), *map(str, args)],
                          cwd=cwd, capture_output=True, text=True, env=env)


def small_config(tmp_path: Path) -> Path:
    config = yaml.safe_load((ROOT / "tests" / "data" / "workflow_small.yaml").read_text())
    config["results"] = str(tmp_path / "results")
    config["cohort_dir"] = str(tmp_path / "cohort")
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True))
    return path


def test_dry_run_of_the_demo_config(tmp_path):
    result = snakemake("--configfile", ROOT / "snakemake" / "config" / "demo.yaml", "-n", "--cores", 1,
                       "--config", f"results={tmp_path}/results", f"cohort_dir={tmp_path}/cohort", cwd=tmp_path)
    assert result.returncode == 0, result.stderr + result.stdout
    assert "demo_cohort" in result.stdout and "validate_inputs" in result.stdout
    for rule in ("modality_input_hRF", "modality_input_RNA", "cluster_consensus", "cluster_groups",
                 "survival_table4", "expression_gsea"):
        assert rule in result.stdout, rule


def test_config_is_validated(tmp_path):
    config = tmp_path / "bad.yaml"
    config.write_text("results: r\ncohort_dir: c\nseed: -1\ninputs: {clinical: x.csv}\n")
    result = snakemake("--configfile", config, "-n", "--cores", 1, cwd=tmp_path)
    assert result.returncode != 0
    assert "seed" in result.stderr + result.stdout


@pytest.mark.slow
def test_real_run_on_small_demo(tmp_path):
    config = small_config(tmp_path)
    result = snakemake("--configfile", config, "--cores", 2, "--profile", ROOT / "snakemake" / "profiles" / "local",
                       cwd=tmp_path)
    assert result.returncode == 0, (result.stderr + result.stdout)[-5000:]
    results = tmp_path / "results"
    for folder in ("tables", "figures", "logs", "provenance"):
        assert (results / folder).is_dir()
    assert (results / "provenance" / "workflow.json").is_file()
    assert "OK" in (results / "provenance" / "inputs_validated.txt").read_text()
    # every stage delivered its contract file (docs/workflow-files.md)
    tables = results / "tables"
    features = pd.read_csv(tables / "imaging" / "handcrafted_features.csv", index_col=0)
    assert len(features) == 40 and features.shape[1] > 20
    assert all(name.count("__") == 2 for name in features.columns)
    clustering = pd.read_parquet(results / "modalities" / "RNA" / "cluster_input.parquet").set_index("patient_id")
    assert clustering.shape == (30, 500)
    steps = pd.read_csv(results / "modalities" / "RNA" / "steps.csv")
    assert list(steps["step"]) == ["read", "filterByExpr", "batch correction", "TMM + voom", "most variable genes"]
    assert steps["detail"].iloc[2] == "combat-seq"
    groups = pd.read_csv(tables / "cluster" / "groups.csv", index_col=0, keep_default_na=False)
    assert list(groups.columns) == ["hRF", "RNA", "hybrid_hRF_RNA", "hybrid_binary_hRF_RNA"]
    assert set(groups.hRF) == {"A_hRF", "B_hRF", "C_hRF"}
    assert (groups.RNA != "").sum() == 30
    assert set(groups.loc[groups.RNA != "", "hybrid_binary_hRF_RNA"]) == {"A_hRF×A_RNA", "Others"}
    truth = pd.read_csv(tmp_path / "cohort" / "truth" / "patients.csv", index_col=0)
    rna = groups.loc[groups.RNA != "", "RNA"]
    from sklearn.metrics import adjusted_rand_score

    assert adjusted_rand_score(truth.loc[rna.index, "rna_group"], rna) > 0.8, "RNA groups recovered"
    for table in ("table2_associations/table_association.md", "table3_survival/table_survival.md",
                  "table4_cindex/table_cindex.md", "table1_characteristics/table_characteristics.md"):
        assert (tables / "survival" / table).stat().st_size > 200
    table3 = (tables / "survival" / "table3_survival" / "table_survival.md").read_text()
    assert "Survival at 60 months, % (95% CI)" in table3 and "Metastasis-free survival per grouping" in table3
    cindex = pd.read_csv(tables / "survival" / "table4_cindex" / "cindex_comparisons.csv")
    # models derived from the modalities: per pair A+B, A*B and the binarised hybrid against A and B alone
    assert {("hRF+RNA", "hRF"), ("hRF+RNA", "RNA"), ("hRF*RNA", "hRF+RNA"), ("hybrid_hRF_RNA", "RNA")} <= \
        set(zip(cindex.model_a, cindex.model_b))
    dge = pd.read_csv(tables / "expression" / "dge_ttest.csv")
    assert {"log2fc", "p_adj", "direction"} <= set(dge.columns)
    assert (tables / "expression" / "gsea.csv").is_file() and (tables / "expression" / "pam_signature.csv").is_file()
    figures = {p.name for p in (results / "figures").rglob("*.png")}
    assert len(figures) >= 8
    # a second run has nothing to do
    again = snakemake("--configfile", config, "--cores", 2, "-n", cwd=tmp_path)
    assert again.returncode == 0 and "Nothing to be done" in again.stdout + again.stderr
    # the run's HTML report (issue 12): every table and figure it wrote, by stage, with captions
    from test_report import check_report

    html = results / "report.html"
    made = snakemake("--configfile", config, "--profile", ROOT / "snakemake" / "profiles" / "local",
                     "--report", html, cwd=tmp_path)
    assert made.returncode == 0, (made.stderr + made.stdout)[-5000:]
    listed = check_report(html, results, categories={
        "Cohort", "Imaging", "Modality inputs", "Consensus clustering", "Hybrid groups", "Associations",
        "Survival", "Biology"})
    # captions state the parameters as run and the patients used and dropped
    def text(path):
        return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", listed[path.resolve()]["caption"]))

    assert "--reps 200 --p-item 0.6" in text(tables / "cluster" / "RNA" / "labels.csv")
    assert "<table" in listed[(results / "figures" / "survival" / "km_all_RNA.png").resolve()]["caption"]
    km = text(results / "figures" / "survival" / "km_all_RNA.png")
    assert "metastasis-free survival" in km and "grouping n dropped" in km and "RNA 30 10" in km  # 10 without RNA-seq
    assert "RNA" in text(results / "modalities" / "RNA" / "steps.csv")
