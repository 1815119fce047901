"""Regional totals, per-mu figures, class mix and ranks from enterprise results.

A town official, a county's 亩均办 and the province all read the same enterprise results at
different levels: town, county, city, or a group of counties such as the 山区26县. `aggregate`
gives one row per region and year with counts, totals, ratios of totals (亩均税收 = Σtax/Σland,
never a mean of firm ratios), the A/B/C/D mix, the share of the parent region, the year-on-year
change and the rank among peers. Everything is a pandas group-by over the enterprise rows, so a
province (10⁵ firms) aggregates in well under a second.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeAlias

import pandas as pd
import pyarrow as pa

from tiangong.errors import DataError, Problem
from tiangong.regions.compare import add_parent_shares, add_ranks, add_year_on_year
from tiangong.regions.divisions import LEVELS, Regions
from tiangong.regions.measures import CLASSES, RATIOS, TOTALS

if TYPE_CHECKING:
    from tiangong.runs.store import RunStore

Table: TypeAlias = pa.Table | pd.DataFrame
_RESULT_COLUMNS = ("uscc", "year", "county_code", "town_code", "town_name", "group",
                   "special_class", "class")
POPULATIONS = ("all", "evaluated", "rated", "above", "below")


def _frame(table: Table | Mapping[str, Table], columns: Sequence[str], what: str) -> pd.DataFrame:
    if isinstance(table, Mapping):
        if "enterprises" not in table:
            raise DataError([Problem("no enterprises table among the inputs", what)])
        table = table["enterprises"]
    names = table.column_names if isinstance(table, pa.Table) else list(table.columns)
    present = [c for c in columns if c in names]
    missing = sorted(set(columns) - set(present))
    if {"uscc", "year"} & set(missing):
        raise DataError([Problem(f"{what} lacks columns {', '.join(missing)}", what)])
    df = (table.select(present).to_pandas() if isinstance(table, pa.Table)
          else table[present].copy())
    for c in missing:
        df[c] = None
    return df


def enterprise_frame(results: Table, inputs: Table | Mapping[str, Table],
                     population: str = "all") -> pd.DataFrame:
    """Results joined to the canonical input values of the same enterprise and year."""
    if population not in POPULATIONS:
        raise ValueError(f"population must be one of {', '.join(POPULATIONS)}")
    res = _frame(results, _RESULT_COLUMNS, "results")
    inp = _frame(inputs, ["uscc", "year", "size_class", *TOTALS], "inputs")
    res["year"] = res["year"].astype("int64")
    inp["year"] = inp["year"].astype("int64")
    df = res.merge(inp, on=["uscc", "year"], how="left", validate="one_to_one")
    keep = {"all": df["uscc"].notna(), "evaluated": df["group"].notna(),
            "rated": df["class"].isin(CLASSES), "above": df["size_class"] == "above",
            "below": df["size_class"] == "below"}[population]
    return df[keep].reset_index(drop=True)


def _region_key(df: pd.DataFrame, level: str, regions: Regions) -> pd.Series:
    """Each firm's region code at `level` (town, county, city, province or an attribute)."""
    county = df["county_code"].astype("string").fillna(df["town_code"].astype("string").str[:6])
    if level == "town":
        return df["town_code"].astype("string")
    unique = pd.Series(county.dropna().unique(), dtype="string")
    if level in LEVELS:
        up = regions.ancestor(unique, level)
        return county.map(dict(zip(unique, up, strict=True))).astype("string")
    holders = regions.attribute(level, sorted(df["year"].unique().tolist()))
    holder_levels = regions.units.set_index("code")["level"].reindex(holders["code"])
    at = holder_levels.mode().iloc[0] if holder_levels.notna().any() else "county"
    own = (df["town_code"].astype("string") if at == "town"
           else county.map(dict(zip(unique, regions.ancestor(unique, at), strict=True))))
    keyed = pd.DataFrame({"code": own.astype("string"), "year": df["year"].astype("Int64")})
    holders = holders.astype({"code": "string", "year": "Int64"})
    return keyed.merge(holders, on=["code", "year"], how="left")["value"].astype("string")


def aggregate(results: Table, inputs: Table | Mapping[str, Table], level: str = "town",
              regions: Regions | None = None, prior: Any = None, *,
              rank_by: Sequence[str] | Mapping[str, bool] = ("tax_per_mu",),
              peers: str = "parent",
              population: str = "all") -> pd.DataFrame:
    """One row per (year, region) at `level`; see the module docstring for the columns.

    level: town, county, city, province, or the name of a region attribute (e.g.
    "mountain_county"), whose values in each year form the groups.
    regions: a `Regions` table; default derived from the codes on the results.
    prior: the previous year's (results, inputs) pair, or an earlier `aggregate` frame, for the
    year-on-year columns (results spanning several years also get them).
    rank_by: measures ranked (direction from `measures.default_direction`); peers: "parent"
    (same parent region), "all", or an attribute name (same value in the year).
    population: all, evaluated (in a group), rated (A–D), above (规上) or below (规下).
    """
    df = enterprise_frame(results, inputs, population)
    towns = df.dropna(subset=["town_code", "town_name"]).drop_duplicates("town_code")
    names = dict(zip(towns["town_code"].astype(str), towns["town_name"].astype(str),
                     strict=True))
    codes = pd.concat([df["town_code"], df["county_code"]]).dropna().astype(str).unique()
    regs = (regions or Regions.from_codes([])).with_codes(codes.tolist(), names)
    if level not in LEVELS and level not in regs.attribute_names():
        raise DataError([Problem(f"level {level!r} is neither {', '.join(LEVELS)} nor a region "
                                 f"attribute ({', '.join(regs.attribute_names()) or 'none'})",
                                 "aggregate", field="level")])
    df["region_code"] = _region_key(df, level, regs)
    out = _sums(df)
    out.insert(2, "level", level)
    _add_names(out, level, regs)  # columns: year, region_code, region_name, level, parent_*
    add_parent_shares(out)
    add_ranks(out, level, regs, rank_by, peers)
    if prior is not None:
        before = prior if isinstance(prior, pd.DataFrame) else aggregate(
            prior[0], prior[1], level, regions, rank_by=rank_by, peers=peers,
            population=population)
        out = add_year_on_year(out, before[~before["year"].isin(out["year"])])
    else:
        out = add_year_on_year(out, out.iloc[0:0])
    return out.sort_values(["year", "region_code"], na_position="last",
                           kind="stable").reset_index(drop=True)


def aggregate_run(store: RunStore, run_id: str, level: str = "town",
                  regions: Regions | None = None, prior_run: str | None = None,
                  **options: Any) -> pd.DataFrame:
    """`aggregate` of a stored run (and of `prior_run` for year on year), by run id.

    Regional tables are usually asked for long after the evaluation; reading the stored results
    and inputs makes them match the published lists exactly, whatever changed in the files since.
    """
    prior = None if prior_run is None else (store.results(prior_run), store.inputs(prior_run))
    return aggregate(store.results(run_id), store.inputs(run_id), level, regions, prior,
                     **options)


def _sums(df: pd.DataFrame) -> pd.DataFrame:
    """Counts, totals and ratio numerators/denominators per (year, region_code)."""
    work = pd.DataFrame({"year": df["year"], "region_code": df["region_code"]})
    work["n_enterprises"] = 1
    work["n_evaluated"] = df["group"].notna().astype("int64")
    for c in CLASSES:
        work[f"n_{c}"] = (df["class"] == c).fillna(False).astype("int64")
    work["n_rated"] = df["class"].isin(CLASSES).astype("int64")
    work["n_special"] = (df["special_class"].notna() & df["group"].notna()).astype("int64")
    work["n_excluded"] = df["group"].isna().astype("int64")
    groups = sorted(df["group"].dropna().astype(str).unique())
    for g in groups:
        work[f"n_group_{g}"] = (df["group"] == g).fillna(False).astype("int64")
    for source, (total, _, _) in TOTALS.items():
        work[total] = pd.to_numeric(df[source], errors="coerce")
    for r in RATIOS:
        num = pd.to_numeric(df[r.numerator], errors="coerce")
        den = pd.to_numeric(df[r.denominator], errors="coerce")
        both = num.notna() & den.notna()
        work[f"_num_{r.name}"] = num.where(both)
        work[f"_den_{r.name}"] = den.where(both)
    by = work.groupby(["year", "region_code"], dropna=False, sort=True)
    counts = [c for c in work.columns if c.startswith("n_")]
    out = by[counts].sum()
    sums = by[[c for c in work.columns if c not in counts and c not in ("year", "region_code")]]
    out = out.join(sums.sum(min_count=1)).reset_index()
    for r in RATIOS:
        den = out.pop(f"_den_{r.name}")
        num = out.pop(f"_num_{r.name}")
        out[r.name] = (num / den).where(den > 0)
    for c in CLASSES:
        out[f"share_{c}"] = (out[f"n_{c}"] / out["n_rated"]).where(out["n_rated"] > 0)
    out["share_special"] = (out["n_special"] / out["n_evaluated"]).where(out["n_evaluated"] > 0)
    out["region_code"] = out["region_code"].astype("string")
    return out


def _add_names(out: pd.DataFrame, level: str, regs: Regions) -> None:
    names = regs.names()
    parent = regs.units.set_index("code")["parent_code"]
    if level in LEVELS:
        out.insert(2, "region_name", out["region_code"].map(names).astype("string"))
        out.insert(4, "parent_code", out["region_code"].map(parent).astype("string"))
    else:
        out.insert(2, "region_name", (level + "=" + out["region_code"]).astype("string"))
        out.insert(4, "parent_code", pd.Series(pd.NA, index=out.index, dtype="string"))
    out.insert(5, "parent_name", out["parent_code"].map(names).astype("string"))
