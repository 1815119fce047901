"""The 公示 workbook: the list a county publishes for objection, one sheet per group.

The sheets mirror what counties actually post: a 汇总 sheet with the class counts a reader checks
first, then one table per evaluation group in rank order, special classes at the end of their
group (they are published, but not ranked), and firms outside every group on their own sheet with
the reason, so that no enterprise on the roster silently disappears from the publication. Some
counties publish "排名不分先后" (no ranks); `hide_ranks` drops the 排名 column and orders rows by
class instead of score, because rank order alone would leak the ranking.

Also here: the flat results tables (Parquet and CSV) that go with each publication.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from xlsxwriter.format import Format
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from tiangong.evaluation.outputs.layout import (
    ClassLayout,
    GroupLayout,
    PublicationLayout,
    SheetNamer,
    check_results,
    class_order,
    fit_width,
    new_workbook,
    number,
    positions,
    present,
    records,
    save_workbook,
    text,
    texts,
)
from tiangong.evaluation.outputs.value_format import ValueFormat, value_formats

SUMMARY_SHEET = "汇总"
SPECIAL_SHEET = "特殊类别"
OUTSIDE_SHEET = "未纳入评价"
NO_RANK_NOTE = "排名不分先后"
_NUMBER_FORMATS = {"int": "0", "score": "0.0000"}  # value cells: value_format.py


@dataclass(frozen=True)
class _Col:
    header: str
    key: str  # results column; "" for the running 序号
    kind: str  # "seq" | "text" | "wrap" | "int" | "score" | "value"
    note_key: str = ""  # imputed_X column: shown in place of a missing value
    shown: ValueFormat | None = None  # a "value" column's rounding and number format


class _Formats:
    def __init__(self, wb: Workbook, layout: PublicationLayout) -> None:
        self.layout = layout  # for the reasons as published
        border = {"border": 1, "valign": "vcenter"}
        self.title = wb.add_format({"bold": True, "font_size": 14, "align": "center"})
        self.note = wb.add_format({"italic": True})
        self.label = wb.add_format({"bold": True})
        self.header = wb.add_format(
            {**border, "bold": True, "align": "center", "text_wrap": True, "bg_color": "#D9E1F2"}
        )
        self.cell: dict[str, Format] = {
            "seq": wb.add_format({**border, "num_format": "0"}),
            "text": wb.add_format({**border, "num_format": "@"}),
            "wrap": wb.add_format({**border, "text_wrap": True}),
            **{k: wb.add_format({**border, "num_format": f}) for k, f in _NUMBER_FORMATS.items()},
        }
        self._wb, self._border = wb, border

    def value(self, shown: ValueFormat) -> Format:
        """The cell format of a value column (one per distinct number format)."""
        key = "value " + shown.excel
        if key not in self.cell:
            self.cell[key] = self._wb.add_format({**self._border, "num_format": shown.excel})
        return self.cell[key]


def write_gongshi_workbook(
    results: pd.DataFrame, layout: PublicationLayout, path: Path, *, hide_ranks: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> Path:
    """Write the 公示 workbook to `path` (replaced atomically) and return it; `progress(done,
    total)` is told the rows written, every 2,000 (at province scale this takes many seconds)."""
    check_results(results, layout)
    classes = class_order(results, layout)
    wb, buffer = new_workbook(layout, subject="公示")
    fmts = _Formats(wb, layout)
    namer = SheetNamer(reserved=(SUMMARY_SHEET, SPECIAL_SHEET, OUTSIDE_SHEET))
    _write_summary(wb.add_worksheet(SUMMARY_SHEET), fmts, results, layout, classes, hide_ranks)

    position = {c.code: i for i, c in enumerate(classes)}
    shown = value_formats(results, layout)  # each item's rounding, over its whole column
    grouped = present(results["group"])
    special = present(results["special_class"])
    done = [0, len(results)]

    def tick(n: int) -> None:
        before, done[0] = done[0], done[0] + n
        if progress is not None and (done[0] // 2000 > before // 2000 or done[0] == done[1]):
            progress(done[0], done[1])

    for group in layout.groups:
        frame = results[grouped & (results["group"] == group.id)]
        rows = _group_rows(frame, position, hide_ranks)
        lines = [(layout.title, fmts.title), (f"{group.label}：共{len(rows)}家", fmts.label)]
        if hide_ranks:
            lines.append((NO_RANK_NOTE, fmts.note))
        ws = wb.add_worksheet(namer(group.label, fallback=group.id))
        _write_table(ws, fmts, lines, _group_columns(group, hide_ranks, shown), rows, tick)

    for sheet, mask, with_class in (
        (SPECIAL_SHEET, ~grouped & special, True),
        (OUTSIDE_SHEET, ~grouped & ~special, False),
    ):
        if mask.any():
            rows = _sorted(results[mask], position, by_rank=False)
            lines = [(layout.title, fmts.title), (f"{sheet}企业：共{len(rows)}家", fmts.label)]
            _write_table(wb.add_worksheet(sheet), fmts, lines, _plain_columns(with_class), rows,
                         tick)
    return save_workbook(wb, buffer, path)


def _identity_columns() -> list[_Col]:
    return [
        _Col("序号", "", "seq"),
        _Col("统一社会信用代码", "uscc", "text"),
        _Col("企业名称", "name", "text"),
        _Col("乡镇(街道)", "town_name", "text"),
    ]


def _group_columns(group: GroupLayout, hide_ranks: bool,
                   shown: dict[str, ValueFormat]) -> list[_Col]:
    cols = _identity_columns()
    for item in group.items:
        header = f"{item.label}({item.unit})" if item.unit else item.label
        if item.weight is None:  # rank_only: a value that is shown, never scored
            cols.append(_Col(header, f"value_{item.id}", "value", shown=shown[item.id]))
            continue
        cols.append(_Col(header, f"value_{item.id}", "value", note_key=f"imputed_{item.id}",
                         shown=shown[item.id]))
        cols.append(_Col(f"{item.label}得分", f"points_{item.id}", "score"))
    cols += [_Col("加分", "bonus", "score"), _Col("减分", "penalty", "score")]
    cols.append(_Col("综合得分", "score", "score"))
    if not hide_ranks:
        cols.append(_Col("排名", "rank", "int"))
    return [*cols, _Col("分类", "class_label", "text"), _Col("说明", "class_reason", "wrap")]


def _plain_columns(with_class: bool) -> list[_Col]:
    cols = _identity_columns()
    if with_class:
        cols.append(_Col("分类", "class_label", "text"))
    return [*cols, _Col("说明", "class_reason", "wrap")]


def _sorted(
    frame: pd.DataFrame, position: dict[str, int], *, by_rank: bool
) -> list[dict[str, Any]]:
    """Rank (nulls last) then class then uscc, or class then uscc: a total, stable order."""
    keyed = frame.assign(
        _norank=frame["rank"].isna(),
        _rank=pd.to_numeric(frame["rank"]).fillna(0),
        _cls=positions(frame["class"], position),
        _uscc=texts(frame["uscc"]),
    )
    by = ["_norank", "_rank", "_cls", "_uscc"] if by_rank else ["_cls", "_uscc"]
    return records(keyed.sort_values(by, kind="mergesort"))


def _group_rows(
    frame: pd.DataFrame, position: dict[str, int], hide_ranks: bool
) -> list[dict[str, Any]]:
    """Ranked firms first; special classes last and never with a rank, whatever the engine set."""
    special = present(frame["special_class"])
    rows = _sorted(frame[~special], position, by_rank=not hide_ranks)
    tail = _sorted(frame[special], position, by_rank=False)
    for row in tail:
        row["rank"] = None
    return rows + tail


def _write_table(
    ws: Worksheet,
    fmts: _Formats,
    lines: Sequence[tuple[str, Format]],
    cols: Sequence[_Col],
    rows: Sequence[dict[str, Any]],
    tick: Callable[[int], None],
) -> None:
    last_col = len(cols) - 1
    for r, (line, fmt) in enumerate(lines):
        ws.merge_range(r, 0, r, last_col, line, fmt)
    header = len(lines)
    shown: list[list[str]] = [[c.header] for c in cols]
    for c, col in enumerate(cols):
        ws.write_string(header, c, col.header, fmts.header)
    for i, row in enumerate(rows):
        for c, col in enumerate(cols):
            shown[c].append(_write_cell(ws, header + 1 + i, c, col, row, i + 1, fmts))
        tick(1)
    for c, cells in enumerate(shown):
        ws.set_column(c, c, fit_width(cells))
    ws.freeze_panes(header + 1, 3)
    ws.autofilter(header, 0, header + len(rows), last_col)
    ws.repeat_rows(header)
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.fit_to_pages(1, 0)


def _write_cell(
    ws: Worksheet, r: int, c: int, col: _Col, row: dict[str, Any], seq: int, fmts: _Formats
) -> str:
    """Write one cell; return the text it shows, for the column width."""
    fmt = fmts.value(col.shown) if col.shown is not None else fmts.cell[col.kind]
    if col.kind == "seq":
        ws.write_number(r, c, seq, fmt)
        return str(seq)
    if col.kind in ("text", "wrap"):
        s = text(row.get(col.key))
        if col.key == "class_reason":
            s = fmts.layout.reason(s)
        if s:
            ws.write_string(r, c, s, fmt)
        else:
            ws.write_blank(r, c, None, fmt)
        return s
    value = number(row.get(col.key))
    if value is None:
        note = fmts.layout.imputed(row.get(col.note_key)) if col.note_key else ""
        if note:
            ws.write_string(r, c, note, fmts.cell["text"])
        else:
            ws.write_blank(r, c, None, fmt)
        return note
    if col.shown is not None:  # a value: rounded as shown (value_format.py)
        value = col.shown.round(value)
        ws.write_number(r, c, value, fmt)
        return col.shown.text(value)
    ws.write_number(r, c, value, fmt)
    return str(int(value)) if col.kind == "int" else f"{value:,.4f}"


def _write_summary(
    ws: Worksheet,
    fmts: _Formats,
    results: pd.DataFrame,
    layout: PublicationLayout,
    classes: Sequence[ClassLayout],
    hide_ranks: bool,
) -> None:
    """Title block, then class counts: one row per group (plus firms outside groups), 合计."""
    ncols = len(classes) + 2
    ws.merge_range(0, 0, 0, ncols - 1, layout.title, fmts.title)
    meta = [
        ("地区", layout.region),
        ("评价年度", f"{layout.year}年度"),
        ("评价方案", layout.scheme_shown),
        ("运行编号", layout.run_id),
    ]
    for r, (label, value) in enumerate(meta, start=1):
        ws.write_string(r, 0, label, fmts.label)
        ws.write_string(r, 1, value)
    r = len(meta) + 1
    if hide_ranks:
        ws.write_string(r, 0, NO_RANK_NOTE, fmts.note)
        r += 1
    header = r + 1
    headers = ["分组", *(c.label for c in classes), "合计"]
    for c, h in enumerate(headers):
        ws.write_string(header, c, h, fmts.header)

    codes = texts(results["class"])
    groups = texts(results["group"])
    table: list[tuple[str, pd.Series]] = [(g.label, codes[groups == g.id]) for g in layout.groups]
    if (groups == "").any():
        table.append(("未纳入分组", codes[groups == ""]))
    table.append(("合计", codes))
    for i, (label, group_codes) in enumerate(table, start=header + 1):
        counts = group_codes.value_counts()
        ws.write_string(i, 0, label, fmts.cell["text"])
        for c, cls in enumerate(classes, start=1):
            ws.write_number(i, c, int(counts.get(cls.code, 0)), fmts.cell["int"])
        ws.write_number(i, ncols - 1, len(group_codes), fmts.cell["int"])
    ws.set_column(0, 0, fit_width([*(m[0] for m in meta), *(t[0] for t in table), NO_RANK_NOTE]))
    ws.set_column(1, 1, max(fit_width([layout.run_id, layout.scheme_shown, headers[1]]), 10))
    for c, h in enumerate(headers[2:], start=2):
        ws.set_column(c, c, max(fit_width([h]), 10))
    ws.freeze_panes(header + 1, 1)
