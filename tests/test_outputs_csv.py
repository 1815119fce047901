"""results.csv written from Arrow (`outputs.csv_text`) has exactly the bytes pandas writes
(`DataFrame.to_csv`, the reference: the format results.csv has always had), on a demo
county's results and on cells chosen to hit every formatting rule."""

from __future__ import annotations

import math

import pandas as pd
import pyarrow as pa

from tiangong.demo.generator import generate
from tiangong.evaluation.evaluate import evaluate
from tiangong.evaluation.outputs.csv_text import csv_bytes
from tiangong.evaluation.outputs.results_table import _typed_arrow


def _pandas(table: pa.Table) -> bytes:
    """As `results_table` wrote it: integers as Int64 and text as strings (`_typed_frame`)."""
    types = {pa.int64(): pd.Int64Dtype(), pa.string(): pd.StringDtype()}
    frame = table.to_pandas(types_mapper=types.get)
    return frame.to_csv(index=False, lineterminator="\n").encode("utf-8-sig")


def test_demo_county_results_csv_is_what_pandas_writes() -> None:
    results = evaluate("huangyan_2022", generate(600, 5, year=2022), 2022).results
    typed = _typed_arrow(results)
    assert typed is not None
    assert csv_bytes(typed) == _pandas(typed)


def test_every_formatting_rule() -> None:
    doubles = [0.0, -0.0, 3.0, 0.1, 1e-4, 9.999e-5, 5.0122800862112174e-05, 1e16, 9.99e15,
               123456789012345.67, -2.5e-7, 1e300, None, math.nan, 1 / 3]
    n = len(doubles)
    texts = ["plain", "a,b", 'say "hi"', "line\nbreak", "cr\rhere", "", None, "中文，全角",
             "特殊类别：免于评价（条件：industry_division in ('44', '45', '46')）", " x ",
             "'q'", "tab\there", "逗号,和\"引号\"", "end,", ","]
    ints = pa.array([1, None, -5, 0, 2**40, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16], pa.int64())
    table = pa.table({"d": pa.array(doubles, pa.float64()), "t": pa.array(texts, pa.string()),
                      "i": ints, "name,with comma": pa.array(["x"] * n)})
    assert csv_bytes(table) == _pandas(table)
    assert csv_bytes(table.slice(0, 0)) == _pandas(table.slice(0, 0))
