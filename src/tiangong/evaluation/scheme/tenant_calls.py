"""`tenant_count(condition)` and `leased_out_area(condition)`: tenancy counts by the tenants'
own attributes.

温岭 deducts points only for 规下 tenants, while the plain `tenant_count` counts every tenant.
The condition reads the *tenant's* row of the enterprise table of the same year (its canonical
columns, `industry_division` and the scheme's declared variables), e.g.
`tenant_count(size_class = 'below')`. A tenant without a row that year has no attributes and is
not counted by a condition. Each distinct condition becomes one count column, named by a hash
of its SQL, joined where the scheme first reads it (`pipeline.joins`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass

from sqlglot import exp

TENANT_FUNCTIONS = {"tenant_count": "tenants", "leased_out_area": "leased"}
# the landlord's result and derived counts are not the tenant's attributes
_NOT_TENANT = {"score", "percentile", "partition_size", "age_years", "production_years",
               "tenant_count", "leased_out_area"}


@dataclass(frozen=True)
class TenantFilter:
    kind: str  # tenant_count or leased_out_area
    condition: str  # SQL over the tenant subquery's columns (tn_<name>)
    reads: tuple[str, ...]  # the tenant's variables it reads

    @property
    def column(self) -> str:
        digest = hashlib.sha1(self.condition.encode()).hexdigest()[:10]
        return f"{TENANT_FUNCTIONS[self.kind]}_{digest}"


def is_tenant_call(node: exp.Expr) -> bool:
    return isinstance(node, exp.Anonymous) and str(node.this).lower() in TENANT_FUNCTIONS


def inside_tenant_call(node: exp.Expr) -> bool:
    parent = node.parent
    while parent is not None:
        if is_tenant_call(parent):
            return True
        parent = parent.parent
    return False


def tenant_names(names: Mapping[str, str]) -> dict[str, str]:
    """The names a condition on tenants may read: plain variables of the enterprise row."""
    return {k: f"tn_{k}" for k, v in names.items()
            if (k == v or k == "industry_division") and "." not in k and k not in _NOT_TENANT}


def tenant_source(reads: set[str]) -> str:
    """The tenants' rows with the columns conditions read, prefixed tn_."""
    cols = ["uscc AS tn_uscc", "year AS tn_year"]
    for name in sorted(reads):
        if name == "industry_division":
            cols.append("SUBSTRING(industry_code, 1, 2) AS tn_industry_division")
        elif name not in ("uscc", "year"):
            cols.append(f"{name} AS tn_{name}")
    return f"(SELECT {', '.join(cols)} FROM enterprises)"
