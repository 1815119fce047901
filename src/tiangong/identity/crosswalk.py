"""The analyst's crosswalk: decisions on uncertain links, stored and reused in later years.

Every year the same departments send the same oddly written names and wrong codes; an analyst
who resolved 华泰（台州）塑料 once should never see it again. A decision is keyed by what the
record itself carries (its raw code, or its source and normalised name), so it applies to the
next year's file before any matching runs. A decision either links the record to a firm
(`link`, with its USCC) or says it is no firm of this register (`reject`, 不是本地企业): a
rejected record is quarantined by intake instead of being matched again. Each decision keeps
who made it, when, and where it came from (the review workbook and row). The table is small and
plain: Parquet on disk.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from tiangong.identity.names import normalize_names

COLUMNS = ["key", "uscc", "decision", "decided_by", "decided_at", "origin"]
DECISIONS = ("link", "reject")


def empty_crosswalk() -> pd.DataFrame:
    """A crosswalk with no decisions (the columns every crosswalk has)."""
    return pd.DataFrame({c: pd.Series(dtype="string") for c in COLUMNS})


def _complete(crosswalk: pd.DataFrame) -> pd.DataFrame:
    """Every column present (older crosswalks hold only link decisions, without origin)."""
    out = crosswalk.copy()
    if "decision" not in out:
        out["decision"] = "link"
    if "origin" not in out:
        out["origin"] = ""
    return out[COLUMNS].astype("string")


def name_keys(records: pd.DataFrame) -> pd.Series:
    """`source|name:<normalised name>` per record; source defaults to empty."""
    source = records["source"].fillna("").astype(str) if "source" in records else ""
    return source + "|name:" + normalize_names(records["name"])


def code_keys(records: pd.DataFrame) -> pd.Series:
    """`code:<raw code, normalised>` per record, or NA where it has no code."""
    if "uscc" not in records:
        return pd.Series(pd.NA, index=records.index, dtype="string")
    code = normalize_names(records["uscc"].astype("string").fillna(""))
    keyed = ("code:" + code).astype("string")
    return keyed.mask(code == "").astype("string")


def decision_keys(records: pd.DataFrame) -> pd.Series:
    """The key a review decision is stored under: the name key where the record has a name
    (a department writes the same name again next year, while a wrong code may be a real firm's
    code), else the code key; NA where the record has neither."""
    has_name = normalize_names(records["name"]) != "" if "name" in records else \
        pd.Series(False, index=records.index)
    names = name_keys(records) if "name" in records else pd.Series(pd.NA, index=records.index)
    return names.astype("string").where(has_name, code_keys(records)).astype("string")


def add_decisions(crosswalk: pd.DataFrame | None, keys: pd.Series, uscc: pd.Series,
                  decision: pd.Series | str, decided_by: pd.Series | str,
                  decided_at: str | None = None, origin: pd.Series | str = "") -> pd.DataFrame:
    """Add decisions given by key (on one index); a later decision for a key replaces the
    earlier one. `uscc` is ignored (NA) for `reject` decisions."""
    when = decided_at or datetime.now(UTC).isoformat(timespec="seconds")
    new = pd.DataFrame({"key": keys.astype("string"), "uscc": uscc.astype("string"),
                        "decision": decision, "decided_by": decided_by, "decided_at": when,
                        "origin": origin}, index=keys.index).astype("string")
    bad = set(new["decision"].dropna()) - set(DECISIONS)
    if bad:
        raise ValueError(f"unknown decision(s) {sorted(bad)}; expected {DECISIONS}")
    new.loc[new["decision"] == "reject", "uscc"] = pd.NA
    keep = new["key"].notna() & (new["uscc"].notna() | (new["decision"] == "reject"))
    base = empty_crosswalk() if crosswalk is None else _complete(crosswalk)
    return (pd.concat([base, new[keep]], ignore_index=True)
            .drop_duplicates("key", keep="last").reset_index(drop=True))


def record_decisions(crosswalk: pd.DataFrame | None, records: pd.DataFrame, uscc: pd.Series,
                     decided_by: str, by_code: bool = False,
                     decided_at: str | None = None) -> pd.DataFrame:
    """Add the analyst's decisions (record → uscc, on the records' index) to a crosswalk.

    A decision keys on the record's name unless `by_code` (for a wrong code that the analyst
    has traced to a firm). A later decision for the same key replaces the earlier one.
    """
    keys = code_keys(records) if by_code else name_keys(records)
    return add_decisions(crosswalk, keys, uscc, "link", decided_by, decided_at)


def _decided(crosswalk: pd.DataFrame | None,
             records: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """(decided uscc, rejected) per record: the code key's decision first, then the name key's."""
    uscc = pd.Series(pd.NA, index=records.index, dtype="string")
    rejected = pd.Series(False, index=records.index)
    if crosswalk is None or crosswalk.empty:
        return uscc, rejected
    table = _complete(crosswalk).drop_duplicates("key", keep="last").set_index("key")
    decision = pd.Series(pd.NA, index=records.index, dtype="string")
    for keys in (code_keys(records), name_keys(records)):
        todo = decision.isna()
        decision = decision.fillna(keys.map(table["decision"]).astype("string").where(todo))
        uscc = uscc.fillna(keys.map(table["uscc"]).astype("string").where(todo))
    rejected = (decision == "reject").fillna(False).astype(bool)
    return uscc.mask(rejected).astype("string"), rejected


def apply_crosswalk(crosswalk: pd.DataFrame | None, records: pd.DataFrame) -> pd.Series:
    """The decided uscc per record (code key first, then name key), NA where none or where
    the decision is a rejection (see `rejected_records`)."""
    return _decided(crosswalk, records)[0]


def rejected_records(crosswalk: pd.DataFrame | None, records: pd.DataFrame) -> pd.Series:
    """True for records the analyst decided are no firm of the register (不是本地企业)."""
    return _decided(crosswalk, records)[1]


def save_crosswalk(crosswalk: pd.DataFrame, path: str | Path) -> None:
    """Write the crosswalk as Parquet (one file, stable column order), atomically."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    tmp = p.with_name(f".{p.name}.tmp")
    _complete(crosswalk).to_parquet(tmp, index=False)
    tmp.replace(p)


def load_crosswalk(path: str | Path) -> pd.DataFrame:
    """Read a crosswalk written by `save_crosswalk`; a missing file is an empty crosswalk."""
    p = Path(path)
    if not p.exists():
        return empty_crosswalk()
    return _complete(pd.read_parquet(p))
