"""The bad-input catalogue (issue 13): careless or hostile inputs, every subcommand.

Each row is (input builder, argv, expected exit code, message fragment). For every row the
CLI is called in-process; the test asserts the exit code, the fragment (on stderr for
errors, which must be one line), that no input file changed (SHA-256 before/after) and,
for a refused input, that nothing was written into ``--out``. Inputs are tiny and synthetic.
"""

from __future__ import annotations

import gzip
import hashlib
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import SimpleITK as sitk

from omics.cli import main
from omics.data import IdentifierWarning

N = 12
IDS = [f"P{i:02d}" for i in range(1, N + 1)]


# --------------------------------------------------------------------------- builders
def _clinical(ids=IDS, **columns) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"patient_id": ids, "time": rng.uniform(5, 80, len(ids)).round(1),
                          "event": [i % 2 for i in range(len(ids))],
                          "grp": ["A" if i < len(ids) // 2 else "B" for i in range(len(ids))],
                          "age": rng.normal(60, 10, len(ids)).round(1)})
    for name, values in columns.items():
        frame[name] = values
    return frame


def _write_csv(frame: pd.DataFrame, path: Path, **kwargs) -> Path:
    frame.to_csv(path, index=False, **kwargs)
    return path


def clinical_file(tmp: Path, name="clinical.csv", **columns) -> Path:
    return _write_csv(_clinical(**columns), tmp / name)


def counts_frame(ids=IDS, genes=60, seed=1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(rng.poisson(30, (genes, len(ids))), index=[f"G{i}" for i in range(genes)],
                        columns=ids).rename_axis("gene")


def counts_file(tmp: Path, frame=None, name="counts.csv") -> Path:
    path = tmp / name
    (counts_frame() if frame is None else frame).to_csv(path)
    return path


def features_file(tmp: Path, frame=None, name="features.csv") -> Path:
    if frame is None:
        rng = np.random.default_rng(2)
        frame = pd.DataFrame(rng.normal(size=(N, 4)), index=pd.Index(IDS, name="patient_id"),
                             columns=[f"f{i}" for i in range(4)])
    path = tmp / name
    frame.to_csv(path)
    return path


def gmt_file(tmp: Path, text: str, name="sets.gmt") -> Path:
    path = tmp / name
    path.write_text(text)
    return path


def _image(array: np.ndarray, spacing=(1.0, 1.0, 2.0)) -> sitk.Image:
    image = sitk.GetImageFromArray(array)
    image.SetSpacing(spacing)
    return image


def image_arrays(seed=0):
    """A 4 × 16 × 16 (z, y, x) image with a bright 6 × 6 × 2 tumour, and its mask."""
    rng = np.random.default_rng(seed)
    img = rng.normal(100, 10, (4, 16, 16)).astype(np.float32)
    msk = np.zeros((4, 16, 16), np.uint8)
    msk[1:3, 5:11, 5:11] = 1
    img[msk == 1] += 80
    return img, msk


def mask_file(tmp: Path, values=None, name="mask.nii.gz", spacing=(1.0, 1.0, 2.0)) -> Path:
    _, msk = image_arrays()
    if values is not None:
        msk = values(msk)
    path = tmp / name
    sitk.WriteImage(_image(msk, spacing), str(path))
    return path


def image_file(tmp: Path, name="CET1.nii.gz", seed=0) -> Path:
    img, _ = image_arrays(seed)
    path = tmp / name
    sitk.WriteImage(_image(img), str(path))
    return path


def truncated(path: Path, keep: float = 0.5) -> Path:
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])
    return path


def manifest_file(tmp: Path, rows=None, name="manifest.csv") -> Path:
    """One patient, one CET1 image and its mask; ``rows`` overrides the table."""
    if rows is None:
        image_file(tmp)
        mask_file(tmp)
        rows = [{"patient_id": "P01", "sequence": "CET1", "image": "CET1.nii.gz", "mask": "mask.nii.gz"}]
    return _write_csv(pd.DataFrame(rows), tmp / name)


def dge_file(tmp: Path, genes) -> Path:
    rng = np.random.default_rng(3)
    n = len(genes)
    table = pd.DataFrame({"gene": genes, "log2fc": rng.normal(size=n), "statistic": rng.normal(size=n),
                          "p_value": rng.uniform(size=n), "direction": "up"})
    table["padj"] = table["p_value"]
    return _write_csv(table, tmp / "dge.csv")


# --------------------------------------------------------------------------- the catalogue
def _km(tmp, clinical, *by):
    argv = ["km", "--clinical", str(clinical), "--time", "time", "--event", "event"]
    for b in by:
        argv += ["--by", b]
    return argv


def _validate_clinical(tmp, path, *extra):
    return ["validate", "--clinical", str(path), *extra]


def case_empty_file(tmp):
    (tmp / "c.csv").write_text("")
    return _validate_clinical(tmp, tmp / "c.csv")


def case_header_only(tmp):
    (tmp / "c.csv").write_text("patient_id,time,event\n")
    return _validate_clinical(tmp, tmp / "c.csv")


def case_semicolon(tmp):
    return _validate_clinical(tmp, _write_csv(_clinical(), tmp / "c.csv", sep=";"))


def case_bom_crlf(tmp):
    text = _clinical().to_csv(index=False, lineterminator="\r\n")
    (tmp / "c.csv").write_bytes(b"\xef\xbb\xbf" + text.encode())
    return _validate_clinical(tmp, tmp / "c.csv", "--time", "time", "--event", "event")


def case_gzipped_tables(tmp):
    clinical = tmp / "c.tsv.gz"
    _clinical().to_csv(clinical, sep="\t", index=False)
    counts = tmp / "counts.csv.gz"
    counts_frame().to_csv(counts)
    return _validate_clinical(tmp, clinical, "--counts", str(counts))


def case_latin1(tmp):
    (tmp / "c.csv").write_bytes("patient_id,site\nP01,Besan\xe7on\n".encode("latin-1"))
    return _validate_clinical(tmp, tmp / "c.csv")


def case_duplicated_ids(tmp):
    return _validate_clinical(tmp, _write_csv(_clinical(ids=IDS[:-1] + ["P01"]), tmp / "c.csv"))


def case_ids_same_after_strip(tmp):
    return _validate_clinical(tmp, _write_csv(_clinical(ids=IDS[:-1] + [" P01 "]), tmp / "c.csv"))


def case_missing_id(tmp):
    return _validate_clinical(tmp, _write_csv(_clinical(ids=IDS[:-1] + [""]), tmp / "c.csv"))


def case_leading_zero_ids_join(tmp):
    ids = [f"{i:03d}" for i in range(1, N + 1)]     # 001…: numbers would lose the zeros
    clinical = _write_csv(_clinical(ids=ids), tmp / "c.csv")
    counts = counts_file(tmp, counts_frame(ids=ids))
    return _validate_clinical(tmp, clinical, "--counts", str(counts))


def case_whitespace_ids_join(tmp):
    ids = [f"{p} " for p in IDS]                      # trailing spaces: stripped, with a warning
    clinical = _write_csv(_clinical(ids=ids), tmp / "c.csv")
    return _validate_clinical(tmp, clinical, "--counts", str(counts_file(tmp)))


def case_unicode_and_pathlike_ids(tmp):
    ids = IDS[:-3] + ["Pé01", "../in", "/abs/P"]
    return _validate_clinical(tmp, _write_csv(_clinical(ids=ids), tmp / "c.csv"), "--time", "time",
                              "--event", "event")


def case_partial_overlap(tmp):
    return _validate_clinical(tmp, clinical_file(tmp), "--counts", str(counts_file(tmp, counts_frame(ids=IDS[:8]))))


def case_no_overlap(tmp):
    return _validate_clinical(tmp, clinical_file(tmp), "--features",
                              str(features_file(tmp, pd.DataFrame({"f": [1.0, 2.0]}, index=["X1", "X2"]))))


def case_nan_feature(tmp):
    frame = pd.DataFrame({"f0": [1.0, np.nan, 3.0], "f1": [1.0, 2.0, 3.0]}, index=["A", "B", "C"])
    return ["validate", "--features", str(features_file(tmp, frame))]


def case_inf_feature(tmp):
    frame = pd.DataFrame({"f0": [1.0, np.inf, 3.0]}, index=["A", "B", "C"])
    return ["validate", "--features", str(features_file(tmp, frame))]


def case_text_feature(tmp):
    frame = pd.DataFrame({"f0": [1.0, 2.0, 3.0], "f1": ["1", "two", "3"]}, index=["A", "B", "C"])
    return ["validate", "--features", str(features_file(tmp, frame))]


def _counts_with(value):
    frame = counts_frame().astype(float)
    frame.iloc[3, 2] = value
    return frame


def case_negative_counts(tmp):
    return ["validate", "--counts", str(counts_file(tmp, _counts_with(-4)))]


def case_fractional_counts(tmp):
    return ["validate", "--counts", str(counts_file(tmp, _counts_with(2.5)))]


def case_huge_counts(tmp):
    return ["validate", "--counts", str(counts_file(tmp, _counts_with(1e20)))]


def case_huge_counts_voom(tmp):
    return ["voom", str(counts_file(tmp, _counts_with(1e20)))]


def case_duplicated_sample_in_header(tmp):
    frame = counts_frame()
    frame.columns = IDS[:-1] + ["P01"]
    return ["validate", "--counts", str(counts_file(tmp, frame))]


def case_transposed_counts_guess_stated(tmp):
    return ["validate", "--counts", str(counts_file(tmp, counts_frame().T))]


def case_transposed_counts_with_clinical(tmp):
    return _validate_clinical(tmp, clinical_file(tmp), "--counts", str(counts_file(tmp, counts_frame().T)))


def case_bad_orientation(tmp):
    return ["validate", "--counts", str(counts_file(tmp)), "--orientation", "sideways"]


def case_constant_feature_consensus(tmp):
    rng = np.random.default_rng(4)
    frame = pd.DataFrame({"f0": rng.normal(size=N), "f1": 1.0, "f2": rng.normal(size=N)},
                         index=pd.Index(IDS, name="patient_id"))
    return ["consensus", str(features_file(tmp, frame)), "--k", "2", "--reps", "5", "--no-figures"]


def case_k_above_n(tmp):
    return ["consensus", str(features_file(tmp)), "--k", "2-20", "--reps", "5", "--no-figures"]


def case_event_not_binary(tmp):
    return _validate_clinical(tmp, clinical_file(tmp, event=[2] + [0] * (N - 1)), "--time", "time",
                              "--event", "event")


def case_negative_time(tmp):
    return _validate_clinical(tmp, clinical_file(tmp, time=[-1.0] + [10.0] * (N - 1)), "--time", "time",
                              "--event", "event")


def case_time_zero_valid(tmp):
    return _validate_clinical(tmp, clinical_file(tmp, time=[0.0] + [10.0] * (N - 1)), "--time", "time",
                              "--event", "event")


def case_km_second_by_missing(tmp):
    return _km(tmp, clinical_file(tmp), "grp", "nope")


def case_km_one_patient(tmp):
    return _km(tmp, _write_csv(_clinical(ids=["P01"]), tmp / "c.csv"), "grp")


def case_km_one_group(tmp):
    return _km(tmp, clinical_file(tmp, grp=["A"] * N), "grp")


def case_gmt_no_tabs(tmp):
    return ["validate", "--gmt", str(gmt_file(tmp, "SET_A desc G1 G2\n"))]


def case_gmt_empty(tmp):
    return ["validate", "--gmt", str(gmt_file(tmp, "\n\n"))]


def case_gmt_duplicate_set(tmp):
    return ["validate", "--gmt", str(gmt_file(tmp, "S\td\tG1\nS\td\tG2\n"))]


def case_gmt_binary(tmp):
    path = tmp / "sets.gmt"
    path.write_bytes(gzip.compress(b"S\td\tG1\n"))
    return ["validate", "--gmt", str(path)]


def case_gmt_shares_no_gene(tmp):
    dge = dge_file(tmp, [f"G{i}" for i in range(40)])
    sets = gmt_file(tmp, "".join(f"S{j}\td\t" + "\t".join(f"X{j}_{i}" for i in range(20)) + "\n" for j in range(3)))
    return ["gsea", "--dge", str(dge), "--genesets", str(sets), "--permutations", "10"]


def case_missing_image(tmp):
    mask_file(tmp)
    rows = [{"patient_id": "P01", "sequence": "CET1", "image": "absent.nii.gz", "mask": "mask.nii.gz"}]
    return ["validate", "--manifest", str(manifest_file(tmp, rows))]


def case_corrupt_image(tmp):
    manifest = manifest_file(tmp)
    (tmp / "CET1.nii.gz").write_bytes(b"this is not an image")
    return ["extract", str(manifest), "--quiet"]


def case_truncated_image_gz(tmp):
    manifest = manifest_file(tmp)
    truncated(tmp / "CET1.nii.gz", 0.6)
    return ["preprocess", str(manifest), "--no-histogram-match", "--no-n4"]


def case_truncated_mask_rings(tmp):
    return ["rings", str(truncated(mask_file(tmp), 0.6))]


def case_truncated_uncompressed_mask_rings(tmp):
    return ["rings", str(truncated(mask_file(tmp, name="mask.nii"), 0.8))]


def case_geometry_mismatch(tmp):
    image_file(tmp)
    mask_file(tmp, spacing=(1.0, 1.0, 3.0))
    return ["validate", "--manifest", str(manifest_file(tmp, [{"patient_id": "P01", "sequence": "CET1",
                                                                 "image": "CET1.nii.gz", "mask": "mask.nii.gz"}])),
            "--check-geometry"]


def case_geometry_mismatch_preprocess(tmp):
    image_file(tmp)
    mask_file(tmp, spacing=(1.0, 1.0, 3.0))
    manifest = manifest_file(tmp, [{"patient_id": "P01", "sequence": "CET1", "image": "CET1.nii.gz",
                                    "mask": "mask.nii.gz"}])
    return ["preprocess", str(manifest), "--no-histogram-match", "--no-n4"]


def case_empty_mask_rings(tmp):
    return ["rings", str(mask_file(tmp, values=lambda m: np.zeros_like(m)))]


def _two_labels(m):
    m = m.copy()
    m[2, 5:11, 5:11] = 2
    return m


def case_multilabel_mask_rings(tmp):
    return ["rings", str(mask_file(tmp, values=_two_labels))]


def case_multilabel_mask_extract(tmp):
    image_file(tmp)
    mask_file(tmp, values=_two_labels)
    return ["extract", str(manifest_file(tmp, [{"patient_id": "P01", "sequence": "CET1", "image": "CET1.nii.gz",
                                               "mask": "mask.nii.gz"}])), "--quiet"]


def case_multilabel_mask_preprocess(tmp):
    image_file(tmp)
    mask_file(tmp, values=_two_labels)
    return ["preprocess", str(manifest_file(tmp, [{"patient_id": "P01", "sequence": "CET1", "image": "CET1.nii.gz",
                                                  "mask": "mask.nii.gz"}])), "--no-histogram-match", "--no-n4"]


def case_absent_label(tmp):
    return ["rings", str(mask_file(tmp)), "--label", "3"]


def case_yaml_python_tag(tmp):
    preset = tmp / "evil.yaml"
    preset.write_text("pyradiomics: !!python/object/apply:os.system ['touch pwned']\n")
    return ["extract", str(manifest_file(tmp)), "--preset", str(preset), "--quiet"]


def case_yaml_not_mapping(tmp):
    preset = tmp / "list.yaml"
    preset.write_text("- a\n- b\n")
    return ["extract", str(manifest_file(tmp)), "--preset", str(preset), "--quiet"]


def case_yaml_syntax(tmp):
    preset = tmp / "broken.yaml"
    preset.write_text("pyradiomics: {setting: [\n")
    return ["extract", str(manifest_file(tmp)), "--preset", str(preset), "--quiet"]


def case_manifest_missing_column(tmp):
    return ["validate", "--manifest", str(_write_csv(pd.DataFrame({"patient_id": ["P01"]}), tmp / "m.csv"))]


def case_manifest_empty_patient(tmp):
    image_file(tmp)
    mask_file(tmp)
    return ["preprocess", str(manifest_file(tmp, [{"patient_id": " ", "sequence": "CET1", "image": "CET1.nii.gz",
                                                  "mask": "mask.nii.gz"}])), "--no-histogram-match", "--no-n4"]


def case_info_on_a_csv(tmp):
    return ["info", str(clinical_file(tmp))]


def case_missing_input_file(tmp):
    return ["validate", "--clinical", str(tmp / "absent.csv")]


# (builder, exit code, fragment). Fragments are matched case-insensitively in stderr
# (exit 2) or in stdout + stderr (exit 0).
CASES = {
    "empty file": (case_empty_file, 2, "is empty"),
    "header-only clinical": (case_header_only, 2, "no rows"),
    "semicolon delimiter": (case_semicolon, 2, "semicolon-separated"),
    "BOM and CRLF work": (case_bom_crlf, 0, f"clinical: {N} patients"),
    "gzipped tables work": (case_gzipped_tables, 0, f"{N} patients in both"),
    "not UTF-8": (case_latin1, 2, "utf-8"),
    "duplicated IDs": (case_duplicated_ids, 2, "duplicated patient ID"),
    "IDs equal after stripping": (case_ids_same_after_strip, 2, "same after removing white space"),
    "missing ID": (case_missing_id, 2, "missing patient ID"),
    "leading-zero IDs join": (case_leading_zero_ids_join, 0, f"{N} patients in both"),
    "trailing-space IDs join": (case_whitespace_ids_join, 0, f"{N} patients in both"),
    "unicode and path-like IDs accepted in tables": (case_unicode_and_pathlike_ids, 0, f"clinical: {N} patients"),
    "partial overlap reported": (case_partial_overlap, 0, "4 only in clinical"),
    "no overlap": (case_no_overlap, 2, "no patient IDs in common"),
    "NaN in features": (case_nan_feature, 2, "NaN or infinite"),
    "inf in features": (case_inf_feature, 2, "NaN or infinite"),
    "text in features": (case_text_feature, 2, "non-numeric feature"),
    "negative counts": (case_negative_counts, 2, "negative counts"),
    "non-integer counts": (case_fractional_counts, 2, "counts must be integers"),
    "huge counts": (case_huge_counts, 2, "too large"),
    "huge counts (voom)": (case_huge_counts_voom, 2, "too large"),
    "duplicated sample in count header": (case_duplicated_sample_in_header, 2, "duplicated column name"),
    "transposed counts: guess stated": (case_transposed_counts_guess_stated, 0, "guessed from the shape"),
    "transposed counts: detected from IDs": (case_transposed_counts_with_clinical, 0, "read as samples x genes"),
    "unknown orientation": (case_bad_orientation, 2, "orientation must be"),
    "constant feature": (case_constant_feature_consensus, 2, "constant"),
    "K > n": (case_k_above_n, 2, "cannot form"),
    "event not 0/1": (case_event_not_binary, 2, "must be 0/1"),
    "negative time": (case_negative_time, 2, "must be >= 0"),
    "time 0 is valid": (case_time_zero_valid, 0, "OK"),
    "km: second --by missing": (case_km_second_by_missing, 2, "'nope'"),
    "km: one patient": (case_km_one_patient, 2, "single group"),
    "km: one group": (case_km_one_group, 2, "single group"),
    "GMT without tabs": (case_gmt_no_tabs, 2, "separated by tabs"),
    "GMT empty": (case_gmt_empty, 2, "no gene sets"),
    "GMT duplicated set": (case_gmt_duplicate_set, 2, "appears twice"),
    "GMT not text": (case_gmt_binary, 2, "not a UTF-8"),
    "GMT shares no gene with the DGE table": (case_gmt_shares_no_gene, 2, "gene set"),
    "missing image": (case_missing_image, 2, "not found"),
    "corrupt image": (case_corrupt_image, 2, "CET1.nii.gz"),
    "truncated gzip image": (case_truncated_image_gz, 2, "truncated"),
    "truncated gzip mask (rings)": (case_truncated_mask_rings, 2, "mask.nii.gz: truncated"),
    "truncated uncompressed mask (rings)": (case_truncated_uncompressed_mask_rings, 2, "mask.nii: truncated"),
    "geometry mismatch (validate)": (case_geometry_mismatch, 2, "geometry differs"),
    "geometry mismatch (preprocess)": (case_geometry_mismatch_preprocess, 2, "geometry does not match"),
    "empty mask": (case_empty_mask_rings, 2, "is empty"),
    "multi-label mask (rings)": (case_multilabel_mask_rings, 2, "2 labels (1, 2)"),
    "multi-label mask (extract)": (case_multilabel_mask_extract, 2, "2 labels (1, 2)"),
    "multi-label mask (preprocess)": (case_multilabel_mask_preprocess, 2, "2 labels (1, 2)"),
    "absent label": (case_absent_label, 2, "no voxel with label 3"),
    "YAML with a Python tag": (case_yaml_python_tag, 2, "not a valid radiomics preset"),
    "YAML not a mapping": (case_yaml_not_mapping, 2, "expected a mapping"),
    "YAML syntax error": (case_yaml_syntax, 2, "not a valid radiomics preset"),
    "manifest missing column": (case_manifest_missing_column, 2, "missing column"),
    "manifest without patient ID": (case_manifest_empty_patient, 2, "without a patient ID"),
    "info on a table, not a cohort": (case_info_on_a_csv, 2, "not an .h5mu cohort"),
    "missing input file": (case_missing_input_file, 2, "absent.csv: no such file"),
}


def _hashes(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("name", list(CASES))
def test_bad_input(name, tmp_path, capsys, monkeypatch):
    builder, code, fragment = CASES[name]
    inputs = tmp_path / "in"
    inputs.mkdir()
    monkeypatch.chdir(inputs)                 # anything written relative to the cwd would show up
    argv = builder(inputs)
    out = tmp_path / "out"
    if argv[0] not in ("validate", "info"):
        argv += ["--out", str(out)]
    before = _hashes(inputs)
    rc = main(argv)
    captured = capsys.readouterr()
    assert rc == code, captured.out[-2000:] + captured.err[-2000:]
    assert _hashes(inputs) == before, "an input file was modified or created"
    assert not (tmp_path / "pwned").exists() and not (inputs / "pwned").exists()
    if code == 2:
        lines = [ln for ln in captured.err.splitlines() if ln.startswith(f"omics {argv[0]}: error: ")]
        assert len(lines) == 1 and "Traceback" not in captured.err, captured.err
        assert fragment.lower() in lines[0].lower(), lines[0]
        assert not out.exists() or not any(out.rglob("*")), f"partial outputs: {list(out.rglob('*'))}"
    else:
        assert fragment.lower() in (captured.out + captured.err).lower(), captured.out + captured.err


def test_catalogue_covers_every_issue_item():
    """Guard against rows silently dropped from the catalogue."""
    assert len(CASES) >= 50
    text = " ".join(CASES).lower()
    for word in ("bom", "header-only", "semicolon", "leading-zero", "unicode", "overlap", "nan", "negative",
                 "huge", "transposed", "constant", "k > n", "one patient", "gmt", "truncated", "corrupt",
                 "geometry", "empty mask", "multi-label", "yaml"):
        assert word in text, word


def test_trailing_space_ids_are_named_in_a_warning(tmp_path, capsys):
    clinical = _write_csv(_clinical(ids=[f"{p} " for p in IDS]), tmp_path / "c.csv")
    with pytest.warns(IdentifierWarning, match=r"white space .* 'P01 '"):
        assert main(["validate", "--clinical", str(clinical)]) == 0


def test_warnings_are_one_line_on_stderr_in_a_real_process(tmp_path):
    """An orientation guessed from the shape is stated on stderr, as one `omics ...: warning:` line."""
    counts = counts_file(tmp_path, counts_frame().T)
    result = subprocess.run([sys.executable, "-m", "omics.cli", "validate", "--counts", str(counts)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    warning = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert len(warning) == 1 and warning[0].startswith("omics validate: warning: "), result.stderr
    assert "read as samples x genes" in warning[0] and "--orientation genes-by-samples" in warning[0]


def test_multilabel_mask_works_with_a_chosen_label(tmp_path, capsys):
    mask = mask_file(tmp_path, values=_two_labels)
    assert main(["rings", str(mask), "--label", "2", "--distances", "2", "--out", str(tmp_path / "o")]) == 0
    volumes = pd.read_csv(tmp_path / "o" / "volumes.csv").set_index("roi")
    assert volumes.loc["tumour", "voxels"] == 36          # label 2 only: one 6 × 6 slice
