"""How a run's coded texts are said in words, in one object: the scheme's title for the year,
the class reasons' conditions (`describe.reason_words`: a special class's `when`, a two-stage
measure) and the class labels (an imputation "special_class X" note).

`explain` builds it from the stored scheme; a platform publication stores it (`to_dict`) so
that the explanations `explain_bulk.explanation` rebuilds from published rows say the same
words as `explain` does, without reading the scheme again per enterprise page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tiangong.evaluation.describe import (
    imputation_note,
    named_for_year,
    reason_in_words,
    reason_words,
)
from tiangong.evaluation.scheme.model import Scheme


@dataclass(frozen=True)
class Wording:
    scheme_name: str = ""
    reasons: tuple[tuple[str, str], ...] = ()  # (as computed, as published)
    class_labels: tuple[tuple[str, str], ...] = ()  # (code, label), special classes included

    @classmethod
    def of(cls, scheme: Scheme, year: int) -> Wording:
        labels = {c.code: c.label for c in scheme.classification.classes}
        labels.update({s.code: s.label for s in scheme.special_classes})
        return cls(named_for_year(scheme, year), reason_words(scheme), tuple(labels.items()))

    def reason(self, computed: str | None) -> str:
        """A class reason with every condition in words."""
        return reason_in_words(computed or "", self.reasons)

    def imputed(self, rule: object) -> str:
        """An `imputed_X` rule in words."""
        return imputation_note(rule, dict(self.class_labels))

    def to_dict(self) -> dict[str, Any]:
        return {"scheme_name": self.scheme_name, "reasons": [list(p) for p in self.reasons],
                "class_labels": [list(p) for p in self.class_labels]}

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Wording:
        """From `to_dict()`; empty (texts as computed) for a publication stored without it."""
        data = data or {}
        return cls(str(data.get("scheme_name", "")),
                   tuple((str(a), str(b)) for a, b in data.get("reasons", [])),
                   tuple((str(a), str(b)) for a, b in data.get("class_labels", [])))
