"""Reading and writing tables and files safely.

Every writer here is atomic: the content goes to a temporary file in the target folder,
which is then renamed over the destination, so a crash never leaves a half-written output
and an input is never overwritten in place.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import Iterator

import pandas as pd

TABLE_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".xls", ".parquet", ".pq")


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it onto ``path`` on success.

    The temporary file keeps the destination's suffix(es) so that writers which infer a
    format from the name (pandas, SimpleITK, mudata) behave as for the real name.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    suffix = "".join(path.suffixes)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=f".tmp{suffix}", dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.replace(tmp_path, path)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def write_text(text: str, path: str | os.PathLike) -> Path:
    """Write ``text`` to ``path`` atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(text)
    return Path(path)


def write_table(df: pd.DataFrame, path: str | os.PathLike, index: bool = True) -> Path:
    """Write a DataFrame atomically; the format follows the suffix (csv, tsv, parquet, xlsx)."""
    path = Path(path)
    suffix = path.suffix.lower()
    with atomic_path(path) as tmp:
        if suffix in (".tsv", ".txt"):
            df.to_csv(tmp, sep="\t", index=index)
        elif suffix in (".parquet", ".pq"):
            df.to_parquet(tmp, index=index)
        elif suffix in (".xlsx", ".xls"):
            df.to_excel(tmp, index=index)
        else:
            df.to_csv(tmp, index=index)
    return path


def read_table(path: str | os.PathLike, index_col: int | str | None = None, **kwargs) -> pd.DataFrame:
    """Read a CSV, TSV/TXT, Excel or parquet table, choosing the reader by suffix.

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    ValueError
        If the file cannot be parsed as a table, naming the file and the reason.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    suffix = path.suffix.lower()
    if path.name.endswith(".gz"):
        suffix = Path(path.stem).suffix.lower()
    try:
        if suffix in (".tsv", ".txt", ".tab"):
            df = pd.read_csv(path, sep="\t", index_col=index_col, **kwargs)
        elif suffix in (".xlsx", ".xls"):
            df = pd.read_excel(path, index_col=index_col, **kwargs)
        elif suffix in (".parquet", ".pq"):
            df = pd.read_parquet(path, **kwargs)
            if index_col is not None:
                df = df.set_index(df.columns[index_col] if isinstance(index_col, int) else index_col)
        else:
            df = pd.read_csv(path, index_col=index_col, **kwargs)
    except (ValueError, OSError, pd.errors.ParserError, ImportError) as exc:
        raise ValueError(f"{path}: could not be read as a table ({exc})") from exc
    if df.shape[1] == 0 and df.shape[0] == 0:
        raise ValueError(f"{path}: the table is empty")
    return df
