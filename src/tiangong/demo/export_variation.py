"""Exports as a county intake has never seen: names, workbooks and sheet order varied per seed.

Intake must recognise a sheet by what it holds, not by what it is called (issue 14). So with
`write_exports(..., variation=True)` the generator names files neutrally (导出数据_3.xlsx) or
with another department's keyword (a tax list called 统计局转来_2.csv), puts several sources
into one workbook as Sheet1, Sheet2 … in shuffled order, and calls single sheets Sheet1. The
truth kept aside follows: each data row keeps its file, sheet and row.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from tiangong.demo.export_writers import Sheet

# names that point at another department than the one whose data the file holds
MISLEADING = {"registry": "税务局转来", "tax": "统计局转来", "electricity": "税务补充",
              "land": "用电情况", "statistics": "电费补充", "environment": "规上企业",
              "events": "名录核对", "tenancy": "排污汇总"}


def vary(sheets: list[Sheet], rng: np.random.Generator) -> list[Sheet]:
    """The same sheets with file names, workbooks and sheet names varied (see the module
    docstring); deterministic per generator."""
    out = []
    for k, sheet in enumerate(sheets):
        suffix = ".csv" if sheet.encoding else ".xlsx"
        pick = rng.integers(3)
        stem = sheet.filename.rsplit(".", 1)[0] if pick == 0 else \
            f"导出数据_{k + 1}" if pick == 1 else f"{MISLEADING[sheet.source]}_{k + 1}"
        name = "Sheet1" if sheet.encoding is None and rng.random() < 0.5 else sheet.sheet_name
        out.append(replace(sheet, filename=stem + suffix, sheet_name=name))
    books = [k for k, s in enumerate(out) if s.encoding is None]
    rng.shuffle(books)
    size = int(rng.integers(2, 4)) if len(books) >= 2 else 0
    together = books[:size]
    for position, k in enumerate(together):
        out[k] = replace(out[k], filename=f"汇总导出_{size}个表.xlsx",
                         sheet_name=f"Sheet{position + 1}")
    # the workbook's sheets are written in the order they appear: shuffled above
    order = [k for k in range(len(out)) if k not in together]
    return [out[k] for k in together] + [out[k] for k in order]
