"""The output formats `evaluate` can write, in a module light enough for the command line to
check `--formats` before it imports anything heavy."""

from __future__ import annotations

from collections.abc import Sequence

from tiangong.errors import TiangongError

FORMATS = ("parquet", "csv", "xlsx", "sheets")
DEFAULT_FORMATS = ("parquet", "csv")


def format_problem(formats: Sequence[str]) -> str:
    """What is wrong with `formats` ("" when nothing is)."""
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        return (f"unknown output format(s) {', '.join(unknown) or '(none given)'}; choose from "
                f"{', '.join(FORMATS)}")
    return ""


def check_formats(formats: Sequence[str]) -> None:
    """Raise before any work when a format is unknown (not after the run is stored)."""
    problem = format_problem(formats)
    if problem:
        raise TiangongError(f"--formats: {problem}")
