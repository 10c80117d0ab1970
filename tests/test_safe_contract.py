"""The CLI's error contract and the outputs' file mode (issue 13 item 7, issue 10 item 8)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys

import pandas as pd
import pytest

import omics.cli.data
from omics.cli import main
from omics.data import InputError, write_table, write_text
from omics.data.io import atomic_path, current_umask


def _clinical(tmp_path):
    path = tmp_path / "c.csv"
    pd.DataFrame({"patient_id": ["P1", "P2"], "age": [1, 2]}).to_csv(path, index=False)
    return path


@pytest.mark.parametrize("exc", [RuntimeError("boom"), KeyError("k"), ValueError("a plain ValueError is a bug")])
def test_unexpected_exception_propagates(tmp_path, monkeypatch, exc):
    def broken(args):
        raise exc
    monkeypatch.setattr(omics.cli.data, "_validate", broken)
    with pytest.raises(type(exc)):
        main(["validate", "--clinical", str(_clinical(tmp_path))])


def test_input_error_is_exit_2_and_one_line(tmp_path, monkeypatch, capsys):
    def refused(args):
        raise InputError("c.csv: column 'x'\nis wrong")
    monkeypatch.setattr(omics.cli.data, "_validate", refused)
    assert main(["validate", "--clinical", str(_clinical(tmp_path))]) == 2
    assert capsys.readouterr().err == "omics validate: error: c.csv: column 'x' is wrong\n"


def test_a_bug_exits_1_with_a_traceback_in_a_real_process(tmp_path):
    code = ("import sys, omics.cli, omics.cli.data as d\n"
            "def broken(args):\n    raise RuntimeError('a bug')\n"
            "d._validate = broken\n"
            f"sys.exit(omics.cli.main(['validate', '--clinical', {str(_clinical(tmp_path))!r}]))\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert "Traceback" in result.stderr and "RuntimeError: a bug" in result.stderr
    assert "error:" not in result.stderr.splitlines()[-1].split("RuntimeError")[0]


def test_missing_input_file_from_the_os_is_one_line(tmp_path, monkeypatch, capsys):
    def opens(args):
        open(tmp_path / "nope.csv").close()
    monkeypatch.setattr(omics.cli.data, "_validate", opens)
    assert main(["validate", "--clinical", "x"]) == 2
    assert capsys.readouterr().err == f"omics validate: error: {tmp_path / 'nope.csv'}: no such file\n"


@pytest.fixture
def umask():
    old = os.umask(0o022)
    yield lambda value: os.umask(value)
    os.umask(old)


@pytest.mark.parametrize("mask, mode", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_outputs_get_the_umask_mode(tmp_path, umask, mask, mode):
    umask(mask)
    assert current_umask() == mask
    write_table(pd.DataFrame({"a": [1]}), tmp_path / "t.csv")
    write_text("x", tmp_path / "t.txt")
    with atomic_path(tmp_path / "f.png") as tmp:
        tmp.write_bytes(b"png")
    for name in ("t.csv", "t.txt", "f.png"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == mode, name


def test_cli_outputs_readable_by_the_group_under_umask_022(tmp_path, umask):
    umask(0o022)
    clinical = _clinical(tmp_path)
    pd.DataFrame({"patient_id": ["P1", "P2", "P3", "P4"], "time": [5.0, 6.0, 7.0, 8.0], "event": [1, 0, 1, 1],
                  "g": ["A", "A", "B", "B"]}).to_csv(clinical, index=False)
    assert main(["km", "--clinical", str(clinical), "--time", "time", "--event", "event", "--by", "g",
                 "--out", str(tmp_path / "out")]) == 0
    files = [p for p in (tmp_path / "out").rglob("*") if p.is_file()]
    assert files and all(stat.S_IMODE(p.stat().st_mode) == 0o644 for p in files)


def test_failed_write_leaves_nothing(tmp_path):
    with pytest.raises(RuntimeError):
        with atomic_path(tmp_path / "x.csv") as tmp:
            tmp.write_text("half")
            raise RuntimeError("crash")
    assert list(tmp_path.iterdir()) == []
