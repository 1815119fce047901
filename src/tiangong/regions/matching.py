"""Which region a row of a regional table means: by code, or by exact name at one level.

Bureau tables name regions the way people do — "黄岩区", sometimes "黄岩", a 12-digit statistical
code, a code typed as a number, the city's own total row among its counties. Matching is exact
(a near name is suggested in the error, never taken), a row naming the parent region is set
aside as a total rather than mistaken for a unit, and a code whose division-table name differs
from the row's is an error only when that name belongs to another region (a shifted row).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from tiangong.errors import Problem
from tiangong.regions.divisions import LEVELS, Regions, level_of_code


def canonical_code(code: str) -> str:
    """12-digit statistical codes (330102001000) as the 9/6-digit codes runs carry."""
    if len(code) == 12 and code.isdigit():
        return code[:6] if code.endswith("000000") else code[:9] if code.endswith("000") else code
    return code



@dataclass
class RegionMatcher:
    """Matches one file's rows to regions, collecting problems and notes as it goes."""

    source: str
    regions: Regions
    level: str
    known_only: bool
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    parents: dict[int, str] = field(default_factory=dict)  # row → the higher region it names

    def __post_init__(self) -> None:
        u = self.regions.units
        self.level_of = dict(zip(u["code"], u["level"], strict=True))
        self.name_of = self.regions.names()
        self.at_level = u[(u["level"] == self.level) & u["name"].notna()]
        higher = u["level"].isin(LEVELS[:LEVELS.index(self.level)]) & u["name"].notna()
        self.higher = dict(zip(u.loc[higher, "name"], u.loc[higher, "code"], strict=False))

    def problem(self, message: str, row: int | None = None, column: str = "") -> None:
        self.problems.append(Problem(message, self.source, row, column))

    def region(self, row: int, code: str | None, name: str | None,
               columns: tuple[str, str]) -> str | None:
        """The region code of one row, or None after recording why there is none."""
        if code:
            code = canonical_code(code)
            if code in self.level_of:
                unit_level = self.level_of[code]
                if unit_level in LEVELS[:LEVELS.index(self.level)]:  # a city row: its total
                    self.parents[row] = f"{code} {self.name_of.get(code, name or '')}".strip()
                    return None
                if unit_level != self.level:
                    self.problem(f"region {code} is a {unit_level}, but the table is joined at "
                                 f"{self.level} level", row, columns[0])
                    return None
                known = self.name_of.get(code)
                if name and known and name != known:
                    other = self._by_name(name)
                    if other and code not in other:
                        self.problem(f"code {code} is {known} in the divisions table, but the "
                                     f"row names {name} ({', '.join(other)})", row, columns[0])
                        return None
                    self.notes.append(f"row {row}: {code} is {known} in the divisions table; "
                                      f"the file writes {name}")
                return code
            if not self.known_only and code.isdigit() and \
                    len(code) == (9 if self.level == "town" else 6) and \
                    level_of_code(pd.Series([code])).iloc[0] == self.level:
                return code
            self.problem(f"unknown region code {code!r} (not a {self.level} of the divisions "
                         "table)", row, columns[0])
            return None
        if name:
            found = self._by_name(name)
            if len(found) == 1:
                return found[0]
            if not found and name in self.higher:
                self.parents[row] = f"{self.higher[name]} {name}"
                return None
            if found:
                self.problem(f"region name {name} is ambiguous at {self.level} level: "
                             f"{', '.join(found)}; give the region code", row, columns[1])
            else:
                near = self._near(name)
                hint = f" (did you mean {', '.join(near)}?)" if near else ""
                self.problem(f"unknown region {name!r}: no {self.level} of that name in the "
                             f"divisions table{hint}", row, columns[1])
            return None
        self.problem("no region code or name", row, columns[0] or columns[1])
        return None

    def _by_name(self, name: str) -> list[str]:
        u = self.at_level
        return sorted(u.loc[u["name"] == name, "code"].tolist())

    def _near(self, name: str) -> list[str]:
        u = self.at_level
        hit = [f"{n} {c}" for c, n in zip(u["code"], u["name"], strict=True)
               if n.startswith(name) or name.startswith(n)]
        return sorted(hit)[:3]


def check_duplicates(out: pd.DataFrame, reader: RegionMatcher, column: str) -> None:
    """A problem for every (region_code, year) after its first row."""
    known = out.dropna(subset=["region_code", "year"])
    first: dict[tuple[str, int], int] = {}
    for row, code, yr in zip(known.index, known["region_code"], known["year"], strict=True):
        key = (str(code), int(yr))
        if key in first:
            reader.problem(f"region {code} in {yr} appears again (first on row {first[key]})",
                           int(str(row)), column)
        else:
            first[key] = int(str(row))
