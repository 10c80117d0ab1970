"""The endpoint is the user's: its name, columns, unit and landmarks label every table and figure,
and no study wording is a default (issue 10, item 3)."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pandas as pd
import pytest

from omics.cli import main
from omics.plotting.survival import km_plot
from omics.report.survival import endpoint_footnote, model_report, survival_report
from omics.survival import kaplan_meier, logrank_test
from omics.survival.tables import model_table, survival_table

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "survival"


@pytest.fixture(scope="module")
def syn():
    frame = pd.read_csv(DATA / "synthetic.csv", index_col="patient_id", encoding="utf-8")
    return frame.rename(columns={"mfs_time": "os_days", "mfs_event": "death"})


def test_no_study_wording_in_the_package():
    """'metastasis-free' lives in the demo config and the demo generators (demo.py, and
    demo_response.py whose clinical variable is metastasis at diagnosis), nowhere else."""
    hits = []
    for path in (ROOT / "omics").rglob("*.py"):
        if path.name in ("demo.py", "demo_response.py"):
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if re.search(r"metastasis|\bMFS\b", line, re.I):
                hits.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not hits, "\n".join(hits)


def test_km_plot_axes_speak_of_the_endpoint(syn):
    km = kaplan_meier(syn.os_days, syn.death, groups=syn.hrf)
    fig = km_plot(km, logrank=logrank_test(syn.os_days, syn.death, syn.hrf), endpoint="overall survival",
                  time_unit="days")
    assert fig.axes[0].get_ylabel() == "Overall survival probability"
    assert fig.axes[1].get_xlabel() == "Time (days)"
    plain = km_plot(km)
    assert plain.axes[0].get_ylabel() == "Survival probability" and plain.axes[1].get_xlabel() == "Time"


def test_table_headers_name_the_time_point_and_unit(syn):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tab = survival_table(syn, ["hrf"], "os_days", "death", at=24)
        mt = model_table(syn, {"hrf": "hrf"}, "os_days", "death", at=36)
    header = "Survival at 24 days, % (95% CI)"
    assert header in survival_report(tab, time_unit="days").columns
    assert "Survival at 24, % (95% CI)" in survival_report(tab).columns   # no unit given: none invented
    assert "Survival at 36 days, % (95% CI)" in model_report(mt, time_unit="days").columns
    assert not any("%" in c and "at" in c and c.strip().endswith("%") for c in survival_report(tab).columns)
    assert endpoint_footnote("overall survival", "os_days", "death", time_unit="days") == \
        "Endpoint: overall survival (time os_days in days, event death)."


def test_survival_commands_need_the_endpoint_columns(tmp_path, capsys):
    clinical = tmp_path / "clinical.csv"
    pd.read_csv(DATA / "synthetic.csv").to_csv(clinical, index=False)
    for command in ("km", "cox", "cindex"):
        with pytest.raises(SystemExit) as exit_info:
            main([command, "--clinical", str(clinical), "--by", "hrf", "--out", str(tmp_path / command)])
        assert exit_info.value.code == 2
        assert "--time" in capsys.readouterr().err


def test_cli_tables_and_figures_use_the_endpoint(tmp_path, syn):
    clinical = tmp_path / "clinical.csv"
    syn.reset_index().to_csv(clinical, index=False)
    endpoint = ["--time", "os_days", "--event", "death", "--endpoint", "overall survival",
                "--time-unit", "days", "--landmarks", "12,24"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert main(["km", "--clinical", str(clinical), *endpoint, "--by", "hrf", "--out", str(tmp_path / "km")]) == 0
        assert main(["cox", "--clinical", str(clinical), *endpoint, "--by", "hrf", "--covariates", "age",
                     "--out", str(tmp_path / "cox")]) == 0
        assert main(["cindex", "--clinical", str(clinical), *endpoint, "--model", "hrf=hrf", "--n-boot", "5",
                     "--out", str(tmp_path / "cindex")]) == 0
    summary = pd.read_csv(tmp_path / "km" / "km_summary.csv")
    assert {"surv_12", "surv_24"} <= set(summary.columns)           # the landmarks, not a study's 24/60
    table3 = (tmp_path / "cox" / "table_survival.md").read_text()
    assert "Survival at 24 days, % (95% CI)" in table3           # the last landmark
    assert "Endpoint: overall survival (time os_days in days, event death)." in table3
    assert "Multivariable Cox models of overall survival" in table3
    table4 = (tmp_path / "cindex" / "table_models.md").read_text()
    assert "Survival at 24 days" in table4 and "overall survival" in table4
    for text in (table3, table4):
        assert "metastasis" not in text.lower() and "MFS" not in text
