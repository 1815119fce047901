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

PCA weights reward indicators that move together, which is the opposite of CRITIC; the choice is
a modelling decision to record with every run.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from tiangong.index._common import FloatArray, as_frame, fail, fail_all, series


@dataclass(frozen=True)
class Components:
    """Eigen-decomposition of the correlation matrix, largest first; loadings are eigenvectors
    (R `prcomp(scale = TRUE)$rotation`), each signed so that its entries sum to >= 0."""

    eigenvalues: pd.Series
    explained: pd.Series
    loadings: pd.DataFrame


def principal_components(data: pd.DataFrame) -> Components:
    """PCA on standardised indicators (correlation matrix); complete rows are required."""
    frame = as_frame(data)
    cols = list(frame.columns)
    fail_all(((c, "missing values; impute first") for c in cols if frame[c].isna().any()),
             "PCA")
    corr = np.corrcoef(frame.to_numpy(), rowvar=False)
    values, vectors = np.linalg.eigh(corr)
    order = np.argsort(values)[::-1]
    values, vectors = values[order], vectors[:, order]
    vectors = vectors * np.where(vectors.sum(axis=0) < 0, -1.0, 1.0)
    names = [f"PC{i + 1}" for i in range(len(cols))]
    return Components(
        eigenvalues=series(values, names, "eigenvalue"),
        explained=series(values / values.sum(), names, "explained"),
        loadings=pd.DataFrame(vectors, index=cols, columns=names),
    )


def handbook_factor_count(explained: FloatArray, min_share: float = 0.10,
                          min_cumulative: float = 0.60) -> int:
    """Leading factors explaining > `min_share` each, extended until > `min_cumulative` total."""
    share = np.asarray(explained, dtype=float)
    k = int(np.argmin(share > min_share)) if not np.all(share > min_share) else share.size
    k = max(k, 1)
    while k < share.size and share[:k].sum() <= min_cumulative:
        k += 1
    return k


def varimax(loadings: FloatArray, normalize: bool = True, eps: float = 1e-5,
            max_iter: int = 1000) -> FloatArray:
    """Varimax rotation (Kaiser 1958), as R's `stats::varimax` (Kaiser normalisation, eps)."""
    lam = np.asarray(loadings, dtype=float)
    p, k = lam.shape
    if k < 2:
        return lam.copy()
    scale = np.sqrt((lam**2).sum(axis=1)) if normalize else np.ones(p)
    x = lam / scale[:, None]
    rot = np.eye(k)
    d = 0.0
    for _ in range(max_iter):
        z = x @ rot
        b = x.T @ (z**3 - z @ np.diag((z**2).sum(axis=0)) / p)
        u, s, vh = np.linalg.svd(b)
        rot = u @ vh
        d_old, d = d, float(s.sum())
        if d < d_old * (1 + eps):
            break
    return np.asarray((x @ rot) * scale[:, None])


def pca_weights(data: pd.DataFrame, method: Literal["handbook", "first_pc"] = "handbook",
                n_factors: int | None = None, rotate: bool = True) -> pd.Series:
    """Indicator weights from PCA; see the module notes for the two methods."""
    pcs = principal_components(data)
    cols = list(pcs.loadings.index)
    if method == "first_pc":
        first = pcs.loadings["PC1"].to_numpy()
        return series(first / first.sum(), cols, "weight")
    if method != "handbook":
        raise fail(f"unknown PCA weighting method {method!r}", "method")
    k = n_factors or handbook_factor_count(pcs.explained.to_numpy())
    if not 1 <= k <= len(cols):
        raise fail(f"n_factors must be between 1 and {len(cols)}", "n_factors")
    lam = pcs.loadings.to_numpy()[:, :k] * np.sqrt(pcs.eigenvalues.to_numpy()[:k])
    if rotate:
        lam = varimax(lam)
    return series(factor_weights(lam), cols, "weight")


def factor_weights(loadings: FloatArray) -> FloatArray:
    """Handbook weights from a (rotated) loading matrix, indicators x factors."""
    sq = np.asarray(loadings, dtype=float) ** 2
    explained = sq.sum(axis=0)
    scaled = sq / explained
    factor = scaled.argmax(axis=1)
    share = explained / explained.sum()
    w = scaled[np.arange(sq.shape[0]), factor] * share[factor]
    return np.asarray(w / w.sum())
