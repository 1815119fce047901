"""The land-area list (用地面积公示表), published for objection before any score is computed.

Land is the denominator of every 亩均 figure, and the figure most often disputed: a parcel
missing from the land file, a certificate counted for the wrong firm, a tenancy not deducted.
Counties therefore publish each firm's land before scoring. The list is built at intake, where
the parcels are still visible: per enterprise its parcels (count and certificate numbers), the
land of its parcels, the land it rents in and lets out (with the number of tenants), the area it
will be evaluated on after the land rule, and a remark (merged into a landholder, evaluated on
rented land). Rows are sorted by town code, town and code, so the same intake gives the same
list, byte for byte.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from tiangong.intake.loaded import LoadedFile

COLUMNS: list[tuple[str, str, int]] = [  # internal name, header, width
    ("id", "序号", 6), ("uscc", "统一社会信用代码", 21), ("name", "企业名称", 32),
    ("town_name", "乡镇(街道)", 12), ("parcels", "宗地数", 7), ("certificates", "不动产权证号", 40),
    ("parcel_area", "宗地面积(亩)", 12), ("leased_in", "租入用地面积(亩)", 12),
    ("leased_out", "出租用地面积(亩)", 12), ("tenants", "承租户数", 8),
    ("land_area", "评价用地面积(亩)", 12), ("note", "备注", 36), ("objection", "异议说明", 20)]
AREAS = ("parcel_area", "leased_in", "leased_out", "land_area")
FIXED_TIME = datetime(2000, 1, 1)


def land_list_table(files: list[LoadedFile], roster: pd.DataFrame, evaluated: pd.DataFrame,
                    tenancies: pd.DataFrame, notes: dict[str, str]) -> pd.DataFrame:
    """One row per firm of the register (roster: uscc, name, town_code, town_name).

    files: all loaded files (the used rows of the land files give the parcels); evaluated: the
    enterprise table after the land rule; tenancies: every linked letting, before the rule.
    """
    parts = [f.intake.frame[(f.status == "used").to_numpy()].assign(
        uscc=f.uscc[f.status == "used"]) for f in files if f.source == "land"]
    land = pd.concat(parts) if parts else pd.DataFrame(columns=["uscc", "land_area"])
    if "cert_no" not in land:
        land["cert_no"] = None
    by_firm = land.groupby("uscc")
    # each firm's distinct certificates, sorted, joined: one sort and one pass, not a
    # pandas function per firm
    held = land.loc[land["cert_no"].notna(), ["uscc", "cert_no"]]
    held = held.assign(cert_no=[str(c) for c in held["cert_no"]]).drop_duplicates() \
        .sort_values(["uscc", "cert_no"], kind="stable")
    joined: dict[object, list[str]] = {}
    for firm, cert in zip(held["uscc"].tolist(), held["cert_no"].tolist(), strict=True):
        joined.setdefault(firm, []).append(cert)
    certs = pd.Series({firm: "、".join(c) for firm, c in joined.items()}, dtype=object)
    out = pd.DataFrame({"uscc": roster["uscc"].to_numpy(), "name": roster["name"].to_numpy()})
    for col in ("town_code", "town_name"):
        out[col] = roster[col].to_numpy() if col in roster else None
    key = out["uscc"]
    out["parcels"] = key.map(by_firm.size()).fillna(0).astype(int)
    out["certificates"] = key.map(certs).astype(object).fillna("")
    out["parcel_area"] = key.map(by_firm["land_area"].sum(min_count=1))
    out["leased_in"] = key.map(tenancies.groupby("tenant_uscc")["land_area"].sum(min_count=1))
    out["leased_out"] = key.map(tenancies.groupby("landlord_uscc")["land_area"].sum(min_count=1))
    out["tenants"] = key.map(tenancies.groupby("landlord_uscc")["tenant_uscc"].nunique()) \
        .fillna(0).astype(int)
    out["land_area"] = key.map(evaluated.set_index("uscc")["land_area"])
    out["note"] = [notes.get(u, "") for u in key]
    out["objection"] = ""
    out = out.sort_values(["town_code", "town_name", "uscc"], na_position="last",
                          kind="stable").reset_index(drop=True)
    out["id"] = np.arange(1, len(out) + 1)
    return out[[c for c, _, _ in COLUMNS]]


def write_land_list(table: pd.DataFrame, path: Path, year: int,
                    mu_per_square_metre: float) -> Path:
    """The list as xlsx: a title, a line on units and objection, the header, one row per firm."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_numbers": False,
                                         "strings_to_formulas": False, "strings_to_urls": False})
    wb.set_properties({"created": FIXED_TIME, "title": f"{year}年度工业企业用地面积公示表"})
    title = wb.add_format({"bold": True, "font_size": 14})
    head = wb.add_format({"bold": True, "text_wrap": True, "valign": "top", "border": 1})
    area = wb.add_format({"num_format": "0.00##"})
    ws = wb.add_worksheet("用地面积公示")
    for c, (_, _, width) in enumerate(COLUMNS):
        ws.set_column(c, c, width, area if COLUMNS[c][0] in AREAS else None)
    ws.write_string(0, 0, f"{year}年度工业企业用地面积公示表", title)
    ws.write_string(1, 0, f"单位：亩(宗地面积按 1 平方米 = {mu_per_square_metre:g} 亩换算)。"
                          "评价用地面积为导入后、按用地规则处理后的面积；评价办法若扣除出租用地，"
                          "计分时另行扣除。对面积有异议的，请在公示期内经所在乡镇(街道)提交书面说明"
                          "及不动产权证等证明材料。")
    for c, (_, header, _) in enumerate(COLUMNS):
        ws.write_string(2, c, header, head)
    # Row by row (constant-memory mode): empty and missing cells are left blank.
    columns = [table[name].astype(object).tolist() for name, _, _ in COLUMNS]
    for r, values in enumerate(zip(*columns, strict=True), start=3):
        for c, v in enumerate(values):
            if v is None or v is pd.NA or v == "" or (isinstance(v, float) and v != v):
                continue
            if isinstance(v, str):
                ws.write_string(r, c, v)
            else:
                ws.write_number(r, c, float(v))
    ws.freeze_panes(3, 3)
    ws.autofilter(2, 0, max(len(table), 1) + 2, len(COLUMNS) - 1)
    wb.close()
    return path
