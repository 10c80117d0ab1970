"""The one-node SLURM of tests/slurm/localslurm.py: it schedules a batch job with a nested
srun, announces the requested node size, and stops exactly the daemons it started."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent / "slurm"))
from localslurm import PARTITION, LocalSlurm, missing_programs  # noqa: E402


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_local_slurm_runs_a_batch_job_and_stops_by_pid(tmp_path):
    assert not missing_programs(), f"install SLURM: apt-get install -y slurm-wlm munge ({missing_programs()})"
    cluster = LocalSlurm(tmp_path / "slurm", memory_mb=32000)
    with cluster:
        pids = [p.pid for p in cluster.processes.values()]
        assert len(pids) == 3 and all(map(alive, pids))
        node = subprocess.run(["sinfo", "-h", "-N", "-o", "%T %m %P"], env=cluster.env, capture_output=True,
                              text=True, check=True).stdout.split()
        assert node == ["idle", "32000", f"{PARTITION}*"]
        out = tmp_path / "job.out"
        submitted = subprocess.run(["sbatch", "--parsable", "--mem=8000", "-o", str(out), "--wrap",
                                    "srun sh -c 'echo step on $(hostname)'"],
                                   env=cluster.env, capture_output=True, text=True, cwd=tmp_path, check=True)
        job = submitted.stdout.strip()
        for _ in range(120):
            state = subprocess.run(["scontrol", "-o", "show", "job", job], env=cluster.env,
                                   capture_output=True, text=True).stdout
            if "JobState=COMPLETED" in state or "JobState=FAILED" in state:
                break
            time.sleep(0.5)
        assert "JobState=COMPLETED" in state, state + cluster.log("slurmd")[-2000:]
        assert out.read_text().startswith("step on ")
        assert f"_slurm_rpc_submit_batch_job: JobId={job}" in cluster.log("slurmctld")
    assert not cluster.processes and not any(map(alive, pids))
