"""`omics dge`, `omics gsea`, `omics pam` end to end on a small synthetic cohort."""

import json

import numpy as np
import pandas as pd
import pytest

from omics.cli import main
from omics.rnaseq import voom


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    rng = np.random.default_rng(7)
    n, p = 40, 600
    genes = np.array([f"G{i:03d}" for i in range(p)])
    patients = [f"STS{i:03d}" for i in range(n)]
    worst = np.arange(n) < 15
    mu = np.exp(rng.normal(4, 1, p))[None, :] * np.ones((n, 1))
    mu[np.ix_(worst, np.arange(30))] *= 4
    mu[np.ix_(worst, np.arange(30, 50))] /= 4
    counts = pd.DataFrame(rng.negative_binomial(10, 10 / (10 + mu)), index=patients, columns=genes)
    v = voom(counts)
    d = tmp_path_factory.mktemp("expr")
    v.E.rename_axis("patient_id").to_csv(d / "voom_expression.csv")
    v.weights.rename_axis("patient_id").to_csv(d / "voom_weights.csv")
    counts.T.rename_axis("gene").to_csv(d / "counts.csv")
    groups = pd.DataFrame({"hybrid_binary": np.where(worst, "A_hRF×A_RNA", "Others")},
                          index=pd.Index(patients, name="patient_id"))
    groups.iloc[-1, 0] = ""          # a patient without a group: left out, reported
    groups.to_csv(d / "groups.csv")
    gmt = ["PROG_UP\tplanted\t" + "\t".join(genes[:30]), "PROG_DOWN\tplanted\t" + "\t".join(genes[30:50]),
           "DECOY\tdecoy\t" + "\t".join(genes[100:140])]
    (d / "sets.gmt").write_text("\n".join(gmt) + "\n")
    return d


def test_dge_limma_then_gsea(files, capsys):
    out, fig = files / "tables", files / "figures"
    assert main(["dge", "--expression", str(files / "voom_expression.csv"), "--weights",
                 str(files / "voom_weights.csv"), "--groups", str(files / "groups.csv"),
                 "--method", "limma", "--out", str(out), "--figures", str(fig)]) == 0
    table = pd.read_csv(out / "dge_limma.csv")
    assert {"gene", "log2fc", "p_adj", "significant", "direction", "B"} <= set(table.columns)
    up = set(table.loc[table["direction"] == "up", "gene"])
    assert len(up & {f"G{i:03d}" for i in range(30)}) >= 27
    assert (fig / "volcano_limma.png").stat().st_size > 1000
    prov = json.loads((out / "provenance_dge_limma.json").read_text())
    assert prov["parameters"]["level"] == "A_hRF×A_RNA" and prov["parameters"]["n_dropped"] == 1
    assert "left out" in capsys.readouterr().out
    assert main(["gsea", "--dge", str(out / "dge_limma.csv"), "--genesets", str(files / "sets.gmt"),
                 "--permutations", "100", "--min-size", "10", "--out", str(out), "--figures", str(fig)]) == 0
    gsea = pd.read_csv(out / "gsea.csv").set_index("gene_set")
    assert gsea.loc["PROG_UP", "nes"] > 0 and gsea.loc["PROG_DOWN", "nes"] < 0
    assert gsea.loc["PROG_UP", "fdr"] < 0.05 and gsea.loc["DECOY", "fdr"] > 0.05
    assert (fig / "gsea_bars.png").exists()
    assert main(["gsea", "--dge", str(out / "dge_limma.csv"), "--genesets", str(files / "sets.gmt"),
                 "--mode", "ora", "--min-size", "10", "--out", str(out)]) == 0
    assert pd.read_csv(out / "ora.csv").set_index("gene_set").loc["PROG_UP", "p_adj"] < 0.05


def test_dge_ttest_and_pam(files):
    out = files / "t2"
    assert main(["dge", "--expression", str(files / "voom_expression.csv"), "--groups",
                 str(files / "groups.csv"), "--out", str(out)]) == 0
    assert (out / "dge_ttest.csv").exists() and (out / "volcano_ttest.png").exists()
    assert main(["pam", "--expression", str(files / "voom_expression.csv"), "--groups",
                 str(files / "groups.csv"), "--n-folds", "5", "--out", str(out)]) == 0
    sig = pd.read_csv(out / "pam_signature.csv")
    assert len(sig) > 0 and set(sig["gene"]) & {f"G{i:03d}" for i in range(50)}
    cv = pd.read_csv(out / "pam_cv.csv")
    assert len(cv) == 30 and cv["chosen"].sum() == 1
    assert (out / "pam_heatmap.png").exists()


def test_bad_input_exits_2(files, capsys):
    code = main(["dge", "--expression", str(files / "voom_expression.csv"), "--groups",
                 str(files / "groups.csv"), "--group-column", "nope", "--out", str(files / "x")])
    assert code == 2
    assert "no label column 'nope'" in capsys.readouterr().err
    code = main(["dge", "--method", "deseq2", "--groups", str(files / "groups.csv"),
                 "--out", str(files / "x")])
    assert code == 2
