"""Chinese enterprise names: region prefix + trade name (字号) + industry words + legal form.

Names must be unique (intake matches on them) and must look like real registrations, because
name parsing and fuzzy matching are tested on them. Each part comes from a small vocabulary
array and is gathered with Arrow `take`; whole names are then joined element-wise in C++, so
millions of names cost about a second. Uniqueness is by construction (among firms sharing a
prefix, trade names are a permutation of all character pairs; a short prefix that runs out
hands its extra firms the county-qualified one) and is then checked, with a repair (a third
trade character) for a county with more firms than character pairs.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from tiangong.demo import vocabulary as vocab
from tiangong.demo.regions import Layout

TRADE = list(dict.fromkeys(vocab.TRADE_CHARS))  # drop accidental repeats
_PAIRS = len(TRADE) ** 2
# Prefix styles: 台州市黄岩…, 黄岩…, 浙江…, 台州…
_PREFIX_SHARE = np.cumsum([0.5, 0.2, 0.2])


def _strings(values: list[str]) -> pa.Array:
    return pa.array(values, pa.string())


def _legal_forms(rng: np.random.Generator, above: np.ndarray) -> tuple[pa.Array, np.ndarray]:
    forms = list(dict.fromkeys(f for f, _ in vocab.LEGAL_FORMS_ABOVE + vocab.LEGAL_FORMS_BELOW))
    idx = np.empty(above.size, dtype=np.int64)
    u = rng.random(above.size)
    for table, mask in ((vocab.LEGAL_FORMS_ABOVE, above), (vocab.LEGAL_FORMS_BELOW, ~above)):
        cum = np.cumsum([p for _, p in table])
        pick = np.minimum(np.searchsorted(cum / cum[-1], u[mask], side="right"), len(table) - 1)
        idx[mask] = np.array([forms.index(f) for f, _ in table])[pick]
    return _strings(forms), idx


def ranks_within(keys: np.ndarray, n_keys: int) -> np.ndarray:
    """0-based position of each row among the rows with the same key, in row order."""
    order = np.argsort(keys, kind="stable")
    counts = np.bincount(keys, minlength=n_keys)
    rank = np.empty(keys.size, dtype=np.int64)
    rank[order] = np.arange(keys.size) - np.repeat(np.cumsum(counts) - counts, counts)
    return rank


def _trade_index(rng: np.random.Generator, scope: np.ndarray, rank: np.ndarray,
                 n_scopes: int) -> np.ndarray:
    """Distinct character-pair numbers within each scope: a·rank + b mod pairs, a coprime."""
    stride = rng.integers(_PAIRS // 7, _PAIRS // 2, n_scopes)
    while (bad := np.gcd(stride, _PAIRS) != 1).any():
        stride[bad] += 1
    offset = rng.integers(0, _PAIRS, n_scopes)
    return (offset[scope] + rank * stride[scope]) % _PAIRS


def make_names(rng: np.random.Generator, layout: Layout, county: np.ndarray,
               industry: np.ndarray, above: np.ndarray) -> pa.Array:
    """One unique name per firm; `industry` indexes `vocabulary.INDUSTRIES`."""
    n, nc = county.size, layout.n_counties
    prefixes = ([f"{c}市{k}" for c, k in zip(layout.city_short, layout.county_short, strict=True)]
                + layout.county_short + layout.province_short + layout.city_short)
    prefix_id = np.unique(np.array(prefixes), return_inverse=True)[1].ravel()
    # A firm's name is unique if its trade name is unique among firms with the same prefix;
    # shorter prefixes are shared by many counties, so when one runs out of character pairs
    # its extra firms take the fully qualified 台州市黄岩 prefix (one per county).
    style = np.searchsorted(_PREFIX_SHARE, rng.random(n), side="right")
    scope = prefix_id[style * nc + county]
    style[ranks_within(scope, len(prefixes)) >= _PAIRS] = 0
    scope = prefix_id[style * nc + county]
    trade = _trade_index(rng, scope, ranks_within(scope, len(prefixes)), len(prefixes))
    words = [w for _, ws, _ in vocab.INDUSTRIES for w in ws]
    n_words = np.array([len(ws) for _, ws, _ in vocab.INDUSTRIES])
    word = (np.cumsum(n_words) - n_words)[industry] + (rng.random(n) * n_words[industry]).astype(
        np.int64)
    forms, form = _legal_forms(rng, above)
    chars = _strings(TRADE)
    extra = np.full(n, -1, dtype=np.int64)  # a third trade character, only for repairs

    def build(rows: np.ndarray) -> pa.Array:
        parts = [_strings(prefixes).take(style[rows] * nc + county[rows]),
                 chars.take(trade[rows] // len(TRADE)), chars.take(trade[rows] % len(TRADE)),
                 pc.if_else(pa.array(extra[rows] >= 0), chars.take(np.maximum(extra[rows], 0)),
                            ""),
                 _strings(words).take(word[rows]), forms.take(form[rows])]
        return pc.binary_join_element_wise(*parts, "")

    names = build(np.arange(n))
    for _ in range(8):  # only a county with more firms than character pairs gets here
        clash = _repeats(names)
        if clash.size == 0:
            return names
        extra[clash] = rng.integers(0, len(TRADE), clash.size)
        mask = np.zeros(n, dtype=bool)
        mask[clash] = True
        names = pc.replace_with_mask(names, pa.array(mask), build(clash))
    raise RuntimeError("could not make enterprise names unique")


def _repeats(names: pa.Array) -> np.ndarray:
    """Row numbers of every repeat of an earlier name (the first occurrence is kept)."""
    if len(pc.unique(names)) == len(names):
        return np.empty(0, dtype=np.int64)
    table = pa.table({"name": names, "row": pa.array(np.arange(len(names)))})
    groups = table.group_by("name").aggregate([("row", "min"), ("row", "count")])
    dup = groups.filter(pc.greater(groups["row_count"], 1))
    if dup.num_rows == 0:
        return np.empty(0, dtype=np.int64)
    hit = pc.and_(pc.is_in(table["name"], dup["name"]),
                  pc.invert(pc.is_in(table["row"], dup["row_min"])))
    return np.flatnonzero(hit.to_numpy(zero_copy_only=False))
