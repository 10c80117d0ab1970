"""The survival CLI reads its inputs through omics.data: partial overlaps are said, bad IDs refused."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from omics.cli import main
from omics.data import OverlapWarning


@pytest.fixture
def tables(tmp_path):
    rng = np.random.default_rng(0)
    ids = [f"P{i:02d}" for i in range(40)]
    clinical = pd.DataFrame({"patient_id": ids, "t": rng.uniform(1, 60, 40).round(1),
                             "e": rng.integers(0, 2, 40)})
    groups = pd.DataFrame({"patient_id": ids[:30] + ["X1"], "rna": ["A_RNA", "B_RNA"] * 15 + ["A_RNA"]})
    clinical.to_csv(tmp_path / "clinical.csv", index=False)
    groups.to_csv(tmp_path / "groups.csv", index=False)
    return tmp_path


def test_partial_overlap_with_groups_is_reported(tables):
    with pytest.warns(OverlapWarning, match=r"30 patients in both.*10 only in .*clinical.csv.*1 only in .*groups.csv \(X1\)"):
        code = main(["km", "--clinical", str(tables / "clinical.csv"), "--groups", str(tables / "groups.csv"),
                     "--time", "t", "--event", "e", "--by", "rna", "--require", "rna",
                     "--out", str(tables / "km")])
    assert code == 0
    summary = pd.read_csv(tables / "km" / "km_summary.csv")
    assert summary.n.sum() == 30 and set(summary.group) == {"A_RNA", "B_RNA"}


def test_duplicated_clinical_ids_exit_2(tables, capsys):
    clinical = pd.read_csv(tables / "clinical.csv")
    clinical.loc[1, "patient_id"] = "P00"
    clinical.to_csv(tables / "clinical.csv", index=False)
    code = main(["km", "--clinical", str(tables / "clinical.csv"), "--time", "t", "--event", "e",
                 "--by", "e", "--out", str(tables / "km")])
    assert code == 2 and "duplicated patient ID" in capsys.readouterr().err
