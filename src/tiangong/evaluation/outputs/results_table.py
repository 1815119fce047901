"""The analysts' results table: results.parquet / results.csv with fixed column types.

Split from the 公示 writer because it has the opposite audience: code, not officials. Column
names are stable English; types are fixed by contract so every year's file has the same schema;
bytes are identical on re-run so a re-published table diffs line by line.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from tiangong.evaluation.outputs.csv_text import csv_bytes
from tiangong.evaluation.outputs.layout import is_missing, text, write_atomic

_TEXT_COLUMNS = (
    "uscc", "name", "county_code", "town_code", "town_name", "size_class", "industry_code",
    "group", "group_label", "special_class", "class", "class_label", "class_reason", "partition",
)  # fmt: skip
_INT_COLUMNS = ("year", "rank", "partition_size")
_FLOAT_COLUMNS = ("score", "items_score", "bonus", "penalty", "percentile")
_FORMATS = ("parquet", "csv")
# Row groups of 16,384 firms, with statistics: an explanation reads one firm's row from the
# group whose USCC range holds it (`runs.stored_results`), not the whole file.
ROW_GROUP_ROWS = 16 * 1024


def write_results_tables(
    results: pd.DataFrame | pa.Table, out_dir: Path, formats: Sequence[str] = _FORMATS, *,
    staged_parquet: Path | None = None,
) -> list[Path]:
    """Write results.parquet / results.csv into `out_dir`; return the paths in `formats` order.

    Rows are sorted by uscc so that a re-run after objections diffs line by line. Column types
    are fixed by the contract, not inferred: an all-empty column (no special class this year)
    stays a string column, so every year's Parquet has the same schema, and codes stay text so
    leading zeros survive. The CSV carries a BOM because Excel reads BOM-less UTF-8 as GBK.

    `results` may be the evaluation's Arrow table: the Parquet is then built from it column by
    column, without a pandas copy (the same file as from the DataFrame, at a fraction of the
    memory for millions of rows). `staged_parquet`, when it exists, is that file already
    written by `write_results_parquet` for these results (the run store encodes it while
    keeping a run): it is moved into place instead of being encoded a second time.
    """
    unknown = [f for f in formats if f not in _FORMATS]
    if unknown:
        raise ValueError(f"unknown formats {unknown}; choose from {list(_FORMATS)}")
    out_dir = Path(out_dir)
    paths: list[Path] = []
    for fmt in formats:
        if fmt == "parquet":
            target = out_dir / "results.parquet"
            if staged_parquet is not None and staged_parquet.is_file():
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(staged_parquet, target)
                paths.append(target)
            else:
                paths.append(write_results_parquet(results, target))
        else:
            paths.append(write_atomic(out_dir / f"results.{fmt}", results_csv(results)))
    return paths


def results_csv(results: pd.DataFrame | pa.Table) -> bytes:
    """The bytes of results.csv: from the typed Arrow table where there is one (`csv_text`,
    the same bytes as pandas writes, without its cell-by-cell formatting), else by pandas."""
    table = _typed_arrow(results) if isinstance(results, pa.Table) else None
    if table is not None:
        return csv_bytes(table)
    frame = _typed_frame(_as_frame(results))
    return frame.to_csv(index=False, lineterminator="\n").encode("utf-8-sig")


def write_results_parquet(results: pd.DataFrame | pa.Table, path: Path) -> Path:
    """The analysts' results.parquet for `results`, written atomically to `path`.

    The one encoder of the file: `write_results_tables` publishes it and the run store keeps
    the same bytes, so the stored results are exactly the published ones.
    """
    table = _typed_arrow(results) if isinstance(results, pa.Table) else None
    if table is None:
        table = _plain_strings(pa.Table.from_pandas(_typed_frame(_as_frame(results)),
                                                    preserve_index=False))
    return _write_parquet(path, table)


def _as_frame(results: pd.DataFrame | pa.Table) -> pd.DataFrame:
    return results.to_pandas() if isinstance(results, pa.Table) else results


def _write_parquet(path: Path, table: pa.Table) -> Path:
    """Write straight to a temporary file beside `path`, then replace it (as `write_atomic`)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    with pq.ParquetWriter(tmp, table.schema, compression="zstd") as writer:
        # Page boundaries follow the chunks a column arrives in, so each row group is written
        # from one chunk per column: the same bytes whatever chunks the engine handed over.
        # Slice by slice, only one row group is copied at a time (not the whole table: at
        # 2.5 million firms, 1 GB more at the run store's peak).
        for start in range(0, max(table.num_rows, 1), ROW_GROUP_ROWS):
            part = table.slice(start, ROW_GROUP_ROWS)
            writer.write_table(pa.Table.from_arrays(
                [c.combine_chunks() for c in part.columns], schema=table.schema),
                row_group_size=ROW_GROUP_ROWS)
    os.replace(tmp, path)
    return path


def _typed_arrow(results: pa.Table) -> pa.Table | None:
    """The table `_typed_frame` + `from_pandas` + `_plain_strings` give, built in Arrow.

    The target schema (types and the pandas metadata) is taken from the pandas route run on
    no rows; each column is then cast and sorted (`_write_parquet` writes each row group from
    one chunk, as `from_pandas` output is).
    None where a column would need the pandas route's cell-by-cell conversion.
    """
    schema = _plain_strings(pa.Table.from_pandas(
        _typed_frame(results.slice(0, 0).to_pandas()), preserve_index=False)).schema
    if schema.names != results.column_names:
        return None
    order = None
    if "uscc" in schema.names:
        uscc = results.column("uscc")
        if not (pa.types.is_string(uscc.type) or pa.types.is_large_string(uscc.type)):
            return None
        order = _text_order_arrow(uscc)
    arrays = []
    for field in schema:
        column = _arrow_cast(results.column(field.name), field.type)
        if column is None:
            return None
        if order is not None:
            column = column.take(order)
        arrays.append(column)
    return pa.Table.from_arrays(arrays, schema=schema)


def _text_order_arrow(column: pa.ChunkedArray) -> pa.Array | None:
    """As `_text_order`, for a string column; None when the rows are in order already."""
    keys = column.fill_null("")
    if len(keys) < 2 or pc.all(pc.greater_equal(keys[1:], keys[:-1])).as_py():
        return None
    return pc.sort_indices(keys)


def _arrow_cast(column: pa.ChunkedArray, target: pa.DataType) -> pa.ChunkedArray | None:
    """`column` as the pandas route would type it, or None where that route must be taken."""
    kind = column.type
    if pa.types.is_string(target):
        if pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_null(kind):
            return column.cast(target)
        return None
    if pa.types.is_integer(target):
        # the pandas route turns integer columns with gaps into floats unless typed Int64
        if pa.types.is_integer(kind) and (target == pa.int64() or column.null_count == 0):
            return column.cast(target)
        return None
    if pa.types.is_float64(target):
        if pa.types.is_floating(kind) or pa.types.is_integer(kind):
            column = column.cast(target)
            nan = pc.is_nan(column)
            if pc.any(nan).as_py():  # pandas holds NaN and null alike; Arrow then writes null
                column = pc.if_else(nan, pa.scalar(None, target), column)
            return column
        return None
    return None


def _typed_frame(results: pd.DataFrame) -> pd.DataFrame:
    """Sorted copy with contract dtypes; pandas metadata in the Parquet then restores them.

    Vectorised where the column already has the contract's kind (string columns from Arrow,
    integer or float ranks): a nation-scale table has millions of rows. Anything else (codes
    held as numbers, objects) takes the cell-by-cell path, with the same result.
    """
    frame = results.reset_index(drop=True)
    if "uscc" in frame.columns:
        order = _text_order(frame["uscc"])
        if order is not None:
            frame = frame.iloc[order]
    columns: dict[str, pd.Series] = {}
    for col in frame.columns:
        name = str(col)
        series = frame[col].reset_index(drop=True)
        if name in _TEXT_COLUMNS or name.startswith("imputed_"):
            series = _as_strings(series)
        elif name in _INT_COLUMNS:
            series = _as_ints(series)
        elif name in _FLOAT_COLUMNS or name.startswith(("value_", "points_")):
            series = pd.to_numeric(series).astype("float64")
        columns[name] = series
    return pd.DataFrame(columns)


def _text_order(series: pd.Series) -> np.ndarray | None:
    """Stable order of `text(v)` (missing as ""), by code point as Python compares str;
    None when the rows are in that order already (evaluation results are)."""
    if pd.api.types.is_string_dtype(series.dtype) and not pd.api.types.is_object_dtype(
            series.dtype):
        keys = pa.array(series.fillna(""), type=pa.large_string())
        if len(keys) < 2 or pc.all(pc.greater_equal(keys[1:], keys[:-1])).as_py():
            return None
        return np.asarray(pc.sort_indices(keys))  # stable; UTF-8 bytes order = code points
    keys_list = [text(v) for v in series]
    return np.array(sorted(range(len(series)), key=keys_list.__getitem__), dtype=np.int64)


def _as_strings(series: pd.Series) -> pd.Series:
    if pd.api.types.is_string_dtype(series.dtype) and not pd.api.types.is_object_dtype(
            series.dtype):
        return series.astype(pd.StringDtype())
    strings = [None if is_missing(v) else str(v) for v in series]
    return pd.Series(strings, dtype=pd.StringDtype())


def _as_ints(series: pd.Series) -> pd.Series:
    if pd.api.types.is_integer_dtype(series.dtype):
        return series.astype("Int64")
    if pd.api.types.is_float_dtype(series.dtype):
        values = series.to_numpy(dtype="float64", na_value=np.nan)
        finite = values[~np.isnan(values)]
        if np.all(finite == np.trunc(finite)) and np.all(np.abs(finite) < 2.0**53):
            return series.astype("Int64")
    return pd.Series([None if is_missing(v) else int(v) for v in series], dtype="Int64")


def _plain_strings(table: pa.Table) -> pa.Table:
    """pandas 3 hands Arrow large_string; plain string is what every reader expects."""
    schema = table.schema
    for i, field in enumerate(schema):
        if pa.types.is_large_string(field.type):
            schema = schema.set(i, field.with_type(pa.string()))
    return table.cast(schema)
