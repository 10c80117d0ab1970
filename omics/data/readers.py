"""Readers for the inputs of a cohort: clinical tables, count matrices, feature tables,
GMT gene sets and image manifests. Each validates what it reads (see
:mod:`omics.data.validate`) and never modifies the file.
"""

from __future__ import annotations

import logging
import re
import os
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from omics.data.io import read_table, write_text
from omics.data.validate import (InputError, OrientationWarning, _examples, check_counts, check_features,
                                 check_survival, check_unique_ids, clean_ids)

log = logging.getLogger("omics")

MANIFEST_COLUMNS = ("patient_id", "sequence", "image", "mask")


def _read_with_ids(path, id_column: str | None, **kwargs) -> pd.DataFrame:
    """A table whose ID column (default: the first) is read as text, never as numbers.

    A parquet file saved with its index gives that index back as the first column, as a CSV
    written with its index would.
    """
    df = read_table(path, text_columns=(0 if id_column is None else id_column,), **kwargs)
    if not isinstance(df.index, pd.RangeIndex) or df.index.name is not None:
        df = df.reset_index()
    return df


def _index_by_id(df: pd.DataFrame, id_column: str | None, source: str) -> pd.DataFrame:
    """Index by the (cleaned, unique) ID column; refuse a table without rows."""
    if id_column is None:
        id_column = df.columns[0]
    if id_column not in df.columns:
        raise InputError(f"{source}: no ID column {id_column!r}; columns are {_examples(list(df.columns), 10)}")
    if df.empty:
        raise InputError(f"{source}: the table has a header but no rows (no patient)")
    ids = clean_ids(df[id_column], source)
    check_unique_ids(ids, source)
    out = df.drop(columns=[id_column])
    out.index = ids
    out.index.name = "patient_id"
    return out


def read_clinical(path: str | os.PathLike, *, id_column: str = "patient_id",
                  time: str | None = None, event: str | None = None,
                  allow_missing_survival: bool = False) -> pd.DataFrame:
    """Read a clinical table (CSV/TSV/Excel/parquet), one row per patient.

    Parameters
    ----------
    path
        The table; the ID column must be unique.
    id_column
        Column holding the patient identifier; becomes the index (``patient_id``).
    time, event
        Survival columns to validate (time >= 0, event 0/1), if given.
    allow_missing_survival
        Accept missing time/event (complete-case analyses later drop and report them).

    Returns
    -------
    pandas.DataFrame
        Indexed by patient ID (strings).
    """
    df = _read_with_ids(path, id_column)
    clinical = _index_by_id(df, id_column, str(path))
    if time is not None or event is not None:
        if time is None or event is None:
            raise InputError("give both a survival time and an event column, or neither")
        check_survival(clinical, time, event, source=str(path), allow_missing=allow_missing_survival)
    return clinical


#: Accepted spellings of the two orientations (the CLI uses the hyphenated ones).
ORIENTATION_NAMES = {"genes x samples": "genes x samples", "genes-by-samples": "genes x samples",
                     "samples x genes": "samples x genes", "samples-by-genes": "samples x genes"}


def _orientation_with_reason(table: pd.DataFrame, sample_ids=None) -> tuple[str, str]:
    if sample_ids is not None:
        ids = set(map(str, sample_ids))
        in_cols = sum(str(c) in ids for c in table.columns)
        in_rows = sum(str(r) in ids for r in table.index)
        if in_cols or in_rows:
            side = "column" if in_cols >= in_rows else "row"
            return ("genes x samples" if side == "column" else "samples x genes",
                    f"{max(in_cols, in_rows)} {side} names match known patient IDs")
    rows, cols = table.shape
    guess = "genes x samples" if rows >= cols else "samples x genes"
    return guess, (f"guessed from the shape ({rows} rows × {cols} columns: the longer side is taken as "
                   "genes), no patient IDs to match")


def detect_count_orientation(table: pd.DataFrame, *, sample_ids=None) -> str:
    """Say whether a table with labelled rows and columns is genes × samples or the reverse.

    With known sample IDs the side that matches them is the sample side; otherwise the
    longer side is taken as genes (RNA-seq has far more genes than samples).

    Returns ``"genes x samples"`` or ``"samples x genes"``.
    """
    return _orientation_with_reason(table, sample_ids)[0]


def _orientation_name(orientation: str) -> str:
    wanted = orientation.replace("×", "x").strip().lower()
    if wanted != "auto" and wanted not in ORIENTATION_NAMES:
        raise InputError(f"orientation must be 'auto', 'samples-by-genes' or 'genes-by-samples', "
                         f"not {orientation!r}")
    return ORIENTATION_NAMES.get(wanted, wanted)


def read_matrix(path: str | os.PathLike, *, orientation: str = "auto", sample_ids=None) -> pd.DataFrame:
    """Read a labelled matrix (counts, expression, features) as **samples × variables**.

    Labels of both axes are text (``007`` stays ``007``), with surrounding white space
    removed (and reported).

    Parameters
    ----------
    path
        CSV/TSV/Excel/parquet; first column holds the row labels.
    orientation
        ``"auto"`` (detect, see :func:`detect_count_orientation`), ``"genes-by-samples"``
        or ``"samples-by-genes"`` (``"genes x samples"``/``"samples x genes"`` also work).
        An automatic choice made from the shape alone (no known IDs to match) is stated
        in an :class:`~omics.data.validate.OrientationWarning` (on stderr in the CLI) with
        the way to override it.
    sample_ids
        Known sample (patient) IDs, used to detect the orientation.

    Returns
    -------
    pandas.DataFrame
        ``df.attrs["orientation"]`` records the file's orientation.
    """
    wanted = _orientation_name(orientation)
    table = read_table(path, index_col=0)
    table.columns = clean_ids(table.columns, str(path), what="column name")
    reason = "as given"
    if wanted == "auto":
        wanted, reason = _orientation_with_reason(table, sample_ids)
        other = "samples-by-genes" if wanted == "genes x samples" else "genes-by-samples"
        message = f"{path}: read as {wanted} ({reason}); if wrong, pass --orientation {other}"
        if not reason.startswith("guessed"):  # decided by matching known IDs
            log.info(message)
        else:
            warnings.warn(message, OrientationWarning, stacklevel=2)
    matrix = table.T if wanted == "genes x samples" else table
    matrix.index.name, matrix.columns.name = "patient_id", "gene"
    matrix.attrs["orientation"] = wanted
    matrix.attrs["orientation_reason"] = reason
    return matrix


def read_counts(path: str | os.PathLike, *, orientation: str = "auto", sample_ids=None) -> pd.DataFrame:
    """Read a raw RNA-seq count matrix and return it as **samples × genes**.

    Parameters
    ----------
    path, orientation, sample_ids
        As for :func:`read_matrix`.

    Returns
    -------
    pandas.DataFrame
        Samples × genes integer counts. ``df.attrs["orientation"]`` records the file's
        orientation, which is also logged.

    Raises
    ------
    InputError
        Non-numeric, negative, non-integer or missing counts; duplicated IDs.
    """
    counts = read_matrix(path, orientation=orientation, sample_ids=sample_ids)
    wanted, reason = counts.attrs["orientation"], counts.attrs["orientation_reason"]
    check_unique_ids(counts.index, str(path), what="sample ID")
    check_unique_ids(counts.columns, str(path), what="gene ID")
    check_counts(counts, source=str(path))
    counts = counts.apply(pd.to_numeric).round().astype(np.int64)
    counts.attrs["orientation"] = wanted
    counts.attrs["orientation_reason"] = reason
    return counts


def read_groups(path: str | os.PathLike, *, id_column: str | None = None) -> pd.DataFrame:
    """Read a table of group labels (patients × groupings, e.g. ``groups.csv``).

    Labels are kept as text; an empty cell means the patient has no label in that grouping
    (e.g. no RNA-seq) and becomes missing. The ID column (default: the first) must be unique.
    """
    df = read_table(path, dtype=str, keep_default_na=False)
    groups = _index_by_id(df, id_column, str(path))
    return groups.apply(lambda col: col.str.strip()).replace("", pd.NA)


def group_labels(groups: pd.DataFrame, column: str | None, source: str) -> pd.Series:
    """One grouping of :func:`read_groups`; ``column`` may be omitted when there is only one."""
    if column is None:
        if groups.shape[1] != 1:
            raise InputError(f"{source}: {groups.shape[1]} label columns ({', '.join(groups.columns)}); "
                             "choose one")
        column = groups.columns[0]
    if column not in groups.columns:
        raise InputError(f"{source}: no label column {column!r}; available: {', '.join(groups.columns)}")
    return groups[column]


def read_features(path: str | os.PathLike, *, id_column: str | None = None,
                  allow_constant: bool = True) -> pd.DataFrame:
    """Read a patients × features table (numeric, no NaN/inf); first column = patient ID by default."""
    df = _read_with_ids(path, id_column)
    features = _index_by_id(df, id_column, str(path))
    check_features(features, source=str(path), allow_constant=allow_constant)
    return features.astype(float)


def read_gmt(path: str | os.PathLike) -> dict[str, list[str]]:
    """Read a GMT file: ``name<TAB>description<TAB>gene1<TAB>gene2…`` per line.

    Returns ``{set name: [genes]}`` in file order; duplicated set names and sets with no
    genes are refused.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not a UTF-8 text file ({exc.reason} at byte {exc.start}); "
                         "a GMT file is tab-separated text") from exc
    sets: dict[str, list[str]] = {}
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        fields = line.rstrip("\n").split("\t")
        if len(fields) < 3:
            raise InputError(f"{path}:{lineno}: a GMT line needs a name, a description and genes "
                             "separated by tabs")
        name, genes = fields[0].strip(), [g.strip() for g in fields[2:] if g.strip()]
        if name in sets:
            raise InputError(f"{path}:{lineno}: gene set {name!r} appears twice")
        if not genes:
            raise InputError(f"{path}:{lineno}: gene set {name!r} has no genes")
        sets[name] = list(dict.fromkeys(genes))
    if not sets:
        raise InputError(f"{path}: no gene sets")
    return sets


def write_gmt(gene_sets: dict[str, list[str]], path: str | os.PathLike,
              *, descriptions: dict[str, str] | None = None) -> Path:
    """Write gene sets as a GMT file (atomically)."""
    descriptions = descriptions or {}
    lines = ["\t".join([name, descriptions.get(name, name), *genes]) for name, genes in gene_sets.items()]
    return write_text("\n".join(lines) + "\n", path)


def read_manifest_table(path: str | os.PathLike) -> pd.DataFrame:
    """The manifest as text: required columns present, ``repeat_mask`` added if absent,
    patient IDs and sequence names cleaned (see :func:`~omics.data.validate.clean_ids`) and
    never empty. Paths are left as written."""
    path = Path(path)
    df = read_table(path, dtype=str, keep_default_na=False)
    missing = [c for c in MANIFEST_COLUMNS if c not in df.columns]
    if missing:
        raise InputError(f"{path}: manifest is missing column(s) {missing}; "
                         f"expected {list(MANIFEST_COLUMNS)} (+ optional repeat_mask)")
    if df.empty:
        raise InputError(f"{path}: the manifest has a header but no rows")
    if "repeat_mask" not in df.columns:
        df["repeat_mask"] = ""
    df = df.fillna("")
    for col, what in (("patient_id", "patient ID"), ("sequence", "sequence name")):
        df[col] = clean_ids(df[col], str(path), what=what)
        empty = df.index[df[col] == ""]
        if len(empty):
            raise InputError(f"{path}: {len(empty)} row(s) without a {what} (rows {_examples(empty + 2)})")
    return df


def read_manifest(path: str | os.PathLike, *, check_files: bool = True) -> pd.DataFrame:
    """Read an image manifest: one row per patient and sequence.

    Columns: ``patient_id, sequence, image, mask`` and optionally ``repeat_mask``. Relative
    paths are resolved against the manifest's folder. With ``check_files`` every file must
    exist.
    """
    path = Path(path)
    df = read_manifest_table(path)
    dup = df[df.duplicated(["patient_id", "sequence"], keep=False)]
    if len(dup):
        pairs = sorted(set(zip(dup.patient_id, dup.sequence)))
        raise InputError(f"{path}: duplicated patient/sequence rows: {_examples(pairs)}")
    base = path.parent
    for col in ("image", "mask", "repeat_mask"):
        df[col] = [str((base / p).resolve()) if p else "" for p in df[col]]
    if check_files:
        for col in ("image", "mask", "repeat_mask"):
            absent = [(pid, f) for pid, f in zip(df.patient_id, df[col]) if f and not Path(f).is_file()]
            if absent:
                raise InputError(f"{path}: {len(absent)} {col} file(s) not found, e.g. patient "
                                 f"{absent[0][0]}: {absent[0][1]}")
    return df.reset_index(drop=True)


def check_image_geometry(manifest: pd.DataFrame, *, tolerance: float = 1e-4) -> None:
    """Each image and its mask(s) must share size, spacing, origin and direction.

    Reads headers only (SimpleITK ``ReadImageInformation``); names the patient and the
    sequence on a mismatch or an unreadable file.
    """
    import SimpleITK as sitk

    def header(file: str, pid: str, seq: str):
        reader = sitk.ImageFileReader()
        reader.SetFileName(file)
        try:
            reader.ReadImageInformation()
        except RuntimeError as exc:
            raise InputError(f"patient {pid}, {seq}: cannot read {file} "
                             f"({str(exc).strip().splitlines()[-1]})") from exc
        return (reader.GetSize(), np.array(reader.GetSpacing()), np.array(reader.GetOrigin()),
                np.array(reader.GetDirection()))

    for row in manifest.itertuples(index=False):
        ref = header(row.image, row.patient_id, row.sequence)
        for col in ("mask", "repeat_mask"):
            file = getattr(row, col, "")
            if not file:
                continue
            other = header(file, row.patient_id, row.sequence)
            what = [name for name, a, b in zip(("size", "spacing", "origin", "direction"), ref, other)
                    if (a != b if name == "size" else not np.allclose(a, b, atol=tolerance))]
            if what:
                raise InputError(f"patient {row.patient_id}, {row.sequence}: {col} geometry differs from "
                                 f"the image ({', '.join(what)}): image {ref[0]} @ {tuple(map(float, ref[1]))}, "
                                 f"{col} {other[0]} @ {tuple(map(float, other[1]))}")


#: A patient axis longer than this whose names look like genes is refused (:func:`read_patient_matrix`).
GENE_AXIS_MIN = 2000
#: A patient axis longer than this multiple of the known patients is refused.
MAX_PATIENT_RATIO = 5

_GENE_LIKE = re.compile(r"^(ENS[A-Z]*[GT]\d{6,}(\.\d+)?|LOC\d+|\d+|[A-Z][A-Z0-9]{1,9}(-[A-Z0-9]{1,4})?"
                        r"|[A-Z][a-z0-9]{1,9})$")


def looks_like_genes(names) -> bool:
    """True when most names (≥ 80 %) look like gene symbols, Ensembl or Entrez IDs."""
    names = pd.Index(names).astype(str)
    return len(names) > 0 and names.str.match(_GENE_LIKE).mean() >= 0.8


def read_patient_matrix(path: str | os.PathLike, *, orientation: str = "auto", patients=None,
                        what: str = "features") -> pd.DataFrame:
    """Read a matrix file as patients × ``what``, deciding, recording and checking the orientation.

    The rule (``orientation="auto"``):

    1. with known patient IDs (``patients``: the clinical or group table), the axis that holds
       them is the patient axis (:func:`detect_count_orientation`);
    2. otherwise patients are in rows, as documented — unless the rows look like genes: more
       than :data:`GENE_AXIS_MIN` rows and more than :data:`MAX_PATIENT_RATIO` × as many
       rows as columns, which no patients × features table has but every expression matrix does.

    Parameters
    ----------
    path
        CSV/TSV/Excel/parquet matrix, first column = row labels.
    orientation
        ``"auto"``, ``"samples x genes"`` (patients in rows) or ``"genes x samples"`` (or
        the hyphenated spellings of :data:`ORIENTATION_NAMES`).
    patients
        Known patient IDs, or ``None``.
    what
        Name of the other axis, for messages (``"features"``, ``"genes"``).

    Returns
    -------
    pandas.DataFrame
        Patients × ``what``; ``attrs["orientation"]`` (the file's layout) and
        ``attrs["orientation_reason"]`` (why) say what was decided.

    Raises
    ------
    InputError
        A patient axis with more than :data:`MAX_PATIENT_RATIO` × the known patients, or
        with more than :data:`GENE_AXIS_MIN` entries mostly named like genes.
    """
    as_is = read_matrix(path, orientation="samples x genes")
    known = None if patients is None else pd.Index(pd.Index(patients).astype(str).unique())
    if orientation != "auto":
        layout, why = _orientation_name(orientation), "as given"
    elif known is not None and (as_is.index.isin(known).any() or as_is.columns.isin(known).any()):
        layout, why = detect_count_orientation(as_is, sample_ids=known), "the axis holding the known patient IDs"
    elif as_is.shape[0] > GENE_AXIS_MIN and as_is.shape[0] > MAX_PATIENT_RATIO * as_is.shape[1]:
        layout, why = "genes x samples", f"{as_is.shape[0]} rows look like {what}, not patients"
    else:
        layout, why = "samples x genes", "patients in rows, as documented"
    matrix = as_is.T if layout == "genes x samples" else as_is
    matrix.index.name, matrix.columns.name = "patient_id", None
    matrix.attrs["orientation"] = layout
    matrix.attrs["orientation_reason"] = why
    _check_patient_axis(matrix, known, path, what)
    return matrix


def _check_patient_axis(matrix: pd.DataFrame, known, path, what: str) -> None:
    n = matrix.shape[0]
    hint = ("; if the file is transposed pass --orientation "
            + ("features-by-patients" if matrix.attrs["orientation"] == "samples x genes" else "patients-by-features"))
    if known is not None and n > MAX_PATIENT_RATIO * len(known):
        raise InputError(f"{path}: {n} 'patients' but the clinical/group table has {len(known)}: "
                         f"the patient axis holds {what}, not patients{hint}")
    if n > GENE_AXIS_MIN and looks_like_genes(matrix.index):
        raise InputError(f"{path}: {n} 'patients' named like genes (e.g. {', '.join(matrix.index[:3])}): "
                         f"the patient axis holds {what}, not patients{hint}")
