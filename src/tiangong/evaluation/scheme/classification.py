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


# What ranks firms: 'total', an indicator id, or an expression over indicator values and item
# points (`points.tax_per_mu + points.rd_share`); a mapping gives each group its own measure.
Measure = str | dict[Identifier, str]


class TwoStage(Strict):
    """One selection stage: `share` % of the partition put in `class`, chosen among the top
    (or bottom) part of the main ranking by their own measure `by`."""

    class_: str = Field(alias="class")
    candidates_top_share: Number | None = Field(default=None, gt=0, le=100)
    candidates_bottom_share: Number | None = Field(default=None, gt=0, le=100)
    by: Measure
    order: Literal["desc", "asc"] = "desc"  # desc: the highest `by` chosen first
    share: Number = Field(gt=0, le=100)

    @model_validator(mode="after")
    def _one_window(self) -> TwoStage:
        if (self.candidates_top_share is None) == (self.candidates_bottom_share is None):
            raise ValueError("give exactly one of 'candidates_top_share' (candidates from the "
                             "top of the ranking) or 'candidates_bottom_share' (from the bottom)")
        return self

    @property
    def window(self) -> float:
        return float(self.candidates_top_share or self.candidates_bottom_share or 0)


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
    # 'group' or any text variable (county_code, town_code, industry_division, a declared one)
    partition_by: tuple[Identifier, ...] = ("group",)
    rank_by: Measure = "total"  # 'total', an indicator id, an expression, or one per group
    method: Literal["quota", "thresholds", "two_stage"]
    quotas: dict[str, Percent] | None = None  # cumulative percent per class, last = 100
    # per group: its own cumulative quota table (温岭: 规上 20/80/95, 规下 5/75/95)
    group_quotas: dict[Identifier, dict[str, Percent]] = Field(default_factory=dict)
    thresholds: dict[str, Number] | None = None  # minimum score per class, last class none
    rounding: Literal["floor", "round_half_up", "ceil"] | None = None
    ties: Literal["tiebreak", "better_class", "worse_class"] | None = None
    tiebreak: tuple[TieBreak, ...] = ()
    bounds: dict[str, Bound] = Field(default_factory=dict)
    two_stage: TwoStage | None = None
    stages: tuple[TwoStage, ...] = ()  # several stages, in order (two_stage: exactly one)
    adjustments: tuple[Adjustment, ...] = ()

    def stage_list(self) -> tuple[TwoStage, ...]:
        """The selection stages: `stages`, or the single `two_stage` block."""
        return self.stages or ((self.two_stage,) if self.two_stage is not None else ())

    def quota_table(self, group_id: str | None = None) -> dict[str, float] | None:
        """The cumulative quotas of `group_id` (its own table, else `quotas`)."""
        if group_id is not None and group_id in self.group_quotas:
            return self.group_quotas[group_id]
        return self.quotas
