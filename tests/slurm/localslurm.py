"""A throw-away single-node SLURM cluster on localhost, for tests (Debian ``slurm-wlm`` + ``munge``).

Everything lives in one folder: a fresh munge key, a munged on its own socket, a generated
``slurm.conf`` (this machine's hostname, CPUs and memory; free ports; no accounting database;
``proctrack/linuxproc`` and ``task/none`` so that no cgroup setup is needed), slurmctld and
slurmd in the foreground as children of this process. Clients find the cluster through
``SLURM_CONF`` (see :attr:`LocalSlurm.env`); :meth:`LocalSlurm.stop` ends exactly the daemons
it started, by their PIDs.

As a script (CI or by hand)::

    python tests/slurm/localslurm.py start DIR    # prints `export SLURM_CONF=...`
    python tests/slurm/localslurm.py stop DIR     # stops the daemons listed in DIR/pids
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

DAEMONS = ("munged", "slurmctld", "slurmd")
PARTITION = "omics"


def missing_programs() -> list[str]:
    """The SLURM/munge programs this harness needs that are not installed."""
    return [p for p in (*DAEMONS, "sbatch", "squeue", "sinfo", "scontrol")
            if shutil.which(p) is None and not Path("/usr/sbin", p).exists()]


def _program(name: str) -> str:
    return shutil.which(name) or str(Path("/usr/sbin", name))


def _program_in_usr(name: str) -> str:
    """The installed client program, never a wrapper of ours found first on PATH."""
    for folder in ("/usr/bin", "/usr/local/bin"):
        if Path(folder, name).exists():
            return str(Path(folder, name))
    return shutil.which(name) or name


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _node_resources() -> tuple[int, int]:
    """CPUs and memory (MB) as slurmd sees them (``slurmd -C``)."""
    out = subprocess.run([_program("slurmd"), "-C"], capture_output=True, text=True, check=True).stdout
    fields = dict(item.split("=", 1) for item in out.split() if "=" in item)
    return int(fields["CPUs"]), int(fields["RealMemory"])


class LocalSlurm:
    """Start/stop a one-node SLURM cluster whose state, logs and sockets live in ``root``.

    Parameters
    ----------
    root
        Folder for the key, config, state, spool and logs (created; must not be world-writable).
    cpus, memory_mb
        Node size announced to SLURM (default: this machine's). Announcing more than the
        machine has lets a real-cluster profile's requests be scheduled here.
    """

    def __init__(self, root: str | os.PathLike, *, cpus: int | None = None, memory_mb: int | None = None):
        self.root = Path(root).resolve()
        self.hostname = socket.gethostname().split(".")[0]
        real_cpus, real_memory = _node_resources()
        self.cpus = cpus or real_cpus
        self.memory_mb = memory_mb or real_memory
        self.overcommit = self.cpus > real_cpus or self.memory_mb > real_memory
        self.processes: dict[str, subprocess.Popen] = {}

    # ---------------------------------------------------------------- files
    @property
    def conf(self) -> Path:
        return self.root / "slurm.conf"

    @property
    def env(self) -> dict[str, str]:
        """The environment that points SLURM clients (sbatch, squeue…) at this cluster.

        ``root/bin`` comes first on PATH: its ``srun`` sets ``SLURM_CONF`` again, because the
        Snakemake job-step executor removes every ``SLURM_*`` variable (SLURM_CONF included)
        before its nested ``srun``; real clusters keep their config at /etc/slurm or serve it
        configless, which this harness avoids so as to leave the machine untouched.
        """
        path = f"{self.root / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}"
        return dict(os.environ, SLURM_CONF=str(self.conf), PATH=path)

    def log(self, daemon: str) -> str:
        path = self.root / "log" / f"{daemon}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def _write_config(self) -> None:
        for sub in ("state", "spool", "log", "munge"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        self.root.chmod(0o700)
        (self.root / "munge").chmod(0o700)
        key = self.root / "munge" / "munge.key"
        if not key.exists():
            key.write_bytes(os.urandom(1024))
        key.chmod(0o400)
        user = os.environ.get("USER") or __import__("pwd").getpwuid(os.getuid()).pw_name
        r = self.root
        lines = [
            "ClusterName=omicstest",
            f"SlurmctldHost={self.hostname}(127.0.0.1)",
            f"SlurmctldPort={_free_port()}",
            f"SlurmdPort={_free_port()}",
            f"SlurmUser={user}",
            f"SlurmdUser={user}",
            "AuthType=auth/munge",
            "CredType=cred/munge",
            f"AuthInfo=socket={r / 'munge' / 'munge.socket'}",
            f"StateSaveLocation={r / 'state'}",
            f"SlurmdSpoolDir={r / 'spool'}",
            f"SlurmctldPidFile={r / 'slurmctld.pid'}",
            f"SlurmdPidFile={r / 'slurmd.pid'}",
            f"SlurmctldLogFile={r / 'log' / 'slurmctld.log'}",
            f"SlurmdLogFile={r / 'log' / 'slurmd.log'}",
            "SlurmctldDebug=info",
            "SlurmdDebug=info",
            # no cgroups, no accounting daemon: works in containers and VMs without setup
            "ProctrackType=proctrack/linuxproc",
            "TaskPlugin=task/none",
            "JobAcctGatherType=jobacct_gather/none",
            "AccountingStorageType=accounting_storage/none",
            "JobCompType=jobcomp/none",
            "MpiDefault=none",
            "SwitchType=switch/none",
            "LaunchParameters=use_interactive_step",
            "SchedulerType=sched/backfill",
            "SelectType=select/cons_tres",
            "SelectTypeParameters=CR_Core_Memory",
            "ReturnToService=2",
            # finished jobs stay visible to squeue/scontrol for 2 hours (there is no sacct here)
            "MinJobAge=7200",
            "SlurmctldTimeout=30",
            "SlurmdTimeout=30",
            "InactiveLimit=0",
            "KillWait=5",
            "Waittime=0",
            *(["SlurmdParameters=config_overrides"] if self.overcommit else []),
            f"NodeName={self.hostname} NodeAddr=127.0.0.1 CPUs={self.cpus} RealMemory={self.memory_mb} "
            "State=UNKNOWN",
            f"PartitionName={PARTITION} Nodes={self.hostname} Default=YES MaxTime=INFINITE State=UP "
            "OverSubscribe=NO",
        ]
        self.conf.write_text("\n".join(lines) + "\n")
        (self.root / "bin").mkdir(exist_ok=True)
        srun = self.root / "bin" / "srun"
        srun.write_text(f'#!/bin/sh\nSLURM_CONF="{self.conf}" exec "{_program_in_usr("srun")}" "$@"\n')
        srun.chmod(0o755)

    # ---------------------------------------------------------------- daemons
    def _spawn(self, name: str, argv: list[str]) -> None:
        out = open(self.root / "log" / f"{name}.out", "ab")
        self.processes[name] = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT,
                                                env=self.env, start_new_session=True)
        out.close()

    def start(self, timeout: float = 60) -> "LocalSlurm":
        """Start munged, slurmctld and slurmd; return once the node accepts jobs."""
        missing = missing_programs()
        if missing:
            raise RuntimeError(f"not installed: {', '.join(missing)} "
                               "(apt-get install -y slurm-wlm munge)")
        self._write_config()
        r = self.root
        try:
            self._spawn("munged", [_program("munged"), "--foreground", "--force",
                                   f"--socket={r / 'munge' / 'munge.socket'}",
                                   f"--key-file={r / 'munge' / 'munge.key'}",
                                   f"--pid-file={r / 'munge' / 'munged.pid'}",
                                   f"--log-file={r / 'log' / 'munged.log'}",
                                   f"--seed-file={r / 'munge' / 'munged.seed'}"])
            self._wait(lambda: (r / "munge" / "munge.socket").exists(), "munged socket", timeout)
            self._spawn("slurmctld", [_program("slurmctld"), "-D", "-i", "-f", str(self.conf)])
            self._wait(lambda: self._run("scontrol", "ping").returncode == 0 and
                       "UP" in self._run("scontrol", "ping").stdout, "slurmctld", timeout)
            self._spawn("slurmd", [_program("slurmd"), "-D", "-f", str(self.conf)])
            self._wait(self._node_ready, "slurmd (node idle)", timeout)
        except BaseException:
            self.stop()
            raise
        self._write_pids()
        return self

    def _run(self, *argv: str) -> subprocess.CompletedProcess:
        return subprocess.run(list(argv), capture_output=True, text=True, env=self.env)

    def _node_ready(self) -> bool:
        state = self._run("sinfo", "-h", "-N", "-o", "%T").stdout.strip()
        return state.startswith("idle") or state.startswith("mixed")

    def _wait(self, ready, what: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for name, process in self.processes.items():
                if process.poll() is not None:
                    raise RuntimeError(f"{name} exited with {process.returncode} while waiting for {what}:\n"
                                       f"{self._tail(name)}")
            if ready():
                return
            time.sleep(0.5)
        raise RuntimeError(f"timed out after {timeout:.0f} s waiting for {what}:\n"
                           + "\n".join(self._tail(name) for name in self.processes))

    def _tail(self, name: str, lines: int = 20) -> str:
        text = self.log(name) + (self.root / "log" / f"{name}.out").read_text(errors="replace") \
            if (self.root / "log" / f"{name}.out").exists() else self.log(name)
        return f"--- {name}\n" + "\n".join(text.splitlines()[-lines:])

    def _write_pids(self) -> None:
        pids = {name: process.pid for name, process in self.processes.items()}
        (self.root / "pids.json").write_text(json.dumps(pids))

    def stop(self, timeout: float = 20) -> None:
        """Stop the daemons this object started (slurmd, slurmctld, munged), by PID."""
        for name in reversed(list(self.processes)):
            process = self.processes[name]
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
        self.processes.clear()
        (self.root / "pids.json").unlink(missing_ok=True)

    def __enter__(self) -> "LocalSlurm":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def stop_from_pid_file(root: str | os.PathLike, timeout: float = 20) -> None:
    """Stop the daemons a `start` from the command line recorded in ``root/pids.json``."""
    path = Path(root) / "pids.json"
    pids = json.loads(path.read_text())
    for name in ("slurmd", "slurmctld", "munged"):
        pid = pids.get(name)
        if pid is None:
            continue
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            continue
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.2)
        else:
            os.kill(pid, signal.SIGKILL)
    path.unlink()


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in ("start", "stop"):
        print(__doc__, file=sys.stderr)
        return 2
    if argv[0] == "stop":
        stop_from_pid_file(argv[1])
        return 0
    cluster = LocalSlurm(argv[1]).start()
    # the daemons outlive this script: they run in their own sessions
    cluster.processes.clear()
    print(f"export SLURM_CONF={cluster.conf}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
