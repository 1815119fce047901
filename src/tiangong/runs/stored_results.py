"""A stored run's results, read as far as a reader needs them.

The run store keeps a run's results as the bytes of its results.parquet. An explanation needs
six columns of every firm (to find the firm, its group, its partition and the class floors) and
every column of one firm; decoding all 44 columns of a province's 120,000 firms for that took
0.1 s of the 1 s an explanation may take (issue 15.22). The file is written in row groups of
`ROW_GROUP_ROWS` firms with statistics, so one firm's row is read from the one group whose USCC
range holds it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq


def read_parquet_bytes(data: bytes, columns: Sequence[str] | None = None) -> pa.Table:
    """The table in Parquet `data` (the store keeps runs' inputs and results so). ParquetFile,
    not read_table: read_table imports pyarrow.dataset, and with it pandas (0.2 s)."""
    return pq.ParquetFile(pa.BufferReader(data)).read(
        columns=list(columns) if columns is not None else None)


def parquet_table(data: bytes, columns: Sequence[str] | None = None) -> pa.Table:
    """Results from Parquet `data`, without the pandas metadata results.parquet carries for
    its readers (`to_pandas` would otherwise turn gaps in integer columns into pd.NA)."""
    return read_parquet_bytes(data, columns).replace_schema_metadata(None)


@dataclass(frozen=True)
class StoredResults:
    """The results of one stored run: the Parquet bytes, or (a store written before results
    were kept as Parquet) the table itself."""

    parquet: bytes | None
    table: pa.Table | None = None

    def all(self) -> pa.Table:
        if self.parquet is None:
            assert self.table is not None
            return self.table
        return parquet_table(self.parquet)

    def columns(self, names: Sequence[str]) -> pa.Table:
        if self.parquet is None:
            assert self.table is not None
            return self.table.select(list(names))
        return parquet_table(self.parquet, names)

    def row(self, uscc: str) -> dict[str, Any] | None:
        """Every column of the firm `uscc`, or None when the run has no such firm."""
        from tiangong.evaluation.arrow_sql import select_rows

        for part in self._parts_holding(uscc):
            found = select_rows("SELECT * FROM part WHERE uscc = ?", [uscc], part=part)
            if found:
                return found[0]
        return None

    def _parts_holding(self, uscc: str) -> list[pa.Table]:
        if self.parquet is None:
            assert self.table is not None
            return [self.table]
        file = pq.ParquetFile(pa.BufferReader(self.parquet))
        meta = file.metadata
        at = file.schema_arrow.get_field_index("uscc")
        groups = []
        for i in range(meta.num_row_groups):
            stats = meta.row_group(i).column(at).statistics
            if stats is None or not stats.has_min_max or stats.min <= uscc <= stats.max:
                groups.append(i)
        if not groups:
            return []
        return [file.read_row_groups(groups).replace_schema_metadata(None)]


__all__ = ["StoredResults", "parquet_table", "read_parquet_bytes"]
