"""The schemes and firms the what-if tests share (`test_whatif_fast`, `test_whatif_kept`): the
built-in schemes of every benchmark kind and variants of them, and a sample of firms a class
can lift."""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from tiangong.evaluation.scheme.loader import LoadedScheme, load_scheme, parse_scheme

YEAR = 2022


def _builtin_text(name: str) -> str:
    return load_scheme(name).text


def _variant(name: str, old: str, new: str) -> LoadedScheme:
    text = _builtin_text(name)
    assert old in text, old
    return parse_scheme(text.replace(old, new, 1), f"{name}-variant.yaml")


def schemes() -> dict[str, Any]:
    return {
        "huangyan": lambda: load_scheme("huangyan_2022"),
        "huaian": lambda: load_scheme("huaian_2024"),
        "template": lambda: load_scheme("template"),
        "template_clip": lambda: _variant(
            "template", "        method: minmax\n",
            "        method: minmax\n        clip: {low_percent: 10, high_percent: 90}\n"),
        "huangyan_thresholds": lambda: _variant(
            "huangyan_2022", "  method: quota\n  quotas: {A: 20, B: 60, C: 95, D: 100}\n",
            "  method: thresholds\n  thresholds: {A: 95, B: 75, C: 50}\n"
            "  bounds: {A: {max_share: 10}}\n"),
        "huangyan_towns": lambda: _variant(
            "huangyan_2022", "  partition_by: [group]\n", "  partition_by: [group, town_name]\n"),
    }


def sample(results: pa.Table, k: int) -> list[dict[str, Any]]:
    """k firms evenly by credit code among those a class can lift (not the best class)."""
    rows = [r for r in results.to_pylist() if r["group"] is not None and r["class"] is not None
            and r["special_class"] is None]
    best = min((r["class"] for r in rows), default=None)
    rows = sorted((r for r in rows if r["class"] != best), key=lambda r: r["uscc"])
    return rows[:: max(1, len(rows) // k)][:k]
