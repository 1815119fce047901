"""Data preparation before normalisation: denomination, imputation and outlier treatment.

Outlier treatment follows COINr's `Treat()` / `qTreat()` exactly (Varbanov, JRC), because that is
the reference implementation of the JRC/OECD Handbook practice and its defaults are documented:
`winmax = 5`, `skew_thresh = 2`, `kurt_thresh = 3.5`, second-stage function `log_CT`, and the
second stage applied to the *original* column (`combine_treat = FALSE`). An indicator passes when
|skewness| < 2 **or** kurtosis < 3.5 (COINr's `check_SkewKurt`), so only columns that are both
skewed and heavy-tailed are treated. Skewness and kurtosis are the sample-adjusted G1 and excess G2
(e1071 type 2, Excel's SKEW/KURT) that COINr uses; SciPy's defaults are the biased g1/g2, which give
different treatment decisions on the small samples of a county or a province.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from tiangong.index._common import FloatArray, as_frame, fail, fail_all

#: COINr's documented qTreat()/Treat() defaults (COINr 1.1.14 reference, `qTreat.coin`).
COINR_WINMAX = 5
COINR_SKEW_THRESH = 2.0
COINR_KURT_THRESH = 3.5

SecondStage = Literal["log_ct", "log_ct_orig", "log", "none"]
ImputeMethod = Literal["mean", "median", "group_mean", "group_median", "none"]


def skewness(x: FloatArray) -> float:
    """Sample skewness G1 (e1071 type 2, Excel SKEW); NaN ignored, needs three values."""
    v = np.asarray(x, dtype=float)
    v = v[~np.isnan(v)]
    n = v.size
    if n < 3:
        raise fail(f"skewness needs at least 3 values, got {n}")
    d = v - v.mean()
    m2 = float(np.sum(d**2))
    if m2 == 0.0:
        return float("nan")
    g1 = np.sqrt(n) * float(np.sum(d**3)) / m2**1.5
    return float(g1 * np.sqrt(n * (n - 1)) / (n - 2))


def kurtosis(x: FloatArray) -> float:
    """Sample excess kurtosis G2 (e1071 type 2, Excel KURT); NaN ignored, needs four values."""
    v = np.asarray(x, dtype=float)
    v = v[~np.isnan(v)]
    n = v.size
    if n < 4:
        raise fail(f"kurtosis needs at least 4 values, got {n}")
    d = v - v.mean()
    m2 = float(np.sum(d**2))
    if m2 == 0.0:
        return float("nan")
    r = n * float(np.sum(d**4)) / m2**2
    return float(((n + 1) * (r - 3) + 6) * (n - 1) / ((n - 2) * (n - 3)))


def passes_skew_kurt(x: FloatArray, skew_thresh: float = COINR_SKEW_THRESH,
                     kurt_thresh: float = COINR_KURT_THRESH) -> bool:
    """COINr's pass rule: |skew| < skew_thresh OR kurtosis < kurt_thresh.

    A constant column (undefined moments) passes: there is nothing to treat.
    """
    sk, kt = skewness(x), kurtosis(x)
    if np.isnan(sk) or np.isnan(kt):
        return True
    return bool(abs(sk) < skew_thresh or kt < kurt_thresh)


@dataclass(frozen=True)
class Winsorised:
    """A winsorised column: values, the count COINr reports as `nwin`, and per-point marks."""

    values: FloatArray
    n_winsorised: int
    treated: np.ndarray  # "" | "winhi" | "winlo" per point


def winsorise(x: FloatArray, winmax: int | None = COINR_WINMAX,
              skew_thresh: float = COINR_SKEW_THRESH,
              kurt_thresh: float = COINR_KURT_THRESH) -> Winsorised:
    """Winsorise one point at a time, on the side the skew points to, until the column passes.

    As in COINr's `winsorise()`: the current maximum (or minimum, when skew < 0) and any ties are
    set to the next value in; `n_winsorised` counts the points sitting at the cap(s) after the last
    step, which equals the number of points moved when the raw data have no ties. `winmax=None`
    means no limit. The loop is sequential by nature (each step changes the skew it tests).
    """
    v = np.asarray(x, dtype=float).copy()
    imax = np.zeros(v.size, dtype=bool)
    imin = np.zeros(v.size, dtype=bool)
    nwin = 0
    passing = passes_skew_kurt(v, skew_thresh, kurt_thresh)
    while not passing and (winmax is None or nwin < winmax):
        finite = ~np.isnan(v)
        if skewness(v) >= 0:
            imax = finite & (v == np.nanmax(v))
            rest = v[finite & ~imax]
            if rest.size == 0:
                break
            v[imax] = rest.max()
        else:
            imin = finite & (v == np.nanmin(v))
            rest = v[finite & ~imin]
            if rest.size == 0:
                break
            v[imin] = rest.min()
        nwin = int(imax.sum() + imin.sum())
        passing = passes_skew_kurt(v, skew_thresh, kurt_thresh)
    treated = np.full(v.size, "", dtype=object)
    treated[imax] = "winhi"
    treated[imin] = "winlo"
    return Winsorised(v, nwin, treated)


def log_ct(x: FloatArray) -> FloatArray:
    """COINr `log_CT`: log(x - min + 0.01 (max - min)); keeps order, defined for any sign."""
    v = np.asarray(x, dtype=float)
    lo, hi = np.nanmin(v), np.nanmax(v)
    return np.asarray(np.log(v - lo + 0.01 * (hi - lo)))


def log_ct_orig(x: FloatArray) -> FloatArray:
    """COINr `log_CT_orig` (the original COIN Tool log): log(x - min + 1)."""
    v = np.asarray(x, dtype=float)
    return np.asarray(np.log(v - np.nanmin(v) + 1.0))


def _log(x: FloatArray) -> FloatArray:
    return np.asarray(np.log(np.asarray(x, dtype=float)))


_SECOND: dict[str, Callable[[FloatArray], FloatArray]] = {
    "log_ct": log_ct, "log_ct_orig": log_ct_orig, "log": _log}


@dataclass(frozen=True)
class Treated:
    """Treated table, one row of details per indicator, and per-point marks ("winhi", "log_ct")."""

    data: pd.DataFrame
    details: pd.DataFrame
    points: pd.DataFrame


def treat(data: pd.DataFrame, winmax: int | None = COINR_WINMAX,
          skew_thresh: float = COINR_SKEW_THRESH, kurt_thresh: float = COINR_KURT_THRESH,
          second: SecondStage = "log_ct", combine: bool = False,
          columns: list[str] | None = None) -> Treated:
    """COINr's two-stage treatment of every (or each listed) indicator column.

    1. A column that passes the skew/kurtosis rule is left alone.
    2. Otherwise it is winsorised (up to `winmax` points); if that passes, keep it.
    3. Otherwise `second` is applied -- to the original column, or to the winsorised one when
       `combine=True` (COINr's `combine_treat`) -- and kept whether or not it then passes; the
       details table says so, so that an analyst can see which indicators still fail.
    """
    if second not in (*_SECOND, "none"):
        raise fail(f"unknown second-stage treatment {second!r}", "second")
    frame = as_frame(data)
    out = frame.copy()
    marks = pd.DataFrame("", index=frame.index, columns=frame.columns, dtype=object)
    todo = columns if columns is not None else list(frame.columns)
    fail_all(((c, "not an indicator column") for c in todo if c not in frame.columns),
             "outlier treatment")
    fail_all(((c, "needs at least 4 non-missing values for the skew/kurtosis rule")
              for c in todo if frame[c].notna().sum() < 4), "outlier treatment")
    rows = []
    for col in todo:
        x = frame[col].to_numpy()
        row: dict[str, object] = {"indicator": col, "skew": skewness(x), "kurt": kurtosis(x)}
        row["pass_raw"] = passes_skew_kurt(x, skew_thresh, kurt_thresh)
        row.update(n_winsorised=0, pass_winsorised=None, second=None, pass_final=row["pass_raw"])
        if not row["pass_raw"]:
            w = winsorise(x, winmax, skew_thresh, kurt_thresh)
            ok = passes_skew_kurt(w.values, skew_thresh, kurt_thresh)
            row.update(n_winsorised=w.n_winsorised, pass_winsorised=ok, pass_final=ok)
            out[col], marks[col] = w.values, w.treated
            if not ok and second != "none":
                base = w.values if combine else x
                y = _SECOND[second](base)
                out[col] = y
                label = np.where(w.treated != "", w.treated + "+" + second, second)
                marks[col] = label if combine else second
                row.update(second=second, pass_final=passes_skew_kurt(y, skew_thresh,
                                                                       kurt_thresh))
        rows.append(row)
    return Treated(out, pd.DataFrame(rows).set_index("indicator"), marks)


def impute(data: pd.DataFrame, method: ImputeMethod = "mean",
           groups: pd.Series | None = None) -> pd.DataFrame:
    """Fill missing values per indicator column (COINr `i_mean`, `i_median`, `i_*_grp`).

    Group methods use the mean/median of the unit's own group (e.g. 山区26县 vs the rest); a unit
    whose group is missing, or whose group has no value for that indicator, stays missing, as in
    COINr -- borrowing from another group would hide a real gap in the data.
    """
    frame = as_frame(data)
    if method == "none":
        return frame.copy()
    if method in ("mean", "median"):
        fill = frame.mean() if method == "mean" else frame.median()
        return frame.fillna(fill)
    if method in ("group_mean", "group_median"):
        if groups is None:
            raise fail(f"{method} needs a `groups` Series aligned with the rows", "groups")
        g = pd.Series(groups).reindex(frame.index)
        grouped = frame.groupby(g, dropna=True)
        filled = grouped.transform("mean" if method == "group_mean" else "median")
        return frame.fillna(filled)
    raise fail(f"unknown imputation method {method!r}", "method")


def denominate(data: pd.DataFrame, denominators: Mapping[str, str],
               by: pd.DataFrame, scale: float | Mapping[str, float] = 1.0) -> pd.DataFrame:
    """Divide extensive indicators by a size variable (COINr `Denominate`), e.g. tax per 亩.

    `denominators` maps an indicator to a column of `by` (area, population, GDP); indicators not
    listed pass through. A zero or missing denominator gives a missing value, never infinity.
    """
    frame = as_frame(data)
    fail_all(((k, "not an indicator column") for k in denominators if k not in frame.columns),
             "bad denominators")
    fail_all(((k, f"denominator column {v!r} not found") for k, v in denominators.items()
              if v not in by.columns), "bad denominators")
    out = frame.copy()
    for col, den in denominators.items():
        d = by[den].reindex(frame.index).astype(float)
        d = d.where(d != 0)
        factor = scale.get(col, 1.0) if isinstance(scale, Mapping) else scale
        out[col] = frame[col] / d * factor
    return out
