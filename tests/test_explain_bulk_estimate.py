"""Issue 15.22: how far the item-gap what-if stored at publication (`explain_bulk`) is from the
exact answer, measured on a generated demo county.

The estimate says: raise indicator X to `needed` (all else unchanged) and the firm's score
reaches the lowest score of the next better class in its partition. It is checked here by a
full re-evaluation with the firm's inputs changed so that only X moves: 亩均税收 of a 规下
firm under 黄岩 (items 亩均税收 and 单位用电税收, constant benchmarks; land feeds only the
first), with the land area set to tax / needed. What the module docstring says can differ
must be what differs, firm by firm:

- the score: reached exactly (constant benchmarks, linear ratio item, no mean imputation in
  the group): |score − floor| ≤ 1e-9 relative;
- the class: the target class, or not when the firm ties the boundary firm and the tie rule
  (黄岩: higher 评价税收 first) gives the place to the other firm, or when the implied land
  area leaves the group (规下 needs ≥ 3 亩) or an adjustment applies.
"""

from __future__ import annotations

import pyarrow.compute as pc

from tiangong.demo.generator import generate
from tiangong.evaluation.evaluate import evaluate
from tiangong.evaluation.explain_bulk import class_floors, compact_rows, group_constants
from tiangong.evaluation.scheme.loader import load_scheme
from tiangong.evaluation.whatif_exact import _with_value, current_value

YEAR = 2022


def test_item_gap_estimate_against_full_re_evaluation() -> None:
    tables = generate(300, 11, year=YEAR)
    loaded = load_scheme("huangyan_2022")
    ev = evaluate(loaded, tables, YEAR)
    order = loaded.scheme.class_codes()
    groups = group_constants(loaded, ev.benchmarks)
    floors = class_floors(ev.results, order)
    outcomes: dict[str, int] = {"reached": 0, "tie lost": 0, "left group": 0}
    for row, cr in zip(ev.results.to_pylist(), compact_rows(loaded, ev.results, groups, floors),
                       strict=True):
        if row["group"] != "below" or row["special_class"] is not None:
            continue
        est = next((w for w in cr.what_if if w.get("indicator") == "tax_per_mu"
                    and w.get("needed") is not None), None)
        if est is None or sum(outcomes.values()) >= 6:
            continue
        tax = current_value(ev.inputs, YEAR, row["uscc"], "eval_tax")
        land = tax / est["needed"]
        again = evaluate(loaded, _with_value(ev.inputs, row["uscc"], YEAR, "land_area", land),
                         YEAR, check_inputs=False, fingerprint=False).results
        now = again.filter(pc.equal(again["uscc"], row["uscc"])).to_pylist()[0]
        if now["group"] != "below":
            assert land < 3  # the group's selector: 规下 with at least 3 亩
            outcomes["left group"] += 1
            continue
        floor = floors[row["partition"]][cr.next_class]
        assert abs(now["score"] - floor) <= 1e-9 * floor, (row["uscc"], now["score"], floor)
        if now["class"] == cr.next_class:
            outcomes["reached"] += 1
            continue
        # the boundary firm keeps its place: same score, and it wins the tie on 评价税收
        assert now["class"] == row["class"]
        same = again.filter(pc.and_(pc.equal(again["partition"], row["partition"]),
                                    pc.equal(again["class"], cr.next_class)))
        lowest = min(same.to_pylist(), key=lambda r: (r["score"], r["uscc"]))
        other_tax = current_value(ev.inputs, YEAR, lowest["uscc"], "eval_tax")
        assert abs(lowest["score"] - now["score"]) <= 1e-9 * floor and other_tax >= tax
        outcomes["tie lost"] += 1
    print(f"item-gap estimate on 6 规下 firms of a 300-firm demo county: {outcomes}")
    assert sum(outcomes.values()) == 6
    assert outcomes["reached"] >= 1 and outcomes["tie lost"] >= 1
