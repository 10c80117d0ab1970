"""The ``omics`` command: one subcommand per stage.

Each module ``omics.cli.<stage>`` defines ``register(subparsers)`` which adds its
subcommands; they are discovered here, so a stage adds commands without touching this file.
A subcommand's handler takes the parsed arguments and returns an exit code.

The error contract: bad input (:class:`~omics.data.validate.InputError`, or a missing input
file) ends with exit code 2 and one line ``omics <command>: error: <reason>`` on stderr.
Anything else is a bug in omics, not in the user's data: it propagates with its traceback
(exit code 1), so a bug never looks like a user error and a user error never like a bug.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
import warnings

from omics import __version__
from omics.data.errors import InputError


#: Stages in the order of the analysis, so that ``omics --help`` reads like the pipeline.
PIPELINE = ("data", "imaging", "deep", "rnaseq", "modality", "cluster", "cluster_chunks", "survival", "expression", "predict")


def _pipeline_order(module) -> tuple[int, str]:
    return (PIPELINE.index(module.name) if module.name in PIPELINE else len(PIPELINE), module.name)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="omics",
        description="Radiogenomic multi-omics analysis: imaging, RNA-seq, consensus "
                    "clustering, survival and pathway biology. Run `omics COMMAND --help` "
                    "for the options of a command.",
    )
    parser.add_argument("--version", action="version", version=f"omics {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for info in sorted(pkgutil.iter_modules(__path__), key=_pipeline_order):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    original = warnings.formatwarning  # warnings print as one line, still catchable by callers
    warnings.formatwarning = lambda message, *_, **__: f"omics {args.command}: warning: {_one_line(message)}\n"
    try:
        return int(args.handler(args) or 0)
    except (InputError, FileNotFoundError) as exc:
        print(f"omics {args.command}: error: {_one_line(exc)}", file=sys.stderr)
        return 2
    finally:
        warnings.formatwarning = original


def _one_line(exc: BaseException) -> str:
    """The exception's message on one line (a missing file named by its path)."""
    if isinstance(exc, FileNotFoundError) and exc.filename and not isinstance(exc, InputError):
        if str(exc.filename) not in str(exc.args[-1] if exc.args else ""):
            return f"{exc.filename}: no such file"
    text = " ".join(str(exc).split())
    return text or type(exc).__name__


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
