"""The intake's files, written whole or not at all.

An analyst re-runs intake after every review round, and an evaluation may read the folder at
any time; a half-written folder (new enterprises, old quality report) would be worse than the
old one. So everything is written into a temporary folder next to `out_dir` and renamed at the
end: a failed intake leaves `out_dir` as it was.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from tiangong.intake.land_list import write_land_list
from tiangong.intake.quality import write_quality_workbook
from tiangong.intake.review import write_review_workbook
from tiangong.sources import empty_table

if TYPE_CHECKING:
    from tiangong.intake.result import IntakeResult

MERGED_HEADERS = {"tenant_uscc": "承租方统一社会信用代码", "tenant_name": "承租方名称",
                  "landlord_uscc": "并入出租方统一社会信用代码", "landlord_name": "并入出租方名称",
                  "land_area": "租赁用地面积(亩)"}


def _arrow(frame: pd.DataFrame, table: str) -> pa.Table:
    schema = empty_table(table).schema
    cols = {}
    for fld in schema:
        values = frame[fld.name] if fld.name in frame.columns else pd.Series(
            [None] * len(frame), dtype=object)
        if pa.types.is_date(fld.type):
            values = pd.to_datetime(values, errors="coerce").dt.date
        values = values.astype(object).where(values.notna(), None)
        cols[fld.name] = pa.array(values.tolist(), fld.type)
    return pa.table(cols, schema=schema)


def _write(out_dir: Path, year: int, result: IntakeResult) -> None:
    out_dir = out_dir.resolve()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    try:
        pq.write_table(_arrow(result.enterprises, "enterprises"), tmp / "enterprises.parquet")
        pq.write_table(_arrow(result.events, "events"), tmp / "events.parquet")
        pq.write_table(_arrow(result.tenancies, "tenancies"), tmp / "tenancies.parquet")
        result.reconciliation.to_csv(tmp / "reconciliation.csv", index=False,
                                     encoding="utf-8-sig")
        write_quality_workbook(result.quality, tmp / "quality.xlsx",
                               {"对账": result.reconciliation})
        write_review_workbook(result.review_sheet, tmp / f"review_{year}.xlsx", year, out_dir,
                              result.crosswalk_path)
        write_land_list(result.land_list, tmp / f"land_list_{year}.xlsx", year,
                        result.mu_per_square_metre)
        if result.land_rule == "merge":
            result.merged.rename(columns=MERGED_HEADERS).to_csv(
                tmp / "merged_tenants.csv", index=False, encoding="utf-8-sig")
        old = None
        if out_dir.exists():
            old = out_dir.with_name(f".{out_dir.name}.old-{os.getpid()}-{time.time_ns()}")
            out_dir.rename(old)
        tmp.rename(out_dir)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
