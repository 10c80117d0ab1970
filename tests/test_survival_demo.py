"""End-to-end: the demo cohort's planted hazard ratios, the CLI and the Snakemake rules.

Until the clustering stage's groups.csv exists, the groups are derived here from the demo
truth (IA→A_hRF, IB→B_hRF, IC→C_hRF; RA→A_RNA, RB→B_RNA; RNA labels only for patients
with RNA), in the file layout of docs/workflow-files.md.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from omics.cli import main
from omics.data import demo_cohort
from omics.survival import CoxModel

ROOT = Path(__file__).resolve().parents[1]
TRUE_HR = {"imaging_group[IA]": "imaging_IA", "imaging_group[IB]": "imaging_IB",
           "rna_group[RA]": "rna_RA", "imaging_group[IA]:rna_group[RA]": "imaging_IA:rna_RA",
           "age10": "age_per_10y", "grade3": "grade_III"}


@pytest.mark.parametrize("n_patients", [225, 1000])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_planted_hazard_ratios_are_recovered(n_patients, seed):
    """Every true HR lies in its Bonferroni-adjusted (family-wise 95 %) confidence interval."""
    demo = demo_cohort(n_patients=n_patients, n_genes=1000, images=False, seed=seed)
    d = demo.clinical.join(demo.truth_patients[["imaging_group", "rna_group"]])
    d["age10"] = (d["age"] - 60) / 10
    d["grade3"] = np.where(d["grade"].isna(), np.nan, (d["grade"] == "III").astype(float))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = CoxModel("imaging_group * rna_group + age10 + grade3",
                         reference={"imaging_group": "IC", "rna_group": "RB"}).fit(d, "mfs_time", "mfs_event")
    tab = model.to_frame(alpha=0.05 / 7).set_index("column")
    truth = {col: demo.truth["hazard_ratios"][key] for col, key in TRUE_HR.items()}
    truth["imaging_group[IB]:rna_group[RA]"] = 1.0   # no IB × RA interaction was planted
    assert set(truth) == set(tab.index)
    for col, hr in truth.items():
        assert tab.loc[col, "hr_lower"] <= hr <= tab.loc[col, "hr_upper"], (col, hr, tab.loc[col].to_dict())
    if n_patients == 1000:   # large enough that the strong effects are detected
        assert tab.loc["grade3", "p"] < 0.01 and tab.loc["age10", "hr_lower"] > 1


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        demo = demo_cohort(out=out, n_genes=1000, images=False, seed=0)
    truth = pd.read_csv(out / "truth" / "patients.csv", index_col="patient_id")
    clinical = pd.read_csv(out / "clinical.csv", index_col="patient_id")
    hrf = truth["imaging_group"].map({"IA": "A_hRF", "IB": "B_hRF", "IC": "C_hRF"})
    rna = truth["rna_group"].map({"RA": "A_RNA", "RB": "B_RNA"}).where(clinical["has_rna"] == 1)
    hybrid = (hrf + "×" + rna).where(rna.notna())
    binary = np.where(hybrid.isna(), None, np.where(hybrid == "A_hRF×A_RNA", "A_hRF×A_RNA", "Others"))
    groups = pd.DataFrame({"hrf": hrf, "rna": rna, "hybrid": hybrid, "hybrid_binary": binary},
                          index=truth.index)
    (out / "results" / "tables" / "cluster").mkdir(parents=True)
    groups.to_csv(out / "results" / "tables" / "cluster" / "groups.csv", index_label="patient_id")
    assert demo.clinical.shape[0] == 225
    return out


COMMON = ["--recode", "grade:I=I/II,II=I/II", "--recode", "chemotherapy:none=no,neoadjuvant=yes,adjuvant=yes",
          "--recode", "margins:R1=R1/R2,R2=R1/R2", "--reference", "histotype=M/RC LPS"]
ENDPOINT = ["--time", "mfs_time", "--event", "mfs_event"]


def test_cli_tables_on_demo(demo_dir, tmp_path):
    clin, groups = str(demo_dir / "clinical.csv"), str(demo_dir / "results/tables/cluster/groups.csv")
    base = ["--clinical", clin, "--groups", groups, *COMMON]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert main(["cox", *base, *ENDPOINT, "--by", "hrf", "--covariates", "age,histotype,grade,size_mm,chemotherapy,margins",
                     "--stepwise", "--out", str(tmp_path / "t3")]) == 0
        assert main(["cindex", *base, *ENDPOINT, "--require", "rna", "--model", "rna=rna", "--model", "hrf=hrf",
                     "--model", "combined=rna + hrf", "--model", "interaction=rna * hrf",
                     "--model", "hybrid=hybrid_binary", "--compare", "combined:rna", "--compare", "combined:hrf",
                     "--n-boot", "50", "--out", str(tmp_path / "t4")]) == 0
        assert main(["associate", *base, "--by", "hrf", "--by", "rna", "--variables",
                     "size_mm,histotype,grade,sarculator_group,semantic_risk", "--out", str(tmp_path / "t2")]) == 0
        assert main(["km", *base, *ENDPOINT, "--by", "hrf", "--by", "hybrid_binary", "--require", "rna",
                     "--out", str(tmp_path / "km")]) == 0
    t3 = pd.read_csv(tmp_path / "t3" / "survival_table_tidy.csv")
    assert list(t3["level"]) == ["C_hRF", "A_hRF", "B_hRF"]
    assert t3["n"].sum() == 225 and (t3["multi_n"] == 225 - t3["multi_dropped"]).all()
    assert (t3["multi_dropped"] > 0).all()          # missing grade / margins are reported
    assert "ref." in (tmp_path / "t3" / "table_survival.md").read_text()
    est = pd.read_csv(tmp_path / "t4" / "cindex.csv")
    assert list(est["model"]) == ["rna", "hrf", "combined", "interaction", "hybrid"]
    assert (est["n"] == 110).all() and est["lower"].le(est["c_index"] + 0.2).all()
    comp = pd.read_csv(tmp_path / "t4" / "cindex_comparisons.csv")
    assert list(comp["model_a"]) == ["combined", "combined"] and comp["p"].between(0, 1).all()
    boot = pd.read_csv(tmp_path / "t4" / "cindex_bootstrap.csv")
    assert boot.shape == (50, 5)
    assert (tmp_path / "t4" / "cindex.png").stat().st_size > 1000
    tests = pd.read_csv(tmp_path / "t2" / "association_tests.csv")
    assert set(tests["grouping"]) == {"hrf", "rna"} and len(tests) == 10
    assert (tmp_path / "km" / "km_hrf.png").exists() and (tmp_path / "km" / "provenance.json").exists()
    lr = pd.read_csv(tmp_path / "km" / "logrank.csv")
    assert (lr["n"] == 110).all()
    assert main(["characteristics", "--clinical", clin, "--subset", "All=all", "--subset", "RNA-seq=has_rna=1",
                 "--subset", "Training=cohort=training", "--subset", "Testing=cohort=testing",
                 "--compare", "Training:Testing", "--variables", "age,sex,grade,size_mm,chemotherapy",
                 "--out", str(tmp_path / "t1")]) == 0
    cells = pd.read_csv(tmp_path / "t1" / "characteristics_cells.csv")
    n = cells[(cells.variable == "sex")].groupby("group")["n"].sum()
    assert n["All"] == 225 and n["RNA-seq"] == 110 and n["Training"] == 200 and n["Testing"] == 25
    assert len(pd.read_csv(tmp_path / "t1" / "characteristics_tests.csv")) == 5


def test_cli_errors_exit_2(demo_dir, tmp_path, capsys):
    clin = str(demo_dir / "clinical.csv")
    assert main(["cox", "--clinical", clin, *ENDPOINT, "--by", "nope", "--out", str(tmp_path)]) == 2
    assert "nope" in capsys.readouterr().err
    assert main(["cindex", "--clinical", clin, *ENDPOINT, "--model", "bad", "--out", str(tmp_path)]) == 2
    assert main(["cindex", "--clinical", clin, *ENDPOINT, "--model", "a=age", "--compare", "a:b", "--n-boot", "0",
                 "--out", str(tmp_path)]) == 2
    assert "unknown model" in capsys.readouterr().err
