"""Tables for people: the rank-uncertainty and Sobol tables of an index report, in Chinese.

The CSV files beside the report keep the identifiers (nominal, median, q05, S1, …) for code that
reads them; these frames are what the HTML page shows, with the same headers and labels as the
charts above them.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from tiangong.report.charts import CHOICE_LABELS

RANK_COLUMNS: dict[str, str] = {
    "name": "评价对象", "nominal": "名义排名", "median": "中位排名", "q05": "5%分位排名",
    "q95": "95%分位排名", "mean": "平均排名"}
SOBOL_COLUMNS: dict[str, str] = {
    "S1": "一阶指数 S1", "S1_conf": "S1 置信区间半宽", "ST": "总效应指数 ST",
    "ST_conf": "ST 置信区间半宽"}


def rank_summary_table(summary: pd.DataFrame) -> pd.DataFrame:
    """`monte_carlo(...).summary` (with a `name` column if the units have names) for a page:
    Chinese headers, the unit codes as the index 代码; rows and values unchanged."""
    shown = summary.rename(columns=RANK_COLUMNS)
    shown.index = shown.index.rename("代码")
    return shown


def sobol_table(indices: pd.DataFrame, labels: Mapping[str, str] | None = None) -> pd.DataFrame:
    """`sobol_indices(...).indices` for a page: Chinese headers, and each uncertain choice under
    its Chinese name (权重, 汇总方法, …; `labels` adds or overrides names) as the index."""
    names = {**CHOICE_LABELS, **(labels or {})}
    shown = indices.rename(columns=SOBOL_COLUMNS)
    shown.index = pd.Index([names.get(str(c), str(c)) for c in indices.index],
                           name="不确定的选择")
    return shown
