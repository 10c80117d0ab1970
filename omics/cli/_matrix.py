"""The one way the CLI reads a patients × features matrix: orientation detected, stated, checked.

Every command that clusters, assigns, compares or classifies patients (``omics consensus``,
``hierarchical``, ``assign``, ``dge``, ``pam``) reads its matrix here. The rule and the checks
live in :func:`omics.data.read_patient_matrix` (so a notebook gets the same decision); this
module maps the ``--orientation`` flag onto it and states the decision on stderr with how to
override it.
"""

from __future__ import annotations

import sys

#: ``--orientation`` choices of every command → :func:`omics.data.read_matrix` orientations
#: (the ``samples``/``genes`` names of ``omics voom``, and ``patients``/``features`` aliases).
ORIENTATIONS = {"auto": "auto", "samples-by-genes": "samples x genes", "genes-by-samples": "genes x samples",
                "patients-by-features": "samples x genes", "features-by-patients": "genes x samples"}


def __getattr__(name):
    # the rule's constants and helper live in omics.data.readers (imported on use: CLI start-up stays fast)
    if name in ("GENE_AXIS_MIN", "MAX_PATIENT_RATIO", "looks_like_genes"):
        from omics.data import readers
        return getattr(readers, name)
    raise AttributeError(name)


def add_orientation_option(parser) -> None:
    parser.add_argument("--orientation", choices=list(ORIENTATIONS), default="auto",
                        help="layout of the matrix file(s); auto: the axis holding the known patient "
                             "IDs, else patients in rows unless the rows look like genes (stated on stderr)")


def read_patient_matrix(path: str, orientation: str = "auto", patients=None, what: str = "features"):
    """:func:`omics.data.read_patient_matrix` with a ``--orientation`` value, the decision on stderr."""
    from omics.data.readers import read_patient_matrix as read
    from omics.data.validate import InputError

    if orientation not in ORIENTATIONS:
        raise InputError(f"--orientation must be one of {', '.join(ORIENTATIONS)}, got {orientation!r}")
    matrix = read(path, orientation=ORIENTATIONS[orientation], patients=patients, what=what)
    layout = matrix.attrs["orientation"]
    why = "as given by --orientation" if orientation != "auto" else matrix.attrs["orientation_reason"]
    shown = "patients x " + what if layout == "samples x genes" else what + " x patients"
    print(f"{path}: read as {shown} ({why}): {matrix.shape[0]} patients × {matrix.shape[1]} {what}; "
          "override with --orientation", file=sys.stderr)
    return matrix
