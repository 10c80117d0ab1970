"""Paper-style tables and figures of the survival stage (formatting and drawing only)."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from omics.plotting.survival import cindex_plot, forest_plot, km_plot
from omics.report.survival import cindex_report, model_report, survival_footnotes, survival_report
from omics.report.tables import (association_report, characteristics_report, format_ci, format_p,
                                 render_table, to_markdown)
from omics.stats.association import association_table, characteristics_table
from omics.survival import cindex_models, cox_table, cox_fit, kaplan_meier, logrank_test
from omics.survival.tables import model_table, survival_table

DATA = Path(__file__).parent / "data" / "survival"


@pytest.fixture(scope="module")
def syn():
    return pd.read_csv(DATA / "synthetic.csv", index_col="patient_id", encoding="utf-8")


def test_number_formats():
    assert format_p(0.01464) == "0.0146*"
    assert format_p(0.0043) == "0.0043**"
    assert format_p(0.00005) == "< 0.0001***"
    assert format_p(0.2) == "0.2000" and format_p(np.nan) == ""
    assert format_ci(2.114, 1.049, 4.231) == "2.11 (1.05–4.23)"
    assert format_ci(0.834, 0.73, 0.93, digits=0, scale=100) == "83 (73–93)"


def test_survival_report_layout(syn):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tab = survival_table(syn, ["hrf", "rna"], "mfs_time", "mfs_event", covariates=["age", "grade"], at=24)
    rep = survival_report(tab, labels={"hrf": "h-RF groups"}, time_label="2-year MFS % (95% CI)")
    assert list(rep.columns[:6]) == ["Grouping", "Group", "No. at risk", "Events", "2-year MFS % (95% CI)", "Log-rank P"]
    assert rep["Group"].iloc[0] == "C_hRF (ref.)" and rep["HR (95% CI)"].iloc[0] == "ref."
    assert rep["Grouping"].iloc[0] == "h-RF groups" and rep["Grouping"].iloc[1] == ""
    assert rep["Log-rank P"].iloc[0] != "" and rep["Log-rank P"].iloc[1] == ""
    b = tab.set_index("level").loc["B_hRF"]
    assert rep.set_index("Group").loc["B_hRF", "HR (95% CI)"] == format_ci(b.uni_hr, b.uni_lower, b.uni_upper)
    notes = survival_footnotes(tab, covariates=["age", "grade"], reference={"grade": "I"})
    assert "grade (ref. I)" in notes[0] and "2 dropped" in notes[1]


def test_render_table_writes_three_formats(tmp_path):
    df = pd.DataFrame({"a": ["x|y", "z"], "b": [1.5, np.nan]})
    paths = render_table(df, tmp_path, "t", title="T", footnotes=["note"])
    assert [p.suffix for p in paths] == [".csv", ".md", ".html"]
    md = (tmp_path / "t.md").read_text()
    assert "x\\|y" in md and "| z |  |" in md and "note" in md
    assert "<caption>T</caption>" in (tmp_path / "t.html").read_text()
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "t.csv"), df)
    assert to_markdown(df).count("\n") == 4


def test_association_and_characteristics_reports(syn):
    tab = association_table(syn, ["hrf"], ["grade", "size_mm"])
    rep = association_report(tab)
    assert {"A_hRF", "B_hRF", "C_hRF", "P (hrf)"} <= set(rep.columns)
    assert (rep["P (hrf)"] != "").sum() == 2
    subsets = {"All": np.ones(len(syn), bool), "RNA A": (syn.rna == "A_RNA").to_numpy(),
               "RNA B": (syn.rna == "B_RNA").to_numpy()}
    ch = characteristics_table(syn, subsets, ["age", "grade"], compare=("RNA A", "RNA B"))
    rep = characteristics_report(ch)
    assert list(rep.columns) == ["Characteristic", "Level", "All", "RNA A", "RNA B", "P (RNA A vs RNA B)"]
    assert rep.loc[rep.Level == "mean ± SD", "All"].iloc[0] == f"{syn.age.mean():.1f} ± {syn.age.std():.1f}"
    direct = association_table(syn, ["rna"], ["grade"]).tests["p"].iloc[0]
    assert ch.tests.set_index("variable").loc["grade", "p"] == pytest.approx(direct)
    with pytest.raises(ValueError, match="overlap"):
        characteristics_table(syn, subsets, ["age"], compare=("All", "RNA A"))
    # the wide table (also .summary / to_frame's readable form) carries the comparison's p
    wide = ch.wide()
    p_col = wide.loc[wide.variable == "grade", "RNA A vs RNA B: p"].iloc[0]
    assert p_col == pytest.approx(direct)
    assert ch.summary.equals(wide)


def test_model_and_cindex_reports(syn):
    res = cindex_models(syn, {"rna": "rna", "both": "rna + hrf"}, "mfs_time", "mfs_event",
                        comparisons=[("both", "rna")], n_boot=30)
    mt = model_table(syn, {"rna": "rna", "both": "rna + hrf"}, "mfs_time", "mfs_event", cindex=res.estimates)
    rep = model_report(mt)
    header = rep[rep["Model / group"].str.startswith("rna")].iloc[0]
    e = res.estimates.set_index("model").loc["rna"]
    assert header["C-index, CV (95% CI)"] == format_ci(e.c_index, e.lower, e.upper, digits=3)
    cr = cindex_report(res.estimates, comparisons=res.comparisons)
    assert cr["Comparison"].tolist().count("vs rna") == 1


def test_figures_are_written(syn, tmp_path):
    km = kaplan_meier(syn.mfs_time, syn.mfs_event, groups=syn.hrf)
    km_plot(km, logrank=logrank_test(syn.mfs_time, syn.mfs_event, syn.hrf), out=tmp_path / "km.png")
    ct = cox_table(cox_fit(syn, "hrf + age", "mfs_time", "mfs_event"))
    forest_plot(ct.assign(label=ct.variable + " " + ct.level), out=tmp_path / "forest.png")
    est = pd.DataFrame({"model": ["a", "b"], "c_index": [0.6, 0.7], "lower": [0.55, 0.62], "upper": [0.66, 0.77]})
    comp = pd.DataFrame({"model_a": ["b"], "model_b": ["a"], "p": [0.01]})
    cindex_plot(est, comparisons=comp, out=tmp_path / "c.png")
    for name in ("km.png", "forest.png", "c.png"):
        assert (tmp_path / name).read_bytes()[:4] == b"\x89PNG"
