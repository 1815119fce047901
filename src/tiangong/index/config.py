"""A composite index as a YAML file: indicators, hierarchy, method choices, declared uncertainty.

A province publishes its ranking method; keeping it as data (like the enterprise schemes) means
the same file builds the index, re-runs it under uncertainty, and is stored with the results.
Problems are reported together, each with the file and line, before any data is read.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from tiangong.errors import DataError, Problem, SchemeError, raise_if_any
from tiangong.evaluation.scheme.loader import _dotted, _message, _plain, yaml_line_of
from tiangong.index.aggregate import Hierarchy, Mean
from tiangong.index.normalise import Method
from tiangong.index.pipeline import IndexSpec, Weighting
from tiangong.index.treat import ImputeMethod, denominate
from tiangong.index.uncertainty import Uncertainty, WeightNoise


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class IndicatorDef(_Strict):
    label: str
    direction: Literal[1, -1] = 1  # -1: lower is better (cost criterion)
    unit: str = ""


class SpecDef(_Strict):
    imputation: ImputeMethod = "none"
    treat_outliers: bool = True
    winmax: int = Field(default=5, ge=0)
    normalisation: Method = "minmax"
    low: float = 0.0
    high: float = 100.0
    z_mean: float = 0.0
    z_sd: float = Field(default=1.0, gt=0)
    weighting: Weighting = "given"
    aggregation: Mean = "arithmetic"


class WeightNoiseDef(_Strict):
    spread: float = Field(default=0.25, ge=0, lt=1)
    kind: Literal["uniform", "dirichlet"] = "uniform"
    concentration: float = Field(default=50.0, gt=0)
    levels: list[int] = Field(default_factory=list)  # e.g. [2, 3]; empty = every level


class UncertaintyDef(_Strict):
    weights: WeightNoiseDef | None = None
    normalisation: list[Method] = Field(default_factory=list)
    aggregation: list[Mean] = Field(default_factory=list)
    imputation: list[ImputeMethod] = Field(default_factory=list)
    benchmarks: dict[str, list[float]] = Field(default_factory=dict)  # [low, high]
    weighting: list[Weighting] = Field(default_factory=list)  # e.g. [given, entropy, pca]
    winmax: list[int] = Field(default_factory=list)  # winsorisation limits, e.g. [3, 5, 8]
    sobol_estimator: Literal["salib", "coinr"] = "salib"


class DenominatorDef(_Strict):
    by: str  # column of the data (or --unit-data) table: population, GDP, area ...
    scale: float = Field(default=1.0, gt=0)  # e.g. 10000: 亿元 per 万人 -> 元 per 人
    unit: str = ""  # the denominated indicator's unit, for people


class IndexConfig(_Strict):
    id: str
    name: str
    unit_column: str = "region_code"
    name_column: str | None = "region_name"
    year_column: str | None = "year"
    group_column: str | None = None  # unit groups, e.g. 山区26县 = 1/0, for group imputation
    denominators: dict[str, str | DenominatorDef] = Field(default_factory=dict)
    indicators: dict[str, IndicatorDef] = Field(min_length=1)
    hierarchy: dict[str, dict[str, float]] = Field(min_length=1)
    methods: dict[str, Mean] = Field(default_factory=dict)
    spec: SpecDef = SpecDef()
    uncertainty: UncertaintyDef = UncertaintyDef()


@dataclass(frozen=True)
class LoadedIndex:
    config: IndexConfig
    source: str

    @property
    def hierarchy(self) -> Hierarchy:
        return Hierarchy(self.config.hierarchy, self.config.methods,
                         self.config.spec.aggregation)

    @property
    def spec(self) -> IndexSpec:
        return IndexSpec(**self.config.spec.model_dump())

    @property
    def directions(self) -> dict[str, int]:
        return {k: v.direction for k, v in self.config.indicators.items()}

    @property
    def uncertainty(self) -> Uncertainty:
        u = self.config.uncertainty
        noise = None if u.weights is None else WeightNoise(
            u.weights.spread, u.weights.kind, u.weights.concentration, tuple(u.weights.levels))
        bench = {k: (float(v[0]), float(v[1])) for k, v in u.benchmarks.items()}
        return Uncertainty(noise, tuple(u.normalisation), tuple(u.aggregation),
                           tuple(u.imputation), bench, tuple(u.weighting), tuple(u.winmax))


def load_index_config(path: Path) -> LoadedIndex:
    source = str(path)
    if not path.is_file():
        raise SchemeError([Problem("index configuration file not found", source)])
    try:
        data = YAML(typ="rt").load(path.read_text(encoding="utf-8"))
    except YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        raise SchemeError([Problem(f"not valid YAML: {getattr(err, 'problem', err)}", source,
                                   mark.line + 1 if mark is not None else None)]) from None
    return index_config_from_data(data, source)


def index_config_from_data(data: Any, source: str) -> LoadedIndex:
    """The configuration from already parsed data (YAML nodes give line numbers; a stored JSON
    configuration, e.g. the platform's, gives none), with every check of `load_index_config`."""
    try:
        config = IndexConfig.model_validate(_plain(data))
    except ValidationError as err:
        raise SchemeError([Problem(_message(e), source, yaml_line_of(data, e["loc"]),
                                   _dotted(e["loc"])) for e in err.errors()],
                          title=f"index configuration {source} is invalid") from None
    problems = [Problem("a benchmark range is [low, high] with low <= high", source,
                        yaml_line_of(data, ("uncertainty", "benchmarks", k)),
                        f"uncertainty.benchmarks.{k}")
                for k, v in config.uncertainty.benchmarks.items() if len(v) != 2 or v[0] > v[1]]
    leaves = {c for kids in config.hierarchy.values() for c in kids} - set(config.hierarchy)
    for leaf in sorted(leaves - set(config.indicators)):
        problems.append(Problem(f"hierarchy uses {leaf!r}, which is not under indicators",
                                source, yaml_line_of(data, ("hierarchy",)), "hierarchy"))
    for name in sorted(set(config.indicators) - leaves):
        problems.append(Problem(f"indicator {name!r} is in no aggregate of the hierarchy",
                                source, yaml_line_of(data, ("indicators", name)), "indicators"))
    problems += _group_and_denominator_problems(config, data, source)
    raise_if_any(problems, SchemeError, f"index configuration {source} is inconsistent")
    return LoadedIndex(config, source)


def _group_and_denominator_problems(config: IndexConfig, data: Any, source: str
                                    ) -> list[Problem]:
    """Group imputation needs a group column; denominators must name indicators."""
    out = []
    if config.group_column is None:
        wanted = [("spec", "imputation")] if config.spec.imputation.startswith("group_") else []
        if any(m.startswith("group_") for m in config.uncertainty.imputation):
            wanted.append(("uncertainty", "imputation"))
        out += [Problem("group imputation needs `group_column:` (the data column holding each "
                        "unit's group, e.g. 山区26县 1/0)", source, yaml_line_of(data, loc),
                        ".".join(loc)) for loc in wanted]
    out += [Problem(f"denominator given for {k!r}, which is not under indicators", source,
                    yaml_line_of(data, ("denominators", k)), f"denominators.{k}")
            for k in config.denominators if k not in config.indicators]
    return out


@dataclass(frozen=True)
class IndexData:
    """What the commands need from the data table(s), indexed by unit code: the indicator
    values (denominated where the configuration says so), display names, unit groups (or
    None) and notes for the user (e.g. units whose denominator is missing)."""

    values: pd.DataFrame
    names: pd.Series
    groups: pd.Series | None
    notes: list[str]


def read_indicator_table(path: Path, loaded: LoadedIndex, year: int | None,
                         unit_data: Path | None = None) -> pd.DataFrame:
    """The regional indicator table (xlsx, CSV or Parquet, one row per region and year) as units x
    indicators, indexed by the unit column; codes stay text; denominated as configured."""
    return read_index_data(path, loaded, year, unit_data).values


def read_index_data(path: Path, loaded: LoadedIndex, year: int | None,
                    unit_data: Path | None = None) -> IndexData:
    """Values, names and groups from `path`; denominators and the group column are read from
    `unit_data` (same layout: unit column, optional year) when given, else from `path`."""
    cfg = loaded.config
    dens = {k: v if isinstance(v, DenominatorDef) else DenominatorDef(by=v)
            for k, v in cfg.denominators.items()}
    attrs = sorted({d.by for d in dens.values()}
                   | ({cfg.group_column} if cfg.group_column else set()))
    main = _read_table(path, loaded, year, list(cfg.indicators)
                       + ([] if unit_data else attrs))
    values = main[list(cfg.indicators)].apply(pd.to_numeric, errors="coerce")
    side = main if unit_data is None else _read_table(unit_data, loaded, year, attrs,
                                                      main=False)
    side = side.reindex(values.index)
    notes = []
    if dens:
        by = side[sorted({d.by for d in dens.values()})].apply(pd.to_numeric, errors="coerce")
        values = denominate(values, {k: d.by for k, d in dens.items()}, by,
                            {k: d.scale for k, d in dens.items()})
        for col in by.columns:
            bad = by.index[~(by[col].notna() & (by[col] != 0))]
            if len(bad):
                notes.append(f"denominator {col!r} is missing or zero for {len(bad)} unit(s) "
                             f"({', '.join(map(str, bad[:10]))}): their "
                             f"{', '.join(k for k, d in dens.items() if d.by == col)} "
                             "are missing")
    groups = None
    if cfg.group_column:
        groups = side[cfg.group_column].astype("string").str.strip()
        groups = groups.mask(groups == "")
        if groups.isna().any():
            notes.append(f"group column {cfg.group_column!r} is empty for "
                         f"{int(groups.isna().sum())} unit(s) "
                         f"({', '.join(map(str, groups.index[groups.isna()][:10]))}): group "
                         "imputation leaves their gaps missing")
    names = (main[cfg.name_column] if cfg.name_column and cfg.name_column in main.columns
             else pd.Series(pd.NA, index=values.index, dtype="object"))
    return IndexData(values, names, groups, notes)


def _read_table(path: Path, loaded: LoadedIndex, year: int | None, needed_cols: list[str],
                *, main: bool = True) -> pd.DataFrame:
    """One row per unit of `year`, indexed (sorted) by the unit column, every column kept. The
    main table must have the year column when a year is given; a unit table without one holds
    values for every year."""
    cfg = loaded.config
    if not path.is_file():
        raise DataError([Problem("indicator table not found" if main else
                                 "unit table (--unit-data) not found", str(path))])
    if path.suffix.lower() in (".xlsx", ".xls"):
        import fastexcel

        frame = fastexcel.read_excel(str(path)).load_sheet(0).to_pandas()
    elif path.suffix.lower() == ".parquet":
        frame = pd.read_parquet(path)
    else:
        frame = pd.read_csv(path, dtype={cfg.unit_column: str}, encoding="utf-8-sig")
    frame.columns = [str(c).strip() for c in frame.columns]
    needed = [cfg.unit_column, *needed_cols]
    by_year = year is not None and cfg.year_column is not None and (
        main or cfg.year_column in frame.columns)
    if by_year:
        needed.append(str(cfg.year_column))
    missing = [c for c in dict.fromkeys(needed) if c not in frame.columns]
    if missing:
        raise DataError([Problem(f"missing column(s) {', '.join(missing)}; columns found: "
                                 f"{', '.join(frame.columns)}", str(path), line=1)])
    if by_year:
        frame = frame[pd.to_numeric(frame[str(cfg.year_column)]) == year]
        if frame.empty:
            raise DataError([Problem(f"no rows for year {year}", str(path),
                                     field=str(cfg.year_column))])
    frame[cfg.unit_column] = frame[cfg.unit_column].astype(str).str.strip()
    dupes = frame[cfg.unit_column][frame[cfg.unit_column].duplicated()].unique()
    if len(dupes):
        raise DataError([Problem(f"units appear more than once: {', '.join(dupes[:10])} "
                                 "(give --year if the table holds several years)", str(path),
                                 field=cfg.unit_column)])
    return frame.set_index(cfg.unit_column).sort_index()
