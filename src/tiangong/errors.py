"""One error shape for the whole library.

An analyst fixing a scheme or an input folder wants every problem at once, each naming the file,
the line (or row) and the field, not one traceback per attempt. Stages therefore collect
`Problem`s and raise a single `TiangongError` before any work starts; the CLI prints them one per
line and exits with a non-zero code.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input, located as precisely as the input allows."""

    message: str
    source: str = ""  # file path or table name
    line: int | None = None  # 1-based line in a text file, or row number in a table
    field: str = ""  # YAML key path or column name

    def __str__(self) -> str:
        where = self.source
        if self.line is not None:
            where = f"{where}:{self.line}" if where else f"line {self.line}"
        if self.field:
            where = f"{where} [{self.field}]" if where else f"[{self.field}]"
        return f"{where}: {self.message}" if where else self.message


class TiangongError(Exception):
    """A failure the user can act on; carries every problem found, not just the first."""

    def __init__(self, problems: Sequence[Problem] | str, title: str = "") -> None:
        if isinstance(problems, str):
            problems = [Problem(problems)]
        self.problems: tuple[Problem, ...] = tuple(problems)
        self.title = title
        super().__init__(self.render())

    def render(self) -> str:
        lines = [self.title] if self.title else []
        lines.extend(str(p) for p in self.problems)
        return "\n".join(lines)


class SchemeError(TiangongError):
    """The scheme file is invalid or leaves a needed rule unstated."""


class DataError(TiangongError):
    """Input tables are missing, unreadable or lack required columns."""


class RunNotFound(TiangongError):
    """A run id that the store does not hold."""


def raise_if_any(problems: Iterable[Problem], error: type[TiangongError], title: str) -> None:
    collected = list(problems)
    if collected:
        raise error(collected, title=title)
