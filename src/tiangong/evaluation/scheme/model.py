"""The scheme: a county's published evaluation rules as data.

Every published 办法 differs in groups, indicators, benchmarks, missing-data rules and class
quotas, so none of it is code. These models are the shape of the YAML file (the class rules are
in `classification.py`); `validate.py` adds the checks that span fields (rules a scheme must
state, names that must exist) and `loader.py` turns every problem into a message with the file
and line. docs/scheme-format.md is the user reference of every key.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from tiangong.evaluation.scheme.classification import (
    Adjustment,
    Bound,
    ClassDef,
    Classification,
    SpecialClass,
    TieBreak,
    TwoStage,
)
from tiangong.evaluation.scheme.types import ClassCode, Identifier, Number, Percent, Strict

__all__ = [
    "Adjustment", "Benchmark", "Bound", "ClassCode", "ClassDef", "Classification", "Clip", "Group",
    "Identifier", "Indicator", "Item", "Number", "Percent", "PointsItem", "Range", "Rule",
    "Scheme", "Selector", "SpecialClass", "Step", "Strict", "TieBreak", "TotalBounds", "TwoStage",
    "Variable",
]

SQL_TYPES = {"number": "DOUBLE", "text": "VARCHAR", "boolean": "BOOLEAN", "date": "DATE"}


class Variable(Strict):
    """A column of the enterprise table the canonical format lacks (COD, 工业总产值, a flag),
    declared by the scheme that reads it."""

    label: str
    type: Literal["number", "text", "boolean", "date"]
    unit: str = ""
    can_be_negative: bool = False  # a scored item reading it must state a floor


class Indicator(Strict):
    label: str
    expr: str
    unit: str = ""


class Benchmark(Strict):
    """What an indicator is divided by: a published constant or a statistic of a group."""

    kind: Literal["constant", "group_mean", "group_max", "prior_year_mean"]
    value: Number | None = None
    factor: Number = Field(default=1.0, gt=0)

    @model_validator(mode="after")
    def _value_for_constant(self) -> Benchmark:
        if self.kind == "constant" and (self.value is None or self.value <= 0):
            raise ValueError("a constant benchmark needs a positive 'value'")
        if self.kind != "constant" and self.value is not None:
            raise ValueError(f"'value' is only for kind: constant (got kind: {self.kind})")
        if self.kind == "constant" and "factor" in self.model_fields_set:
            raise ValueError("'factor' is for group statistics; write the product as 'value'")
        return self


class Rule(Strict):
    """What to do with an item when its value is missing or its denominator is zero."""

    kind: Literal["group_mean", "zero", "penalty", "reweight", "special_class"]
    points: Number | None = None  # for penalty: points deducted (positive number)
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
        if self.kind != "penalty" and self.points is not None:
            raise ValueError(f"'points' is only for penalty (got {self.kind})")
        if self.kind != "special_class" and self.special_class is not None:
            raise ValueError(f"'special_class' is only for kind special_class (got {self.kind})")
        return self


class Step(Strict):
    at_least: Number
    points: Number


def _distinct_steps(steps: tuple[Step, ...]) -> tuple[Step, ...]:
    thresholds = [s.at_least for s in steps]
    if len(set(thresholds)) != len(thresholds):
        raise ValueError("two steps have the same 'at_least'")
    return steps


class Clip(Strict):
    """Outliers before min–max scaling: the range between two ranked positions (percent)."""

    low_percent: Percent
    high_percent: Percent

    @model_validator(mode="after")
    def _ordered(self) -> Clip:
        if self.low_percent >= self.high_percent:
            raise ValueError(f"clip 'low_percent' ({self.low_percent:g}) must be below "
                             f"'high_percent' ({self.high_percent:g})")
        return self


class Item(Strict):
    """One scored indicator of a group."""

    indicator: Identifier
    method: Literal["ratio", "minmax", "inverse", "rank_only", "steps"]
    weight: Number = 0.0
    benchmark: Benchmark | None = None
    low: Percent = 20.0  # minmax: score at the group minimum, in percent of weight
    high: Percent = 100.0  # minmax: score at the group maximum
    clip: Clip | None = None  # minmax: outliers count as the values at two ranked positions
    steps: tuple[Step, ...] = ()
    cap: Number | None = None  # maximum points
    floor: Number | None = None  # minimum points; must be stated for negative-capable inputs
    missing: Rule | None = None
    zero_denominator: Rule | None = None
    invalid: Rule | None = None  # a value ln/sqrt/pow cannot give, or beyond double range

    @field_validator("benchmark", mode="before")
    @classmethod
    def _number_is_constant(cls, value: Any) -> Any:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return {"kind": "constant", "value": value}
        return value

    @field_validator("steps")
    @classmethod
    def _steps(cls, steps: tuple[Step, ...]) -> tuple[Step, ...]:
        return _distinct_steps(steps)

    @model_validator(mode="after")
    def _bounds(self) -> Item:
        if self.cap is not None and self.floor is not None and self.floor > self.cap:
            raise ValueError(f"floor {self.floor:g} is above cap {self.cap:g}")
        if self.method == "minmax" and self.low > self.high:
            raise ValueError(f"minmax 'low' ({self.low:g}) is above 'high' ({self.high:g})")
        return self


class PointsItem(Strict):
    """A bonus or penalty: points from an expression, linear or by a step table."""

    id: Identifier
    label: str
    expr: str
    per_unit: Number | None = None
    steps: tuple[Step, ...] = ()
    cap: Number | None = None

    @field_validator("steps")
    @classmethod
    def _steps(cls, steps: tuple[Step, ...]) -> tuple[Step, ...]:
        return _distinct_steps(steps)

    @model_validator(mode="after")
    def _one_way(self) -> PointsItem:
        if (self.per_unit is None) == (not self.steps):
            raise ValueError("give exactly one of 'per_unit' or 'steps'")
        return self


class Range(Strict):
    min: Number | None = None
    max: Number | None = None
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
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"range 'min' {self.min:g} is above 'max' {self.max:g}")
        return self


class Selector(Strict):
    size_class: tuple[Literal["above", "below"], ...] = ()
    land_area: Range | None = None
    age_years: Range | None = None
    industry_divisions: tuple[str, ...] = ()  # two-digit GB/T 4754 codes
    exclude_industry_divisions: tuple[str, ...] = ()
    where: str | None = None


class TotalBounds(Strict):
    cap: Number | None = None
    floor: Number | None = None


class Group(Strict):
    id: Identifier
    label: str
    select: Selector
    items: tuple[Item, ...] = Field(min_length=1)
    bonus: tuple[PointsItem, ...] = ()
    penalties: tuple[PointsItem, ...] = ()
    total: TotalBounds = TotalBounds()


class Scheme(Strict):
    id: Identifier
    name: str
    region: str = ""
    data_year: int | None = None
    description: str = ""
    assumptions: tuple[str, ...] = ()  # rules we chose where the published text is silent
    variables: dict[Identifier, Variable] = Field(default_factory=dict)
    indicators: dict[Identifier, Indicator]
    groups: tuple[Group, ...] = Field(min_length=1)
    special_classes: tuple[SpecialClass, ...] = ()
    classification: Classification
    defaults: dict[Literal["missing", "zero_denominator", "invalid"], Rule] = Field(
        default_factory=dict)

    def class_codes(self) -> list[str]:
        return [c.code for c in self.classification.classes]

    def special(self, code: str) -> SpecialClass | None:
        return next((s for s in self.special_classes if s.code == code), None)
