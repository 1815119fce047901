"""Duplicate suggestions: the same firm asking the same thing through two channels.

A firm that calls 12345 and also files in the 企业码 app about the same stuck permit should
get one answer, not two departments working in parallel. Suggestions pair requests of the same
enterprise received within a window whose texts share enough character bigrams (Chinese has
no spaces, and bigrams catch "增容报装" in "申请增容报装进度" without a segmenter). The 直通办
decides; a suggestion never merges anything by itself.
"""

from __future__ import annotations

import pandas as pd

WINDOW_DAYS = 30
THRESHOLD = 0.35


def bigrams(text: str) -> frozenset[str]:
    s = "".join(ch for ch in str(text or "") if ch.isalnum())
    return frozenset(s[i:i + 2] for i in range(len(s) - 1)) if len(s) > 1 else frozenset(s)


def similarity(a: str, b: str) -> float:
    """Jaccard overlap of character bigrams (1.0 identical text, 0.0 nothing in common)."""
    x, y = bigrams(a), bigrams(b)
    if not x or not y:
        return 0.0
    return len(x & y) / len(x | y)


def suggest_duplicates(requests: pd.DataFrame, window_days: int = WINDOW_DAYS,
                       threshold: float = THRESHOLD) -> pd.DataFrame:
    """Pairs (request_id, duplicate_of, similarity, days_apart): the later request of each pair
    first, the earlier one it probably repeats second, best match per later request first.

    requests: request_id, uscc, received_at, text (other columns ignored); requests without an
    enterprise are not paired.
    """
    cols = ["request_id", "duplicate_of", "similarity", "days_apart"]
    frame = requests.dropna(subset=["uscc"]).sort_values(["uscc", "received_at", "request_id"])
    out = []
    for _, group in frame.groupby("uscc", sort=True):
        if len(group) < 2:
            continue
        ids = group["request_id"].tolist()
        times = pd.to_datetime(group["received_at"]).tolist()
        grams = [bigrams(t) for t in group["text"].tolist()]
        for j in range(1, len(ids)):
            for i in range(j - 1, -1, -1):
                apart = (times[j] - times[i]).total_seconds() / 86400
                if apart > window_days:
                    break
                union = grams[i] | grams[j]
                sim = len(grams[i] & grams[j]) / len(union) if union else 0.0
                if sim >= threshold:
                    out.append((ids[j], ids[i], round(sim, 3), round(apart, 1)))
    result = pd.DataFrame(out, columns=cols)
    return result.sort_values(["request_id", "similarity", "duplicate_of"],
                              ascending=[True, False, True], kind="stable").reset_index(drop=True)
