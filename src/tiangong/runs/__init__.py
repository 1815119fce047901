"""Stored runs: every evaluation kept immutable, listed, shown and compared; and the intakes
(canonical tables from departmental exports) that evaluations without --data read."""

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

__all__ = ["DEFAULT_STORE", "ClassChange", "IntakeInputs", "IntakeRecord", "RunDiff",
           "RunRecord", "RunStore", "default_store_path", "diff_runs", "get_intake",
           "intake_inputs", "intake_table", "list_intakes", "save_intake"]
