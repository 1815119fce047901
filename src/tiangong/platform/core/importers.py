"""Importers an administrator runs (through management commands): divisions, enterprises from
the run store, users from a roster. Each returns what it did and every row it could not take,
with the reason in Chinese; nothing is half-saved (one transaction per import)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from django.db import transaction

from tiangong.identity.uscc import is_valid_uscc, normalize_uscc
from tiangong.regions.divisions import Regions, read_regions

_LEVEL_ORDER = {"province": 0, "city": 1, "county": 2, "town": 3}


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    problems: list[str] = field(default_factory=list)

    def summary(self) -> str:
        text = f"新增 {self.created} 条，更新 {self.updated} 条"
        if self.problems:
            text += f"，{len(self.problems)} 条未导入：\n" + "\n".join(self.problems)
        return text


def _text(value: Any) -> str:
    return "" if value is None or pd.isna(value) else str(value).strip()


def import_divisions(source: str | Path | pd.DataFrame) -> ImportReport:
    """Regions from a divisions table (the format of tiangong.regions.read_regions); parents
    missing from the table are created from their codes (GB/T 2260), named from a `parent_name`
    column when there is one."""
    regions = read_regions(source)
    units = regions.units
    raw = source if isinstance(source, pd.DataFrame) else (
        pd.read_csv(source, dtype=str) if str(source).lower().endswith(".csv")
        else pd.read_excel(source, dtype=str))
    parent_names = {}
    if "parent_name" in raw.columns and "parent_code" in raw.columns:
        parent_names = {str(c).strip(): str(n).strip() for c, n in
                        zip(raw["parent_code"], raw["parent_name"], strict=True)
                        if isinstance(n, str)}
    known = set(units["code"].dropna())
    missing = {p for p in units["parent_code"].dropna() if p not in known}
    if missing:
        extra = Regions.from_codes(missing, parent_names).units
        units = pd.concat([units, extra[~extra["code"].isin(known)]], ignore_index=True)
    rows = [{"code": _text(r.code), "name": _text(r.name) or parent_names.get(_text(r.code), ""),
             "level": _text(r.level), "parent": _text(r.parent_code)}
            for r in units.itertuples(index=False)]
    return upsert_regions(rows)


def upsert_regions(rows: Iterable[dict[str, str]]) -> ImportReport:
    """Create or update regions top-down (parents first); `parent` is a code or ""."""
    from tiangong.platform.core.models import Region

    report = ImportReport()
    ordered = sorted(rows, key=lambda r: (_LEVEL_ORDER.get(r["level"], 9), r["code"]))
    with transaction.atomic():
        by_code = {r.code: r for r in Region.objects.all()}
        for row in ordered:
            if row["level"] not in _LEVEL_ORDER:
                report.problems.append(f"区划 {row['code']}：层级“{row['level']}”无法识别")
                continue
            parent = by_code.get(row["parent"]) if row["parent"] else None
            if row["parent"] and parent is None and row["level"] != "province":
                report.problems.append(f"区划 {row['code']}：上级 {row['parent']} 不存在")
                continue
            name = row["name"] or f"区划{row['code']}"
            region = by_code.get(row["code"])
            if region is None:
                region = Region(code=row["code"], name=name, level=row["level"], parent=parent)
                region.save()
                by_code[region.code] = region
                report.created += 1
            elif (region.name, region.level, region.parent_id) != (
                    name, row["level"], parent.pk if parent else None):
                region.name, region.level, region.parent = name, row["level"], parent
                region.save()
                report.updated += 1
    return report


def import_enterprises(table: Any) -> ImportReport:
    """Enterprises (USCC, name, town or county, industry) from a canonical `enterprises` table
    (pyarrow or pandas; one row per enterprise and year: the latest year's row wins). Towns
    missing from the region tree are created under their county with the table's town name."""
    from tiangong.platform.core.models import Enterprise, Region

    frame = table.to_pandas() if hasattr(table, "to_pandas") else pd.DataFrame(table)
    if "year" in frame.columns:
        frame = frame.sort_values("year", kind="stable")
    frame = frame.drop_duplicates("uscc", keep="last")
    report = ImportReport()
    towns = {(_text(r.town_code), _text(r.county_code)): _text(r.town_name)
             for r in frame.itertuples(index=False) if _text(getattr(r, "town_code", ""))}
    with transaction.atomic():
        counties = {r.code: r for r in Region.objects.filter(level="county")}
        town_rows = [{"code": t, "name": n or f"乡镇{t}", "level": "town", "parent": c}
                     for (t, c), n in sorted(towns.items()) if c in counties]
        upsert_regions([r for r in town_rows
                        if not Region.objects.filter(code=r["code"]).exists()])
        regions = {r.code: r for r in Region.objects.filter(level__in=["county", "town"])}
        existing = {e.uscc: e for e in Enterprise.objects.all()}
        for i, r in enumerate(frame.itertuples(index=False), start=1):
            uscc = normalize_uscc(_text(r.uscc))
            if not is_valid_uscc(uscc):
                report.problems.append(f"第 {i} 行：统一社会信用代码“{_text(r.uscc)}”校验不通过")
                continue
            region = regions.get(_text(getattr(r, "town_code", ""))) or regions.get(
                _text(getattr(r, "county_code", "")))
            if region is None:
                report.problems.append(
                    f"第 {i} 行（{uscc}）：所在县 {_text(getattr(r, 'county_code', ''))} "
                    "不在区划表中，请先导入区划")
                continue
            values = {"name": _text(r.name) or uscc, "region": region,
                      "industry_code": _text(getattr(r, "industry_code", ""))}
            ent = existing.get(uscc)
            if ent is None:
                Enterprise(uscc=uscc, **values).save()
                report.created += 1
            elif any(getattr(ent, k) != v for k, v in values.items()):
                for k, v in values.items():
                    setattr(ent, k, v)
                ent.save()
                report.updated += 1
    return report
