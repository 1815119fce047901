"""The class rules of a scheme: classes, special classes, quotas, bounds, adjustments.

Quotas are cumulative percentages of the ranked firms of a partition. How a share becomes a
number of firms (`rounding`), how equal scores at a boundary are treated (`ties`) and whether
special-class firms count in the denominator (`in_denominator`) differ between counties, so
each must be written in the scheme; `validate.py` refuses a scheme that leaves one out.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from tiangong.evaluation.scheme.types import ClassCode, Identifier, Number, Percent, Strict


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
    max_share: Percent | None = None  # at most this share of the partition in the class
    min_share: Percent | None = None  # at least this share (last class only)

    @model_validator(mode="after")
    def _one_given(self) -> Bound:
        if self.max_share is None and self.min_share is None:
            raise ValueError("a bound needs 'max_share' or 'min_share'")
        return self


class TwoStage(Strict):
    class_: str = Field(alias="class")
    candidates_top_share: Number = Field(gt=0, le=100)
    by: Identifier  # indicator id whose value ranks the candidates
    share: Number = Field(gt=0, le=100)


class Adjustment(Strict):
    when: str
    action: Literal["set", "downgrade", "upgrade", "at_most", "at_least"]
    class_: str | None = Field(default=None, alias="class")
    steps: int = Field(default=1, ge=1, strict=True)
    reason: str

    @model_validator(mode="after")
    def _class_needed(self) -> Adjustment:
        if self.action in ("set", "at_most", "at_least") and not self.class_:
            raise ValueError(f"action '{self.action}' needs 'class'")
        if self.action in ("downgrade", "upgrade") and self.class_:
            raise ValueError(f"action '{self.action}' moves by 'steps'; it takes no 'class'")
        if self.action not in ("downgrade", "upgrade") and "steps" in self.model_fields_set:
            raise ValueError(f"'steps' is only for downgrade and upgrade, not '{self.action}'")
        return self


class Classification(Strict):
    classes: tuple[ClassDef, ...] = Field(min_length=1)  # best first
    partition_by: tuple[Literal["group", "county_code", "town_code", "industry_division"], ...] = (
        "group",
    )
    rank_by: str = "total"  # 'total' or an indicator id (rank-only schemes)
    method: Literal["quota", "thresholds", "two_stage"]
    quotas: dict[str, Percent] | None = None  # cumulative percent per class, last = 100
    thresholds: dict[str, Number] | None = None  # minimum score per class, last class none
    rounding: Literal["floor", "round_half_up", "ceil"] | None = None
    ties: Literal["tiebreak", "better_class", "worse_class"] | None = None
    tiebreak: tuple[TieBreak, ...] = ()
    bounds: dict[str, Bound] = Field(default_factory=dict)
    two_stage: TwoStage | None = None
    adjustments: tuple[Adjustment, ...] = ()
