"""The intake's files, written whole or not at all.

An analyst re-runs intake after every review round, and an evaluation may read the folder at
any time; a half-written folder (new enterprises, old quality report) would be worse than the
old one. So everything is written into a temporary folder next to `out_dir` and renamed at the
end: a failed intake leaves `out_dir` as it was.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from tiangong.evaluation.sources import empty_table
from tiangong.intake.land_list import write_land_list
from tiangong.intake.quality import write_quality_workbook
from tiangong.intake.report_zh import reconciliation_zh
from tiangong.intake.review import write_review_workbook

if TYPE_CHECKING:
    from tiangong.intake.result import IntakeResult

MERGED_HEADERS = {"tenant_uscc": "承租方统一社会信用代码", "tenant_name": "承租方名称",
                  "landlord_uscc": "并入出租方统一社会信用代码", "landlord_name": "并入出租方名称",
                  "land_area": "租赁用地面积(亩)"}


def _arrow(frame: pd.DataFrame, table: str) -> pa.Table:
    """`frame` as the canonical table; the enterprise table also carries the per-pollutant
    columns (extra columns a scheme may declare as variables)."""
    from tiangong.intake.pollutants import POLLUTANT_COLUMNS

    schema = empty_table(table).schema
    if table == "enterprises":
        for name in POLLUTANT_COLUMNS:
            schema = schema.append(pa.field(name, pa.float64()))
    cols = {}
    for fld in schema:
        values = frame[fld.name] if fld.name in frame.columns else pd.Series(
            [None] * len(frame), dtype=object)
        if pa.types.is_date(fld.type):
            values = pd.to_datetime(values, errors="coerce").dt.date
        values = values.astype(object).where(values.notna(), None)
        cols[fld.name] = pa.array(values.tolist(), fld.type)
    return pa.table(cols, schema=schema)


def _folder_mode() -> int:
    """rwx for the user, and what the umask allows others, but at least r-x for the group:
    mkdtemp makes 0700 folders, which the colleagues who evaluate and publish cannot read."""
    umask = os.umask(0)
    os.umask(umask)
    return (0o777 & ~umask) | 0o750


def clean_stale(out_dir: Path) -> list[Path]:
    """Remove temporary folders an interrupted intake left next to `out_dir` (its process is
    gone); a running intake's folder (its process alive) is left alone."""
    removed = []
    for p in out_dir.parent.glob(f".{out_dir.name}.*"):
        m = re.match(rf"^\.{re.escape(out_dir.name)}\.(?:tmp|old)-(\d+)-", p.name)
        if not p.is_dir() or m is None or _alive(int(m.group(1))):
            continue
        shutil.rmtree(p, ignore_errors=True)
        removed.append(p)
    return removed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return False  # this process is writing a new one; an old one of ours is stale
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def ledger_table(ledger: pd.DataFrame) -> pa.Table:
    """The ledger as Arrow, dictionary-encoded text (a province has millions of rows)."""
    cols = {}
    for name in ("file", "sheet", "row", "source", "status", "reason", "uscc", "method"):
        values = ledger[name] if name in ledger else pd.Series([], dtype=object)
        if name == "row":
            cols[name] = pa.array(values.to_numpy(), pa.int64())
        elif name == "uscc":
            cols[name] = pa.array(values.astype(object).where(values.notna(), None).tolist(),
                                  pa.string())
        else:
            cat = values.astype("category")
            cols[name] = pa.DictionaryArray.from_arrays(
                pa.array(cat.cat.codes.to_numpy(), pa.int32(),
                         mask=cat.cat.codes.to_numpy() < 0),
                pa.array([str(c) for c in cat.cat.categories], pa.string()))
    return pa.table(cols)


def pollutants_table(frame: pd.DataFrame) -> pa.Table:
    """Emissions per firm and pollutant (吨), typed even when empty."""
    schema = pa.schema([("uscc", pa.string()), ("year", pa.int32()), ("pollutant", pa.string()),
                        ("amount", pa.float64())])
    if frame.empty:
        return schema.empty_table()
    return pa.Table.from_pandas(frame[schema.names], schema=schema, preserve_index=False)


def summary_table(result: IntakeResult) -> pd.DataFrame:
    """概况: the counts the console ends with (same numbers, same words)."""
    from tiangong.intake.attention import LABELS

    rows = [("需要处理", LABELS[k], v) for k, v in result.attention.items()]
    rows += [("提示", LABELS[k], v) for k, v in result.warnings.items()]
    if not result.attention:
        rows.insert(0, ("结论", "无需处理的问题", 0))
    return pd.DataFrame(rows, columns=["类别", "项目", "数量"])


def _write(out_dir: Path, year: int, result: IntakeResult) -> None:
    out_dir = out_dir.resolve()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    clean_stale(out_dir)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-{os.getpid()}-",
                                dir=out_dir.parent))
    os.chmod(tmp, _folder_mode())
    try:
        pq.write_table(_arrow(result.enterprises, "enterprises"), tmp / "enterprises.parquet")
        pq.write_table(_arrow(result.events, "events"), tmp / "events.parquet")
        pq.write_table(_arrow(result.tenancies, "tenancies"), tmp / "tenancies.parquet")
        result.reconciliation.to_csv(tmp / "reconciliation.csv", index=False,
                                     encoding="utf-8-sig")
        pq.write_table(ledger_table(result.ledger), tmp / "ledger.parquet",
                       compression="zstd")
        pq.write_table(pollutants_table(result.pollutants), tmp / "pollutants.parquet")
        write_quality_workbook(result.quality, tmp / "quality.xlsx",
                               {"概况": summary_table(result),
                                "对账": reconciliation_zh(result.reconciliation)})
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
