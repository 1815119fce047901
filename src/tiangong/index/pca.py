"""Weights from principal components, in the two forms found in practice.

- `method="handbook"` -- the OECD/JRC Handbook (2008, section 6.1, TAI example): principal
  components of the correlation matrix; keep the leading factors that each explain more than 10 %
  of the variance, adding more until 60 % is explained (the Handbook's TAI example keeps a fourth
  factor with eigenvalue 0.9 and 11.1 % of the variance, so the eigenvalue > 1 rule it also
  mentions is not what it applies); rotate them by varimax; square the loadings and scale each
  factor's column to sum to one; give each indicator to the factor on which its scaled squared
  loading is largest; weight = that scaled squared loading x the factor's share of the explained
  variance; finally scale to sum to one.
- `method="first_pc"` -- COINr's `get_PCA(weights_to=)`: the loadings of the first principal
  component, here with the sign chosen so that they sum to a positive number and scaled to sum to
  one. They can be negative; COINr warns about that and so do we (in the docstring, not silently).

Determinism. An eigenvector's sign, the order of eigenvectors with equal eigenvalues and the
basis of a repeated eigenvalue are not defined by the mathematics; LAPACK/BLAS builds choose them
differently, and rounding noise of 1e-16 chooses them when data are symmetric. The weights must
not depend on any of that, so the conventions are:

1. Components are sorted by eigenvalue, largest first; each is signed so that its entries sum
   to a positive number, and when that sum is zero (|sum| <= 1e-9 sqrt(p), e.g. the second
   component of any two indicators) so that its largest entry in absolute value (the first of
   equal ones) is positive.
2. Eigenvalues within 1e-8 x the largest are a tie. The Handbook's factor count never splits a
   tie (all tied factors are kept or none), so the kept subspace is basis-free; varimax then
   picks the same rotated factors whatever basis LAPACK returned. `first_pc` with a tie
   between the first two eigenvalues has no first component and is refused.
3. Varimax is Kaiser's (1958) original algorithm: plane rotations of factor pairs by the angle
   that maximises the criterion in closed form, swept until no angle exceeds 1e-12. The SVD
   iteration of R's `stats::varimax` (which the earlier version copied) stops at once when it
   starts at a stationary point -- e.g. two indicators, whose unrotated loadings always have
   equal squared loadings in each factor, the criterion's minimum -- and then returns the
   rotation that the SVD of a 1e-16 noise matrix happens to give. Kaiser's closed form leaves a
   minimum for the maximum. The rotated factors are then sorted by explained variance and signed
   as in 1, and an indicator whose scaled squared loading ties (within 1e-9) on two factors goes
   to the first. Handbook weights are invariant to the order of the indicators, to a positive
   rescaling of any indicator and to the sign and order of the eigenvectors; tests pin that.

PCA weights reward indicators that move together, which is the opposite of CRITIC; the choice is
a modelling decision to record with every run.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from tiangong.index._common import FloatArray, as_frame, fail, fail_all, series

#: Relative gap below which two eigenvalues count as equal (convention 2).
TIE_TOLERANCE = 1e-8


@dataclass(frozen=True)
class Components:
    """Eigen-decomposition of the correlation matrix, largest first; loadings are eigenvectors
    (R `prcomp(scale = TRUE)$rotation`), signed by convention 1 of the module notes."""

    eigenvalues: pd.Series
    explained: pd.Series
    loadings: pd.DataFrame


def sign_convention(vectors: FloatArray) -> FloatArray:
    """Each column signed so that it sums to > 0, or (sum zero) its largest |entry| is > 0."""
    v = np.asarray(vectors, dtype=float)
    total = v.sum(axis=0)
    p = v.shape[0]
    flat = np.abs(total) <= 1e-9 * np.sqrt(p)
    big = np.abs(v).max(axis=0, initial=0.0)
    lead = np.argmax(np.abs(v) >= big - 1e-12, axis=0)  # first entry of (nearly) largest size
    sign = np.where(flat, np.sign(v[lead, np.arange(v.shape[1])]), np.sign(total))
    return np.asarray(v * np.where(sign < 0, -1.0, 1.0))


def principal_components(data: pd.DataFrame) -> Components:
    """PCA on standardised indicators (correlation matrix); complete rows are required."""
    frame = as_frame(data)
    cols = list(frame.columns)
    fail_all(((c, "missing values; impute first") for c in cols if frame[c].isna().any()),
             "PCA")
    fail_all(((c, "constant across units; PCA needs variation") for c in cols
              if frame[c].nunique() < 2), "PCA")
    corr = np.corrcoef(frame.to_numpy(), rowvar=False)
    values, vectors = np.linalg.eigh(corr)
    order = np.argsort(-values, kind="stable")
    values, vectors = values[order], sign_convention(vectors[:, order])
    names = [f"PC{i + 1}" for i in range(len(cols))]
    return Components(
        eigenvalues=series(values, names, "eigenvalue"),
        explained=series(values / values.sum(), names, "explained"),
        loadings=pd.DataFrame(vectors, index=cols, columns=names),
    )


def handbook_factor_count(explained: FloatArray, min_share: float = 0.10,
                          min_cumulative: float = 0.60) -> int:
    """Leading factors explaining > `min_share` each, extended until > `min_cumulative` total,
    then through any factors tied with the last one kept (convention 2)."""
    share = np.asarray(explained, dtype=float)
    k = int(np.argmin(share > min_share)) if not np.all(share > min_share) else share.size
    k = max(k, 1)
    while k < share.size and share[:k].sum() <= min_cumulative:
        k += 1
    return extend_through_ties(share, k)


def extend_through_ties(values: FloatArray, k: int) -> int:
    """Grow k while the next value (sorted descending) ties with the k-th."""
    v = np.asarray(values, dtype=float)
    tol = TIE_TOLERANCE * max(float(np.abs(v).max(initial=0.0)), 1e-300)
    while k < v.size and v[k - 1] - v[k] <= tol:
        k += 1
    return k


def varimax(loadings: FloatArray, normalize: bool = True, eps: float = 1e-12,
            max_sweeps: int = 500) -> FloatArray:
    """Varimax rotation by Kaiser's (1958) pairwise closed-form angles, with Kaiser
    normalisation; the rotated factors come sorted by explained variance and sign-fixed."""
    lam = np.asarray(loadings, dtype=float)
    p, k = lam.shape
    if k < 2:
        return sign_convention(lam)
    scale = np.sqrt((lam**2).sum(axis=1)) if normalize else np.ones(p)
    x = lam / np.where(scale > 0, scale, 1.0)[:, None]
    for _ in range(max_sweeps):
        largest = 0.0
        for i in range(k - 1):
            for j in range(i + 1, k):
                a, b = x[:, i], x[:, j]
                u, v = a * a - b * b, 2.0 * a * b
                num = 2.0 * (float((u * v).sum()) - float(u.sum()) * float(v.sum()) / p)
                den = float((u * u - v * v).sum()) - (float(u.sum()) ** 2
                                                      - float(v.sum()) ** 2) / p
                if abs(num) <= 1e-15 and abs(den) <= 1e-15:
                    continue  # every angle is as good: leave the pair
                phi = 0.25 * np.arctan2(num, den)
                if abs(phi) <= eps:
                    continue
                c, s = np.cos(phi), np.sin(phi)
                x[:, i], x[:, j] = c * a + s * b, -s * a + c * b
                largest = max(largest, abs(phi))
        if largest <= eps:
            break
    rotated = x * scale[:, None]
    order = np.argsort(-(rotated**2).sum(axis=0), kind="stable")
    return sign_convention(rotated[:, order])


def pca_weights(data: pd.DataFrame, method: Literal["handbook", "first_pc"] = "handbook",
                n_factors: int | None = None, rotate: bool = True) -> pd.Series:
    """Indicator weights from PCA; see the module notes for the two methods and conventions."""
    pcs = principal_components(data)
    cols = list(pcs.loadings.index)
    ev = pcs.eigenvalues.to_numpy()
    if method == "first_pc":
        if len(cols) > 1 and extend_through_ties(ev, 1) > 1:
            raise fail("the first two eigenvalues are equal, so there is no first principal "
                       "component to weight by; use method='handbook'", "method")
        first = pcs.loadings["PC1"].to_numpy()
        return series(first / first.sum(), cols, "weight")
    if method != "handbook":
        raise fail(f"unknown PCA weighting method {method!r}", "method")
    k = n_factors or handbook_factor_count(pcs.explained.to_numpy())
    if not 1 <= k <= len(cols):
        raise fail(f"n_factors must be between 1 and {len(cols)}", "n_factors")
    if extend_through_ties(ev, k) != k:
        raise fail(f"factor {k} ties in eigenvalue with factor {k + 1}: keeping one without "
                   "the other depends on how the eigen-solver orders a repeated eigenvalue",
                   "n_factors")
    if not rotate and any(extend_through_ties(ev[:k], i) > i for i in range(1, k)):
        raise fail("two kept factors have equal eigenvalues, so unrotated loadings depend on "
                   "the eigen-solver's basis; rotate them (rotate=True)", "rotate")
    lam = pcs.loadings.to_numpy()[:, :k] * np.sqrt(np.clip(ev[:k], 0.0, None))
    if rotate:
        lam = varimax(lam)
    return series(factor_weights(lam), cols, "weight")


def factor_weights(loadings: FloatArray) -> FloatArray:
    """Handbook weights from a (rotated) loading matrix, indicators x factors; an indicator
    whose scaled squared loadings tie (within 1e-9) goes to the first such factor."""
    sq = np.asarray(loadings, dtype=float) ** 2
    explained = sq.sum(axis=0)
    scaled = sq / explained
    factor = np.argmax(scaled >= scaled.max(axis=1, keepdims=True) - 1e-9, axis=1)
    share = explained / explained.sum()
    w = scaled[np.arange(sq.shape[0]), factor] * share[factor]
    return np.asarray(w / w.sum())
