"""Boundary files (GeoJSON) read and matched to a regional table, with every mismatch listed.

Boundary files come from elsewhere (a surveying bureau, AMap/DataV downloads, cnmaps) and rarely
agree with the year's division list: a district merged, a 开发区 added, codes as numbers or as
12-digit statistical codes. A map that quietly greys out a county, or leaves out a region that
has data, misleads the people who read it; so the match is computed here once, reported in the
HTML report and by the command, and the map is drawn from the same match.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from tiangong.errors import DataError, Problem
from tiangong.regions.matching import canonical_code


def region_code(value: Any) -> str:
    """Region codes compare as text: 330102, 330102.0, "330102" and 330102000000 are one code."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return canonical_code(str(int(value)))
    return canonical_code(str(value).strip())


def load_boundaries(path: str | Path, code_property: str) -> dict[str, Any]:
    """A GeoJSON FeatureCollection from `path`, checked to carry `code_property`.

    Raises DataError naming the file (and line, for broken JSON) when it is missing, is not
    JSON, is not a FeatureCollection, or no feature has the property (the properties found are
    listed, so the right --code-property can be chosen).
    """
    source = str(path)
    if not Path(path).is_file():
        raise DataError([Problem("boundary file not found", source)])
    try:
        with open(path, encoding="utf-8-sig") as f:
            data = json.load(f)
    except json.JSONDecodeError as err:
        raise DataError([Problem(f"not valid JSON: {err.msg} (column {err.colno})", source,
                                 err.lineno)]) from None
    except UnicodeDecodeError:
        raise DataError([Problem("not UTF-8 text; GeoJSON is UTF-8", source)]) from None
    features = data.get("features") if isinstance(data, dict) else None
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection" or \
            not isinstance(features, list):
        raise DataError([Problem("not a GeoJSON FeatureCollection", source, field="type")])
    found = sorted({str(k) for f in features if isinstance(f, dict)
                    for k in (f.get("properties") or {})})
    if not any(isinstance(f, dict) and code_property in (f.get("properties") or {})
               for f in features):
        raise DataError([Problem(f"no feature has the property {code_property!r}; properties "
                                 f"found: {', '.join(found) or 'none'}", source,
                                 field=code_property)])
    return data


@dataclass(frozen=True)
class BoundaryMatch:
    """Which boundary features and which table rows found each other, by region code."""

    code_property: str
    matched: list[str]  # codes with both a boundary and a row
    no_data: list[tuple[str, str]]  # (code, name) of features with no row: drawn grey
    no_boundary: list[tuple[str, str]]  # (code, name) of rows with no feature: not on the map
    no_code: int  # features lacking the code property

    def lines(self) -> list[str]:
        out = [f"map: {len(self.matched)} region(s) drawn with data (codes from the boundary "
               f"property {self.code_property!r})"]
        if self.no_data:
            out.append(f"{len(self.no_data)} boundary region(s) have no data and are drawn grey: "
                       + "; ".join(f"{c} {n}".strip() for c, n in self.no_data))
        if self.no_boundary:
            out.append(f"{len(self.no_boundary)} region(s) with data have no boundary and are "
                       "not on the map: " + "; ".join(f"{c} {n}".strip()
                                                      for c, n in self.no_boundary))
        if self.no_code:
            out.append(f"{self.no_code} boundary feature(s) have no {self.code_property!r} "
                       "property and are drawn grey")
        return out

    def summary_zh(self) -> str:
        return (f"地图:{len(self.matched)} 个区域既有边界又有数据(边界文件中区划代码的属性名:"
                f"{self.code_property});{len(self.no_data) + self.no_code} 个边界无数据,"
                f"{len(self.no_boundary)} 个有数据的区域无边界。")

    def frame(self) -> pd.DataFrame:
        """The mismatches as a table (情况, 区划代码, 区域名称) for the HTML report."""
        rows = ([("地图上有边界、无数据(灰色)", c, n) for c, n in self.no_data]
                + [("有数据、地图上无边界(未画出)", c, n) for c, n in self.no_boundary]
                + [(f"边界无{self.code_property}属性(灰色)", "", "")] * self.no_code)
        return pd.DataFrame(rows, columns=["情况", "区划代码", "区域名称"])


def match_boundaries(rows: pd.DataFrame, features: list[Any], code_property: str,
                     name_property: str | None = "name") -> BoundaryMatch:
    """Match the table's `region_code` (one year's rows) with the features' `code_property`."""
    names = {region_code(r["region_code"]): r.get("region_name")
             for r in rows.to_dict("records")}
    feature_codes: dict[str, str] = {}
    no_code = 0
    for feat in features:
        props = (feat.get("properties") if isinstance(feat, Mapping) else None) or {}
        code = region_code(props.get(code_property))
        if not code:
            no_code += 1
            continue
        label = props.get(name_property) if name_property else None
        feature_codes.setdefault(code, str(label) if label is not None else "")
    table_codes = [c for c in names if c]
    no_data = [(c, n) for c, n in sorted(feature_codes.items()) if c not in names]
    no_boundary = [(c, _text(names[c])) for c in sorted(table_codes) if c not in feature_codes]
    if "" in names:  # the row of enterprises whose region code is unknown
        no_boundary.append(("(无代码)", _text(names[""]) or "区划代码不详的企业"))
    matched = sorted(c for c in table_codes if c in feature_codes)
    return BoundaryMatch(code_property, matched, no_data, no_boundary, no_code)


def _text(value: Any) -> str:
    return "" if value is None or value is pd.NA or (isinstance(value, float)
                                                     and math.isnan(value)) else str(value)
