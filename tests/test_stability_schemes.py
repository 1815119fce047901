"""Class stability for every scheme family: replicates against the real pipeline.

Each case is a built-in scheme or a variant of one (the template carries every feature of the
format: prior-year, group-mean and group-max benchmarks, min–max, inverse and step items,
group-mean imputation, reweighting, penalties, total bounds, special classes, two-stage classes,
bounds and adjustments reading the percentile). With zero uncertainty every replicate must give
the pipeline's class for every firm. With uncertainty, a replicate's factors are written back into
the scheme (`perturbed_scheme`) and the whole evaluation is re-run by the SQL pipeline: every
class must agree, and every score to 1e-9.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from ruamel.yaml import YAML

from tiangong.demo.generator import generate
from tiangong.evaluation.evaluate import Evaluation, evaluate
from tiangong.evaluation.scheme.loader import LoadedScheme, load_scheme, parse_scheme
from tiangong.evaluation.stability import (
    ClassUncertainty,
    StabilityModel,
    class_stability,
    draw_factors,
    perturbed_scheme,
)

Edit = Callable[[dict[str, Any]], None]


def _thresholds_by_town(s: dict[str, Any]) -> None:
    cls = s["classification"]
    for key in ("two_stage", "quotas", "bounds"):
        cls.pop(key, None)
    cls.update(method="thresholds", thresholds={"A": 70, "B": 50, "C": 30},
               partition_by=["group", "town_code"])


def _quota(ties: str) -> Edit:
    def edit(s: dict[str, Any]) -> None:
        cls = s["classification"]
        cls.pop("two_stage")
        cls.update(method="quota", quotas={"A": 20, "B": 60, "C": 95, "D": 100}, ties=ties,
                   bounds={"A": {"max_share": 15}, "D": {"min_share": 8}})
    return edit


def _rank_by_indicator(s: dict[str, Any]) -> None:
    cls = s["classification"]
    cls.pop("two_stage")
    cls.pop("bounds")
    cls.update(method="quota", rank_by="tax_per_mu", quotas={"A": 20, "B": 60, "C": 95, "D": 100})
    cls["adjustments"].append({"when": "score < 45", "action": "downgrade", "steps": 1,
                               "reason": "总分低于45分，降一档"})


def _capped_emission(s: dict[str, Any]) -> None:
    item = next(i for i in s["groups"][0]["items"] if i["indicator"] == "va_per_emission")
    item["cap"] = 12  # the group-mean imputation now averages capped points


CASES: dict[str, tuple[str, int, Edit | None]] = {
    "huangyan": ("huangyan_2022", 2022, None),
    "huangyan_capped_group_mean": ("huangyan_2022", 2022, _capped_emission),
    "huaian": ("huaian_2024", 2024, None),
    "template": ("template", 2024, None),
    "template_thresholds_by_town": ("template", 2024, _thresholds_by_town),
    "template_quota_better_class": ("template", 2024, _quota("better_class")),
    "template_quota_worse_class": ("template", 2024, _quota("worse_class")),
    "template_rank_by_indicator": ("template", 2024, _rank_by_indicator),
}


def _scheme(base: str, edit: Edit | None) -> LoadedScheme:
    loaded = load_scheme(base)
    if edit is None:
        return loaded
    yaml = YAML(typ="safe")
    data = yaml.load(loaded.text)
    edit(data)
    out = io.StringIO()
    yaml.dump(data, out)
    return parse_scheme(out.getvalue(), f"{base}-variant.yaml")


_DATA: dict[int, dict[str, pa.Table]] = {}


def _data(year: int) -> dict[str, pa.Table]:
    if year not in _DATA:
        _DATA[year] = generate(1500, 11, year=year)
    return _DATA[year]


@pytest.fixture(scope="module", params=list(CASES))
def case(request: pytest.FixtureRequest) -> tuple[Evaluation, dict[str, pa.Table]]:
    base, year, edit = CASES[request.param]
    data = _data(year)
    return evaluate(_scheme(base, edit), data, year), data


def _expected(ev: Evaluation, codes: list[str]) -> np.ndarray:
    df = ev.to_pandas()
    index = {c: i for i, c in enumerate(codes)}
    ranked = df["group"].notna() & df["special_class"].isna()
    return np.array([index[c] if r else -1 for c, r in zip(df["class"], ranked, strict=True)])


def test_zero_uncertainty_reproduces_the_pipeline(case: tuple[Evaluation, Any]) -> None:
    ev, _ = case
    out = class_stability(ev, ClassUncertainty(benchmark=0.0, weight=0.0), n=30, seed=1)
    res = ev.to_pandas()
    assert (out["p_keep"] == 1.0).all()
    assert (out["modal_class"].fillna("-") == res["class"].fillna("-")).all()
    with StabilityModel(ev) as model:
        ones = np.ones((4, len(model.columns)))
        got = model.replicate_classes(ones, ones)
    assert (got == _expected(ev, model.codes)[None, :]).all()


def test_perturbed_replicates_equal_a_pipeline_rerun(case: tuple[Evaluation, Any]) -> None:
    ev, data = case
    with StabilityModel(ev) as model:
        fw, fb = draw_factors(model.columns, ClassUncertainty(benchmark=0.15, weight=0.15),
                              n=2, seed=4)
        scores, _, _ = model.layout_classes(fw, fb)
        got = model.replicate_classes(fw, fb)
    nominal = _expected(ev, model.codes)
    fixed_order = ev.scheme.scheme.classification.rank_by != "total"
    for k in range(2):
        scheme = perturbed_scheme(ev.scheme.scheme, model.columns, fw[k], fb[k])
        rerun = evaluate(LoadedScheme(scheme, "replicate", ""), data, ev.year)
        expected = _expected(rerun, model.codes)
        assert (got[k] == expected).all(), np.flatnonzero(got[k] != expected)[:10]
        res = rerun.to_pandas()
        assert np.allclose(scores[k], res["score"].to_numpy()[model.rows], rtol=0, atol=1e-9,
                           equal_nan=True)
        if not fixed_order:  # the test means something: the replicate moved firms
            assert (expected != nominal).sum() >= 5
    if fixed_order:
        assert (got != nominal).any()  # only the score-reading adjustment moves firms


def test_probabilities_sum_to_one_and_specials_stay(case: tuple[Evaluation, Any]) -> None:
    ev, _ = case
    out = class_stability(ev, ClassUncertainty(benchmark=0.1, weight=0.1), n=200, seed=2)
    assert np.allclose(out["p_keep"] + out["p_up"] + out["p_down"], 1.0)
    res = ev.to_pandas()
    fixed = (res["special_class"].notna() | res["group"].isna()).to_numpy()
    assert (out.loc[fixed, "p_keep"] == 1.0).all()
    assert (out.loc[fixed, "modal_class"].fillna("-") == res.loc[fixed, "class"].fillna("-")).all()
    assert (out["p_keep"] < 1).any()


def test_template_percentile_upgrade_follows_the_replicate_rank() -> None:
    """The template upgrades firms with R&D ≥ 5 % ranked in the top half: under uncertainty a
    firm near the half-way rank is upgraded in some replicates only, so its class varies even
    though no quota boundary is near it."""
    ev = evaluate("template", _data(2024), 2024)
    res = ev.to_pandas()
    out = class_stability(ev, ClassUncertainty(benchmark=0.1), n=300, seed=3)
    upgraded = res["class_reason"].fillna("").str.contains("升一档").to_numpy()
    assert upgraded.any()
    half = (res["percentile"] > 0.45) & (res["percentile"] <= 0.5) & upgraded
    assert half.any() and (out.loc[half, "p_keep"] < 1).any()
    pd.testing.assert_series_equal(out["uscc"], res["uscc"], check_names=False)
