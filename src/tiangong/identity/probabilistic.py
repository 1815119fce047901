"""Probabilistic name linking with Splink (DuckDB backend) on name parts.

What is left after codes and exact names is typos, dropped regions and legal-form variants.
A Fellegi–Sunter model weighs agreement on each name part by how often true matches and random
pairs agree on it, which a hand-set similarity threshold cannot. DuckDB's string distances
count UTF-8 bytes, so the trade-name level compares *lists of characters* (precomputed in
Python) with `list_intersect`: one character in three differing is a typo level, not a byte
soup; above that, names of one length that differ in exactly one *place* share a blanked
variant (华_ for 华泰/华达), a stronger typo level than any shared character. Regions are graded
(same prefix, same most specific region, one within the other, overlapping, different), and the
legal form as written counts above its class. m is trained on records already linked by a
valid code (true pairs), or by EM when there are too few; u by random sampling; the prior is
1 / roster size (each record has ≤ 1 match).
"""

from __future__ import annotations

import logging
import math
from typing import Any

import pandas as pd

LABEL_MIN = 50  # fewer labelled pairs than this: train m by EM instead


def _masks(trade: str) -> list[str]:
    """The trade name with each character in turn blanked: 华泰 → [_泰, 华_]. Two names of one
    length differing in exactly one place share one of these."""
    return [trade[:i] + "_" + trade[i + 1:] for i in range(len(trade))]


def _splink_input(parts: pd.DataFrame, ids: pd.Series) -> pd.DataFrame:
    """The columns the Splink model compares, one row per record or roster firm."""
    trade = parts["trade"].fillna("")
    return pd.DataFrame({
        "unique_id": ids.astype(str).to_numpy(),
        "trade": trade.replace("", None).to_numpy(),
        "trade_chars": trade.map(list).to_numpy(),
        "trade_masks": trade.map(_masks).to_numpy(),
        "t1": trade.str.slice(0, 1).to_numpy(),
        "t2": trade.str.slice(1, 2).to_numpy(),
        "region": parts["region"].replace("", None).to_numpy(),
        "regions": parts["regions"].fillna("").map(lambda s: [t for t in s.split("|") if t])
        .to_numpy(),
        "industry": parts["industry"].replace("", None).to_numpy(),
        "legal": parts["legal"].to_numpy(),
        "form": parts["form"].to_numpy(),
        "branch": parts["branch"].fillna("").to_numpy(),
    })


def _settings(prior: float) -> Any:
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    def level(sql: str, label: str, **kw: Any) -> dict[str, Any]:
        return {"sql_condition": sql, "label_for_charts": label, **kw}

    trade = cl.CustomComparison(output_column_name="trade", comparison_levels=[
        level("trade_l IS NULL OR trade_r IS NULL", "null", is_null_level=True),
        level("trade_l = trade_r", "exact"),
        level("len(list_intersect(trade_masks_l, trade_masks_r)) > 0",
              "one character differs in place"),
        level("len(list_intersect(trade_chars_l, trade_chars_r)) >= "
              "greatest(len(trade_chars_l), len(trade_chars_r)) - 1", "one character differs"),
        level("ELSE", "different")])
    region = cl.CustomComparison(output_column_name="regions", comparison_levels=[
        level("len(regions_l) = 0 OR len(regions_r) = 0", "null", is_null_level=True),
        level("regions_l = regions_r", "same regions"),
        level("region_l = region_r", "same most specific region"),
        level("list_has_all(regions_l, regions_r) OR list_has_all(regions_r, regions_l)",
              "one region within the other"),
        level("len(list_intersect(regions_l, regions_r)) > 0", "shared region, parts differ"),
        level("ELSE", "different region")])
    legal = cl.CustomComparison(output_column_name="legal", comparison_levels=[
        level("legal_l IS NULL OR legal_r IS NULL", "null", is_null_level=True),
        level("form_l = form_r", "same legal form"),
        level("legal_l = legal_r", "same legal class"),
        level("ELSE", "different")])
    return SettingsCreator(
        link_type="link_only",
        unique_id_column_name="unique_id",
        probability_two_random_records_match=prior,
        comparisons=[trade, region, cl.ExactMatch("industry"), legal,
                     cl.ExactMatch("branch")],
        blocking_rules_to_generate_predictions=[
            block_on("trade"), block_on("t1", "industry"), block_on("t2", "industry")],
        retain_intermediate_calculation_columns=False,
    )


def score_pairs(records: pd.DataFrame, roster: pd.DataFrame, labels: pd.DataFrame,
                threshold: float) -> pd.DataFrame:
    """Scored candidate pairs (record_id, uscc, p, log2_bf) with pairwise p ≥ threshold.

    records: parts of the records to link plus `record_id`; roster: parts plus `uscc`;
    labels: parts plus `record_id` and the `uscc` they are known to belong to (training only).
    """
    import duckdb
    from splink import DuckDBAPI, Linker, block_on

    logging.getLogger("splink").setLevel(logging.WARNING)
    left = pd.concat([_splink_input(records, "r" + records["record_id"].astype(str)),
                      _splink_input(labels, "t" + labels["record_id"].astype(str))],
                     ignore_index=True)
    right = _splink_input(roster, roster["uscc"])
    db_api = DuckDBAPI(connection=duckdb.connect())
    sdf_left = db_api.register(left, dataset_display_name="records")
    sdf_right = db_api.register(right, dataset_display_name="roster")
    prior = 1.0 / max(len(right), 2)
    linker = Linker([sdf_left, sdf_right], _settings(prior), log_level=None)
    linker.training.estimate_u_using_random_sampling(max_pairs=2e6, seed=1)
    if len(labels) >= LABEL_MIN:
        pairs = pd.DataFrame({"source_dataset_l": "records",
                              "unique_id_l": "t" + labels["record_id"].astype(str),
                              "source_dataset_r": "roster",
                              "unique_id_r": labels["uscc"].astype(str)})
        linker.training.estimate_m_from_pairwise_labels(db_api.register(pairs))
    else:
        for rule in (block_on("trade"), block_on("t1", "industry")):
            try:  # EM needs enough blocked pairs; with too few, the defaults stand
                linker.training.estimate_parameters_using_expectation_maximisation(
                    rule, fix_u_probabilities=True)
            except Exception as err:
                logging.getLogger(__name__).info("EM skipped: %s", err)
    _floor_m(linker)
    pred = linker.inference.predict(threshold_match_probability=threshold).as_pandas_dataframe()
    pred = pred[pred["unique_id_l"].astype(str).str.startswith("r")]
    return pd.DataFrame({"record_id": pred["unique_id_l"].astype(str).str.slice(1).to_numpy(),
                         "uscc": pred["unique_id_r"].astype(str).to_numpy(),
                         "p": pred["match_probability"].astype(float).to_numpy(),
                         "log2_bf": (pred["match_weight"].astype(float)
                                     - math.log2(prior / (1 - prior))).to_numpy()})


def _floor_m(linker: Any, untrained: float = 0.01, floor: float = 1e-3) -> None:
    """Sensible values where training saw nothing: labels from codes rarely show every level.

    A level never seen among labelled matches gets m = 1 %, not zero (an infinite veto) nor
    Splink's default; a trained m below 0.1 % is raised to it; an unseen u becomes 1 %.
    """
    for comparison in linker._settings_obj.comparisons:
        for lvl in comparison.comparison_levels:
            if lvl.is_null_level:
                continue
            m, u = lvl._m_probability, lvl._u_probability
            if not isinstance(m, (int, float)) or m != m:
                lvl.m_probability = untrained
            elif m < floor:
                lvl.m_probability = floor
            if not isinstance(u, (int, float)) or u != u:
                lvl.u_probability = untrained
