"""Emissions per pollutant: each pollutant its own canonical variable, the total from them.

An environment export lists 化学需氧量, 氨氮, 二氧化硫 and 氮氧化物 either as one column each
(wide) or as one row per pollutant (long). Before, four pollutant columns read as one
"emissions" column: one was loaded and three dropped as duplicates. Now each pollutant is read
into its own variable (`emission_cod`, `emission_nh3n`, `emission_so2`, `emission_nox`,
`emission_pm`, `emission_vocs`), kept per firm in `pollutants.parquet` (uscc, year,
pollutant, amount in 吨), and a sheet's emissions total is its stated total (排放总量) or else
the sum of its pollutants; where both are given they are compared row by row.

The known pollutants are also columns of the canonical enterprise table (one per variable, in
吨, empty where the firm reported none), so a scheme can declare the ones it names under
`variables:` and compute its own emission total (e.g. `emission_cod + emission_nox`).
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import pandas as pd

from tiangong.intake.canonical import Intake
from tiangong.intake.headers import SOURCES
from tiangong.intake.quality import QualityRow

POLLUTANT_COLUMNS = tuple(s.name for s in SOURCES["environment"]
                          if s.name.startswith("emission_"))


def _norm(text: str) -> str:
    return re.sub(r"[\s()（）]+", "", unicodedata.normalize("NFKC", text)).lower()


# a pollutant as written in a long export's 污染物 column → its variable
WORDS: dict[str, str] = {_norm(w): s.name for s in SOURCES["environment"]
                         if s.name.startswith("emission_") for w in s.synonyms}


def pollutant_variable(text: object) -> str | None:
    """The variable of a pollutant name (COD, 化学需氧量 → emission_cod), None if unknown."""
    if text is None or (isinstance(text, float) and np.isnan(text)):
        return None
    return WORDS.get(_norm(str(text)))


def complete_total(intake: Intake) -> None:
    """A wide sheet: emissions = its stated total, else the sum of its pollutant columns;
    a stated total that differs from the pollutants' sum is a quality row per row."""
    frame = intake.frame
    present = [c for c in POLLUTANT_COLUMNS if c in frame]
    if not present:
        return
    summed = frame[present].sum(axis=1, min_count=1)
    if "emissions" not in frame:
        frame["emissions"] = summed
        intake.columns["emissions"] = " + ".join(intake.columns[c] for c in present)
        return
    total = frame["emissions"]
    off = total.notna() & summed.notna() & ((total - summed).abs() > 1e-6 * np.maximum(
        1.0, total.abs()))
    header = intake.columns.get("emissions", "")
    for row in frame.index[off.to_numpy()]:
        intake.quality.append(QualityRow(
            str(intake.raw.path), intake.raw.sheet or "", int(row), header,
            f"{total[row]:g}", "pollutant_sum_mismatch", "warning",
            f"排放总量 {total[row]:g} 吨与各污染物之和 {summed[row]:g} 吨不符：按排放总量计"))


def pollutant_table(used: pd.DataFrame, year: int) -> pd.DataFrame:
    """Per firm and pollutant, the amounts of the used environment rows (吨): wide columns and
    long rows alike; a long row whose pollutant is unknown keeps its name as written."""
    cols = ["uscc", "year", "pollutant", "amount"]
    if used.empty:
        return pd.DataFrame(columns=cols)
    parts = []
    present = [c for c in POLLUTANT_COLUMNS if c in used]
    if present:
        wide = used[["uscc", *present]].melt(id_vars="uscc", var_name="pollutant",
                                             value_name="amount")
        parts.append(wide[wide["amount"].notna()])
    if "pollutant" in used and "emissions" in used:
        long = used[used["pollutant"].notna()]
        name = long["pollutant"].map(pollutant_variable)
        parts.append(pd.DataFrame({"uscc": long["uscc"].to_numpy(),
                                   "pollutant": name.fillna(long["pollutant"]).to_numpy(),
                                   "amount": long["emissions"].to_numpy(float)}))
    if not parts:
        return pd.DataFrame(columns=cols)
    both = pd.concat(parts, ignore_index=True)
    out = pd.DataFrame(both.groupby(["uscc", "pollutant"])["amount"].sum(min_count=1)
                       .reset_index())
    out.insert(1, "year", year)
    return pd.DataFrame(out[cols]).sort_values(["uscc", "pollutant"]).reset_index(drop=True)


def with_pollutant_columns(enterprises: pd.DataFrame, pollutants: pd.DataFrame) -> pd.DataFrame:
    """The enterprise table with one column per known pollutant (吨; NaN where none reported),
    so the canonical table carries what `pollutants.parquet` holds per firm."""
    out = enterprises.drop(columns=[c for c in POLLUTANT_COLUMNS if c in enterprises])
    known = pollutants[pollutants["pollutant"].isin(POLLUTANT_COLUMNS)]
    if known.empty or "uscc" not in out:
        for c in POLLUTANT_COLUMNS:
            out[c] = np.nan
        return out
    wide = known.pivot_table(index="uscc", columns="pollutant", values="amount",
                             aggfunc="sum").reindex(columns=list(POLLUTANT_COLUMNS))
    wide.columns = list(POLLUTANT_COLUMNS)
    merged = out.merge(wide, how="left", left_on="uscc", right_index=True)
    merged.index = out.index
    return merged
