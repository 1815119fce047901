"""一企一单: one sheet per enterprise with every number behind its class.

An enterprise that objects needs to see, in one place, each indicator value it was scored on, the
weight and points of each item, how a missing figure was handled, bonus and penalty, its rank in
its partition and the reason for its class. The town official hands these sheets out one by one,
so each sheet stands alone (title, identity, table, result) and prints on one A4 page.

A workbook with thousands of sheets opens slowly and is never what anyone wants to hand out, so
the writer refuses more than `MAX_ENTERPRISE_SHEETS` and asks for an explicit selection instead
(one town, the D class, the firms that objected).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from xlsxwriter.format import Format
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from tiangong.evaluation.outputs.layout import (
    GroupLayout,
    PublicationLayout,
    SheetNamer,
    check_results,
    display_width,
    fit_width,
    is_missing,
    new_workbook,
    number,
    positions,
    records,
    save_workbook,
    text,
    texts,
)
from tiangong.evaluation.outputs.value_format import ValueFormat, value_formats

MAX_ENTERPRISE_SHEETS = 2000
_TABLE_HEADERS = ("指标", "数值", "单位", "权重", "得分", "说明")
_LAST_COL = len(_TABLE_HEADERS) - 1


def write_enterprise_sheets(
    results: pd.DataFrame,
    layout: PublicationLayout,
    path: Path,
    *,
    usccs: Sequence[str] | None = None,
    explanations: Mapping[str, Sequence[tuple[str, str]]] | None = None,
) -> Path:
    """Write one sheet per enterprise (all, or `usccs` in the given order) to `path`.

    `explanations` maps a uscc to extra (label, text) lines printed under the result, e.g. what
    a what-if analysis says would move the firm up a class.
    """
    check_results(results, layout)
    by_uscc = {text(r["uscc"]): r for r in records(results)}
    explanations = explanations or {}
    stray = sorted(k for k in explanations if k not in by_uscc)
    if stray:
        raise ValueError(f"explanations for usccs not in the results: {', '.join(stray[:10])}")
    if usccs is None:
        chosen = _default_order(results, layout)
    else:
        chosen = list(dict.fromkeys(usccs))
        unknown = [u for u in chosen if u not in by_uscc]
        if unknown:
            raise ValueError(f"usccs not in the results: {', '.join(unknown[:10])}")
    if len(chosen) > MAX_ENTERPRISE_SHEETS:
        raise ValueError(
            f"一企一单 would need {len(chosen):,} sheets, more than {MAX_ENTERPRISE_SHEETS:,} per "
            "workbook; pass usccs=[...] to select the enterprises (e.g. one town or one class) "
            "and write several workbooks"
        )

    wb, buffer = new_workbook(layout, subject="一企一单")
    sheet = _SheetWriter(wb, layout, value_formats(results, layout))
    namer = SheetNamer()
    for uscc in chosen:
        row = by_uscc[uscc]
        ws = wb.add_worksheet(namer(uscc or text(row["name"]), fallback="企业"))
        sheet.write(ws, row, explanations.get(uscc, ()))
    return save_workbook(wb, buffer, path)


def _default_order(results: pd.DataFrame, layout: PublicationLayout) -> list[str]:
    """Layout group order, then rank (unranked last), then uscc: how the 公示 lists them."""
    group_pos = {g.id: i for i, g in enumerate(layout.groups)}
    keyed = results.assign(
        _grp=positions(results["group"], group_pos),
        _norank=results["rank"].isna(),
        _rank=pd.to_numeric(results["rank"]).fillna(0),
        _uscc=texts(results["uscc"]),
    )
    ordered = keyed.sort_values(["_grp", "_norank", "_rank", "_uscc"], kind="mergesort")
    return [text(u) for u in ordered["uscc"]]


class _SheetWriter:
    """Writes the fixed sheet layout; formats are created once per workbook."""

    def __init__(self, wb: Workbook, layout: PublicationLayout,
                 shown: Mapping[str, ValueFormat]) -> None:
        self.layout = layout
        self.shown = shown  # item id → its value column's format, as in the 公示
        border = {"border": 1, "valign": "vcenter"}
        self._values = {f.excel: wb.add_format({**border, "num_format": f.excel})
                        for f in shown.values()}
        self.title = wb.add_format({"bold": True, "font_size": 14, "align": "center"})
        self.footer = wb.add_format({"italic": True, "font_color": "#595959"})
        self.label = wb.add_format({**border, "bold": True, "bg_color": "#F2F2F2"})
        self.header = wb.add_format(
            {**border, "bold": True, "align": "center", "bg_color": "#D9E1F2"}
        )
        self.text = wb.add_format({**border, "num_format": "@", "text_wrap": True})
        self.weight = wb.add_format({**border, "num_format": "0.####"})
        self.score = wb.add_format({**border, "num_format": "0.0000"})
        self.pct = wb.add_format({**border, "num_format": "0.00%"})
        self._long: list[tuple[int, str]] = []  # (row, text) of merged values on this sheet

    def write(self, ws: Worksheet, row: dict[str, Any], extra: Sequence[tuple[str, str]]) -> None:
        group = self._group(row)
        widths: list[list[str]] = [[h] for h in _TABLE_HEADERS]
        ws.merge_range(0, 0, 0, _LAST_COL, self.layout.title, self.title)
        ws.merge_range(
            1, 0, 1, _LAST_COL, f"{text(row['name'])} 评价结果明细（一企一单）", self.title
        )
        identity: list[tuple[str, object, Format | None]] = [
            ("企业名称", text(row["name"]), None),
            ("统一社会信用代码", text(row["uscc"]), None),
            ("乡镇(街道)", text(row["town_name"]), None),
            ("评价分组", text(row["group_label"]) if group else "未纳入评价", None),
            ("评价年度", f"{self.layout.year}年度", None),
        ]
        r = self._pairs(ws, 2, identity, widths)
        if group is not None:
            r = self._items(ws, r + 1, row, group, widths)
        r += 1
        outcome: list[tuple[str, object, Format | None]] = [
            ("加分", number(row["bonus"]), self.score),
            ("减分", number(row["penalty"]), self.score),
            ("综合得分", number(row["score"]), self.score),
            *self._rank_lines(row),
            ("分类", text(row["class_label"]) or text(row["class"]), None),
            ("分类说明", self.layout.reason(text(row["class_reason"])), None),
        ]
        r = self._pairs(ws, r, outcome, widths)
        if extra:
            r += 1
            ws.merge_range(r, 0, r, _LAST_COL, "补充说明", self.header)
            r = self._pairs(ws, r + 1, [(label, s, None) for label, s in extra], widths)
        footer = f"评价方案：{self.layout.scheme_shown}；运行编号：{self.layout.run_id}"
        ws.write_string(r + 1, 0, footer, self.footer)

        col_widths = [max(fit_width(cells), 12.0) for cells in widths]
        for c, w in enumerate(col_widths):
            ws.set_column(c, c, w)
        # Excel does not grow a merged, wrapped cell: give long texts' rows their height here.
        merged = sum(col_widths[1:])
        for row_no, s in self._long:
            lines = -(-display_width(s) // int(merged))
            if lines > 1:
                ws.set_row(row_no, 15.0 * lines)
        self._long = []
        ws.set_paper(9)  # A4
        ws.fit_to_pages(1, 1)

    def _items(
        self,
        ws: Worksheet,
        r: int,
        row: dict[str, Any],
        group: GroupLayout,
        widths: list[list[str]],
    ) -> int:
        """The item table: value, unit, weight, points and how missing data was handled."""
        for c, h in enumerate(_TABLE_HEADERS):
            ws.write_string(r, c, h, self.header)
        for item in group.items:
            r += 1
            note = self.layout.imputed(row.get(f"imputed_{item.id}"))
            shown = self.shown[item.id]
            value = number(row.get(f"value_{item.id}"))
            cells = [
                (item.label, self.text),
                (None if value is None else shown.round(value), self._values[shown.excel]),
                (item.unit, self.text),
                (item.weight, self.weight),
                (number(row.get(f"points_{item.id}")), self.score),
                (note, self.text),
            ]
            for c, (v, fmt) in enumerate(cells):
                widths[c].append(self._cell(ws, r, c, v, fmt))
        return r + 1

    def _rank_lines(self, row: dict[str, Any]) -> list[tuple[str, object, Format | None]]:
        """Rank as "3/120" within its partition; special classes are never ranked."""
        rank, size = row["rank"], row["partition_size"]
        if is_missing(rank) or not is_missing(row.get("special_class")):
            return [("排名", "不参与排名", None), ("百分位", None, None)]
        shown = f"{int(rank)}/{int(size)}" if not is_missing(size) else str(int(rank))
        return [("排名", shown, None), ("百分位", number(row["percentile"]), self.pct)]

    def _group(self, row: dict[str, Any]) -> GroupLayout | None:
        return None if is_missing(row["group"]) else self.layout.group(text(row["group"]))

    def _pairs(
        self,
        ws: Worksheet,
        r: int,
        pairs: Sequence[tuple[str, object, Format | None]],
        widths: list[list[str]],
    ) -> int:
        """Label in column A, value merged across B:F; returns the next free row."""
        for label, value, fmt in pairs:
            widths[0].append(self._cell(ws, r, 0, label, self.label))
            fmt = fmt or (self.text if isinstance(value, str) or value is None else self.score)
            ws.merge_range(r, 1, r, _LAST_COL, None, fmt)
            shown = self._cell(ws, r, 1, value, fmt)
            self._long.append((r, shown))
            r += 1
        return r

    @staticmethod
    def _cell(ws: Worksheet, r: int, c: int, value: object, fmt: Any) -> str:
        if value is None or value == "":
            ws.write_blank(r, c, None, fmt)
            return ""
        if isinstance(value, str):
            ws.write_string(r, c, value, fmt)
            return value
        f = float(value)  # type: ignore[arg-type]
        ws.write_number(r, c, f, fmt)
        return f"{f:,.4f}"
