"""Rules that decide, before linking, that a loaded row is not to be used: land that is not
industrial, areas that cannot be, event types outside the scheme's vocabulary.

Each sets the row's status to a reason, so the row stays in the ledger and the reconciliation
(its value in the quarantined sum), and adds a quality row naming file, sheet, row and column.
Event types are written the scheme's way (安全生产事故 → safety_accident) with the text as the
department wrote it kept next to it; a type the vocabulary does not know is never guessed.
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import pandas as pd

from tiangong.evaluation.canonical import EVENT_TYPES
from tiangong.intake.link import REASON_REJECTED
from tiangong.intake.loaded import LoadedFile
from tiangong.intake.quality import QualityRow

REASON_NOT_INDUSTRIAL = "not industrial land"
REASON_INVALID_AREA = "invalid area (zero or negative)"
REASON_UNKNOWN_EVENT = "unknown event type"
REASON_TOTAL_BY_CONTENT = "total (by content)"
# the additive amount whose sum a label-less totals row would repeat
_MEASURE = {"tax": "eval_tax", "electricity": "electricity", "land": "land_area",
            "environment": "emissions"}
# reasons that take a row out on purpose (excluded: the land rule, the analyst's own decision),
# not for the analyst to fix (quarantined)
EXCLUDING_REASONS = frozenset({REASON_NOT_INDUSTRIAL, REASON_REJECTED, REASON_TOTAL_BY_CONTENT})
# 土地用途 of industrial land (GB/T 21010: 工矿仓储用地 = 工业用地, 采矿用地, 仓储用地)
INDUSTRIAL_LAND = re.compile(r"工业|工矿|仓储|采矿|厂房")
LAND_USES_DEFAULT = "industrial"


def land_use_pattern(land_uses: str) -> re.Pattern[str] | None:
    """Which parcels count, as the county's land rule says: "industrial" (the default: 工业,
    工矿, 仓储, 采矿, 厂房), "all" (every parcel, whatever its 土地用途), or the words of the uses
    that count, separated by commas or 、 (e.g. "工业" for a scheme that leaves 仓储用地 out, or
    "工业,仓储,物流" for one that adds logistics land): a parcel counts when its 土地用途 contains
    one of them. None: no filter. Raises ValueError for an empty list."""
    text = land_uses.strip()
    if text.lower() == "all":
        return None
    if text.lower() == LAND_USES_DEFAULT:
        return INDUSTRIAL_LAND
    words = [w.strip() for w in re.split(r"[,，、;；\s]+", text) if w.strip()]
    if not words:
        raise ValueError("土地用途规则为空：请写 industrial、all 或计入的用途（如 工业,仓储）")
    return re.compile("|".join(re.escape(unicodedata.normalize("NFKC", w)) for w in words))
# event types as departments write them → the scheme vocabulary (keys of EVENT_TYPES)
EVENT_WORDS: dict[str, str] = {
    **{k: k for k in EVENT_TYPES}, **{v: k for k, v in EVENT_TYPES.items()},
    "生产安全事故": "safety_accident", "安全事故": "safety_accident",
    "安全生产责任事故": "safety_accident", "安全生产": "safety_accident",
    "环境违法行为": "env_violation", "环保违法": "env_violation",
    "环境行政处罚": "env_violation", "环保处罚": "env_violation", "环境污染": "env_violation",
    "生态环境违法": "env_violation",
    "失信": "credit_default", "失信被执行人": "credit_default", "严重失信主体": "credit_default",
    "严重失信行为": "credit_default",
    "违法占地": "illegal_land_use", "非法占地": "illegal_land_use",
    "土地违法": "illegal_land_use", "违法用地行为": "illegal_land_use",
}


def _norm(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).lower()


_EVENT_LOOKUP = {_norm(k): v for k, v in EVENT_WORDS.items()}


def canonical_event_type(text: object) -> str | None:
    """The scheme's event type for a department's wording, or None when unknown."""
    if text is None or (isinstance(text, float) and np.isnan(text)):
        return None
    return _EVENT_LOOKUP.get(_norm(str(text)))


def apply_row_rules(files: list[LoadedFile],
                    land_uses: str = LAND_USES_DEFAULT) -> list[QualityRow]:
    """Set the status of rows the rules take out; return their quality rows. land_uses: which
    parcels count (`land_use_pattern`)."""
    out: list[QualityRow] = []
    counted = land_use_pattern(land_uses)
    said = "工业用地" if counted is INDUSTRIAL_LAND else f"计入的用途（{land_uses}）"
    for f in files:
        frame, file, sheet = f.intake.frame, str(f.path), f.sheet
        out += _totals_by_content(f)
        if f.source == "land":
            if "land_use" in frame and counted is not None:
                use = frame["land_use"].astype("string")
                normal = use.fillna("").map(lambda t: unicodedata.normalize("NFKC", t))
                other = use.notna() & ~normal.str.contains(counted)
                header = f.intake.columns.get("land_use", "")
                for row in _mark(f, other, REASON_NOT_INDUSTRIAL):
                    out.append(QualityRow(file, sheet, row, header, str(use[row]),
                                          "land_not_industrial", "info",
                                          f"不计入：土地用途不是{said}"))
            if "land_area" in frame:
                area = frame["land_area"]
                header = f.intake.columns.get("land_area", "")
                for row in _mark(f, area.notna() & (area <= 0), REASON_INVALID_AREA):
                    out.append(QualityRow(file, sheet, row, header, f"{area[row]:g}",
                                          "invalid_area", "error",
                                          "隔离：面积为零或负数，不计入合计"))
        if f.source == "events" and "event_type" in frame:
            written = frame["event_type"]
            mapped = written.map(canonical_event_type)
            frame["event_type_written"] = written
            frame["event_type"] = mapped
            header = f.intake.columns.get("event_type", "")
            known = "、".join(EVENT_TYPES.values())
            for row in _mark(f, mapped.isna(), REASON_UNKNOWN_EVENT):
                out.append(QualityRow(file, sheet, row, header, str(written[row] or ""),
                                      "unknown_event_type", "error",
                                      f"隔离：事件类型不在方案的类型中（{known}），请改写或补充对照"))
    return out


def _totals_by_content(f: LoadedFile) -> list[QualityRow]:
    """A row with neither code nor name whose amount equals the sum of the other rows is the
    file's total written without 合计 (a label cell left empty): excluded, never summed."""
    frame = f.intake.frame
    column = _MEASURE.get(f.source)
    if column is None or column not in frame or len(frame) < 3:
        return []
    blank = pd.Series(True, index=frame.index)
    for ident in ("uscc", "name"):
        if ident in frame:
            blank &= frame[ident].isna()
    values = frame[column]
    candidates = blank & values.notna()
    if not candidates.any():
        return []
    out = []
    total = float(values.sum())
    for row in frame.index[candidates.to_numpy()]:
        value = float(values[row])
        rest = total - value
        if rest != 0 and abs(value - rest) <= 1e-6 * abs(rest) + 1e-9:
            _mark(f, pd.Series(frame.index == row, index=frame.index), REASON_TOTAL_BY_CONTENT)
            out.append(QualityRow(str(f.path), f.sheet, int(row), f.intake.columns[column],
                                  f"{value:g}", "total_by_content", "info",
                                  "合计行（无“合计”字样，数值等于其余各行之和）：不计入"))
    return out


def _mark(f: LoadedFile, mask: pd.Series, reason: str) -> list[int]:
    rows = mask[mask.fillna(False).astype(bool)].index
    rows = rows[f.status[rows] == "used"]
    f.status[rows] = reason
    return [int(r) for r in rows]
