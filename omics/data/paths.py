"""Building file paths from user text (patient IDs, sequence names, group names, ``--name``).

User text never reaches a path raw: :func:`safe_name` maps any text to one file-name
component made of ``[A-Za-z0-9._-]`` only, and :func:`child_path` joins such components
under an output folder and refuses anything that would land outside it. Every place in
omics that builds a path from user text goes through these two functions.
"""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from pathlib import Path

from omics.data.validate import InputError

#: Characters kept as they are in a file-name component.
SAFE_CHARS = re.compile(r"[^A-Za-z0-9._-]+")
#: Longest component produced (file systems allow 255 bytes; leave room for suffixes).
MAX_LENGTH = 120


def safe_name(text: object, *, what: str = "name") -> str:
    """Map user text to a single, safe file-name component.

    Text already made of letters, digits, ``.``, ``_`` and ``-`` (and not starting with a
    dot) is returned unchanged, so ordinary patient IDs such as ``STS001`` or ``007`` name
    their files as they are. Anything else — spaces, quotes, ``$( )``, backticks, slashes,
    ``..``, non-ASCII letters — is replaced by ``_`` and a short hash of the original text is
    appended, so two different IDs never share a file name.

    Parameters
    ----------
    text
        The user's text (converted with ``str``).
    what
        What the text is, for the error message (``"patient ID"``, ``"--name"``...).

    Raises
    ------
    InputError
        If the text is empty or only white space.
    """
    raw = str(text)
    if not raw.strip():
        raise InputError(f"an empty {what} cannot name a file")
    ascii_text = unicodedata.normalize("NFKD", raw).encode("ascii", "ignore").decode("ascii")
    cleaned = SAFE_CHARS.sub("_", ascii_text).strip("_")
    if cleaned == raw and not raw.startswith(".") and len(raw) <= MAX_LENGTH:
        return raw
    digest = hashlib.sha256(raw.encode("utf-8")).hexdigest()[:8]
    stem = cleaned.lstrip(".")[: MAX_LENGTH - 9] or what.replace(" ", "_").replace("-", "")
    return f"{stem}-{digest}"


def child_path(out_dir: str | os.PathLike, *parts: object, suffix: str = "",
               what: str = "name") -> Path:
    """``out_dir / safe_name(part) / ... + suffix``, guaranteed to stay inside ``out_dir``.

    Each part is one path component made safe with :func:`safe_name`; ``suffix`` (e.g.
    ``".csv"`` or ``".nii.gz"``) is the program's own text and is appended to the last part.
    """
    if not parts:
        raise ValueError("child_path needs at least one part")
    names = [safe_name(part, what=what) for part in parts]
    names[-1] = names[-1] + suffix
    root = Path(out_dir)
    path = root.joinpath(*names)
    resolved_root = root.resolve()
    if resolved_root not in path.resolve().parents:
        raise InputError(f"{what} {parts[-1]!r} would write outside {root}")
    return path
