"""PCA weights do not depend on what the eigen-solver leaves open (defect 1 of issue 16).

The sign of an eigenvector, the order of equal eigenvalues and the basis of a repeated one are
chosen differently by different LAPACK/BLAS builds and, for symmetric data, by rounding noise.
These tests make the solver choose differently on purpose (by wrapping `numpy.linalg.eigh`) and
require the same weights. Expected weights are derived by hand in the comments.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

from tiangong.index import IndexMethodError, pca_weights
from tiangong.index import pca as pca_module

Eigh = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]
REAL_EIGH: Eigh = np.linalg.eigh


def _flip_signs(corr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    values, vectors = REAL_EIGH(corr)
    return values, -vectors


def _reverse_order(corr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    values, vectors = REAL_EIGH(corr)
    return values[::-1], vectors[:, ::-1] * np.where(np.arange(len(values)) % 2, -1.0, 1.0)


def _rotate_repeated(corr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Another orthonormal basis of every repeated eigenvalue (a solver may return any)."""
    values, vectors = REAL_EIGH(corr)
    vectors = vectors.copy()
    i = 0
    while i < len(values):
        j = i
        while j + 1 < len(values) and abs(values[j + 1] - values[i]) < 1e-10:
            j += 1
        if j > i:
            q, _ = np.linalg.qr(np.random.default_rng(3).normal(size=(j - i + 1, j - i + 1)))
            vectors[:, i:j + 1] = vectors[:, i:j + 1] @ q
        i = j + 1
    return values, vectors


SOLVERS = {"flip": _flip_signs, "reverse": _reverse_order, "rebasis": _rotate_repeated}


def _data(p: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    mixed = rng.normal(size=(30, p)) @ rng.normal(size=(p, p))
    return pd.DataFrame(np.exp(mixed / 3), columns=[f"x{j}" for j in range(p)])


@pytest.mark.parametrize("seed", range(8))
def test_two_indicators_always_get_equal_pca_weights(seed: int) -> None:
    # By hand: the correlation matrix [[1, r], [r, 1]] has eigenvalues 1 + r, 1 - r and
    # eigenvectors (1, 1)/sqrt 2, (1, -1)/sqrt 2 for every r. With |r| >= 0.8 the Handbook keeps
    # one factor, loadings (a, a): weights 1/2, 1/2. Otherwise it keeps both, loadings
    # [[a, b], [a, -b]]: each factor has equal squared loadings on both indicators -- the
    # varimax criterion's minimum. Rotating the rows (at angles +-t) by phi changes the criterion
    # by sin^2(2 phi) sin^2(2 t), so the maximum is at phi = 45 degrees, where the rows become
    # (cos(45 + t), sin(45 + t)) and (sin(45 + t), cos(45 + t)): each factor explains
    # cos^2 + sin^2 = 1, each indicator goes to its own factor with the same scaled loading,
    # hence weights 1/2, 1/2. The old SVD iteration stopped at the minimum and returned the
    # rotation the SVD of a 1e-16 matrix gave (0.66 / 0.34 in the Monte Carlo case that failed).
    data = _data(2, seed)
    np.testing.assert_allclose(pca_weights(data), [0.5, 0.5], atol=1e-12)
    np.testing.assert_allclose(pca_weights(data * [1.0, 7.3]), [0.5, 0.5], atol=1e-12)


@pytest.mark.parametrize("solver", sorted(SOLVERS))
@pytest.mark.parametrize("p", [2, 3, 4, 6])
def test_pca_weights_do_not_depend_on_the_eigen_solver(monkeypatch: pytest.MonkeyPatch,
                                                       solver: str, p: int) -> None:
    data = _data(p, 11 + p)
    expected = pca_weights(data)
    first = pca_weights(data, method="first_pc")
    monkeypatch.setattr(pca_module.np.linalg, "eigh", SOLVERS[solver])
    np.testing.assert_allclose(pca_weights(data), expected, atol=1e-9)
    np.testing.assert_allclose(pca_weights(data, method="first_pc"), first, atol=1e-9)


@pytest.mark.parametrize("p", [2, 3, 5])
def test_pca_weights_follow_the_indicators_when_reordered_or_rescaled(p: int) -> None:
    data = _data(p, 40 + p)
    expected = pca_weights(data)
    perm = list(reversed(data.columns))
    got = pca_weights(data[perm] * np.arange(1.0, p + 1))  # positive rescaling, reversed order
    np.testing.assert_allclose(got[list(data.columns)], expected, atol=1e-9)


# Three exactly uncorrelated indicators (the columns of a 4-run orthogonal design, each with
# mean 0): the correlation matrix is the identity, every eigenvalue is 1 and every basis is an
# eigenbasis. Each factor explains 1/3 > 10 %, so all three are kept; varimax of an orthogonal
# 3 x 3 loading matrix ends at a signed permutation of the identity (the simple structure), so
# each indicator is alone on its factor: scaled loading 1, share 1/3 -> weights 1/3 each.
ORTHOGONAL = pd.DataFrame({"a": [1.0, -1.0, 1.0, -1.0], "b": [1.0, 1.0, -1.0, -1.0],
                           "c": [1.0, -1.0, -1.0, 1.0]})


@pytest.mark.parametrize("solver", ["none", *sorted(SOLVERS)])
def test_repeated_eigenvalues_give_the_same_weights(monkeypatch: pytest.MonkeyPatch,
                                                    solver: str) -> None:
    if solver != "none":
        monkeypatch.setattr(pca_module.np.linalg, "eigh", SOLVERS[solver])
    np.testing.assert_allclose(pca_weights(ORTHOGONAL), [1 / 3] * 3, atol=1e-9)


def test_a_tie_that_decides_the_result_is_refused() -> None:
    with pytest.raises(IndexMethodError, match="no first principal component"):
        pca_weights(ORTHOGONAL, method="first_pc")
    with pytest.raises(IndexMethodError, match="ties in eigenvalue"):
        pca_weights(ORTHOGONAL, n_factors=1)
    with pytest.raises(IndexMethodError, match="rotate"):
        pca_weights(ORTHOGONAL, rotate=False)
    with pytest.raises(IndexMethodError, match="constant"):
        pca_weights(ORTHOGONAL.assign(c=1.0))
