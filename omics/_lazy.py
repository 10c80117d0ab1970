"""Lazy package exports (PEP 562): a package's names are imported on first use.

Used by the ``__init__`` of the stage packages so that ``import omics.<stage>`` — and the
``omics`` command's start-up — does not load pandas, scipy, anndata or matplotlib until a
function is actually used, while ``from omics.cluster import consensus_cluster`` still works.
"""

from __future__ import annotations

import importlib
from typing import Callable, Mapping


def lazy_exports(package: str, exports: Mapping[str, str], namespace: dict
                 ) -> tuple[Callable[[str], object], Callable[[], list[str]], list[str]]:
    """``(__getattr__, __dir__, __all__)`` for ``package`` whose name ``n`` lives in the
    submodule ``exports[n]``; a resolved name is cached in the package ``namespace``."""

    def __getattr__(name: str):
        if name in exports:
            value = getattr(importlib.import_module(f"{package}.{exports[name]}"), name)
            namespace[name] = value
            return value
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def __dir__() -> list[str]:
        return sorted(set(namespace) | set(exports))

    return __getattr__, __dir__, sorted(exports)
