"""The one way the CLI reads a patients × features matrix: orientation detected, stated, checked.

Every command that clusters, assigns, compares or classifies patients (``omics consensus``,
``hierarchical``, ``assign``, ``dge``, ``pam``) reads its matrix here, through
:func:`omics.data.read_matrix`, so that a genes × samples file is never clustered as 8,659
"patients". The rule (``--orientation auto``):

1. with known patient IDs (the clinical or group table), the axis that holds them is the
   patient axis (:func:`omics.data.detect_count_orientation`);
2. otherwise the file is taken as documented, patients in rows — unless the rows look like
   genes: more than :data:`GENE_AXIS_MIN` (2,000) rows and more than 5 × as many rows as
   columns, which no patients × features table has but every expression matrix does.

The decision is printed on stderr with how to override it (``--orientation``). Whatever the
orientation, a patient axis with more than 5 × the patients of the clinical/group table, or
with more than 2,000 entries that mostly look like gene names, is refused with an
:class:`~omics.data.InputError`.
"""

from __future__ import annotations

import re
import sys

#: ``--orientation`` choices of every command → :func:`omics.data.read_matrix` orientations
#: (the ``samples``/``genes`` names of ``omics voom``, and ``patients``/``features`` aliases).
ORIENTATIONS = {"auto": "auto", "samples-by-genes": "samples x genes", "genes-by-samples": "genes x samples",
                "patients-by-features": "samples x genes", "features-by-patients": "genes x samples"}
#: A patient axis longer than this whose names look like genes is refused.
GENE_AXIS_MIN = 2000
#: A patient axis longer than this multiple of the known patients is refused.
MAX_PATIENT_RATIO = 5

_GENE_LIKE = re.compile(r"^(ENS[A-Z]*[GT]\d{6,}(\.\d+)?|LOC\d+|\d+|[A-Z][A-Z0-9]{1,9}(-[A-Z0-9]{1,4})?"
                        r"|[A-Z][a-z0-9]{1,9})$")


def looks_like_genes(names) -> bool:
    """True when most names look like gene symbols, Ensembl or Entrez IDs."""
    import pandas as pd
    names = pd.Index(names).astype(str)
    return len(names) > 0 and names.str.match(_GENE_LIKE).mean() >= 0.8


def add_orientation_option(parser) -> None:
    parser.add_argument("--orientation", choices=list(ORIENTATIONS), default="auto",
                        help="layout of the matrix file(s); auto: the axis holding the known patient "
                             "IDs, else patients in rows unless the rows look like genes (stated on stderr)")


def read_patient_matrix(path: str, orientation: str = "auto", patients=None, what: str = "features"):
    """Read ``path`` as patients × ``what``, stating and checking the orientation.

    Parameters
    ----------
    path
        CSV/TSV/Excel/parquet matrix, first column = row labels.
    orientation
        A key of :data:`ORIENTATIONS`.
    patients
        Known patient IDs (clinical or group table), or ``None``.
    what
        Name of the other axis, for messages ("features", "genes").
    """
    import pandas as pd

    from omics.data.readers import detect_count_orientation, read_matrix
    from omics.data.validate import InputError

    if orientation not in ORIENTATIONS:
        raise InputError(f"--orientation must be one of {', '.join(ORIENTATIONS)}, got {orientation!r}")
    as_is = read_matrix(path, orientation="samples x genes")
    known = None if patients is None else pd.Index(pd.Index(patients).astype(str).unique())
    if orientation != "auto":
        layout, why = ORIENTATIONS[orientation], "as given by --orientation"
    elif known is not None and (as_is.index.isin(known).any() or as_is.columns.isin(known).any()):
        layout, why = detect_count_orientation(as_is, known), "the axis holding the known patient IDs"
    elif as_is.shape[0] > GENE_AXIS_MIN and as_is.shape[0] > MAX_PATIENT_RATIO * as_is.shape[1]:
        layout, why = "genes x samples", f"{as_is.shape[0]} rows look like {what}, not patients"
    else:
        layout, why = "samples x genes", "patients in rows, as documented"
    matrix = as_is.T if layout == "genes x samples" else as_is
    matrix.index.name, matrix.columns.name = "patient_id", None
    matrix.attrs["orientation"] = layout
    shown = "patients x " + what if layout == "samples x genes" else what + " x patients"
    print(f"{path}: read as {shown} ({why}): {matrix.shape[0]} patients × {matrix.shape[1]} {what}; "
          "override with --orientation", file=sys.stderr)
    _check_patient_axis(matrix, known, path, what)
    return matrix


def _check_patient_axis(matrix, known, path: str, what: str) -> None:
    from omics.data.validate import InputError

    n = matrix.shape[0]
    hint = ("; if the file is transposed pass --orientation "
            + ("features-by-patients" if matrix.attrs["orientation"] == "samples x genes" else "patients-by-features"))
    if known is not None and n > MAX_PATIENT_RATIO * len(known):
        raise InputError(f"{path}: {n} 'patients' but the clinical/group table has {len(known)}: "
                         f"the patient axis holds {what}, not patients{hint}")
    if n > GENE_AXIS_MIN and looks_like_genes(matrix.index):
        raise InputError(f"{path}: {n} 'patients' named like genes (e.g. {', '.join(matrix.index[:3])}): "
                         f"the patient axis holds {what}, not patients{hint}")
