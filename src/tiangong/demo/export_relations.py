"""The relation exports of the demo: who lets land to whom (租赁), and the level of each event.

The tenancy file is written like every other departmental sheet (title, 合计, blank lines,
footnotes, numbers as text, full-width digits) and both parties carry the usual code and name
quirks, each at the documented rates, so intake has to link landlord and tenant alike. Areas
are in 平方米, as the land bureau keeps them. The truth of the tenant party (its USCC and quirks)
goes to `_truth/rows.parquet` next to the landlord's.

Event levels are written as the departments write them (一般, 较大事故, 重大, 严重), from the
canonical severity (general / major) the generator drew.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tiangong.demo.export_quirks import code_cells, name_cells
from tiangong.demo.export_writers import Sheet

SQUARE_METRES_PER_MU = 1 / 0.0015  # matches intake's default UnitSettings
# (event type, canonical severity) → ways a department writes the level
SEVERITY_WRITTEN: dict[tuple[str, str], tuple[str, ...]] = {
    ("safety_accident", "general"): ("一般", "一般事故"),
    ("safety_accident", "major"): ("较大", "较大事故", "重大"),
    ("env_violation", "general"): ("一般", "一般违法"),
    ("env_violation", "major"): ("严重", "重大", "严重违法"),
    ("credit_default", "general"): ("一般",),
    ("credit_default", "major"): ("严重", "严重失信"),
    ("illegal_land_use", "general"): ("一般",),
    ("illegal_land_use", "major"): ("重大", "严重"),
}


def severity_words(ev: pd.DataFrame, rng: np.random.Generator) -> np.ndarray:
    """The 等级 cell of each event; empty where the canonical severity is missing."""
    n = len(ev)
    severity = ev["severity"] if "severity" in ev else pd.Series([None] * n, index=ev.index)
    pick = rng.random(n)
    out = np.full(n, None, dtype=object)
    for i, (kind, level) in enumerate(zip(ev["event_type"], severity, strict=True)):
        words = SEVERITY_WRITTEN.get((str(kind), str(level)))
        if words:
            out[i] = words[int(pick[i] * len(words))]
    return out


def tenancy(ent: pd.DataFrame, ten: pd.DataFrame, rng: np.random.Generator,
            year: int) -> list[Sheet]:
    """The 出租情况 sheet of `year` (no sheet when nobody lets land)."""
    from tiangong.demo.export_sources import _sheet

    names = pd.Series(ent["name"].to_numpy(object), index=ent["uscc"].to_numpy(object))
    ten = ten[(ten["year"] == year) & ten["landlord_uscc"].isin(names.index)
              & ten["tenant_uscc"].isin(names.index)]
    n = len(ten)
    if n == 0:
        return []
    tenant = ten["tenant_uscc"].to_numpy(object)
    tenant_code, tenant_code_q = code_cells(tenant, rng)
    tenant_name, tenant_name_q = name_cells(names.loc[tenant].to_numpy(object), rng)
    header = ["序号", "出租方名称", "出租方统一社会信用代码", "承租方名称",
              "承租方统一社会信用代码", "租赁用地面积(平方米)", "租赁建筑面积(平方米)"]
    blank = np.full(n, None, dtype=object)
    cols = [np.arange(1, n + 1).astype(object), blank, blank, tenant_name, tenant_code, blank,
            blank]
    land_m2 = ten["land_area"].to_numpy(float) * SQUARE_METRES_PER_MU
    numbers = {5: (land_m2, 2), 6: (ten["floor_area_m2"].to_numpy(float), 0)}
    landlord = ten["landlord_uscc"].to_numpy(object)
    sheet = _sheet("tenancy", "08_用地_租赁.xlsx", f"{year}年度工业企业土地厂房出租情况表", header,
                   cols, landlord, names.loc[landlord].to_numpy(object), rng, 2, 1, numbers,
                   "自然资源和规划局", year, sheet_name="出租情况",
                   units={"land_area": "平方米", "floor_area_m2": "平方米"})
    sheet.extra_truth = {"tenant_uscc": tenant, "tenant_code_written": tenant_code,
                         "tenant_code_quirk": tenant_code_q, "tenant_name_quirk": tenant_name_q}
    return [sheet]
