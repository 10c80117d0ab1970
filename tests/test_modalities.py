"""Modalities as data: cluster_input for every kind, modality_groups, and their CLI faces."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from omics.cli import main
from omics.cluster import ClusterInput, cluster_input, modality_groups
from omics.data import InputError


@pytest.fixture(scope="module")
def counts():
    rng = np.random.default_rng(1)
    means = rng.gamma(2.0, 50.0, size=300)
    data = rng.poisson(np.outer(rng.uniform(0.7, 1.3, 24), means))
    data[:12, :30] *= 4                                   # a planted group
    return pd.DataFrame(data, index=[f"P{i:03d}" for i in range(24)], columns=[f"g{j}" for j in range(300)])


@pytest.fixture(scope="module")
def log2_expression(counts):
    return np.log2(counts + 1.0) + np.random.default_rng(2).normal(0, 0.1, counts.shape)


def test_counts_go_through_filter_tmm_voom(counts):
    from omics.rnaseq.pipeline import preprocess_counts

    batch = pd.Series(["b1", "b2"] * 12, index=counts.index)
    result = cluster_input(counts, kind="counts", batch=batch, n_top=50)
    reference = preprocess_counts(counts, batch=batch, n_top=50)
    pd.testing.assert_frame_equal(result.matrix, reference.for_clustering)
    pd.testing.assert_frame_equal(result.expression, reference.voom.E)
    assert result.weights.shape == reference.voom.weights.shape
    assert list(result.summary["step"]) == ["read", "filterByExpr", "batch correction", "TMM + voom",
                                            "most variable genes"]
    assert result.summary["detail"].iloc[2] == "combat-seq"
    assert "counts" in repr(result) and "24 patients × 50 features" in repr(result)


def test_log2_values_given_as_counts_point_to_kind_expression(log2_expression):
    with pytest.raises(InputError, match="use kind 'expression'"):
        cluster_input(log2_expression, kind="counts")


def test_expression_combat_then_most_variable_genes(log2_expression):
    from omics.harmonize import combat
    from omics.rnaseq.select import most_variable_genes

    batch = pd.Series(["x", "y", "z"] * 8, index=log2_expression.index)
    result = cluster_input(log2_expression, kind="expression", batch=batch, n_top=40)
    corrected = combat(log2_expression, batch)
    pd.testing.assert_frame_equal(result.expression, corrected)
    pd.testing.assert_frame_equal(result.matrix, most_variable_genes(corrected, n_top=40))
    assert list(result.summary["step"]) == ["read", "ComBat", "most variable genes"]
    assert result.weights is None
    plain = cluster_input(log2_expression, kind="expression", n_top=None)
    assert plain.matrix.shape == log2_expression.shape                 # n_top=None keeps every gene


def test_expression_warns_when_it_looks_like_counts(counts):
    with pytest.warns(UserWarning, match="look like raw counts"):
        cluster_input(counts * 10, kind="expression", n_top=10)


@pytest.mark.parametrize("kind", ["features", "handcrafted", "cae", "hscae"])
def test_feature_kinds_drop_constant_features_and_say_so(kind, log2_expression):
    table = log2_expression.iloc[:, :20].assign(flat=1.0)
    result = cluster_input(table, kind=kind)
    assert "flat" not in result.matrix.columns and result.matrix.shape == (24, 20)
    assert result.summary["step"].tolist() == ["read", "drop constant features"]
    assert "flat" in result.summary["detail"].iloc[1]
    with pytest.raises(InputError, match="takes no batch"):
        cluster_input(table, kind=kind, batch=pd.Series("a", index=table.index))


def test_bad_inputs_are_input_errors(log2_expression):
    with pytest.raises(InputError, match="unknown modality kind"):
        cluster_input(log2_expression, kind="rna")
    with pytest.raises(InputError, match="NaN|finite|missing"):
        cluster_input(log2_expression.mask(log2_expression > 8), kind="features")
    with pytest.raises(InputError, match="no value for 1 patient"):
        cluster_input(log2_expression, kind="expression", batch=pd.Series("a", index=log2_expression.index[1:]))


def test_anndata_is_accepted(log2_expression):
    import anndata

    adata = anndata.AnnData(log2_expression.to_numpy(), obs=pd.DataFrame(index=log2_expression.index),
                            var=pd.DataFrame(index=log2_expression.columns))
    result = cluster_input(adata, kind="expression", n_top=10)
    pd.testing.assert_frame_equal(result.matrix, cluster_input(log2_expression, kind="expression", n_top=10).matrix)


def test_write_parquet_keeps_the_id_as_first_column(tmp_path, log2_expression):
    from omics.data import read_matrix

    written = cluster_input(log2_expression, kind="expression", n_top=10).write(tmp_path)
    matrix = read_matrix(written["cluster_input"], orientation="samples x genes")
    assert matrix.shape == (24, 10) and matrix.index[0] == "P000"
    assert pd.read_csv(written["steps"])["step"].tolist() == ["read", "most variable genes"]


def test_modality_groups_named_by_the_user():
    ids = [f"P{i}" for i in range(6)]
    a = pd.Series(list("AABBAB"), index=ids)
    b = pd.Series(list("ABAB") + [np.nan, "B"], index=ids)
    table = modality_groups({"MRI": a, "array": b}, hybrids=[("MRI", "array")])
    assert list(table.columns) == ["MRI", "array", "hybrid_MRI_array", "hybrid_binary_MRI_array"]
    assert table.loc["P0", "MRI"] == "A_MRI" and table.loc["P1", "array"] == "B_array"
    assert table.loc["P0", "hybrid_MRI_array"] == "A_MRI×A_array"
    assert pd.isna(table.loc["P4", "hybrid_binary_MRI_array"])          # no array label: no hybrid
    assert table.loc["P1", "hybrid_binary_MRI_array"] == "Others"
    with pytest.raises(InputError, match="no modality named 'RNA'"):
        modality_groups({"MRI": a}, hybrids=[("MRI", "RNA")])


def test_cli_cluster_input_and_groups(tmp_path, log2_expression):
    genes_by_samples = tmp_path / "array.csv"
    log2_expression.T.rename_axis("gene").to_csv(genes_by_samples)
    clinical = tmp_path / "clinical.csv"
    pd.DataFrame({"patient_id": log2_expression.index, "batch": ["x", "y"] * 12}).to_csv(clinical, index=False)
    assert main(["cluster-input", str(genes_by_samples), "--kind", "expression", "--clinical", str(clinical),
                 "--batch", "batch", "--n-top", "25", "--out", str(tmp_path / "prep")]) == 0
    prepared = pd.read_parquet(tmp_path / "prep" / "cluster_input.parquet").set_index("patient_id")
    assert prepared.shape == (24, 25)                                    # orientation found from the IDs
    steps = json.loads((tmp_path / "prep" / "provenance.json").read_text())["parameters"]["steps"]
    assert [s["step"] for s in steps] == ["read", "ComBat", "most variable genes"]
    assert main(["cluster-input", str(genes_by_samples), "--kind", "counts", "--out", str(tmp_path / "bad")]) == 2

    labels = tmp_path / "labels.csv"
    pd.DataFrame({"patient_id": log2_expression.index, "k2": list("AB") * 12, "k3": list("ABC") * 8}).to_csv(
        labels, index=False)
    (tmp_path / "provenance.json").write_text(json.dumps({"parameters": {"suggested_k": 3,
                                                                         "suggested_k_rule": "test"}}))
    assert main(["groups", "--modality", "one", str(labels), "auto", "--modality", "two", str(labels), "k2",
                 "--hybrid", "one", "two", "--level", "one", "two", "B_one×B_two",
                 "--out", str(tmp_path / "groups")]) == 0
    groups = pd.read_csv(tmp_path / "groups" / "groups.csv", index_col=0, dtype=str)
    assert set(groups["one"]) == {"A_one", "B_one", "C_one"}                   # auto = the suggested K 3
    assert set(groups["hybrid_binary_one_two"]) == {"B_one×B_two", "Others"}
    agreement = pd.read_csv(tmp_path / "groups" / "agreement.csv")
    assert agreement.loc[0, "n_patients"] == 24 and agreement.loc[0, "modality_a"] == "one"
