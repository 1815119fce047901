"""Baseline: the built-in 黄岩 2022 scheme written directly in plain pandas.

This is what a competent analyst would write by hand for this one scheme: read the canonical
Parquet files, compute the indicators and item scores column by column, rank inside each group
with `sort_values` + `groupby().cumcount()`, cut the cumulative quotas, apply the two
adjustments and write a Parquet results table. It encodes the rules of
src/tiangong/evaluation/scheme/builtin/huangyan_2022.yaml as the pipeline interprets them:

* population: 规上 (size_class above) all; 规下 (below) with land_area >= 3 亩; others in no group;
* special classes, only for firms in a group, first match wins: 免评 when the industry division
  (first two characters of industry_code) is 44, 45 or 46 (not scored, not in the denominator);
  T when age_years = year - year(founded_date) < 2 (scored, not in the denominator);
* indicator = ratio; missing when a variable it reads is NULL, zero-denominator when the divisor
  is exactly 0 (and nothing is missing); both score 0 points except 单位排放增加值, which gets
  the mean item score of the group's firms that have a value (T and 免评 excluded from the mean);
* item points = weight × value / benchmark, floored at 0 where the scheme says so;
* total = sum of item points; 免评 and firms in no group have no score;
* classes per group over firms with a score and no special class: order by score desc, eval_tax
  desc (NULL last), uscc asc; cumulative quotas A 20 / B 60 / C 95 / D 100 % of the group size,
  each cut = floor(size × share + 0.5); then a major safety accident sets D, and an environmental
  violation lowers the class by one (at most D).

Run: python benchmarks/pandas_huangyan.py --data DIR --year 2022 --out DIR
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

CLASSES = ["A", "B", "C", "D"]
QUOTAS = [20, 60, 95, 100]  # cumulative percent of the group, round half up

# group -> [(indicator, weight, benchmark, floor, group_mean_when_missing_or_zero)]
ITEMS: dict[str, list[tuple[str, float, float, float | None, bool]]] = {
    "above": [
        ("tax_per_mu", 30.0, 24.097, 0.0, False),
        ("va_per_mu", 20.0, 136.16, 0.0, False),
        ("va_per_energy", 20.0, 2.694, 0.0, False),
        ("va_per_emission", 10.0, 4929.81, 0.0, True),
        ("labour_productivity", 10.0, 18.14, 0.0, False),
        ("rd_share", 10.0, 0.0302, None, False),
    ],
    "below": [
        ("tax_per_mu", 50.0, 11.5932, 0.0, False),
        ("tax_per_kwh", 50.0, 0.2352, 0.0, False),
    ],
}

# indicator -> (numerator, denominator)
INDICATORS = {
    "tax_per_mu": ("eval_tax", "land_area"),
    "va_per_mu": ("value_added", "land_area"),
    "va_per_energy": ("value_added", "energy_tce"),
    "va_per_emission": ("value_added", "emissions"),
    "labour_productivity": ("value_added", "employees"),
    "rd_share": ("rd_expense", "revenue"),
    "tax_per_kwh": ("eval_tax", "electricity"),
}

ENTERPRISE_COLUMNS = ["uscc", "year", "size_class", "industry_code", "founded_date",
                      "land_area", "eval_tax", "value_added", "revenue", "energy_tce",
                      "electricity", "emissions", "employees", "rd_expense"]


def _read(data_dir: Path, table: str, columns: list[str]) -> pd.DataFrame | None:
    for path in (data_dir / f"{table}.parquet", data_dir / table):
        if path.exists():
            return pd.read_parquet(path, columns=columns)
    return None


def evaluate_huangyan(data_dir: Path, year: int) -> pd.DataFrame:
    ent = _read(data_dir, "enterprises", ENTERPRISE_COLUMNS)
    if ent is None:
        raise SystemExit(f"no enterprises.parquet in {data_dir}")
    df = ent[ent["year"] == year].reset_index(drop=True)

    # Event counts of the year.
    df["major_accidents"] = 0
    df["env_violations"] = 0
    events = _read(data_dir, "events", ["uscc", "year", "event_type", "severity"])
    if events is not None and len(events):
        events = events[events["year"] == year]
        major = events[(events["event_type"] == "safety_accident")
                       & (events["severity"] == "major")].groupby("uscc").size()
        env = events[events["event_type"] == "env_violation"].groupby("uscc").size()
        df["major_accidents"] = df["uscc"].map(major).fillna(0)
        df["env_violations"] = df["uscc"].map(env).fillna(0)

    # Population and groups.
    above = df["size_class"] == "above"
    below = (df["size_class"] == "below") & (df["land_area"] >= 3)
    df["group"] = np.where(above, "above", np.where(below, "below", None))
    in_group = df["group"].notna()

    # Special classes (first matching rule wins).
    division = df["industry_code"].str[:2]
    age = year - pd.to_datetime(df["founded_date"]).dt.year
    exempt = in_group & division.isin(["44", "45", "46"])
    startup = in_group & ~exempt & (age < 2)
    df["special_class"] = np.where(exempt, "免评", np.where(startup, "T", None))
    eligible = in_group & df["special_class"].isna()

    # Indicators: value, missing, zero denominator.
    for ind, (num, den) in INDICATORS.items():
        missing = df[num].isna() | df[den].isna()
        zero = ~missing & (df[den] == 0)
        df[f"value_{ind}"] = (df[num] / df[den]).where(~missing & ~zero)
        df[f"missing_{ind}"] = missing
        df[f"zero_{ind}"] = zero

    # Item points per group.
    df["score"] = np.nan
    for group, items in ITEMS.items():
        rows = df["group"] == group
        total = pd.Series(0.0, index=df.index[rows])
        for ind, weight, benchmark, floor, use_mean in items:
            raw = weight * df.loc[rows, f"value_{ind}"] / benchmark
            if floor is not None:
                raw = raw.clip(lower=floor)
            no_value = df.loc[rows, f"missing_{ind}"] | df.loc[rows, f"zero_{ind}"]
            fill = raw[eligible[rows] & raw.notna()].mean() if use_mean else 0.0
            points = raw.where(~no_value, fill)
            df.loc[rows, f"points_{ind}"] = points
            total = total + points.fillna(0.0)
        df.loc[rows, "score"] = total
    df.loc[df["special_class"] == "免评", "score"] = np.nan

    # Rank inside each group, then cumulative quotas.
    ranked = df[eligible].sort_values(
        ["group", "score", "eval_tax", "uscc"], ascending=[True, False, False, True],
        na_position="last")
    rank = ranked.groupby("group").cumcount() + 1
    size = ranked.groupby("group")["uscc"].transform("size")
    idx = pd.Series(len(CLASSES) - 1, index=ranked.index)
    for i, quota in reversed(list(enumerate(QUOTAS))):
        cut = np.floor(size * round(quota * 100) / 10000 + 0.5)
        idx = idx.where(rank > cut, i)
    # Adjustments, in the scheme's order.
    idx = idx.where(ranked["major_accidents"] < 1, 3)
    idx = idx.where(ranked["env_violations"] < 1, np.minimum(idx + 1, 3))
    df["rank"] = rank.reindex(df.index)
    df["partition_size"] = size.reindex(df.index)
    df["class"] = pd.Series(np.array(CLASSES, dtype=object)[idx.to_numpy()],
                            index=idx.index).reindex(df.index)
    df["class"] = df["class"].where(df["special_class"].isna(), df["special_class"])

    points = [f"points_{i}" for i in INDICATORS]
    values = [f"value_{i}" for i in INDICATORS]
    out = df[["uscc", "group", "special_class", "class", "score", "rank", "partition_size",
              *values, *points]]
    return out.sort_values("uscc").reset_index(drop=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--year", type=int, default=2022)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    results = evaluate_huangyan(args.data, args.year)
    args.out.mkdir(parents=True, exist_ok=True)
    results.to_parquet(args.out / "results.parquet", index=False)
    counts = results.groupby(["group", "class"]).size().to_dict()
    print(f"pandas baseline: {len(results)} enterprises in {time.perf_counter() - t0:.2f} s; "
          f"classes {counts}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
