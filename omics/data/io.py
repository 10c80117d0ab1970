"""Reading and writing tables and files safely.

Every writer here is atomic: the content goes to a temporary file in the target folder,
which is then renamed over the destination, so a crash never leaves a half-written output
and an input is never overwritten in place.
"""

from __future__ import annotations

import bz2
import contextlib
import gzip
import lzma
import os
import tempfile
from pathlib import Path
from typing import Iterator

import pandas as pd

from omics.data.validate import InputError, clean_ids

TABLE_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".xls", ".parquet", ".pq")


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it onto ``path`` on success.

    The temporary file keeps the destination's suffix(es) so that writers which infer a
    format from the name (pandas, SimpleITK, mudata) behave as for the real name. The final
    file gets the mode the umask gives (``0o666 & ~umask``), like a file opened for writing,
    not the 0600 of :func:`tempfile.mkstemp`, so collaborators can read shared results.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    suffix = "".join(path.suffixes)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=f".tmp{suffix}", dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        if tmp_path.exists():  # some writers replace the file: set the mode on what is there
            os.chmod(tmp_path, 0o666 & ~current_umask())
        os.replace(tmp_path, path)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def current_umask() -> int:
    """The process umask, read without changing it.

    ``os.umask`` can only be read by setting it, which is process-wide and racy with
    threads; Linux reports it in ``/proc/self/status`` (kernel >= 4.7). The set-and-restore
    fallback is used only where that line is missing.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    old = os.umask(0o022)
    os.umask(old)
    return old


def write_text(text: str, path: str | os.PathLike) -> Path:
    """Write ``text`` to ``path`` atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(text)
    return Path(path)


def write_table(df: pd.DataFrame, path: str | os.PathLike, *, index: bool = True) -> Path:
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


def read_table(path: str | os.PathLike, *, index_col: int | str | None = None,
               text_columns: tuple = (), **kwargs) -> pd.DataFrame:
    """Read a CSV, TSV/TXT, Excel or parquet table, choosing the reader by suffix.

    Identifiers are text: the ``index_col`` column and every column in ``text_columns``
    (names or positions) are read as strings, so ``007`` stays ``007``; surrounding white
    space in the row labels is stripped with a warning (see
    :func:`omics.data.validate.clean_ids`). A UTF-8 byte-order mark and CRLF line ends are
    accepted. Duplicated column names are refused (pandas would silently rename them).

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    InputError
        If the file is empty or cannot be parsed as a table, seems to use another
        delimiter, or repeats a column name; naming the file and the reason.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix in _COMPRESSED:
        suffix = Path(path.stem).suffix.lower()
    text = [c for c in (index_col, *text_columns) if c is not None]
    if text and "dtype" not in kwargs and "converters" not in kwargs and suffix not in (".parquet", ".pq"):
        kwargs["converters"] = {c: str for c in text}
    try:
        if suffix in (".xlsx", ".xls"):
            df = pd.read_excel(path, index_col=index_col, **kwargs)
        elif suffix in (".parquet", ".pq"):
            df = _read_parquet(path, index_col, **kwargs)
        else:
            sep = "\t" if suffix in (".tsv", ".txt", ".tab") else kwargs.pop("sep", ",")
            kwargs.setdefault("encoding", "utf-8-sig")
            _check_header(path, sep, kwargs["encoding"])
            df = pd.read_csv(path, sep=sep, index_col=index_col, **kwargs)
    except pd.errors.EmptyDataError as exc:
        raise InputError(f"{path}: the file is empty") from exc
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start}); save it as UTF-8") from exc
    except (ValueError, OSError, EOFError, pd.errors.ParserError, ImportError, KeyError, IndexError) as exc:
        if isinstance(exc, InputError):
            raise
        raise InputError(f"{path}: could not be read as a table ({str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__})") from exc
    if df.shape[1] == 0 and df.shape[0] == 0:
        raise InputError(f"{path}: the table is empty")
    if index_col is not None:
        df.index = clean_ids(df.index, str(path), what="row label")
    return df


def _read_parquet(path: Path, index_col, **kwargs) -> pd.DataFrame:
    """Read parquet keeping a saved index (named, or pandas' ``__index_level_0__``).

    pandas restores the index it wrote; ``index_col`` then means what it means for a CSV
    written with its index: column 0 (or the index's name) is the saved index.
    """
    df = pd.read_parquet(path, **kwargs)
    if "__index_level_0__" in df.columns:          # written without pandas metadata
        df = df.set_index("__index_level_0__").rename_axis(None)
    if index_col is None:
        return df
    if not isinstance(df.index, pd.RangeIndex) or df.index.name is not None:
        if isinstance(index_col, str) and df.index.nlevels == 1 and df.index.name == index_col:
            return df
        name = df.index.name
        df = df.reset_index()
        if isinstance(index_col, int) and index_col == 0 and name is None:
            return df.set_index(df.columns[0]).rename_axis(None)
    key = df.columns[index_col] if isinstance(index_col, int) else index_col
    return df.set_index(key)


#: Compressed text tables pandas reads by suffix (the suffix before says the format).
_COMPRESSED = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open, ".zip": None}

#: Delimiters recognised when a file seems to use another one than its suffix says.
_DELIMITERS = {",": "comma", "\t": "tab", ";": "semicolon", "|": "pipe"}


def _check_header(path: Path, sep: str, encoding: str) -> None:
    """Refuse a header that repeats a name, or that only splits on another delimiter."""
    import csv

    if path.suffix.lower() == ".zip":
        return
    opener = _COMPRESSED.get(path.suffix.lower(), open)
    with opener(path, "rt", newline="", encoding=encoding) as fh:
        header = next(csv.reader(fh, delimiter=sep), None)
    if not header:
        return
    if len(header) == 1:
        for other, name in _DELIMITERS.items():
            if other != sep and len(header[0].split(other)) > 1:
                raise InputError(f"{path}: the header has one column but splits on '{other}' ({name}); "
                                 f"this file seems {name}-separated: save it as "
                                 f"{'TSV (.tsv)' if other == chr(9) else 'CSV (comma, .csv)'}")
    names = [h.strip() for h in header]
    dup = sorted({n for n in names if names.count(n) > 1 and n})
    if dup:
        raise InputError(f"{path}: duplicated column name(s) {', '.join(dup[:5])}; every column (sample) "
                         "must be named once")
