"""The project module's rules as configuration: stages, classes, 序时进度, 赛马, KPIs, score sheet.

Counties name their stages differently, publish their own thresholds and score their towns with
their own sheets, and all of it changes by year. Nothing of that is code: one YAML file
(`default.yaml` beside this module is the published Zhejiang default) is validated here, every
problem reported at once with the file's line, before any computation starts.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from tiangong.errors import Problem, TiangongError

DEFAULT_CONFIG = Path(__file__).with_name("default.yaml")
FIELDS = ("total_investment", "fixed_investment", "land_mu", "intensity", "division",
          "year_invest_share", "year_plan", "ytd_invest")
Op = Literal[">=", ">", "<=", "<", "==", "between"]


class ConfigError(TiangongError):
    """The project configuration is invalid."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Stage(_Strict):
    id: str
    label: str
    evidence: list[str] = Field(default_factory=list)
    contractual: bool = False
    automatic: bool = False


class Sector(_Strict):
    id: str
    label: str
    prefixes: list[str]
    floor: float


class Condition(_Strict):
    field: str
    op: Op
    value: float | list[float] | Literal["sector_floor"]

    @model_validator(mode="after")
    def _check(self) -> Condition:
        if self.field not in FIELDS:
            raise ValueError(f"unknown field {self.field!r}; known: {', '.join(FIELDS)}")
        if self.op == "between" and not (isinstance(self.value, list) and len(self.value) == 2):
            raise ValueError("op 'between' needs value: [low, high]")
        if self.op != "between" and isinstance(self.value, list):
            raise ValueError(f"op {self.op!r} needs one value, not a list")
        return self


class ClassRule(_Strict):
    id: str
    label: str
    source: str = ""
    conditions: list[Condition]


class Progress(_Strict):
    basis: Literal["days", "months"] = "days"


class YellowRule(_Strict):
    id: str
    kind: Literal["below_schedule", "overdue_stage", "contract_breach"]
    label: str
    margin: float = 0.0
    stage: str = ""
    grace_days: int = 0


class RedRule(_Strict):
    label: str = "红旗"
    min_schedule_ratio: float = 1.0
    top: int = 10


class Racing(_Strict):
    scope: list[Condition] = Field(default_factory=list)
    yellow: list[YellowRule]
    red: RedRule = RedRule()


class Kpi(_Strict):
    id: str
    label: str
    kind: Literal["due", "given", "contract"]
    stage: str = ""
    given: str = ""
    grace_days: int = 0


class ScoreItem(_Strict):
    id: str
    label: str
    metric: str
    points: float
    target: float = 1.0
    conditions: list[Condition] = Field(default_factory=list)

    @model_validator(mode="after")
    def _metric_known(self) -> ScoreItem:
        plain = {"new_signed", "share", "funds_rate", "invest_rate", "schedule_rate"}
        if self.metric not in plain and not self.metric.startswith(("kpi:", "manual:")):
            raise ValueError(f"unknown metric {self.metric!r}; use one of {sorted(plain)}, "
                             "kpi:<id> or manual:<column>")
        return self


class Bonus(_Strict):
    id: str
    label: str
    points: float
    conditions: list[Condition]


class ScoreSheet(_Strict):
    cap: float = 1.0
    items: list[ScoreItem]
    bonuses: list[Bonus] = Field(default_factory=list)


class Indicator(_Strict):
    id: str
    label: str
    unit: str = ""
    numerator: str = ""
    denominator: str = ""
    project: str = ""  # a project fact instead of enterprise columns (investment intensity)
    direction: Literal["min", "max"] = "min"


class Handover(_Strict):
    tolerance: float = 0.05
    indicators: list[Indicator]


class ProjectsConfig(_Strict):
    stages: list[Stage]
    sectors: list[Sector] = Field(default_factory=list)
    classes: list[ClassRule] = Field(default_factory=list)
    progress: Progress = Progress()
    racing: Racing
    kpis: list[Kpi] = Field(default_factory=list)
    score_sheet: ScoreSheet
    handover: Handover

    def stage_ids(self) -> list[str]:
        return [s.id for s in self.stages]

    def stage(self, stage_id: str) -> Stage:
        for s in self.stages:
            if s.id == stage_id:
                return s
        raise KeyError(stage_id)

    @model_validator(mode="after")
    def _stages_named(self) -> ProjectsConfig:
        ids = self.stage_ids()
        problems = []
        if len(set(ids)) != len(ids):
            problems.append("stage ids repeat")
        for need in ("sign", "start", "complete"):
            if need not in ids:
                problems.append(f"the stage chain lacks '{need}' (rename its label, keep the id)")
        named = [(f"racing rule {r.id}", r.stage) for r in self.racing.yellow if r.stage]
        named += [(f"kpi {k.id}", s) for k in self.kpis for s in (k.stage, k.given) if s]
        problems += [f"{who} names stage {s!r}, not in the chain {ids}"
                     for who, s in named if s not in ids]
        if problems:
            raise ValueError("; ".join(problems))
        return self


def _line(data: Any, loc: tuple[Any, ...]) -> int | None:
    from tiangong.evaluation.scheme.loader import yaml_line_of

    return yaml_line_of(data, loc)


def _plain(node: Any) -> Any:
    if isinstance(node, dict):
        return {str(k): _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    return node


def load_config(path: str | Path | None = None) -> ProjectsConfig:
    """The configuration at `path` (the built-in default when None); raises ConfigError with
    every problem, each with its line."""
    if path is None:
        return _default()
    return _load(Path(path))


@cache
def _default() -> ProjectsConfig:
    return _load(DEFAULT_CONFIG)


def _load(path: Path) -> ProjectsConfig:
    source = str(path)
    try:
        data = YAML(typ="rt").load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, YAMLError) as err:
        raise ConfigError([Problem(f"cannot read the project configuration: {err}", source)]
                          ) from None
    try:
        return ProjectsConfig.model_validate(_plain(data))
    except ValidationError as err:
        problems = [Problem(str(e["msg"]).removeprefix("Value error, "), source,
                            _line(data, tuple(e["loc"])),
                            ".".join(str(p) for p in e["loc"])) for e in err.errors()]
        raise ConfigError(problems, title=f"project configuration {source} is invalid"
                          ) from None
