"""Administrative divisions: who is whose parent, and which region belongs to which list when.

Regional comparisons need more than the codes on an enterprise row. A city total needs the
county → city link; the 天工鼎 needs to know whether a county was one of the 山区26县 *in that
year* (the list changed in 2024 and 2025), and a province may add island counties or 开发区 as
extra units. The user supplies this as a table (CSV, xlsx or a DataFrame) of code, name, level,
parent code and attribute columns; where no table is given the hierarchy is derived from the codes
themselves (GB/T 2260: a town's 9-digit code starts with its county's 6, a county's first four
digits plus "00" is its city), so town/county/city totals work on any roster.

Attributes are kept in long form (code, attribute, value, valid_from, valid_to) so that one lookup
answers "members of X in year Y" for every year at once, and a list that is re-published under a
new column (`mountain_county`, `shanhai_2024`, `shanhai_2025`) becomes versions of one attribute.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from tiangong.errors import DataError, Problem, raise_if_any

LEVELS = ("province", "city", "county", "town")

# Spellings of the core columns accepted in a user's table, first match wins.
_ALIASES: dict[str, tuple[str, ...]] = {
    "code": ("code", "region_code", "adcode", "code9", "代码", "区划代码", "行政区划代码"),
    "name": ("name", "region_name", "名称", "区划名称"),
    "level": ("level", "region_level", "层级", "级别"),
    "parent_code": ("parent_code", "parent", "上级代码", "county_code"),
    "valid_from": ("valid_from", "起始年度"),
    "valid_to": ("valid_to", "截止年度"),
}
# Descriptive columns that are not attributes to filter or group by.
_DESCRIPTIVE = frozenset({"name_en", "type_cn", "parent_name", "code12", "county_name",
                          "city_code", "city_name", "sample_county"})
# Level words seen in division lists; anything county-like counts as a county for comparisons.
_LEVEL_WORDS = {
    "province": "province", "省": "province", "省级": "province",
    "city": "city", "地级市": "city", "设区市": "city", "市": "city", "地级": "city",
    "county": "county", "district": "county", "county_city": "county", "县": "county",
    "市辖区": "county", "县级市": "county", "自治县": "county", "区": "county", "县级": "county",
    "town": "town", "township": "town", "乡": "town", "镇": "town", "街道": "town",
    "乡镇": "town", "乡级": "town",
}

# The Zhejiang 山区26县 list as published in three versions (columns of the shared divisions
# file), keyed by the first data year each applies to. Whether the August 2024 revision governs
# the 2024年度 round is not confirmed; pass your own `versions` if it does not.
ZHEJIANG_MOUNTAIN_VERSIONS: dict[str, list[tuple[str, int]]] = {
    "mountain_county": [("mountain_county", 2021), ("shanhai_2024", 2024),
                        ("shanhai_2025", 2025)],
}


def known_versions(columns: Iterable[object]) -> dict[str, list[tuple[str, int]]]:
    """The published list versions (`ZHEJIANG_MOUNTAIN_VERSIONS`) whose columns a table has;
    a list needs its first column (e.g. `mountain_county`) and at least one later one."""
    have = {str(c) for c in columns}
    out: dict[str, list[tuple[str, int]]] = {}
    for name, spec in ZHEJIANG_MOUNTAIN_VERSIONS.items():
        present = [(c, y) for c, y in spec if c in have]
        if spec[0] in present and len(present) > 1:
            out[name] = present
    return out


def level_of_code(codes: pd.Series) -> pd.Series:
    """GB/T 2260 level implied by a code: 9+ digits town, xx0000 province, xxxx00 city."""
    c = codes.astype("string").str.strip()
    out = pd.Series("county", index=codes.index, dtype="string")
    out[c.str.len() >= 9] = "town"
    six = c.str.len() == 6
    out[six & c.str.endswith("00")] = "city"
    out[six & c.str.endswith("0000")] = "province"
    return out.mask(c.isna())


def parent_of_code(codes: pd.Series) -> pd.Series:
    """Parent implied by a code alone: town → first 6 digits, county → city, city → province."""
    c = codes.astype("string").str.strip()
    level = level_of_code(c)
    out = pd.Series(pd.NA, index=codes.index, dtype="string")
    out[level == "town"] = c.str[:6]
    out[level == "county"] = c.str[:4] + "00"
    out[level == "city"] = c.str[:2] + "0000"
    return out


@dataclass(frozen=True)
class Regions:
    """Units (code, name, level, parent_code) and year-bounded attributes in long form."""

    units: pd.DataFrame
    attributes: pd.DataFrame  # code, attribute, value (text), valid_from, valid_to (Int64)

    @classmethod
    def from_codes(cls, codes: Iterable[str], names: Mapping[str, str] | None = None) -> Regions:
        """A hierarchy derived from codes alone, ancestors included, for rosters without a table."""
        seen = pd.Series(sorted({str(c) for c in codes if c is not None and str(c) != ""}),
                         dtype="string")
        frontier = seen
        while frontier.size:  # add parents until the province; at most three rounds
            parents = parent_of_code(frontier).dropna()
            frontier = parents[~parents.isin(seen)].drop_duplicates()
            seen = pd.concat([seen, frontier], ignore_index=True)
        units = pd.DataFrame({"code": seen, "level": level_of_code(seen),
                              "parent_code": parent_of_code(seen)})
        units["name"] = units["code"].map(dict(names or {})).astype("string")
        return cls(_order(units), _empty_attributes())

    def attribute_names(self) -> list[str]:
        return sorted(self.attributes["attribute"].unique().tolist())

    def attribute(self, name: str, years: Sequence[int]) -> pd.DataFrame:
        """(code, year, value) for every unit holding `name` in each of `years`."""
        if name not in set(self.attributes["attribute"]):
            raise DataError([Problem(f"unknown region attribute {name!r}; known: "
                                     f"{', '.join(self.attribute_names()) or 'none'}",
                                     "regions", field=name)])
        rows = self.attributes[self.attributes["attribute"] == name]
        grid = rows.merge(pd.DataFrame({"year": pd.array(sorted(set(years)), "Int64")}),
                          how="cross")
        inside = ((grid["valid_from"].isna() | (grid["valid_from"] <= grid["year"]))
                  & (grid["valid_to"].isna() | (grid["year"] <= grid["valid_to"])))
        out = grid.loc[inside.fillna(False), ["code", "year", "value"]]
        return out.drop_duplicates(["code", "year"], keep="last").reset_index(drop=True)

    def ancestor(self, codes: pd.Series, level: str) -> pd.Series:
        """Each code's ancestor (or itself) at `level`, by the table, else by the code digits."""
        if level not in LEVELS:
            raise ValueError(f"level must be one of {', '.join(LEVELS)}")
        parent = self.units.set_index("code")["parent_code"]
        lvl = self.units.set_index("code")["level"]
        current = codes.astype("string")
        out = pd.Series(pd.NA, index=codes.index, dtype="string")
        for _ in range(len(LEVELS)):  # climb at most the depth of the hierarchy
            known = current.map(lvl).astype("string")
            here = known.fillna(level_of_code(current))
            hit = (here == level) & out.isna()
            out[hit] = current[hit]
            step = current.map(parent).astype("string")
            current = step.fillna(parent_of_code(current)).where(~hit)
            if current.isna().all():
                break
        return out

    def names(self) -> dict[str, str]:
        named = self.units.dropna(subset=["name"])
        return dict(zip(named["code"], named["name"], strict=True))

    def with_codes(self, codes: Iterable[str], names: Mapping[str, str] | None = None) -> Regions:
        """This table plus code-derived units for codes it lacks (e.g. towns of a county list)."""
        derived = Regions.from_codes(codes, names).units
        extra = derived[~derived["code"].isin(self.units["code"])]
        return Regions(_order(pd.concat([self.units, extra], ignore_index=True)),
                       self.attributes)


def _empty_attributes() -> pd.DataFrame:
    return pd.DataFrame({"code": pd.Series(dtype="string"),
                         "attribute": pd.Series(dtype="string"),
                         "value": pd.Series(dtype="string"),
                         "valid_from": pd.Series(dtype="Int64"),
                         "valid_to": pd.Series(dtype="Int64")})


def _order(units: pd.DataFrame) -> pd.DataFrame:
    cols = ["code", "name", "level", "parent_code"]
    out = units[cols].astype("string").drop_duplicates("code", keep="first")
    return out.sort_values("code", kind="stable").reset_index(drop=True)


def normalise_value(values: pd.Series) -> pd.Series:
    """Attribute values as text: 1/1.0/true/是 → "1", 0/false/否 → "0", blanks → NA.

    Tables come from CSV, Excel and DataFrames, where a flag may arrive as 1, 1.0, True or 是; one
    spelling makes filters (`{"mountain_county": 1}`) match whatever the source was.
    """
    text = values.astype("string").str.strip()
    lower = text.str.lower()
    text = text.mask(lower.isin(["1", "1.0", "true", "是", "yes", "y"]), "1")
    text = text.mask(lower.isin(["0", "0.0", "false", "否", "no", "n"]), "0")
    return text.mask(text == "", pd.NA)


def read_regions(source: str | Path | pd.DataFrame, *, sheet: str | int = 0,
                 attributes: Sequence[str] | None = None,
                 versions: Mapping[str, Sequence[tuple[str, int]]] | None = None,
                 attribute_table: pd.DataFrame | None = None) -> Regions:
    """Read a regions table (CSV, xlsx or DataFrame) into `Regions`.

    attributes: wide columns to keep as attributes valid in every year (default: every column
    that is not core or descriptive). versions: attribute → [(column, first year)], each column
    valid until the year before the next one starts; default (None): the published versions
    the table has columns for (`ZHEJIANG_MOUNTAIN_VERSIONS`: a table with `mountain_county`
    and `shanhai_2024`/`shanhai_2025` gives the 山区26县 list in force each year), `{}` for
    none. attribute_table: extra long-form rows (code, attribute, value, valid_from, valid_to).
    """
    label = str(source) if not isinstance(source, pd.DataFrame) else "regions"
    raw = _load(source, sheet, label)
    if versions is None:
        versions = known_versions(raw.columns)
    cols = {k: next((a for a in aliases if a in raw.columns), None)
            for k, aliases in _ALIASES.items()}
    if cols["code"] is None:
        raise DataError([Problem("regions table has no code column (code, region_code, 代码)",
                                 label, field="code")])
    frame = raw.rename(columns={v: k for k, v in cols.items() if v is not None})
    code = frame["code"].astype("string").str.strip()
    line = pd.Series(range(2, len(frame) + 2), index=frame.index)  # header is line 1
    problems = [Problem(f"region code {c} appears more than once", label, int(n), "code")
                for c, n in zip(code[code.duplicated()], line[code.duplicated()], strict=True)]
    empty = (code.isna() | (code == "")).fillna(True).astype(bool)
    problems += [Problem("empty region code", label, int(n), "code") for n in line[empty]]
    level = (frame["level"].astype("string").str.strip().map(_LEVEL_WORDS).astype("string")
             if "level" in frame else pd.Series(pd.NA, index=frame.index, dtype="string"))
    if "level" in frame:
        bad = frame["level"].notna() & level.isna()
        problems += [Problem(f"unknown level {v!r} (use city, county or town)", label,
                             int(n), "level")
                     for v, n in zip(frame.loc[bad, "level"], line[bad], strict=True)]
    raise_if_any(problems, DataError, "regions table cannot be read")
    parent = (frame["parent_code"].astype("string").str.strip()
              if "parent_code" in frame else pd.Series(pd.NA, index=frame.index, dtype="string"))
    units = pd.DataFrame({
        "code": code,
        "name": frame.get("name", pd.NA),
        "level": level.fillna(level_of_code(code)),
        "parent_code": parent.fillna(parent_of_code(code)),
    })
    versioned = {c for vs in (versions or {}).values() for c, _ in vs}
    core = set(_ALIASES) | _DESCRIPTIVE | versioned
    wide = list(attributes) if attributes is not None else [
        c for c in frame.columns if c not in core and not str(c).startswith("Unnamed")]
    parts = [_wide_attribute(frame, code, c, c, None, None) for c in wide]
    if "valid_from" in frame or "valid_to" in frame:
        parts.append(_existence(frame, code))
    for name, spec in (versions or {}).items():
        ordered = sorted(spec, key=lambda cs: cs[1])
        for i, (column, start) in enumerate(ordered):
            end = ordered[i + 1][1] - 1 if i + 1 < len(ordered) else None
            parts.append(_wide_attribute(frame, code, column, name, start, end))
    if attribute_table is not None:
        parts.append(attribute_table.assign(value=normalise_value(attribute_table["value"])))
    attrs = pd.concat([_empty_attributes(), *parts], ignore_index=True)
    attrs = attrs.dropna(subset=["value"]).astype(_empty_attributes().dtypes.to_dict())
    return Regions(_order(units), attrs.reset_index(drop=True))


def _load(source: str | Path | pd.DataFrame, sheet: str | int, label: str) -> pd.DataFrame:
    if isinstance(source, pd.DataFrame):
        return source.copy()
    path = Path(source)
    if not path.exists():
        raise DataError([Problem("regions file not found", label)])
    if path.suffix.lower() in (".xlsx", ".xlsm", ".xls"):
        return pd.read_excel(path, sheet_name=sheet, dtype=str)
    return pd.read_csv(path, dtype=str, encoding="utf-8-sig")


def _wide_attribute(frame: pd.DataFrame, code: pd.Series, column: str, name: str,
                    start: int | None, end: int | None) -> pd.DataFrame:
    if column not in frame:
        raise DataError([Problem(f"regions table has no column {column!r}", "regions",
                                 field=column)])
    return pd.DataFrame({"code": code, "attribute": name,
                         "value": normalise_value(frame[column]),
                         "valid_from": pd.array([start] * len(frame), "Int64"),
                         "valid_to": pd.array([end] * len(frame), "Int64")})


def _existence(frame: pd.DataFrame, code: pd.Series) -> pd.DataFrame:
    """`exists` = 1 within the row's own valid_from..valid_to (new districts, merged counties)."""
    def years(col: str) -> pd.Series:
        if col not in frame:
            return pd.Series(pd.NA, index=frame.index, dtype="Int64")
        return pd.to_numeric(frame[col], errors="coerce").astype("Int64")
    return pd.DataFrame({"code": code, "attribute": "exists", "value": "1",
                         "valid_from": years("valid_from"), "valid_to": years("valid_to")})
