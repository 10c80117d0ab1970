"""Small helpers shared by the CLI modules (argument parsing only; no logic)."""

from __future__ import annotations

import argparse


def int_range(text: str) -> list[int]:
    """Parse ``"2-6"`` or ``"2,3,5"`` or ``"4"`` into a list of ints."""
    try:
        if "-" in text:
            lo, hi = text.split("-", 1)
            return list(range(int(lo), int(hi) + 1))
        return [int(x) for x in text.split(",") if x]
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"expected a range like 2-6 or a list like 2,3,5, got {text!r}") from exc


def add_command(subparsers, name: str, handler, help: str, description: str | None = None):
    """Add a subcommand whose handler is ``handler(args) -> int``."""
    parser = subparsers.add_parser(name, help=help, description=description or help,
                                   formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.set_defaults(handler=handler)
    return parser


def text_list(text: str | None) -> list[str]:
    """``"a, b,c"`` → ``["a", "b", "c"]``; empty or None → ``[]``."""
    return [t.strip() for t in (text or "").split(",") if t.strip()]


def float_list(text: str) -> list[float]:
    """``"1,1,4"`` → ``[1.0, 1.0, 4.0]`` (an argparse ``type``)."""
    try:
        return [float(t) for t in text_list(text)]
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"expected comma-separated numbers, got {text!r}") from exc


def int_list(text: str) -> list[int]:
    """``"50,50,30"`` → ``[50, 50, 30]`` (an argparse ``type``)."""
    try:
        return [int(t) for t in text_list(text)]
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers, got {text!r}") from exc
