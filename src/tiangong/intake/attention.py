"""What in an intake needs the analyst's attention, and what is only noted.

An intake that finishes quietly is read as "all well": a county once lost the tax of most of
its firms with exit status 0. So the console ends with these counts and `tiangong intake`
exits 0 only when `attention` is empty (`--strict`: and `warnings` too). The counts are
computed here once, from the ledger and the quality rows, so the console and the quality
workbook's 概况 sheet cannot disagree.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tiangong.intake.result import IntakeResult

# quality rules that mean a value was lost or the file contradicts itself
UNREADABLE = {"not_a_number", "not_a_date", "unknown_unit", "floor_area_unit"}
QUESTIONS = {"unit_ambiguous"}  # the analyst must say what intake cannot decide
LABELS = {
    "sheets_not_recognised": "未识别的工作表",
    "files_not_supported": "无法读取的文件类型",
    "rows_quarantined": "隔离的记录（未使用）",
    "values_unreadable": "无法读取的数值（已置空）",
    "totals_mismatch": "合计行与明细不符",
    "units_ambiguous": "单位不明、数值可疑的列",
    "rows_duplicate": "重复行（已排除）",
    "warnings": "其他警告",
    "files_skipped": "按清单跳过的文件/工作表",
}


def attention(result: IntakeResult) -> tuple[dict[str, int], dict[str, int]]:
    """(needs attention, noted): counts by kind, zero counts left out."""
    unread = Counter(u.reason for u in result.unread)
    rules = Counter(q.rule for q in result.quality)
    ledger = result.ledger
    quarantined = int((ledger["status"] == "quarantined").sum()) if len(ledger) else 0
    duplicates = int((ledger["reason"] == "duplicate").sum()) if len(ledger) else 0
    need = {
        "sheets_not_recognised": unread["sheet_not_recognised"],
        "files_not_supported": unread["file_not_supported"],
        "rows_quarantined": quarantined,
        "values_unreadable": sum(rules[r] for r in UNREADABLE),
        "totals_mismatch": rules["total_mismatch"],
        "units_ambiguous": sum(rules[r] for r in QUESTIONS),
    }
    counted = UNREADABLE | QUESTIONS | {"total_mismatch", "sheet_not_recognised",
                                        "file_not_supported", "duplicate_row"}
    other = sum(1 for q in result.quality if q.severity in ("warning", "error")
                and q.rule not in counted and not q.rule.startswith("quarantined_"))
    noted = {"rows_duplicate": duplicates, "warnings": other,
             "files_skipped": unread["skipped"]}
    return ({k: v for k, v in need.items() if v}, {k: v for k, v in noted.items() if v})
