"""Stored runs: every evaluation kept immutable, listed, shown and compared; and the intakes
(canonical tables from departmental exports) that evaluations without --data read.

The names are imported on first use (PEP 562): the store pulls in DuckDB, Arrow and the
evaluation, which a command that only reports a missing store must not wait for.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tiangong.runs.diff import ClassChange, RunDiff, diff_runs
    from tiangong.runs.intakes import (
        IntakeInputs,
        IntakeRecord,
        get_intake,
        intake_inputs,
        intake_table,
        list_intakes,
        save_intake,
    )
    from tiangong.runs.store import DEFAULT_STORE, RunRecord, RunStore, default_store_path

_WHERE = {
    "ClassChange": "diff", "RunDiff": "diff", "diff_runs": "diff",
    "IntakeInputs": "intakes", "IntakeRecord": "intakes", "get_intake": "intakes",
    "intake_inputs": "intakes", "intake_table": "intakes", "list_intakes": "intakes",
    "save_intake": "intakes",
    "DEFAULT_STORE": "store", "RunRecord": "store", "RunStore": "store",
    "default_store_path": "store",
}

__all__ = ["DEFAULT_STORE", "ClassChange", "IntakeInputs", "IntakeRecord", "RunDiff",
           "RunRecord", "RunStore", "default_store_path", "diff_runs", "get_intake",
           "intake_inputs", "intake_table", "list_intakes", "save_intake"]


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'tiangong.runs' has no attribute {name!r}")
    return getattr(importlib.import_module(f"tiangong.runs.{_WHERE[name]}"), name)
