"""Field types shared by the scheme models.

Numbers are strict: a weight written as `"30"` or `30%` or `yes` in the YAML is refused rather
than coerced, because a scheme's numbers are published figures and a quoted one is usually a typo.
Integers are accepted wherever a number is.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

Identifier = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=48)]
ClassCode = Annotated[str, Field(pattern=r"^[A-Za-z0-9_\-\u4e00-\u9fff]{1,16}$")]
Number = Annotated[float, Field(strict=True)]
Percent = Annotated[float, Field(strict=True, ge=0, le=100)]


class Strict(BaseModel):
    """Unknown keys are errors (a misspelt key must not be silently ignored)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
