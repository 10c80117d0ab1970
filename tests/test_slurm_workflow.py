"""The workflow on a real SLURM: a one-node cluster on localhost (tests/slurm/localslurm.py), the
small demo (RNA modality only) through ``--profile snakemake/profiles/slurm``, jobs seen by slurmctld, and result
tables equal to a local run's.

Needs ``slurm-wlm`` and ``munge`` (`.ci/run` installs them) and root or a user allowed to run
the daemons. The comparison is data-driven: every CSV table the local run writes must exist
in the SLURM run with equal contents, so the test follows the workflow as it changes.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

sys.path.insert(0, str(Path(__file__).parent / "slurm"))
from localslurm import PARTITION, LocalSlurm, missing_programs  # noqa: E402

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
SNAKEFILE = ROOT / "snakemake" / "Snakefile"
#: Key result tables compared even if a future workflow moved them (the rest are found by glob).
KEY_TABLES = ("cluster/groups.csv",)


def write_config(run_dir: Path) -> Path:
    config = yaml.safe_load((ROOT / "tests" / "data" / "workflow_small.yaml").read_text())
    # SLURM adds per-job submission and polling, not new analysis: the RNA modality alone (no
    # image extraction, no hybrids) with fewer resamples keeps the run short and still sends
    # every stage (cohort, modality, consensus, groups, survival, expression) through sbatch
    config["modalities"] = [m for m in config["modalities"] if m["kind"] != "handcrafted"]
    config["hybrids"] = []
    config["cluster"]["reps"] = 60
    config["survival"]["n_boot"] = 10
    config["expression"]["permutations"] = 50
    config["results"] = str(run_dir / "results")
    config["cohort_dir"] = str(run_dir / "cohort")
    run_dir.mkdir(parents=True, exist_ok=True)
    path = run_dir / "config.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True))
    return path


def snakemake(run_dir: Path, *args, env=None):
    env = dict(env or os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return subprocess.run([sys.executable, "-m", "snakemake", "-s", str(SNAKEFILE),
                           "--configfile", str(write_config(run_dir)), *map(str, args)],
                          cwd=run_dir, capture_output=True, text=True, env=env)


@pytest.fixture(scope="module")
def slurm(tmp_path_factory):
    assert not missing_programs(), f"install SLURM: apt-get install -y slurm-wlm munge ({missing_programs()})"
    # announce enough memory for the profile's requests; CPUs stay the machine's
    cluster = LocalSlurm(tmp_path_factory.mktemp("slurm"), memory_mb=32000)
    cluster.start()
    yield cluster
    cluster.stop()
    assert not cluster.processes


def read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype={0: str}, keep_default_na=False)


def test_workflow_through_slurm_equals_local_run(slurm, tmp_path):
    local = snakemake(tmp_path / "local", "--profile", ROOT / "snakemake" / "profiles" / "local", "--cores", 2)
    assert local.returncode == 0, (local.stderr + local.stdout)[-4000:]

    env = dict(slurm.env, OMICS_SLURM_ACCOUNT="", OMICS_SLURM_PARTITION=PARTITION)
    run = snakemake(tmp_path / "slurm", "--profile", ROOT / "snakemake" / "profiles" / "slurm",
                    "--jobs", 2, "--slurm-status-command", "squeue",
                    "--slurm-init-seconds-before-status-checks", 2, "--slurm-keep-successful-logs", env=env)
    log = run.stderr + run.stdout
    assert run.returncode == 0, log[-6000:] + "\n" + slurm.log("slurmctld")[-3000:]

    # the jobs really went through sbatch and ran on the node
    jobs = subprocess.run(["scontrol", "-o", "show", "job"], capture_output=True, text=True,
                          env=slurm.env, check=True).stdout.strip().splitlines()
    states = [dict(f.split("=", 1) for f in line.split() if "=" in f) for line in jobs]
    assert len(states) >= 5, jobs
    assert all(s["JobState"] == "COMPLETED" and s["Partition"] == PARTITION for s in states), jobs
    submitted = slurm.log("slurmctld").count("_slurm_rpc_submit_batch_job: JobId=")
    assert submitted == len(states)
    assert log.count("has been submitted with SLURM jobid") == len(states)
    slurm_logs = list((tmp_path / "slurm" / ".snakemake" / "slurm_logs").rglob("*.log"))
    assert len(slurm_logs) == len(states)

    # same results as the local run: every CSV table, the key ones named
    local_tables = tmp_path / "local" / "results" / "tables"
    slurm_tables = tmp_path / "slurm" / "results" / "tables"
    names = sorted(str(p.relative_to(local_tables)) for p in local_tables.rglob("*.csv"))
    assert set(KEY_TABLES) <= set(names) and any(n.startswith("survival/") for n in names), names
    for name in names:
        expected, got = read(local_tables / name), read(slurm_tables / name)
        pd.testing.assert_frame_equal(got, expected, check_exact=False, rtol=1e-9, atol=1e-12, obj=name)
