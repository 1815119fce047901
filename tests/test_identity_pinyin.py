"""Sounds of characters, homophones, and the input-method typos of the record generator."""

from __future__ import annotations

import pandas as pd

from tiangong.demo.generator import generate
from tiangong.identity.names import parse_names
from tiangong.identity.perturb import HOMOPHONE_SHARE, perturbed_records
from tiangong.identity.pinyin import char_pinyin, homophones, sounds


def test_readings_and_homophones() -> None:
    assert [char_pinyin(c) for c in "华泰鑫"] == ["hua", "tai", "xin"]
    assert char_pinyin("A") == "A"
    assert {"化", "花", "画"} <= set(homophones("华")) and "华" not in homophones("华")
    assert {"新", "信", "心"} <= set(homophones("鑫"))  # 鑫 itself is not a level-1 character
    assert all(char_pinyin(c) == "hong" for c in homophones("宏"))
    got = sounds(pd.Series(["华泰", None, ""]))
    assert got.tolist() == ["hua tai", None, ""]


def test_generated_typos_are_mostly_of_the_same_sound() -> None:
    firms = generate(3000, 5)["enterprises"].to_pandas()
    roster = firms[firms["year"] == 2022][["uscc", "name"]].reset_index(drop=True)
    records = perturbed_records(roster, 2500, 8, rates={"typo": 1.0, "drop_region": 0.0,
                                                       "bracket": 0.0, "form": 0.0,
                                                       "noise": 0.0})
    truth = roster.set_index("uscc").loc[records["true_uscc"], "name"]
    written, true = parse_names(records["name"])["trade"], parse_names(truth)["trade"]
    homophone = records["kinds"] == "homophone"
    assert set(records["kinds"]) == {"homophone", "typo"}
    # Each record differs from its firm's trade name in one character (as parsed: a typo can
    # make a trade name read as a place, 鑫昌 → 新昌, a county) …
    diffs = [[(a, b) for a, b in zip(w, t, strict=False) if a != b] if len(w) == len(t) else []
             for w, t in zip(written, true, strict=True)]
    one = pd.Series([len(d) == 1 for d in diffs])
    assert one.mean() > 0.99
    # … of the same sound exactly for the records marked homophone.
    same = pd.Series([len(d) == 1 and char_pinyin(d[0][0]) == char_pinyin(d[0][1])
                      for d in diffs])
    assert same[(homophone & one).to_numpy()].all()
    # A random trade character may sound alike by chance, rarely.
    assert same[(~homophone & one).to_numpy()].mean() < 0.1
    share = homophone.mean()
    assert abs(share - HOMOPHONE_SHARE) < 0.04, share
    uniform = perturbed_records(roster, 500, 8, rates={"typo": 1.0}, typos="uniform")
    assert not uniform["kinds"].str.contains("homophone").any()
