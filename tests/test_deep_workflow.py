"""The deep stage's Snakemake rules: dry run of the demo config and a real run on a tiny demo."""

from __future__ import annotations

import pandas as pd
import pytest
import yaml

from test_workflow import ROOT, small_config, snakemake


def test_demo_config_plans_the_deep_stage(tmp_path):
    result = snakemake("--configfile", ROOT / "snakemake" / "config" / "demo.yaml", "-n", "--cores", 1,
                       "--config", f"results={tmp_path}/results", f"cohort_dir={tmp_path}/cohort", cwd=tmp_path)
    assert result.returncode == 0, result.stderr + result.stdout
    # the job table: one job per CV repeat and model (3 repeats x 2 models), one final model each
    counts = dict(line.split() for line in result.stdout.splitlines()
                  if line.startswith("deep_") and len(line.split()) == 2)
    assert counts == {"deep_slices": "1", "deep_cv_repeat": "6", "deep_final": "2", "deep_extract": "2",
                      "deep_cam": "2", "deep_choose": "1"}


def test_configs_without_deep_block_have_no_deep_rules(tmp_path):
    config = small_config(tmp_path)
    result = snakemake("--configfile", config, "-n", "--cores", 1, cwd=tmp_path)
    assert result.returncode == 0, result.stderr + result.stdout
    assert not [line for line in result.stdout.splitlines() if line.startswith("deep_")]


@pytest.mark.slow
def test_deep_rules_run_on_a_tiny_demo(tmp_path):
    path = small_config(tmp_path)
    config = yaml.safe_load(path.read_text())
    config["deep"] = {"models": ["cae", "hscae"], "size": 16, "latent": 8, "base_channels": 4, "depth": 2,
                      "repeats": 2, "max_epochs": 2, "patience": 2}
    path.write_text(yaml.safe_dump(config, allow_unicode=True))
    results = tmp_path / "results"
    targets = [results / "tables" / "deep" / f"{m}_groups.csv" for m in ("cae", "hscae")]
    targets += [results / "figures" / "deep" / f"{m}_cam_grid.png" for m in ("cae", "hscae")]
    result = snakemake("--configfile", path, "--cores", 2, *targets, cwd=tmp_path)
    assert result.returncode == 0, (result.stderr + result.stdout)[-5000:]
    for model in ("cae", "hscae"):
        features = pd.read_csv(results / "tables" / "deep" / f"{model}_features.csv", dtype={"patient_id": str})
        assert features.columns[0] == "patient_id" and features.shape == (40, 9)
        groups = pd.read_csv(results / "tables" / "deep" / f"{model}_groups.csv", index_col=0)
        assert set(groups.group) == {f"A_{model.upper()}", f"B_{model.upper()}"}
        assert len(list((results / "deep" / model / "cv").glob("repeat_*.json"))) == 2
