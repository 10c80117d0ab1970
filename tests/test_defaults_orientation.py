"""Issue 10 item 7: one matrix reader, orientation stated and checked, never genes as patients."""

import json

import numpy as np
import pandas as pd
import pytest

from omics.cli import main
from omics.cli._matrix import looks_like_genes, read_patient_matrix
from omics.data.validate import InputError

SYMBOLS = ["TP53", "AURKA", "MKI67", "ESR1", "ERBB2", "GAPDH", "ACTB", "CDK4", "MDM2", "HMGA2"]


def expression(n_patients=30, n_genes=2400, seed=0):
    """Patients × genes with two planted groups; gene names like symbols."""
    rng = np.random.default_rng(seed)
    genes = [f"{SYMBOLS[i % 10]}{i // 10}" if i >= 10 else SYMBOLS[i] for i in range(n_genes)]
    x = rng.normal(size=(n_patients, n_genes))
    x[: n_patients // 2, :200] += 2.0
    patients = [f"PT-{i:03d}" for i in range(n_patients)]
    return pd.DataFrame(x, index=pd.Index(patients, name="patient_id"), columns=genes)


def test_gene_like_names():
    assert looks_like_genes(["TP53", "ENSG00000141510", "LOC100287", "7157", "Actb"])
    assert not looks_like_genes(["PT-001", "PT-002", "sample 3", "patient_4", "PT-005"])


def test_transposed_matrix_is_detected_and_stated(tmp_path, capsys):
    expr = expression()
    expr.T.rename_axis("gene").to_csv(tmp_path / "genes_x_samples.csv")
    matrix = read_patient_matrix(str(tmp_path / "genes_x_samples.csv"), what="genes")
    assert matrix.shape == (30, 2400) and list(matrix.index) == list(expr.index)
    assert "read as genes x patients (2400 rows look like genes" in capsys.readouterr().err
    # the same matrix, with the clinical IDs known: detected from the IDs
    matrix = read_patient_matrix(str(tmp_path / "genes_x_samples.csv"), patients=expr.index, what="genes")
    assert matrix.shape == (30, 2400)
    assert "the axis holding the known patient IDs" in capsys.readouterr().err


def test_genes_as_patients_is_refused(tmp_path):
    expr = expression()
    expr.T.rename_axis("gene").to_csv(tmp_path / "genes_x_samples.csv")
    # forcing the wrong orientation: 2,400 "patients" named like genes
    with pytest.raises(InputError, match="named like genes.*--orientation features-by-patients"):
        read_patient_matrix(str(tmp_path / "genes_x_samples.csv"), "patients-by-features", what="genes")
    # against a clinical table of 30 patients, 2,400 "patients" is > 5 × too many
    with pytest.raises(InputError, match="2400 'patients' but the clinical/group table has 30"):
        read_patient_matrix(str(tmp_path / "genes_x_samples.csv"), "patients-by-features",
                            patients=expr.index, what="genes")


def test_radiomics_table_keeps_patients_in_rows(tmp_path, capsys):
    # 225 patients × 152 features: more rows than columns, still patients in rows
    rng = np.random.default_rng(1)
    table = pd.DataFrame(rng.normal(size=(225, 152)), index=[f"STS{i:03d}" for i in range(225)],
                         columns=[f"T1_tumour_f{i}" for i in range(152)])
    table.rename_axis("patient_id").to_csv(tmp_path / "hrf.csv")
    matrix = read_patient_matrix(str(tmp_path / "hrf.csv"))
    assert matrix.shape == (225, 152)
    assert "patients in rows, as documented" in capsys.readouterr().err


def test_consensus_cli_on_a_transposed_matrix(tmp_path, capsys):
    expr = expression(n_genes=2100)
    expr.T.rename_axis("gene").to_csv(tmp_path / "genes_x_samples.csv")
    out = tmp_path / "cc"
    assert main(["consensus", str(tmp_path / "genes_x_samples.csv"), "--k", "2-3", "--reps", "20",
                 "--no-figures", "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert "read as features x patients" in err and "override with --orientation" in err
    labels = pd.read_csv(out / "labels.csv", index_col=0)
    assert len(labels) == 30                              # patients, not 2,100 genes
    assert json.loads((out / "provenance.json").read_text())["parameters"]["n_patients"] == 30
    # told the file is patients × features, the CLI refuses instead of clustering genes
    assert main(["consensus", str(tmp_path / "genes_x_samples.csv"), "--orientation", "patients-by-features",
                 "--reps", "5", "--no-figures", "--out", str(tmp_path / "bad")]) == 2
    assert "named like genes" in capsys.readouterr().err
    assert not (tmp_path / "bad").exists()


def test_dge_and_pam_read_a_transposed_expression(tmp_path, capsys):
    expr = expression(n_genes=300)
    expr.T.rename_axis("gene").to_csv(tmp_path / "genes_x_samples.csv")
    groups = pd.DataFrame({"g": np.where(np.arange(30) < 15, "hi", "Others")}, index=expr.index)
    groups.to_csv(tmp_path / "groups.csv")
    assert main(["dge", "--expression", str(tmp_path / "genes_x_samples.csv"), "--groups",
                 str(tmp_path / "groups.csv"), "--group-column", "g", "--out", str(tmp_path / "dge")]) == 0
    assert "the axis holding the known patient IDs" in capsys.readouterr().err
    table = pd.read_csv(tmp_path / "dge" / "dge_ttest.csv")
    assert len(table) == 300
