"""Rows a department's export holds that must not be counted, each with the fate intake owes it.

Real exports carry rows that look like records but are not to be summed: a row typed twice
(identical except its running number 序号), a parcel whose 土地用途 is not industrial land, a
parcel with an area of zero. With `write_exports(..., variation=True)` the generator puts such
rows into the sheets and records, per physical row, what the row-level ledger must say about it
(`expect`: "" for a record to be used, else the ledger's reason), so a test can require every
row's fate and every firm's value to equal the truth exactly (issue 14). The truth totals never
include these rows.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from tiangong.demo.export_writers import Cell, Sheet

DUPLICATE_RATE = 0.002  # share of a sheet's records typed twice (at least one per sheet)
NOT_INDUSTRIAL_RATE = 0.02  # parcels of a firm on land that is not industrial (商服, 住宅 …)
INDUSTRIAL_USES = ("工业用地", "工业用地", "工业用地", "仓储用地")  # uses of the real parcels
OTHER_USES = ("商服用地", "城镇住宅用地", "商务金融用地", "零售商业用地")
# the ledger's reasons (tiangong.intake.sheet / row_rules): kept as text here, since the
# generator is what intake is measured against and must not borrow intake's constants
DUPLICATE = "duplicate"
NOT_INDUSTRIAL = "not industrial land"
INVALID_AREA = "invalid area (zero or negative)"


def expectations(sheet: Sheet) -> np.ndarray:
    """The expected ledger reason per data row ("" = used); all "" for a sheet without noise."""
    return sheet.expect if sheet.expect is not None else np.full(sheet.n_rows, "", dtype=object)


def _insert(sheet: Sheet, after: np.ndarray, columns: list[np.ndarray], uscc: np.ndarray,
            expect: str) -> Sheet:
    """`sheet` with new rows (cells per column) inserted after the rows `after` (-1: first)."""
    n = sheet.n_rows
    order = np.argsort(np.concatenate([np.arange(n), after]) + np.concatenate(
        [np.zeros(n), np.full(after.size, 0.5)]), kind="stable")

    def merged(old: np.ndarray, new: np.ndarray) -> np.ndarray:
        return np.concatenate([old.astype(object), new.astype(object)])[order]

    empty = np.full(after.size, "", dtype=object)
    extra = {k: merged(v, np.full(after.size, None, dtype=object))
             for k, v in sheet.extra_truth.items()}
    out = replace(sheet, columns=[merged(o, c) for o, c in zip(sheet.columns, columns,
                                                                strict=True)],
                  uscc=merged(sheet.uscc, uscc), code_quirk=merged(sheet.code_quirk, empty),
                  name_quirk=merged(sheet.name_quirk, empty), extra_truth=extra,
                  expect=merged(expectations(sheet), np.full(after.size, expect, dtype=object)))
    if sheet.header[0][0] == "序号":  # running numbers follow the rows as written
        out.columns[0] = np.arange(1, out.n_rows + 1).astype(object)
    return out


def duplicate_rows(sheet: Sheet, rng: np.random.Generator) -> Sheet:
    """Some records typed twice: the copy right after the original, identical except 序号."""
    n = sheet.n_rows
    if n == 0:
        return sheet
    k = min(n, 1 + int(rng.binomial(n, DUPLICATE_RATE)))
    rows = np.sort(rng.choice(n, k, replace=False))
    return _insert(sheet, rows, [c[rows] for c in sheet.columns], sheet.uscc[rows], DUPLICATE)


def land_uses(sheet: Sheet, rng: np.random.Generator, names: dict[str, str]) -> Sheet:
    """A 土地用途 column (工业用地 / 仓储用地 for the firms' parcels), plus parcels on other land
    (excluded by intake's land-use filter) and one parcel with an area of zero (quarantined).

    names: USCC → the firm's name as registered (written on the extra parcels)."""
    n = sheet.n_rows
    head = list(sheet.header[0])
    code_at, name_at = head.index("统一社会信用代码"), head.index("单位名称")
    area_at = next(i for i, h in enumerate(head) if h and h.startswith("用地面积"))
    cols = [*sheet.columns, np.array(INDUSTRIAL_USES, dtype=object)[
        rng.integers(0, len(INDUSTRIAL_USES), n)]]
    sheet = replace(sheet, header=[[*head, "土地用途"]], columns=cols,
                    total=[*sheet.total, None])
    if n == 0:
        return sheet
    k = 1 + int(rng.binomial(n, NOT_INDUSTRIAL_RATE))
    for count, expect in ((k, NOT_INDUSTRIAL), (1, INVALID_AREA)):
        src = np.sort(rng.choice(n, count, replace=True))
        owner = sheet.uscc[src]
        new: list[np.ndarray] = [np.full(count, None, dtype=object) for _ in sheet.columns]
        for c in range(len(new)):
            if c not in (code_at, name_at, area_at, len(new) - 1):
                new[c] = sheet.columns[c][src]  # 宗地号, 证号, dates as on a real parcel
        new[0] = np.zeros(count, dtype=object)
        if head[1] == "宗地号":  # a parcel of its own
            new[1] = np.array([f"9{x:08d}" for x in rng.integers(0, 10**8, count)],
                              dtype=object)
        new[code_at] = owner.astype(object)
        new[name_at] = np.array([names[u] for u in owner], dtype=object)
        if expect == NOT_INDUSTRIAL:
            area = np.round(rng.uniform(200, 5000, count), 2)
            new[-1] = np.array(OTHER_USES, dtype=object)[rng.integers(0, len(OTHER_USES),
                                                                      count)]
        else:
            area = np.zeros(count)
            new[-1] = np.full(count, "工业用地", dtype=object)
        new[area_at] = area.astype(object)
        if isinstance(sheet.total[area_at], float):  # the department's 合计 covers every row
            total: list[Cell] = list(sheet.total)
            total[area_at] = round(float(total[area_at]) + float(area.sum()), 2)  # type: ignore[arg-type]
            sheet = replace(sheet, total=total)
        sheet = _insert(sheet, src, new, owner, expect)
    return sheet
