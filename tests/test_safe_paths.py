"""Path traversal (issue 13, item 2): user text never makes a command write outside --out.

Each test runs a command whose patient IDs, sequence names, --by or --name are hostile
(``../in``, absolute paths, ``$(…)``) and checks that every new file lies inside the
output folder and that no input file changed.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import SimpleITK as sitk

from omics.cli import main
from omics.data import InputError, child_path, safe_name


def _snapshot(root: Path) -> dict[Path, str]:
    return {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in root.rglob("*") if p.is_file()}


def _assert_contained(root: Path, before: dict[Path, str], out: Path) -> list[Path]:
    """No file of ``before`` changed; every new file is inside ``out``; return the new files."""
    after = _snapshot(root)
    changed = [p for p, h in before.items() if after.get(p) != h]
    assert not changed, f"inputs modified: {changed}"
    new = [p for p in after if p not in before]
    outside = [p for p in new if out.resolve() not in p.resolve().parents]
    assert not outside, f"written outside --out: {outside}"
    assert new, "the command wrote nothing"
    return new


def _write_image(array, path: Path, spacing=(1.0, 1.0, 2.0)) -> None:
    image = sitk.GetImageFromArray(array)
    image.SetSpacing(spacing)
    sitk.WriteImage(image, str(path))


@pytest.fixture
def hostile_manifest(tmp_path):
    """Inputs in tmp/in; patients whose IDs point at the inputs or elsewhere."""
    inputs = tmp_path / "in"
    inputs.mkdir()
    rng = np.random.default_rng(0)
    mask = np.zeros((4, 16, 16), np.uint8)
    mask[1:3, 5:11, 5:11] = 1
    rows = []
    hostile = ["../in", str(tmp_path / "abs"), "P$(touch pwned)", "P 'quoted' `x`"]
    for i, pid in enumerate(hostile):
        for seq in ("CET1", "../../T2"):
            name = f"img{i}_{'cet1' if seq == 'CET1' else 't2'}.nii.gz"
            _write_image((rng.normal(100, 10, mask.shape) + 60 * mask).astype(np.float32), inputs / name)
            rows.append({"patient_id": pid, "sequence": seq, "image": name, "mask": f"mask{i}.nii.gz"})
        _write_image(mask, inputs / f"mask{i}.nii.gz")
    # the input a naive path join would overwrite: in/CET1.nii.gz for patient '../in'
    _write_image(np.ones((4, 16, 16), np.float32), inputs / "CET1.nii.gz")
    pd.DataFrame(rows).to_csv(inputs / "manifest.csv", index=False)
    return inputs / "manifest.csv"


def test_preprocess_hostile_ids_and_sequences_stay_inside_out(tmp_path, hostile_manifest, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "work" / "out"
    before = _snapshot(tmp_path)
    assert main(["preprocess", str(hostile_manifest), "--build-references", "--out", str(out)]) == 0
    assert main(["preprocess", str(hostile_manifest), "--references", str(out), "--no-n4",
                 "--out", str(out)]) == 0
    new = _assert_contained(tmp_path, before, out)
    assert not (tmp_path / "pwned").exists()
    # the written manifest points at the safe file names and round-trips
    manifest = pd.read_csv(out / "manifest.csv", dtype=str, keep_default_na=False)
    assert sorted(manifest.patient_id.unique()) == sorted(pd.read_csv(hostile_manifest).patient_id.unique())
    for rel in pd.concat([manifest.image, manifest["mask"]]):
        assert (out / rel).is_file() and ".." not in Path(rel).parts and not Path(rel).is_absolute()
    assert len([p for p in new if p.name.endswith(".nii.gz")]) == 4 * 3 + 2  # 4 × (2 images + mask) + 2 refs


@pytest.fixture
def clinical(tmp_path):
    rng = np.random.default_rng(1)
    n = 16
    frame = pd.DataFrame({"patient_id": [f"P{i:02d}" for i in range(n)], "time": rng.uniform(5, 60, n).round(1),
                          "event": rng.integers(0, 2, n), "../../x": ["A", "B"] * (n // 2),
                          "/tmp/abs": ["A"] * (n // 2) + ["B"] * (n // 2)})
    path = tmp_path / "in" / "clinical.csv"
    path.parent.mkdir(exist_ok=True)
    frame.to_csv(path, index=False)
    return path


@pytest.mark.parametrize("by", ["../../x", "/tmp/abs"])
def test_km_by_cannot_escape(tmp_path, clinical, by):
    out = tmp_path / "a" / "b" / "out"
    before = _snapshot(tmp_path)
    assert main(["km", "--clinical", str(clinical), "--time", "time", "--event", "event", "--by", by,
                 "--out", str(out)]) == 0
    new = _assert_contained(tmp_path, before, out)
    assert any(p.name.startswith("km_") and p.suffix == ".png" for p in new)


def _features(tmp_path, n=16, p=6) -> Path:
    rng = np.random.default_rng(2)
    frame = pd.DataFrame(rng.normal(size=(n, p)), index=pd.Index([f"P{i:02d}" for i in range(n)], name="patient_id"),
                         columns=[f"f{j}" for j in range(p)])
    path = tmp_path / "in" / "features.csv"
    path.parent.mkdir(exist_ok=True)
    frame.to_csv(path)
    return path


def test_consensus_name_cannot_escape(tmp_path):
    features = _features(tmp_path)
    out = tmp_path / "a" / "b" / "out"
    before = _snapshot(tmp_path)
    assert main(["consensus", str(features), "--k", "2", "--reps", "10", "--name", "../../x",
                 "--out", str(out)]) == 0
    new = _assert_contained(tmp_path, before, out)
    assert any(p.suffix == ".png" for p in new)


def test_dge_and_gsea_name_cannot_escape(tmp_path):
    features = _features(tmp_path, p=30)
    groups = pd.DataFrame({"patient_id": [f"P{i:02d}" for i in range(16)], "g": ["A"] * 8 + ["Others"] * 8})
    groups.to_csv(tmp_path / "in" / "groups.csv", index=False)
    out = tmp_path / "a" / "b" / "out"
    before = _snapshot(tmp_path)
    assert main(["dge", "--expression", str(features), "--groups", str(tmp_path / "in" / "groups.csv"),
                 "--group-column", "g", "--name", "../../dge", "--out", str(out)]) == 0
    _assert_contained(tmp_path, before, out)


def test_child_path_contract(tmp_path):
    assert safe_name("007") == "007" and safe_name("STS001") == "STS001"
    for text in ("../in", "/etc/passwd", "a/b", "$(touch x)", "..", "."):
        path = child_path(tmp_path, text, suffix=".csv")
        assert path.parent == tmp_path and ".." not in path.name.split(".csv")[0].split("-")[0].split("_")
    assert safe_name("P 1") != safe_name("P_1")  # different IDs never share a file
    with pytest.raises(InputError):
        safe_name("   ")
