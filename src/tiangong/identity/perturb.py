"""Name-only records with known truth, made by perturbing roster names the way departments do.

The linking accuracy targets (precision ≥ 0.99, recall ≥ 0.95) can only be checked against a
truth, and real rosters have none that may be shipped. This writes each sampled firm's name
again with a dropped region prefix, the region moved into brackets, the other spelling of the
legal form, a one-character typo in the trade name, or full-width/space noise, seeded.

Typos follow how names are typed (`typos="ime"`, the default): with a pinyin input method
three slips in four are a character of the same sound (`identity.pinyin`: 华泰 → 化泰), the
rest any other character, here one of the trade-name vocabulary, which is the hardest case
since it often spells another real firm's trade name. `typos="uniform"` makes every typo such
a random vocabulary character (the earlier, adversarial model).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tiangong.demo.names import TRADE
from tiangong.identity.names import parse_names
from tiangong.identity.pinyin import homophones

FORM_VARIANT = {"有限公司": "有限责任公司", "有限责任公司": "有限公司"}
# Chance of each perturbation, applied independently.
RATES = {"drop_region": 0.3, "bracket": 0.2, "form": 0.3, "typo": 0.15, "noise": 0.1}
# Share of typos that are a character of the same sound (Liu et al. 2011: about 76 % of real
# misspelt characters are phonologically similar to the intended one).
HOMOPHONE_SHARE = 0.75
TYPO_MODELS = ("ime", "uniform")


def perturbed_records(roster: pd.DataFrame, n: int, seed: int,
                      rates: dict[str, float] | None = None, typos: str = "ime"
                      ) -> pd.DataFrame:
    """`n` records (record_id, name, true_uscc, kinds) drawn without replacement from the
    roster; kinds names the perturbations applied, '+'-joined ('none' for none; a typo of
    the same sound is 'homophone', any other 'typo')."""
    if typos not in TYPO_MODELS:
        raise ValueError(f"typos must be one of {TYPO_MODELS}, not {typos!r}")
    r = RATES | (rates or {})
    rng = np.random.default_rng(seed)
    firms = roster.drop_duplicates("uscc", keep="last").reset_index(drop=True)
    pick = rng.choice(len(firms), size=min(n, len(firms)), replace=False)
    sample = firms.iloc[pick].reset_index(drop=True)
    parts = parse_names(sample["name"])
    m = len(sample)
    u = {k: rng.random(m) < p for k, p in r.items()}
    tail = parts["trade"] + parts["industry"] + parts["form"].fillna("") + parts["branch"]
    prefix = pd.Series([s[: len(s) - len(t)] for s, t in zip(parts["norm"], tail, strict=True)])
    trade = parts["trade"].copy()
    chars = np.array(TRADE)
    typo = u["typo"] & (trade.str.len() >= 2).to_numpy()
    # Drawn for every record, used for the typo'd ones, so the other perturbations of a seed
    # do not depend on the typo model.
    by_sound = rng.random(m) < (HOMOPHONE_SHARE if typos == "ime" else 0.0)
    homophone = np.zeros(m, dtype=bool)
    for i in np.flatnonzero(typo):
        t = list(trade[i])
        pos = int(rng.integers(len(t)))
        alike = homophones(t[pos]) if by_sound[i] else ()
        choices = np.array(alike) if alike else chars[chars != t[pos]]
        homophone[i] = bool(alike)
        t[pos] = str(choices[rng.integers(len(choices))])
        trade.iloc[int(i)] = "".join(t)
    form = parts["form"].fillna("")
    form = form.where(~u["form"], form.map(lambda f: FORM_VARIANT.get(f, f)))
    first_region = parts["regions"].fillna("").str.split("|").str[0]
    bracket = u["bracket"] & (first_region != "").to_numpy()
    lead = prefix.where(~(u["drop_region"] | bracket), "")
    mid = ("（" + first_region + "）").where(bracket, "")
    names = lead + trade + parts["industry"] + mid + form + parts["branch"]
    noise = u["noise"]
    names[noise] = names[noise].map(lambda s: s[:2] + " " + s[2:].replace("（", "(")
                                    .replace("）", ")"))
    # Which perturbations took effect (a dropped or bracketed region needs a prefix, a form
    # swap a swappable form), so that misses can be counted by kind.
    applied = {"drop_region": u["drop_region"] & ~bracket & (prefix != "").to_numpy(),
               "bracket": np.asarray(bracket),
               "form": (form != parts["form"].fillna("")).to_numpy(),
               "homophone": homophone, "typo": typo & ~homophone, "noise": noise}
    kinds = ["+".join(k for k, hit in applied.items() if hit[i]) or "none" for i in range(m)]
    return pd.DataFrame({"record_id": np.arange(m), "name": names,
                         "true_uscc": sample["uscc"].to_numpy(), "kinds": kinds})


def precision_recall(links: pd.DataFrame, truth: pd.DataFrame) -> tuple[float, float]:
    """Precision and recall of the accepted links (review=False, uscc set) against truth."""
    merged = links.merge(truth[["record_id", "true_uscc"]], on="record_id")
    accepted = merged[merged["uscc"].notna() & ~merged["review"].astype(bool)]
    correct = int((accepted["uscc"].astype(str) == accepted["true_uscc"].astype(str)).sum())
    precision = correct / len(accepted) if len(accepted) else 1.0
    return precision, correct / len(truth) if len(truth) else 1.0
