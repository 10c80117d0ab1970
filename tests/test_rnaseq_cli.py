"""CLI: omics voom / combat / harmonize on a small demo cohort (no images, 1,000 genes)."""

import json

import numpy as np
import pandas as pd
import pytest

from omics.cli import main


@pytest.fixture(scope="module")
def cohort(tmp_path_factory):
    from omics.data import demo_cohort
    out = tmp_path_factory.mktemp("demo")
    demo_cohort(out=out, n_patients=60, n_test=10, n_rna=40, n_genes=1000, n_repeat=0, images=False, seed=1)
    return out


def test_voom_cli_writes_contract_files(cohort, tmp_path):
    out = tmp_path / "rnaseq"
    rc = main(["voom", str(cohort / "counts.csv"), "--clinical", str(cohort / "clinical.csv"),
               "--batch", "rna_batch", "--n-top", "100", "--out", str(out)])
    assert rc == 0
    expr = pd.read_csv(out / "voom_expression.csv", index_col="patient_id")
    weights = pd.read_csv(out / "voom_weights.csv", index_col="patient_id")
    clus = pd.read_csv(out / "expression_for_clustering.csv", index_col="patient_id")
    counts = pd.read_csv(cohort / "counts.csv", index_col=0)
    assert expr.shape[0] == counts.shape[1] == 40 and set(expr.index) == set(counts.columns)
    assert weights.shape == expr.shape and (weights.to_numpy() > 0).all()
    assert clus.shape == (40, 100) and set(clus.columns) <= set(expr.columns)
    prov = json.loads((out / "provenance.json").read_text())
    assert prov["step"] == "voom" and prov["parameters"]["batch_method"] == "combat-seq"


def test_voom_cli_samples_by_genes_orientation(cohort, tmp_path):
    counts = pd.read_csv(cohort / "counts.csv", index_col=0).T
    counts.index.name = "patient_id"
    path = tmp_path / "counts_sxg.csv"
    counts.to_csv(path)
    out = tmp_path / "o"
    assert main(["voom", str(path), "--orientation", "samples-by-genes", "--n-top", "50",
                 "--out", str(out)]) == 0
    assert pd.read_csv(out / "voom_expression.csv", index_col=0).shape[0] == 40


def test_voom_cli_bad_counts_exit_2(cohort, tmp_path, capsys):
    counts = pd.read_csv(cohort / "counts.csv", index_col=0)
    counts.iloc[3, 2] = -5
    path = tmp_path / "bad.csv"
    counts.to_csv(path)
    assert main(["voom", str(path), "--out", str(tmp_path / "x")]) == 2
    assert "negative counts" in capsys.readouterr().err


def test_combat_and_harmonize_cli(cohort, tmp_path):
    clinical = pd.read_csv(cohort / "clinical.csv", index_col="patient_id")
    rng = np.random.default_rng(0)
    feats = pd.DataFrame(rng.normal(size=(len(clinical), 8)), index=clinical.index,
                         columns=[f"T1__tumour__firstorder_f{j}" for j in range(8)])
    feats = feats.add(clinical["scanner"].map({"S1": 0, "S2": 2, "S3": -1, "S4": 1}).to_numpy()[:, None])
    path = tmp_path / "features.csv"
    feats.to_csv(path)
    out = tmp_path / "harm"
    assert main(["harmonize", str(path), "--clinical", str(cohort / "clinical.csv"),
                 "--batch", "scanner", "--fit-on", "cohort=training", "--out", str(out)]) == 0
    harm = pd.read_csv(out / "harmonized.csv", index_col="patient_id")
    assert harm.shape == feats.shape
    assert (out / "harmonize_diagnostics.png").stat().st_size > 10_000
    assert json.loads((out / "provenance.json").read_text())["parameters"]["n_fit"] == \
        int((clinical["cohort"] == "training").sum())
    spread = harm.groupby(clinical["scanner"]).mean().std().max()
    assert spread < 0.5 * feats.groupby(clinical["scanner"]).mean().std().min()
    out2 = tmp_path / "combat"
    assert main(["combat", str(path), "--clinical", str(cohort / "clinical.csv"), "--batch", "scanner",
                 "--non-parametric", "--out", str(out2)]) == 0
    assert pd.read_csv(out2 / "combat.csv", index_col=0).shape == feats.shape
    out3 = tmp_path / "combat_protected"
    assert main(["combat", str(path), "--clinical", str(cohort / "clinical.csv"), "--batch", "scanner",
                 "--covariates", "sex", "--out", str(out3)]) == 0
    out4 = tmp_path / "combat_plain"
    assert main(["combat", str(path), "--clinical", str(cohort / "clinical.csv"), "--batch", "scanner",
                 "--out", str(out4)]) == 0
    from omics.harmonize import combat
    expected = combat(feats, clinical["scanner"], covariates=clinical[["sex"]])
    protected = pd.read_csv(out3 / "combat.csv", index_col=0)
    np.testing.assert_allclose(protected.loc[expected.index].to_numpy(), expected.to_numpy(), atol=1e-9)
    assert not np.allclose(protected.to_numpy(), pd.read_csv(out4 / "combat.csv", index_col=0).to_numpy())
