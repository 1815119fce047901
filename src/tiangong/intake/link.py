"""Every record linked to a firm of the roster, or quarantined with the reason why.

The roster is the registry (名录): only its firms are evaluated, so a record of any other file
counts for a firm only once it is linked to one of them. A record whose link is uncertain is not
used until the analyst decides (the review queue), and one the analyst rejected stays out; both
keep a status per file row so that every file still reconciles.
"""

from __future__ import annotations

import re
from functools import partial
from typing import Any

import numpy as np
import pandas as pd

from tiangong.intake.files import Progress
from tiangong.intake.loaded import LoadedFile
from tiangong.intake.quality import QualityRow, valid_as_given

REASON_NOT_LINKED = "not linked"
REASON_REVIEW = "awaiting review"
REASON_OTHER_YEAR = "other year"
REASON_REGISTRY_CODE = "registry row without a valid code"
REASON_REGISTRY_DUPLICATE = "duplicate registry row"
REASON_STATISTICS_DUPLICATE = "duplicate statistics record"
REASON_REJECTED = "rejected in review (not a local firm)"


def _year_of(value: object) -> int | None:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    digits = re.sub(r"\D", "", str(value))
    return int(digits[:4]) if len(digits) >= 4 else None



def _roster(files: list[LoadedFile], quality: list[QualityRow]) -> pd.DataFrame:
    """Registry rows with a valid code, first occurrence of each code."""
    parts = []
    for f in files:
        frame = f.intake.frame
        code = frame["uscc"].astype("string")
        valid = pd.Series(valid_as_given(code), index=frame.index)
        f.status[~valid] = REASON_REGISTRY_CODE
        part = frame[valid].copy()
        part["file_k"], part["file_row"] = f.path.name, part.index
        parts.append(part)
        dup = part["uscc"].duplicated()
        f.status[dup[dup].index] = REASON_REGISTRY_DUPLICATE
        ok = f.status == "used"
        f.uscc[ok] = frame.loc[ok, "uscc"]
    roster = pd.concat(parts, ignore_index=True).drop_duplicates("uscc", keep="first")
    return roster.reset_index(drop=True)


def _link(files: list[LoadedFile], roster: pd.DataFrame, crosswalk: pd.DataFrame | None,
          year: int, quality: list[QualityRow] | None = None,
          progress: Progress | None = None) -> pd.DataFrame:
    """Link every non-registry record; fill status / uscc; return the review queue. A record
    read as a renamed firm (a valid code, a name no registered firm has) is used and noted in
    `quality` (提示), so the analyst sees which names the code overruled. progress: called
    with ("link", done, total) as each file's records are gathered, each linking stage ends
    (`tiangong.identity.linking.STEPS`) and each file's links are written back."""
    from tiangong.identity.crosswalk import rejected_records
    from tiangong.identity.linking import STEPS, link

    total, ticks = 2 * len(files) + len(STEPS), [0]

    def tick(_: object = None) -> None:
        ticks[0] += 1
        if progress is not None:
            progress("link", min(ticks[0], total), total)

    recs = []
    for k, f in enumerate(files):
        frame = f.intake.frame
        if "year" in frame.columns:
            other = frame["year"].map(_year_of)
            other = other.notna() & (other != year)
            f.status[other[other].index] = REASON_OTHER_YEAR
        todo = f.status == "used"
        name = frame["name"] if "name" in frame.columns else pd.Series(None, index=frame.index)
        code = frame["uscc"] if "uscc" in frame.columns else pd.Series(None, index=frame.index)
        recs.append(pd.DataFrame({
            "record_id": [f"{k}:{r}" for r in frame.index[todo]],
            "name": name[todo].astype("string").fillna("").to_numpy(),
            "uscc": code[todo].astype("string").to_numpy(), "source": f.source,
            "file_k": k, "file_row": frame.index[todo].astype(int)}))
        tick()
    records = pd.concat(recs, ignore_index=True) if recs else pd.DataFrame()
    if records.empty:
        return _review_frame([])
    links = _link_distinct(partial(link, step=tick), records, roster, crosswalk)
    records["rejected"] = rejected_records(crosswalk, records).to_numpy()
    records = records.merge(links, on="record_id", how="left", suffixes=("", "_linked"))
    roster_name = pd.Series(roster["name"].to_numpy(), index=roster["uscc"].to_numpy())
    review_rows = []
    for k, f in enumerate(files):
        tick()
        mine = records[records["file_k"] == k]
        if mine.empty:
            continue
        rows = mine["file_row"].to_numpy()
        linked = mine["uscc_linked"]
        review = mine["review"].astype(bool).to_numpy()
        status = np.where(linked.isna().to_numpy(), REASON_NOT_LINKED,
                          np.where(review, REASON_REVIEW, "used"))
        rejected = mine["rejected"].to_numpy(bool)
        status = np.where(rejected, REASON_REJECTED, status)
        review = review & ~rejected
        f.status[rows] = status
        if f.method is None:
            f.method = pd.Series(None, index=f.status.index, dtype=object)
        f.method[rows] = mine["method"].to_numpy()
        f.uscc[rows] = linked.astype(object).where(pd.Series(status == "used",
                                                             index=linked.index)).to_numpy()
        renamed = (mine["flag"].astype("string").fillna("") == "renamed").to_numpy()
        for r in mine[renamed & (status == "used")].to_dict("records"):
            if quality is not None:
                quality.append(QualityRow(
                    str(f.intake.raw.path), f.intake.raw.sheet or "", int(r["file_row"]),
                    "名称", str(r["name"]), "renamed_by_code", "info",
                    f"名称与代码 {r['uscc_linked']} 的登记名称“{roster_name.get(r['uscc_linked'])}”"
                    "不同，且不是任何名录企业的名称：视为更名，按代码归入"))
        for r in mine[review & linked.notna().to_numpy()].to_dict("records"):
            review_rows.append({
                "file": f.path.name, "sheet": f.intake.raw.sheet or "", "row": int(r["file_row"]),
                "source": f.source, "name_written": r["name"],
                "code_written": _text_or_none(r["uscc"]), "proposed_uscc": r["uscc_linked"],
                "roster_name": roster_name.get(r["uscc_linked"]), "method": r["method"],
                "confidence": float(r["confidence"]), "flag": _text_or_none(r["flag"]),
                "decision": None})
    return _review_frame(review_rows)


def _link_distinct(link: Any, records: pd.DataFrame, roster: pd.DataFrame,
                   crosswalk: pd.DataFrame | None) -> pd.DataFrame:
    """`link` once per distinct (name, code): an account's twelve monthly rows, a firm's
    parcels, pollutants and other departments' records are mostly written alike, and linking
    costs per record. The source matters to a record's link only through the analyst's
    crosswalk (decisions keyed by source and name), so it is part of the key when there is one.
    """
    keys = ["name", "uscc"] + (["source"] if crosswalk is not None and len(crosswalk) else [])
    group = records.groupby(keys, dropna=False, sort=False).ngroup()
    first = records.loc[~group.duplicated().to_numpy()]
    links = link(first[["record_id", "name", "uscc", "source"]], roster[["uscc", "name"]],
                 crosswalk).set_index("record_id").loc[first["record_id"]]
    return links.iloc[group.to_numpy()].reset_index(drop=True).assign(
        record_id=records["record_id"].to_numpy())


def _text_or_none(value: Any) -> str | None:
    return None if value is None or pd.isna(value) else str(value)


def _review_frame(rows: list[dict[str, object]]) -> pd.DataFrame:
    cols = ["file", "sheet", "row", "source", "name_written", "code_written", "proposed_uscc",
            "roster_name", "method", "confidence", "flag", "decision"]
    return pd.DataFrame(rows, columns=cols)

