"""The small surface every engine offers the pipeline.

The pipeline is a list of named SQL steps written once in DuckDB's dialect. An engine only has to
load tables, run a step into a named table, and hand back Arrow; so the same computation runs on
the embedded default and on Spark, and the exact statements can be stored with each run.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa


@dataclass(frozen=True)
class Statement:
    step: str
    sql: str  # as executed, in the engine's dialect


class Engine(ABC):
    name: str = ""

    def __init__(self) -> None:
        self.statements: list[Statement] = []

    @abstractmethod
    def load_files(self, table: str, paths: Sequence[Path], columns: dict[str, str],
                   where: str | None = None) -> None:
        """Load Parquet or CSV files into `table`, casting to the canonical `columns` types."""

    @abstractmethod
    def load_arrow(self, table: str, data: pa.Table) -> None:
        """Make an Arrow table available as `table`."""

    @abstractmethod
    def create(self, table: str, sql: str) -> None:
        """Run one pipeline step (DuckDB dialect) into `table`; record the statement."""

    @abstractmethod
    def query(self, sql: str) -> pa.Table:
        """Run a read-only query (DuckDB dialect) and return Arrow."""

    @abstractmethod
    def columns(self, table: str) -> list[str]:
        """Column names of a loaded or created table."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release resources; engines that hold none need not override."""
