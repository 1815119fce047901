"""The analyst's crosswalk: decisions on uncertain links, stored and reused in later years.

Every year the same departments send the same oddly written names and wrong codes; an analyst
who resolved 华泰（台州）塑料 once should never see it again. A decision is keyed by what the
record itself carries (its raw code, or its source and normalised name), so it applies to the
next year's file before any matching runs. The table is small and plain: Parquet on disk.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from tiangong.identity.names import normalize_names

COLUMNS = ["key", "uscc", "decided_by", "decided_at"]


def empty_crosswalk() -> pd.DataFrame:
    """A crosswalk with no decisions (the columns every crosswalk has)."""
    return pd.DataFrame({c: pd.Series(dtype="string") for c in COLUMNS})


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


def record_decisions(crosswalk: pd.DataFrame | None, records: pd.DataFrame, uscc: pd.Series,
                     decided_by: str, by_code: bool = False,
                     decided_at: str | None = None) -> pd.DataFrame:
    """Add the analyst's decisions (record → uscc, on the records' index) to a crosswalk.

    A decision keys on the record's name unless `by_code` (for a wrong code that the analyst
    has traced to a firm). A later decision for the same key replaces the earlier one.
    """
    keys = code_keys(records) if by_code else name_keys(records)
    when = decided_at or datetime.now(UTC).isoformat(timespec="seconds")
    new = pd.DataFrame({"key": keys.astype("string"), "uscc": uscc.astype("string"),
                        "decided_by": decided_by, "decided_at": when})
    new = new.dropna(subset=["key", "uscc"]).astype("string")
    base = empty_crosswalk() if crosswalk is None else crosswalk[COLUMNS].astype("string")
    return (pd.concat([base, new], ignore_index=True)
            .drop_duplicates("key", keep="last").reset_index(drop=True))


def apply_crosswalk(crosswalk: pd.DataFrame | None, records: pd.DataFrame) -> pd.Series:
    """The decided uscc per record (code key first, then name key), NA where none."""
    out = pd.Series(pd.NA, index=records.index, dtype="string")
    if crosswalk is None or crosswalk.empty:
        return out
    lookup = crosswalk.drop_duplicates("key", keep="last").set_index("key")["uscc"]
    by_code = code_keys(records).map(lookup)
    by_name = name_keys(records).map(lookup)
    return out.fillna(by_code.astype("string")).fillna(by_name.astype("string"))


def save_crosswalk(crosswalk: pd.DataFrame, path: str | Path) -> None:
    """Write the crosswalk as Parquet (one file, stable column order)."""
    crosswalk[COLUMNS].astype("string").to_parquet(path, index=False)


def load_crosswalk(path: str | Path) -> pd.DataFrame:
    """Read a crosswalk written by `save_crosswalk`; a missing file is an empty crosswalk."""
    p = Path(path)
    if not p.exists():
        return empty_crosswalk()
    return pd.read_parquet(p)[COLUMNS].astype("string")
