"""The scheme: a county's published evaluation rules as data.

Every published 办法 differs in groups, indicators, benchmarks, missing-data rules and class
quotas, so none of it is code. These models are the shape of the YAML file; `validate.py` adds the
checks that span fields (rules a scheme must state, names that must exist) and `loader.py` turns
every problem into a message with the file and line.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Identifier = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=48)]
ClassCode = Annotated[str, Field(pattern=r"^[A-Za-z0-9_\-\u4e00-\u9fff]{1,16}$")]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Indicator(Strict):
    label: str
    expr: str
    unit: str = ""


class Benchmark(Strict):
    """What an indicator is divided by: a published constant or a statistic of a group."""

    kind: Literal["constant", "group_mean", "group_max", "prior_year_mean"]
    value: float | None = None
    factor: float = 1.0

    @model_validator(mode="after")
    def _value_for_constant(self) -> Benchmark:
        if self.kind == "constant" and (self.value is None or self.value <= 0):
            raise ValueError("a constant benchmark needs a positive 'value'")
        if self.kind != "constant" and self.value is not None:
            raise ValueError(f"'value' is only for kind: constant (got kind: {self.kind})")
        return self


class Rule(Strict):
    """What to do with an item when its value is missing or its denominator is zero."""

    kind: Literal["group_mean", "zero", "penalty", "reweight", "special_class"]
    points: float | None = None  # for penalty: points deducted (positive number)
    special_class: str | None = None  # for special_class

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        if isinstance(data, str):
            return {"kind": data}
        if isinstance(data, dict) and len(data) == 1 and "kind" not in data:
            ((key, value),) = data.items()
            if key == "penalty":
                return {"kind": "penalty", "points": value}
            if key == "special_class":
                return {"kind": "special_class", "special_class": value}
        return data

    @model_validator(mode="after")
    def _arguments(self) -> Rule:
        if self.kind == "penalty" and (self.points is None or self.points < 0):
            raise ValueError("penalty needs non-negative 'points', e.g. {penalty: 3}")
        if self.kind == "special_class" and not self.special_class:
            raise ValueError("special_class needs a class code, e.g. {special_class: T}")
        return self


class Step(Strict):
    at_least: float
    points: float


class Item(Strict):
    """One scored indicator of a group."""

    indicator: Identifier
    method: Literal["ratio", "minmax", "inverse", "rank_only", "steps"]
    weight: float = 0.0
    benchmark: Benchmark | None = None
    low: float = 20.0  # minmax: score at the group minimum, in percent of weight
    high: float = 100.0  # minmax: score at the group maximum
    steps: tuple[Step, ...] = ()
    cap: float | None = None  # maximum points
    floor: float | None = None  # minimum points; must be stated for negative-capable inputs
    missing: Rule | None = None
    zero_denominator: Rule | None = None

    @field_validator("benchmark", mode="before")
    @classmethod
    def _number_is_constant(cls, value: Any) -> Any:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return {"kind": "constant", "value": value}
        return value


class PointsItem(Strict):
    """A bonus or penalty: points from an expression, linear or by a step table."""

    id: Identifier
    label: str
    expr: str
    per_unit: float | None = None
    steps: tuple[Step, ...] = ()
    cap: float | None = None

    @model_validator(mode="after")
    def _one_way(self) -> PointsItem:
        if (self.per_unit is None) == (not self.steps):
            raise ValueError("give exactly one of 'per_unit' or 'steps'")
        return self


class Range(Strict):
    min: float | None = None
    max: float | None = None
    min_inclusive: bool | None = None
    max_inclusive: bool | None = None

    @model_validator(mode="after")
    def _explicit_inclusivity(self) -> Range:
        if self.min is not None and self.min_inclusive is None:
            raise ValueError("'min' needs 'min_inclusive: true|false' (≥ or >) stated")
        if self.max is not None and self.max_inclusive is None:
            raise ValueError("'max' needs 'max_inclusive: true|false' (≤ or <) stated")
        if self.min is None and self.max is None:
            raise ValueError("a range needs 'min' or 'max'")
        return self


class Selector(Strict):
    size_class: tuple[Literal["above", "below"], ...] = ()
    land_area: Range | None = None
    age_years: Range | None = None
    industry_divisions: tuple[str, ...] = ()  # two-digit GB/T 4754 codes
    exclude_industry_divisions: tuple[str, ...] = ()
    where: str | None = None


class TotalBounds(Strict):
    cap: float | None = None
    floor: float | None = None


class Group(Strict):
    id: Identifier
    label: str
    select: Selector
    items: tuple[Item, ...] = Field(min_length=1)
    bonus: tuple[PointsItem, ...] = ()
    penalties: tuple[PointsItem, ...] = ()
    total: TotalBounds = TotalBounds()


class ClassDef(Strict):
    code: ClassCode
    label: str


class SpecialClass(Strict):
    code: ClassCode
    label: str
    when: str | None = None  # trigger; None when only a missing-data rule assigns it
    scored: bool  # are scores computed (and shown) for these firms
    in_denominator: bool  # do they count in the quota denominator of their partition
    managed_as: str | None = None  # 不定等级 managed as B: the class policies apply


class TieBreak(Strict):
    by: Identifier
    order: Literal["asc", "desc"]


class Bound(Strict):
    max_share: float | None = Field(default=None, ge=0, le=100)
    min_share: float | None = Field(default=None, ge=0, le=100)


class TwoStage(Strict):
    class_: str = Field(alias="class")
    candidates_top_share: float = Field(gt=0, le=100)
    by: Identifier  # indicator id whose value ranks the candidates
    share: float = Field(gt=0, le=100)


class Adjustment(Strict):
    when: str
    action: Literal["set", "downgrade", "upgrade", "at_most", "at_least"]
    class_: str | None = Field(default=None, alias="class")
    steps: int = 1
    reason: str

    @model_validator(mode="after")
    def _class_needed(self) -> Adjustment:
        if self.action in ("set", "at_most", "at_least") and not self.class_:
            raise ValueError(f"action '{self.action}' needs 'class'")
        return self


class Classification(Strict):
    classes: tuple[ClassDef, ...] = Field(min_length=1)  # best first
    partition_by: tuple[Literal["group", "county_code", "town_code", "industry_division"], ...] = (
        "group",
    )
    rank_by: str = "total"  # 'total' or an indicator id (rank-only schemes)
    method: Literal["quota", "thresholds", "two_stage"]
    quotas: dict[str, float] | None = None  # cumulative percent per class, last = 100
    thresholds: dict[str, float] | None = None  # minimum score per class, last class none
    rounding: Literal["floor", "round_half_up", "ceil"] | None = None
    ties: Literal["tiebreak", "better_class", "worse_class"] | None = None
    tiebreak: tuple[TieBreak, ...] = ()
    bounds: dict[str, Bound] = Field(default_factory=dict)
    two_stage: TwoStage | None = None
    adjustments: tuple[Adjustment, ...] = ()


class Scheme(Strict):
    id: Identifier
    name: str
    region: str = ""
    data_year: int | None = None
    description: str = ""
    assumptions: tuple[str, ...] = ()  # rules we chose where the published text is silent
    indicators: dict[Identifier, Indicator]
    groups: tuple[Group, ...] = Field(min_length=1)
    special_classes: tuple[SpecialClass, ...] = ()
    classification: Classification
    defaults: dict[Literal["missing", "zero_denominator"], Rule] = Field(default_factory=dict)

    def class_codes(self) -> list[str]:
        return [c.code for c in self.classification.classes]

    def special(self, code: str) -> SpecialClass | None:
        return next((s for s in self.special_classes if s.code == code), None)
