"""Probabilistic name linking with Splink (DuckDB backend) on name parts.

What is left after codes and exact names is typos, dropped or bracketed regions and legal-form
variants. A Fellegi–Sunter model weighs agreement on each name part by how often true matches
and random pairs agree on it, which a hand-set similarity threshold cannot.

- Trade name (字号): DuckDB's string distances count UTF-8 bytes, so the levels compare *lists
  of characters* (made in Python) instead: exact; same sound (华泰/化泰, the input-method slip,
  `identity.pinyin`); one character differs in place (the names share a blanked variant, 华_
  for 华泰/华达); one character differs anywhere; different.
- Region: same tokens; the record's region written in brackets and the firm's first region
  (华泰（丽水） is as likely 丽水市青田华泰 as 丽水华泰, whereas an unbracketed 丽水华泰 is
  丽水华泰); the record's tokens within the firm's, or the reverse; overlapping; different.
  Which side is the record is read from a `side` column: containment is not symmetric.
- Industry words, legal form (as written, then its class), branch.

Agreement on the trade name, region, industry and legal form is adjusted by term frequencies
from the roster (浙江, 塑料制品, 有限公司 are common; 龙游, 茶叶, 股份有限公司 tell more).
m is trained on records already linked by a valid code (true pairs), smoothed so that a level
the labels never showed is rare rather than impossible; by EM when there are too few labels.
u comes from random sampling, except the legal-form levels', computed over all pairs (`_legal_u`);
the prior is 1 / roster size (each record has ≤ 1 match).
"""

from __future__ import annotations

import logging
import math
from typing import Any

import pandas as pd

from tiangong.identity.pinyin import sounds

LABEL_MIN = 50  # fewer labelled pairs than this: train m by EM instead
U_PAIRS = 1e6  # random pairs sampled for u
SMOOTHING = 0.5  # pseudo-count per level added to the labelled counts (Jeffreys prior)


def _masks(trade: str) -> list[str]:
    """The trade name with each character in turn blanked: 华泰 → [_泰, 华_]. Two names of one
    length differing in exactly one place share one of these."""
    return [trade[:i] + "_" + trade[i + 1:] for i in range(len(trade))]


def _splink_input(parts: pd.DataFrame, ids: pd.Series, side: int) -> pd.DataFrame:
    """The columns the Splink model compares, one row per record (side 0) or firm (side 1)."""
    trade = parts["trade"].fillna("")
    regions = parts["regions"].fillna("")
    return pd.DataFrame({
        "unique_id": ids.astype(str).to_numpy(),
        "side": side,
        "trade": trade.replace("", None).to_numpy(),
        "trade_sound": sounds(trade.replace("", None)).to_numpy(),
        "trade_chars": trade.map(list).to_numpy(),
        "trade_masks": trade.map(_masks).to_numpy(),
        "t1": trade.str.slice(0, 1).to_numpy(),
        "t2": trade.str.slice(1, 2).to_numpy(),
        "prefix": regions.replace("", None).to_numpy(),
        "first": regions.str.split("|").str[0].replace("", None).to_numpy(),
        "bracketed": parts["bracketed"].fillna(False).astype(bool).to_numpy(),
        "regions": regions.map(lambda s: [t for t in s.split("|") if t]).to_numpy(),
        "industry": parts["industry"].replace("", None).to_numpy(),
        "legal": parts["legal"].to_numpy(),
        "form": parts["form"].to_numpy(),
        "branch": parts["branch"].fillna("").to_numpy(),
    })


def _level(sql: str, label: str, **kw: Any) -> dict[str, Any]:
    return {"sql_condition": sql, "label_for_charts": label, **kw}


def _settings(prior: float) -> Any:
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    trade = cl.CustomComparison(output_column_name="trade", comparison_levels=[
        _level("trade_l IS NULL OR trade_r IS NULL", "null", is_null_level=True),
        _level("trade_l = trade_r", "exact", tf_adjustment_column="trade"),
        _level("trade_sound_l = trade_sound_r", "same sound"),
        _level("len(list_intersect(trade_masks_l, trade_masks_r)) > 0",
               "one character differs in place"),
        _level("len(list_intersect(trade_chars_l, trade_chars_r)) >= "
               "greatest(len(trade_chars_l), len(trade_chars_r)) - 1", "one character differs"),
        _level("ELSE", "different")])
    # rec / firm: the record's and the firm's region lists, whichever side each is on.
    rec = "(CASE WHEN side_l = 0 THEN regions_l ELSE regions_r END)"
    firm = "(CASE WHEN side_l = 0 THEN regions_r ELSE regions_l END)"
    bracketed = "(CASE WHEN side_l = 0 THEN bracketed_l ELSE bracketed_r END)"
    region = cl.CustomComparison(output_column_name="regions", comparison_levels=[
        _level("prefix_l IS NULL OR prefix_r IS NULL", "null", is_null_level=True),
        _level(f"prefix_l = prefix_r AND NOT {bracketed}", "same regions",
               tf_adjustment_column="prefix", disable_tf_exact_match_detection=True),
        _level(f"{bracketed} AND first_l = first_r AND list_has_all({firm}, {rec})",
               "record's bracketed region is the firm's first", tf_adjustment_column="first",
               disable_tf_exact_match_detection=True),
        _level(f"first_l = first_r AND list_has_all({firm}, {rec})",
               "record's regions within the firm's, same first region"),
        _level(f"list_has_all({firm}, {rec})", "record's regions within the firm's"),
        _level(f"list_has_all({rec}, {firm})", "firm's regions within the record's"),
        _level("len(list_intersect(regions_l, regions_r)) > 0", "shared region, parts differ"),
        _level("ELSE", "different region")])
    industry = cl.ExactMatch("industry").configure(term_frequency_adjustments=True)
    legal = cl.CustomComparison(output_column_name="legal", comparison_levels=[
        _level("legal_l IS NULL OR legal_r IS NULL", "null", is_null_level=True),
        _level("form_l = form_r", "same legal form", tf_adjustment_column="form"),
        _level("legal_l = legal_r", "same legal class"),
        _level("ELSE", "different")])
    return SettingsCreator(
        link_type="link_only",
        unique_id_column_name="unique_id",
        probability_two_random_records_match=prior,
        comparisons=[trade, region, industry, legal, cl.ExactMatch("branch")],
        blocking_rules_to_generate_predictions=[
            block_on("trade"), block_on("trade_sound"), block_on("t1", "industry"),
            block_on("t2", "industry")],
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=False,
    )


def _roster_frequencies(linker: Any, db_api: Any, records: pd.DataFrame,
                        roster: pd.DataFrame) -> None:
    """Term frequencies from the roster: how often a random firm has the value.

    The two region levels apply to records written one way (region in brackets or not), and
    m counts the true pairs at the level among all records with a region, so the chance of
    a random firm agreeing is scaled by the share of records written that way; then m / tf
    is the Bayes factor of the region itself (1 / the firm's share when every record is
    written like its firm).
    """
    with_region = records["prefix"].notna()
    share = float(records.loc[with_region, "bracketed"].mean()) if with_region.any() else 0.0
    scale = {"prefix": max(1.0 - share, 1e-3), "first": max(share, 1e-3)}
    for col in ("trade", "prefix", "first", "industry", "form"):
        freq = roster[col].dropna().value_counts(normalize=True) * scale.get(col, 1.0)
        table = pd.DataFrame({col: freq.index.to_numpy(), f"tf_{col}": freq.to_numpy()})
        linker.table_management.register_term_frequency_lookup(db_api.register(table), col)


def _legal_u(linker: Any, records: pd.DataFrame, roster: pd.DataFrame) -> None:
    """u of the legal-form levels computed over all record–firm pairs, not sampled.

    Sampling draws about a thousand rows a side, and the share of records written 有限公司
    or 有限责任公司 in such a sample moves the 'same legal class' u by a third, enough to move
    the record-level posteriors of a tenth of the records across the acceptance line.
    """
    rec = records.loc[records["legal"].notna()]
    firm = roster.loc[roster["legal"].notna()]
    if rec.empty or firm.empty:
        return
    rf = rec["form"].value_counts(normalize=True)
    ff = firm["form"].value_counts(normalize=True)
    fc = firm["legal"].value_counts(normalize=True)
    legal_of = dict(zip(rec["form"], rec["legal"], strict=True))
    same_form = float(sum(share * ff.get(f, 0.0) for f, share in rf.items()))
    same_class = float(sum(share * (fc.get(legal_of[f], 0.0) - ff.get(f, 0.0))
                           for f, share in rf.items()))
    u = {"same legal form": same_form, "same legal class": same_class,
         "different": 1.0 - same_form - same_class}
    comparison = next(c for c in linker._settings_obj.comparisons
                      if c.output_column_name == "legal")
    for lvl in comparison.comparison_levels:
        if lvl.label_for_charts in u:
            lvl.u_probability = max(u[lvl.label_for_charts], 1e-6)


def score_pairs(records: pd.DataFrame, roster: pd.DataFrame, labels: pd.DataFrame) -> pd.DataFrame:
    """Every blocked candidate pair scored: record_id, uscc, log2_bf (the Bayes factor).

    records: parts of the records to link plus `record_id`; roster: parts plus `uscc`;
    labels: parts plus `record_id` and the `uscc` they are known to belong to (training only).
    """
    import duckdb
    from splink import DuckDBAPI, Linker, block_on

    logging.getLogger("splink").setLevel(logging.ERROR)
    left = pd.concat([_splink_input(records, "r" + records["record_id"].astype(str), 0),
                      _splink_input(labels, "t" + labels["record_id"].astype(str), 0)],
                     ignore_index=True)
    right = _splink_input(roster, roster["uscc"], 1)
    con = duckdb.connect()
    db_api = DuckDBAPI(connection=con)
    sdf_left = db_api.register(left, dataset_display_name="records")
    sdf_right = db_api.register(right, dataset_display_name="roster")
    prior = 1.0 / max(len(right), 2)
    linker = Linker([sdf_left, sdf_right], _settings(prior), log_level=None)
    _roster_frequencies(linker, db_api, left, right)
    linker.training.estimate_u_using_random_sampling(max_pairs=U_PAIRS, seed=1)
    if len(labels) >= LABEL_MIN:
        pairs = pd.DataFrame({"source_dataset_l": "records",
                              "unique_id_l": "t" + labels["record_id"].astype(str),
                              "source_dataset_r": "roster",
                              "unique_id_r": labels["uscc"].astype(str)})
        linker.training.estimate_m_from_pairwise_labels(db_api.register(pairs))
        _smooth_m(linker, len(labels))
    else:
        for rule in (block_on("trade"), block_on("t1", "industry")):
            try:  # EM needs enough blocked pairs; with too few, the defaults stand
                linker.training.estimate_parameters_using_expectation_maximisation(
                    rule, fix_u_probabilities=True)
            except Exception as err:
                logging.getLogger(__name__).info("EM skipped: %s", err)
        _smooth_m(linker, 0)
    _legal_u(linker, left, right)  # after training: Splink resets u from its trained values
    pred = linker.inference.predict(warning_mode="never").as_duckdbpyrelation()
    # Only the three columns leave DuckDB: a million pairs with their name parts as Python
    # lists would take gigabytes in pandas.
    out = pred.filter("unique_id_l LIKE 'r%'").project(
        f"substr(unique_id_l, 2) AS record_id, unique_id_r AS uscc, "
        f"match_weight - {math.log2(prior / (1 - prior))} AS log2_bf").df()
    con.close()
    return out


def _smooth_m(linker: Any, n_labels: int, untrained: float = 0.01) -> None:
    """m from labelled counts plus SMOOTHING per level: a level the labels never showed gets
    about 0.5 / n (rare, not an infinite veto); without labels an unseen m becomes 1 %, and
    an unseen u 1 %."""
    for comparison in linker._settings_obj.comparisons:
        levels = [lvl for lvl in comparison.comparison_levels if not lvl.is_null_level]
        for lvl in levels:
            m, u = lvl._m_probability, lvl._u_probability
            trained = isinstance(m, (int, float)) and m == m
            if n_labels:
                count = (m if trained else 0.0) * n_labels
                lvl.m_probability = (count + SMOOTHING) / (n_labels + SMOOTHING * len(levels))
            elif not trained:
                lvl.m_probability = untrained
            if not isinstance(u, (int, float)) or u != u:
                lvl.u_probability = untrained
