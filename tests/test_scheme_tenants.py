"""Issue 15.7: tenancy rules by the tenants' own attributes (温岭 deducts only for 规下
tenants; the plain `tenant_count` counts every tenant). Expected points worked in comments."""

from __future__ import annotations

import pytest
from conftest import tables

from tiangong.errors import SchemeError
from tiangong.evaluation.evaluate import evaluate
from tiangong.evaluation.scheme.loader import LoadedScheme, parse_scheme


def scheme(penalty: str = "tenant_count(size_class = 'below')") -> LoadedScheme:
    return parse_scheme(f"""\
id: tenants
name: 出租扣分
indicators:
  tax_per_mu: {{label: 亩均税收, expr: eval_tax / land_area}}
  below_leased: {{label: 出租给规下企业的用地, expr: "leased_out_area(size_class = 'below')"}}
defaults: {{missing: zero, zero_denominator: zero}}
groups:
  - id: g
    label: 规上
    select: {{size_class: [above]}}
    items:
      - {{indicator: tax_per_mu, method: ratio, weight: 100, benchmark: 1, floor: 0}}
      - {{indicator: below_leased, method: rank_only}}
    penalties:
      - {{id: below_tenants, label: 出租给规下企业扣分, expr: "{penalty}", per_unit: 5}}
      - {{id: all_tenants, label: 出租户数扣分, expr: tenant_count, per_unit: 1}}
classification:
  classes: [{{code: A, label: A}}, {{code: B, label: B}}]
  method: quota
  quotas: {{A: 50, B: 100}}
  rounding: floor
  ties: tiebreak
  tiebreak: [{{by: eval_tax, order: desc}}]
""", "tenants.yaml")


def test_only_tenants_matching_the_condition_count() -> None:
    rows = [{"uscc": "L1", "size_class": "above", "land_area": 10.0, "eval_tax": 100.0},
            {"uscc": "L2", "size_class": "above", "land_area": 10.0, "eval_tax": 50.0},
            {"uscc": "T1", "size_class": "below", "land_area": 1.0},
            {"uscc": "T2", "size_class": "above", "land_area": 1.0},
            {"uscc": "T4", "size_class": "below", "land_area": 1.0}]
    leases = [{"year": 2022, "landlord_uscc": "L1", "tenant_uscc": t, "land_area": a}
              for t, a in (("T1", 2.0), ("T2", 3.0), ("T3", 4.0))]
    leases.append({"year": 2022, "landlord_uscc": "L2", "tenant_uscc": "T4", "land_area": 1.5})
    leases.append({"year": 2021, "landlord_uscc": "L2", "tenant_uscc": "T1", "land_area": 9.0})
    res = {r["uscc"]: r for r in evaluate(scheme(), tables(rows, tenancies=leases),
                                          2022).results.to_pylist()}
    # L1 lets to T1 (规下), T2 (规上) and T3 (no row in 2022: no attributes, not counted by
    # a condition): 1 规下 tenant → 5 points; 3 tenants → 3 points;
    # score 100 · (100/10) / 1 − 8 = 992
    assert res["L1"]["points_below_tenants"] == 5.0 and res["L1"]["points_all_tenants"] == 3.0
    assert res["L1"]["score"] == pytest.approx(992.0)
    assert res["L1"]["value_below_leased"] == 2.0  # only T1's 2 亩
    # L2: T4 (规下) in 2022; the 2021 lease is another year → 5 + 1 points; 100 · (50/10) − 6 = 494
    assert res["L2"]["points_below_tenants"] == 5.0 and res["L2"]["points_all_tenants"] == 1.0
    assert res["L2"]["score"] == pytest.approx(494.0)
    assert res["L2"]["value_below_leased"] == 1.5


def test_the_condition_is_checked() -> None:
    with pytest.raises(SchemeError, match="must be of one type"):
        scheme("tenant_count(size_class = 3)")
    with pytest.raises(SchemeError, match="reads the tenant's own row"):
        scheme("tenant_count(tax_per_mu > 3)")
    with pytest.raises(SchemeError, match="takes one condition"):
        scheme("tenant_count()")
    with pytest.raises(SchemeError, match="takes a condition on the tenant"):
        scheme("tenant_count(land_area)")
