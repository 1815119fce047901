"""Record-level posteriors from pair scores, on numbers small enough to check by hand."""

from __future__ import annotations

import pandas as pd
import pytest

from tiangong.identity.assign import assign, best_candidates, estimate_rho


def _pairs(*rows: tuple[int, str, float]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["record_id", "uscc", "log2_bf"]).assign(source="tax")


def test_posterior_of_the_best_candidate() -> None:
    # BF 8 and 2 among n = 10 firms, rho = 0.5: outside the roster weighs n (1 - rho) / rho
    # = 10, so P(A) = 8 / (8 + 2 + 10) = 0.4.
    best = best_candidates(_pairs((1, "A", 3.0), (1, "B", 1.0)), n_firms=10, rho=0.5)
    assert best[["record_id", "uscc"]].values.tolist() == [[1, "A"]]
    assert best["p"].iloc[0] == pytest.approx(0.4)


def test_ties_break_on_the_code() -> None:
    best = best_candidates(_pairs((1, "B", 5.0), (1, "A", 5.0)), n_firms=10, rho=0.9)
    assert best["uscc"].iloc[0] == "A"


def test_claimed_firm_is_no_candidate() -> None:
    # A taken in this source: B alone, 2 / (2 + 10).
    claimed = pd.DataFrame({"source": ["tax"], "uscc": ["A"]})
    best = best_candidates(_pairs((1, "A", 3.0), (1, "B", 1.0)), 10, 0.5, claimed)
    assert best["uscc"].iloc[0] == "B" and best["p"].iloc[0] == pytest.approx(2 / 12)
    other = pd.DataFrame({"source": ["power"], "uscc": ["A"]})
    assert best_candidates(_pairs((1, "A", 3.0), (1, "B", 1.0)), 10, 0.5, other)[
        "uscc"].iloc[0] == "A"


def test_a_sure_record_claims_its_firm_from_the_others() -> None:
    # Record 1 is surely A (2^40); record 2 hesitates between A and B (2^20 each). Once A is
    # record 1's, record 2 is B: 2^20 / (2^20 + 10 * 0.1 / 0.9).
    pairs = _pairs((1, "A", 40.0), (2, "A", 20.0), (2, "B", 20.0))
    plain = best_candidates(pairs, 10, 0.9).set_index("record_id")
    assert plain.loc[2, "p"] == pytest.approx(2**20 / (2 * 2**20 + 10 / 9))
    once = assign(pairs, 10, 0.9, pd.DataFrame({"source": [], "uscc": []})).set_index(
        "record_id")
    assert once.loc[1, "uscc"] == "A" and once.loc[2, "uscc"] == "B"
    assert once.loc[2, "p"] == pytest.approx(2**20 / (2**20 + 10 / 9))


def test_rho_is_the_share_the_roster_explains() -> None:
    # Eight records with an overwhelming candidate, two with none at all: rho = 0.8.
    pairs = _pairs(*[(k, f"F{k}", 60.0) for k in range(8)])
    assert estimate_rho(pairs["log2_bf"], pairs["record_id"], 10, 1000) == pytest.approx(0.8)
    # Every record explained: rho at its upper bound.
    assert estimate_rho(pairs["log2_bf"], pairs["record_id"], 8, 1000) == pytest.approx(0.999)
