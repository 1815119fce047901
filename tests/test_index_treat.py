"""Pins for data treatment (tiangong.index.treat) against COINr and published moment values.

Every expected number is typed from the cited source, or (where a source gives only a formula)
worked by hand from that formula; none is computed with the code under test.
"""

from __future__ import annotations

import inspect
import math

import numpy as np
import pandas as pd
import pytest

from tiangong.index import IndexMethodError, denominate, impute, kurtosis, skewness, treat
from tiangong.index.treat import log_ct, passes_skew_kurt, winsorise

# jeksterslabRdist documented examples (skew / kurt reference pages,
# https://jeksterslabds.github.io/jeksterslabRdist/reference/skew.html and .../kurt.html):
# skew(x, type = 2) = 0.09672616 and kurt(x, type = 2) = 0.274319 for this x. Type 2 (G1, G2;
# Joanes & Gill 1998) is the e1071/Excel definition that COINr's skew()/kurt() use.
JG_X = [10, 11, 12, 12, 12, 13, 13, 13, 13, 13, 13, 14, 14, 14, 14, 15, 15, 15, 16, 17]


def test_skewness_and_kurtosis_are_type_2_as_coinr() -> None:
    assert skewness(JG_X) == pytest.approx(0.09672616, abs=1e-8)
    assert kurtosis(JG_X) == pytest.approx(0.274319, abs=1e-6)
    # the same page lists type 1 (biased g1, g2, SciPy's default) as 0.08931506 / -0.07533431:
    # the type-2 values above are different, so the estimator choice is really pinned.
    assert skewness(JG_X) != pytest.approx(0.08931506, abs=1e-6)


def test_coinr_documented_defaults() -> None:
    # COINr 1.1.14 reference, qTreat.coin: winmax = 5, skew_thresh = 2, kurt_thresh = 3.5,
    # f2 = "log_CT"; Treat(): combine_treat = FALSE.
    sig = inspect.signature(treat).parameters
    assert sig["winmax"].default == 5
    assert sig["skew_thresh"].default == 2
    assert sig["kurt_thresh"].default == 3.5
    assert sig["second"].default == "log_ct"
    assert sig["combine"].default is False


def test_winsorise_coinr_reference_example() -> None:
    # COINr pkgdown reference for winsorise() (bluefoxr.github.io/COINr/reference/winsorise.html):
    # x <- c(1:10, 30, 100); winsorise(x, skew_thresh = 2, kurt_thresh = 3.5)
    # $x  1 2 3 4 5 6 7 8 9 10 30 30;  $nwin 1;  $treated "" x 11, "winhi"
    w = winsorise(np.r_[np.arange(1, 11), 30, 100], skew_thresh=2, kurt_thresh=3.5)
    assert w.values.tolist() == [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 30, 30]
    assert w.n_winsorised == 1
    assert w.treated.tolist() == [""] * 11 + ["winhi"]


def test_treat_coinr_test_suite_cases() -> None:
    # COINr tests/testthat/test-treat.R, "treat_num":
    x = np.r_[np.arange(1, 11), 100.0]
    assert not passes_skew_kurt(x)  # "skew and kurt outside limits. Should not pass"
    out = treat(pd.DataFrame({"x": x}), winmax=5, second="none")
    assert out.data["x"].iloc[-1] == 10  # expect_equal(lt$x[x == 100], 10)
    assert out.data["x"].iloc[:10].tolist() == list(range(1, 11))
    assert bool(out.details.loc["x", "pass_final"])  # "should now pass"
    # two outliers, winmax = 1: winsorising alone does not pass ...
    y = np.r_[np.arange(1, 21), 100.0, 200.0]
    one = treat(pd.DataFrame({"y": y}), winmax=1, second="none")
    assert not bool(one.details.loc["y", "pass_final"])
    # ... and with f2 = "log" the column becomes log(x) of the original (combine_treat = FALSE)
    logged = treat(pd.DataFrame({"y": y}), winmax=1, second="log")
    np.testing.assert_allclose(logged.data["y"], np.log(y))


def test_log_ct_formula() -> None:
    # COINr log_CT: log(x - min(x) + 0.01 (max(x) - min(x))). For x = (1, 2, 101): min 1,
    # range 100, so log(0 + 1), log(1 + 1), log(100 + 1), by hand.
    np.testing.assert_allclose(log_ct(np.array([1.0, 2.0, 101.0])),
                               [0.0, math.log(2), math.log(101)])


def test_treat_leaves_passing_columns_alone() -> None:
    frame = pd.DataFrame({"ok": JG_X, "skewed": [1.0] * 19 + [1000.0]})
    out = treat(frame)
    assert out.data["ok"].tolist() == [float(v) for v in JG_X]
    assert out.details.loc["ok", "n_winsorised"] == 0
    assert out.points["ok"].eq("").all()


def test_impute_coinr_conventions() -> None:
    # COINr test-Impute.R: x <- 1:10; x[3] <- NA; i_median fills median(x, na.rm = TRUE) = 6
    # (by hand: the nine values 1,2,4,...,10 have median 6).
    x = pd.DataFrame({"x": [1, 2, np.nan, 4, 5, 6, 7, 8, 9, 10]})
    assert impute(x, "median")["x"].iloc[2] == 6
    # mean of the nine values is 52/9, by hand
    assert impute(x, "mean")["x"].iloc[2] == pytest.approx(52 / 9)
    # group mean: a unit whose group is missing stays missing (COINr "group_mean" test)
    df = pd.DataFrame({"v": [1.0, np.nan, 3.0, np.nan, 10.0]})
    groups = pd.Series(["a", "a", "a", None, "b"])
    out = impute(df, "group_mean", groups)
    assert out["v"].iloc[1] == 2.0
    assert np.isnan(out["v"].iloc[3])
    assert impute(df, "none")["v"].isna().sum() == 2


def test_denominate_divides_and_guards_zero() -> None:
    data = pd.DataFrame({"tax": [100.0, 50.0, 30.0], "score": [1.0, 2.0, 3.0]})
    by = pd.DataFrame({"area_mu": [10.0, 0.0, 3.0]})
    out = denominate(data, {"tax": "area_mu"}, by)
    assert out["tax"].iloc[0] == 10.0 and np.isnan(out["tax"].iloc[1])
    assert out["score"].tolist() == [1.0, 2.0, 3.0]
    with pytest.raises(IndexMethodError):
        denominate(data, {"tax": "population"}, by)


def test_treat_reports_short_columns_by_name() -> None:
    frame = pd.DataFrame({"short": [1.0, 2.0, np.nan, np.nan, 3.0], "ok": [1.0, 2, 3, 4, 5]})
    with pytest.raises(IndexMethodError, match="short"):
        treat(frame)
