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
from tiangong.index.treat import ImputeMethod
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
    normalisation: Method = "minmax"
    low: float = 0.0
    high: float = 100.0
    weighting: Weighting = "given"
    aggregation: Mean = "arithmetic"


class WeightNoiseDef(_Strict):
    spread: float = Field(default=0.25, ge=0, lt=1)
    kind: Literal["uniform", "dirichlet"] = "uniform"
    concentration: float = Field(default=50.0, gt=0)


class UncertaintyDef(_Strict):
    weights: WeightNoiseDef | None = None
    normalisation: list[Method] = Field(default_factory=list)
    aggregation: list[Mean] = Field(default_factory=list)
    imputation: list[ImputeMethod] = Field(default_factory=list)
    benchmarks: dict[str, list[float]] = Field(default_factory=dict)  # [low, high]
    weighting: list[Weighting] = Field(default_factory=list)  # e.g. [given, entropy, pca]


class IndexConfig(_Strict):
    id: str
    name: str
    unit_column: str = "region_code"
    name_column: str | None = "region_name"
    year_column: str | None = "year"
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
        noise = None if u.weights is None else WeightNoise(**u.weights.model_dump())
        bench = {k: (float(v[0]), float(v[1])) for k, v in u.benchmarks.items()}
        return Uncertainty(noise, tuple(u.normalisation), tuple(u.aggregation),
                           tuple(u.imputation), bench, tuple(u.weighting))


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
    raise_if_any(problems, SchemeError, f"index configuration {source} is inconsistent")
    return LoadedIndex(config, source)


def read_indicator_table(path: Path, loaded: LoadedIndex, year: int | None) -> pd.DataFrame:
    """The regional indicator table (xlsx, CSV or Parquet, one row per region and year) as units x
    indicators, indexed by the unit column; codes stay text."""
    cfg = loaded.config
    if not path.is_file():
        raise DataError([Problem("indicator table not found", str(path))])
    if path.suffix.lower() in (".xlsx", ".xls"):
        import fastexcel

        frame = fastexcel.read_excel(str(path)).load_sheet(0).to_pandas()
    elif path.suffix.lower() == ".parquet":
        frame = pd.read_parquet(path)
    else:
        frame = pd.read_csv(path, dtype={cfg.unit_column: str}, encoding="utf-8-sig")
    frame.columns = [str(c).strip() for c in frame.columns]
    needed = [cfg.unit_column, *cfg.indicators]
    if year is not None and cfg.year_column:
        needed.append(cfg.year_column)
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise DataError([Problem(f"missing column(s) {', '.join(missing)}; columns found: "
                                 f"{', '.join(frame.columns)}", str(path), line=1)])
    if year is not None and cfg.year_column:
        frame = frame[pd.to_numeric(frame[cfg.year_column]) == year]
        if frame.empty:
            raise DataError([Problem(f"no rows for year {year}", str(path),
                                     field=cfg.year_column)])
    frame[cfg.unit_column] = frame[cfg.unit_column].astype(str).str.strip()
    dupes = frame[cfg.unit_column][frame[cfg.unit_column].duplicated()].unique()
    if len(dupes):
        raise DataError([Problem(f"units appear more than once: {', '.join(dupes[:10])} "
                                 "(give --year if the table holds several years)", str(path),
                                 field=cfg.unit_column)])
    values = frame.set_index(cfg.unit_column)[list(cfg.indicators)]
    return values.apply(pd.to_numeric, errors="coerce").sort_index()


def unit_names(path: Path, loaded: LoadedIndex) -> dict[str, Any]:
    cfg = loaded.config
    if not cfg.name_column:
        return {}
    if path.suffix.lower() in (".xlsx", ".xls"):
        import fastexcel

        frame = fastexcel.read_excel(str(path)).load_sheet(0).to_pandas()
    elif path.suffix.lower() == ".parquet":
        frame = pd.read_parquet(path)
    else:
        frame = pd.read_csv(path, dtype=str, encoding="utf-8-sig")
    if cfg.name_column not in frame.columns:
        return {}
    return dict(zip(frame[cfg.unit_column].astype(str).str.strip(), frame[cfg.name_column],
                    strict=True))
