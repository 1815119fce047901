"""The mess departments put into their exports, applied at realistic, documented rates.

Every function is vectorised over a column and returns, besides the cells, what was done to each
row, so the truth kept aside can say which rows carry which quirk. Values are split into parts
(several 户号 or 宗地 per firm) in integer units, so the parts add up exactly to the total.
"""

from __future__ import annotations

import numpy as np

from tiangong.identity.uscc import CHARSET

# Rates (share of exported rows) of each quirk.
CODE_MISSING_RATE = 0.02  # code cell left empty
CODE_TYPO_RATE = 0.005  # one character of the USCC changed
ORG_CODE_RATE = 0.01  # the old 9-character organisation code instead of the USCC
NAME_VARIANT_RATE = 0.10  # region prefix dropped, （）vs (), 有限公司 vs 有限责任公司, spaces
NUMBER_TEXT_RATE = 0.05  # numbers stored as text with thousands separators
FULLWIDTH_RATE = 0.005  # digits written full-width (numbers and codes)
BLANK_LINE_RATE = 0.002  # blank lines between data rows

_FULL = str.maketrans("0123456789", "０１２３４５６７８９")
_BRACKETS = str.maketrans("（）()", "()（）")
_CHARS = np.frombuffer(CHARSET.encode("ascii"), dtype=np.uint8)
_CHAR_INDEX = np.full(256, -1, dtype=np.int64)
_CHAR_INDEX[_CHARS] = np.arange(_CHARS.size)


def fullwidth(text: str) -> str:
    return text.translate(_FULL)


def code_cells(uscc: np.ndarray, rng: np.random.Generator,
               clean: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """USCC cells as a department types them, and the quirk per row ("" when none)."""
    n = uscc.size
    cells = uscc.astype(object).copy()
    kind = np.full(n, "", dtype=object)
    if clean or n == 0:
        return cells, kind
    u = rng.random(n)
    missing = u < CODE_MISSING_RATE
    typo = (u >= CODE_MISSING_RATE) & (u < CODE_MISSING_RATE + CODE_TYPO_RATE)
    org = (u >= CODE_MISSING_RATE + CODE_TYPO_RATE) & (
        u < CODE_MISSING_RATE + CODE_TYPO_RATE + ORG_CODE_RATE)
    cells[missing] = None
    kind[missing] = "missing"
    rows = np.flatnonzero(typo)
    if rows.size:
        raw = np.frombuffer("".join(uscc[rows]).encode("ascii"), dtype=np.uint8)
        grid = raw.reshape(rows.size, 18).copy()
        pos = rng.integers(0, 18, rows.size)
        old = _CHAR_INDEX[grid[np.arange(rows.size), pos]]
        grid[np.arange(rows.size), pos] = _CHARS[(old + rng.integers(1, _CHARS.size,
                                                                     rows.size)) % _CHARS.size]
        text = grid.tobytes().decode("ascii")
        cells[rows] = [text[i * 18:(i + 1) * 18] for i in range(rows.size)]
        kind[rows] = "typo"
    rows = np.flatnonzero(org)
    hyphen = rng.random(rows.size) < 0.5
    cells[rows] = [f"{c[8:16]}-{c[16]}" if h else c[8:17]
                   for c, h in zip(uscc[rows], hyphen, strict=True)]
    kind[rows] = "org_code"
    wide = (kind == "") & (rng.random(n) < FULLWIDTH_RATE)
    cells[wide] = [fullwidth(c) for c in cells[wide]]
    kind[wide] = "fullwidth"
    return cells, kind


def _variant(name: str, which: int) -> tuple[str, str]:
    """One way of writing `name` differently; falls through to the next way when it does not
    apply (a name without brackets cannot swap them)."""
    for k in ((which, 2, 0) if which != 3 else ()):
        if k == 1 and ("（" in name or "(" in name):
            swapped = name.translate(_BRACKETS)
            return swapped, "brackets"
        if k == 2 and name.endswith("有限责任公司"):
            return name[:-6] + "有限公司", "legal_form"
        if k == 2 and name.endswith("有限公司") and not name.endswith("股份有限公司"):
            return name[:-4] + "有限责任公司", "legal_form"
        if k == 0 and len(name) > 8:
            return (name[3:] if name[2] == "市" else name[2:]), "no_prefix"
    cut = 5 if len(name) > 8 and name[2] == "市" else 2
    return name[:cut] + " " + name[cut:], "space"


def name_cells(names: np.ndarray, rng: np.random.Generator,
               clean: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Names as a department writes them, and the variant per row ("" when unchanged)."""
    cells = names.astype(object).copy()
    kind = np.full(names.size, "", dtype=object)
    if clean:
        return cells, kind
    rows = np.flatnonzero(rng.random(names.size) < NAME_VARIANT_RATE)
    which = rng.integers(0, 4, rows.size)
    out = [_variant(str(names[r]), int(w)) for r, w in zip(rows, which, strict=True)]
    cells[rows] = [o[0] for o in out]
    kind[rows] = [o[1] for o in out]
    return cells, kind


def number_cells(values: np.ndarray, decimals: int, rng: np.random.Generator,
                 as_text: bool) -> np.ndarray:
    """Numbers rounded to `decimals`; ~5 % as text with thousands separators, a few full-width.

    `as_text` (CSV) formats every cell; otherwise plain cells stay numbers for xlsx. Missing
    values become empty cells.
    """
    v = np.round(values.astype(np.float64), decimals)
    n = v.size
    nan = np.isnan(v)
    sep = (rng.random(n) < NUMBER_TEXT_RATE) & ~nan
    wide = (rng.random(n) < FULLWIDTH_RATE) & ~nan
    if as_text:
        cells = np.array([f"{x:.{decimals}f}" for x in v], dtype=object) if n else \
            np.empty(0, dtype=object)
    else:
        cells = v.astype(object)
    cells[sep] = [f"{x:,.{decimals}f}" for x in v[sep]]
    cells[wide] = [fullwidth(f"{x:.{decimals}f}") for x in v[wide]]
    cells[nan] = None
    return cells


def split_total(total: np.ndarray, parts: np.ndarray,
                rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Split integer totals into `parts` non-negative integer pieces that add up exactly.

    Returns (owner row of each piece, piece values); pieces of one owner are adjacent.
    """
    owner = np.repeat(np.arange(total.size), parts)
    if owner.size == 0:
        return owner, np.empty(0, dtype=np.int64)
    w = rng.random(owner.size) + 0.25
    share = w / np.bincount(owner, w, minlength=total.size)[owner]
    piece = np.floor(total[owner] * share).astype(np.int64)
    starts = np.cumsum(parts) - parts
    has = parts > 0
    got = np.add.reduceat(piece, starts[has])
    piece[(starts + parts - 1)[has]] += total[has] - got
    return owner, piece


def sequence_ids(rng: np.random.Generator, n: int, width: int) -> np.ndarray:
    """Distinct, shuffled, zero-padded numeric IDs (户号, 宗地号) with leading zeros."""
    top = 10 ** (width - 2)  # at least one leading zero
    step = max(1, min(1000, top // max(n, 1)))
    ids = np.cumsum(rng.integers(1, step + 1, n)) % top
    ids = rng.permutation(ids)
    return np.array([f"{x:0{width}d}" for x in ids], dtype=object)
