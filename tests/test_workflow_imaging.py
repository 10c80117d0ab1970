"""The workflow on an imaging-only cohort whose patient IDs are hostile (issue 13): IDs with
``$( )``, backticks, ``;``, quotes, spaces and ``../`` run through preprocessing, extraction,
ICC, clustering and survival; nothing is executed, nothing is written outside the results
folder, and the IDs come out unchanged in the tables. Also issue 10: images only, no RNA,
with the user's own endpoint name.
"""

from __future__ import annotations

import pandas as pd
import pytest
import yaml

from test_workflow import snakemake

pytestmark = pytest.mark.slow

HOSTILE = {
    "STS001": "STS001$(touch pwned)",
    "STS002": "STS002`touch pwned`",
    "STS003": "STS 003 'single' \"double\"",
    "STS004": "../STS004",
    "STS005": "STS005; touch pwned",
}
ENDPOINT = "distant relapse-free survival"


def _hostile_cohort(folder):
    """Ten demo patients with images (six with a repeat mask), five of them renamed."""
    from omics.data import demo_cohort

    demo_cohort(out=folder, n_patients=20, n_test=4, n_rna=10, n_genes=1000, n_repeat=12, seed=5)
    manifest = pd.read_csv(folder / "manifest.csv", dtype=str, keep_default_na=False)
    keep = sorted(manifest["patient_id"].unique())[:10]
    manifest = manifest[manifest["patient_id"].isin(keep)].replace({"patient_id": HOSTILE})
    manifest.to_csv(folder / "manifest_hostile.csv", index=False)
    clinical = pd.read_csv(folder / "clinical.csv", dtype={"patient_id": str})
    clinical = clinical[clinical["patient_id"].isin(keep)].replace({"patient_id": HOSTILE})
    clinical.to_csv(folder / "clinical_hostile.csv", index=False)
    return folder / "manifest_hostile.csv", folder / "clinical_hostile.csv"


def test_imaging_only_cohort_with_hostile_ids(tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    manifest, clinical = _hostile_cohort(tmp_path / "cohort")
    results = tmp_path / "results"
    config = {
        "results": str(results), "cohort_dir": str(tmp_path / "cohort"), "seed": 5,
        "inputs": {"clinical": str(clinical)},
        "endpoint": {"name": ENDPOINT, "time": "mfs_time", "event": "mfs_event", "unit": "months",
                     "landmarks": [24, 60]},
        "modalities": [{"name": "radiomics", "kind": "handcrafted", "manifest": str(manifest),
                        "cluster": {"k": 2}}],
        "imaging": {"n4_shrink_factor": 4, "patients_per_job": 1},
        "cluster": {"reps": 50, "k_range": "2-3", "n_jobs": 1},
        "survival": {"n_boot": 5, "folds": 3, "stepwise": False, "ph_test": False},   # 3 events
    }
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(config, allow_unicode=True))
    before = {p for p in tmp_path.rglob("*")}
    result = snakemake("--configfile", tmp_path / "config.yaml", "--cores", 2, cwd=work)
    assert result.returncode == 0, (result.stderr + result.stdout)[-6000:]

    # nothing was executed and nothing was written outside results/ (and Snakemake's own folder)
    assert not list(tmp_path.rglob("pwned")), "a patient ID was executed by the shell"
    new = {p for p in tmp_path.rglob("*")} - before
    outside = [p for p in new if results not in p.parents and p != results
               and work / ".snakemake" not in p.parents and p != work / ".snakemake"]
    assert not outside, outside
    # one job per patient, named through safe_name (no ID as a path)
    jobs = {p.stem for p in (results / "imaging" / "batches").glob("*.csv")}
    assert len(jobs) == 10 and all("/" not in j and "$" not in j and "`" not in j and " " not in j for j in jobs)

    # the IDs come out as they went in
    features = pd.read_csv(results / "tables" / "imaging" / "handcrafted_features.csv", index_col=0,
                           dtype={"patient_id": str})
    assert set(HOSTILE.values()) <= set(features.index) and len(features) == 10
    groups = pd.read_csv(results / "tables" / "cluster" / "groups.csv", dtype=str, keep_default_na=False)
    assert set(HOSTILE.values()) <= set(groups["patient_id"])
    assert list(groups.columns) == ["patient_id", "radiomics"]
    assert groups["radiomics"].isin(["A_radiomics", "B_radiomics"]).all()

    # imaging only: no expression stage, and the user's endpoint in the tables
    assert not (results / "tables" / "expression").exists()
    assert "expression stage (DGE, GSEA, PAM) is skipped" in result.stderr
    table3 = (results / "tables" / "survival" / "table3_survival" / "table_survival.md").read_text()
    assert "Distant relapse-free survival per grouping" in table3 and "Survival at 60 months" in table3
    assert f"Endpoint: {ENDPOINT}" in table3
