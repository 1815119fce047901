"""AHP weights from a pairwise comparison matrix (Saaty), with the consistency check.

Weights are the principal right eigenvector of the reciprocal matrix A (a_ij = how much more
important i is than j on Saaty's 1-9 scale, a_ji = 1/a_ij), scaled to sum to one. Consistency:
CI = (lambda_max - n)/(n - 1) and CR = CI / RI(n); judgements with CR > 0.10 should be revisited.

Saaty published two random-index tables and software differs on which it uses: the 1980 book's
(RI(3) = 0.58, RI(4) = 0.90, ...; the table in most textbooks, including the Chinese 层次分析法
literature, and in JMcDM) and the 2004 paper's (RI(3) = 0.52, RI(4) = 0.89, ...; AHPy's 'saaty').
The default is the 1980 table; pass `ri=SAATY_2004_RI` (or any other table, e.g. Donegan & Dodd
or Tummala & Ling) to reproduce the others. The value used is reported with the result.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from tiangong.index._common import fail, series

#: Saaty's random consistency index RI(n), n = 1..10 (Saaty 1980, The Analytic Hierarchy Process).
SAATY_1980_RI: dict[int, float] = {1: 0.0, 2: 0.0, 3: 0.58, 4: 0.90, 5: 1.12, 6: 1.24, 7: 1.32,
                                   8: 1.41, 9: 1.45, 10: 1.49}
#: Saaty's later table (Saaty 2004, J. Systems Science and Systems Engineering 13(1)).
SAATY_2004_RI: dict[int, float] = {1: 0.0, 2: 0.0, 3: 0.52, 4: 0.89, 5: 1.11, 6: 1.25, 7: 1.35,
                                   8: 1.40, 9: 1.45, 10: 1.49}
SAATY_RI = SAATY_1980_RI
CR_THRESHOLD = 0.10


@dataclass(frozen=True)
class AHP:
    """Weights and consistency of one pairwise comparison matrix."""

    weights: pd.Series
    lambda_max: float
    ci: float
    ri: float
    cr: float

    @property
    def consistent(self) -> bool:
        """Saaty's acceptance rule, CR <= 0.10 (always true for n <= 2)."""
        return self.cr <= CR_THRESHOLD


def pairwise_matrix(names: Sequence[str], judgements: Mapping[tuple[str, str], float]
                    ) -> pd.DataFrame:
    """Build the full reciprocal matrix from upper-triangle judgements {(i, j): a_ij}."""
    idx = {n: k for k, n in enumerate(names)}
    a = np.eye(len(names))
    for (i, j), v in judgements.items():
        if i not in idx or j not in idx:
            raise fail(f"judgement names an unknown element: {(i, j)}", "judgements")
        if not v > 0:
            raise fail(f"judgement {(i, j)} must be positive, got {v!r}", "judgements")
        a[idx[i], idx[j]], a[idx[j], idx[i]] = v, 1.0 / v
    return pd.DataFrame(a, index=list(names), columns=list(names))


def ahp(matrix: pd.DataFrame | np.ndarray, ri: Mapping[int, float] = SAATY_RI,
        tol: float = 1e-9) -> AHP:
    """Principal-eigenvector weights and CI/CR of a positive reciprocal matrix."""
    if isinstance(matrix, pd.DataFrame):
        names = [str(c) for c in matrix.columns]
        a = matrix.to_numpy(dtype=float)
    else:
        a = np.asarray(matrix, dtype=float)
        names = [f"c{j}" for j in range(a.shape[1])] if a.ndim == 2 else []
    n = a.shape[0]
    if a.ndim != 2 or a.shape != (n, n) or n == 0:
        raise fail("the pairwise comparison matrix must be square", "matrix")
    if not np.all(a > 0):
        raise fail("pairwise judgements must be positive", "matrix")
    if not np.allclose(a * a.T, 1.0, rtol=tol, atol=tol):
        raise fail("the matrix is not reciprocal (a_ji must equal 1/a_ij)", "matrix")
    if n not in ri:
        raise fail(f"no random index for n = {n}; pass `ri` with a value for it", "ri")
    values, vectors = np.linalg.eig(a)
    k = int(np.argmax(values.real))
    lam = float(values.real[k])
    w = np.abs(vectors[:, k].real)
    ci = (lam - n) / (n - 1) if n > 2 else 0.0
    ci = max(ci, 0.0)  # lambda_max >= n in exact arithmetic; clip rounding noise
    r = float(ri[n])
    cr = ci / r if r > 0 else 0.0
    return AHP(series(w / w.sum(), names, "weight"), lam, ci, r, cr)
