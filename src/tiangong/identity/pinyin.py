"""How a name sounds: toneless pinyin per character, and the characters that sound alike.

Clerks type names with a pinyin input method, and its commonest slip is picking the wrong
character of the right sound: 华泰 becomes 化泰, 鑫达 becomes 新达. Studies of real Chinese
misspellings find about three quarters phonologically similar to the intended character (Liu et
al. 2011, "Visually and phonologically similar characters in incorrect Chinese words", ACM
TALIP 10(2)). A trade name that differs from a firm's in one character *of the same sound* is
therefore much stronger evidence than one differing in any character, and the linker compares
sounds as well as characters (`identity.probabilistic`).

Readings come from pypinyin, one per character (its most common one), so a name's sound does
not depend on the words around it and the generator and the linker agree. Tones are dropped:
an input method without tone marks offers every tone of a syllable together.
"""

from __future__ import annotations

from collections import defaultdict
from functools import cache, lru_cache

import pandas as pd


@cache
def char_pinyin(char: str) -> str:
    """The toneless reading of one character ('hua' for 华); a non-Han character itself."""
    from pypinyin import Style, lazy_pinyin

    reading = lazy_pinyin(char, style=Style.NORMAL, errors="default")
    return reading[0] if reading else char


def sounds(texts: pd.Series) -> pd.Series:
    """Each text's readings joined by spaces ('hua tai' for 华泰); None stays None."""
    return pd.Series([" ".join(char_pinyin(c) for c in t) if isinstance(t, str) else None
                      for t in texts], index=texts.index, dtype=object)


def _common_characters() -> list[str]:
    """The 3,755 level-1 characters of GB 2312 (the everyday ones an input method offers
    first), in the standard's order: rows 16–55 of the code table, 94 cells each, row 55
    ending at cell 89."""
    out = []
    for row in range(0xB0, 0xD8):
        for cell in range(0xA1, 0xFF):
            if row == 0xD7 and cell > 0xF9:
                break
            out.append(bytes([row, cell]).decode("gb2312"))
    return out


@lru_cache(maxsize=1)
def _by_sound() -> dict[str, tuple[str, ...]]:
    groups: dict[str, list[str]] = defaultdict(list)
    for c in _common_characters():
        groups[char_pinyin(c)].append(c)
    return {k: tuple(v) for k, v in groups.items()}


@cache
def homophones(char: str) -> tuple[str, ...]:
    """Common characters read like `char` (tones ignored), itself excluded, in GB 2312 order."""
    return tuple(c for c in _by_sound().get(char_pinyin(char), ()) if c != char)
