"""Stored runs: every evaluation kept immutable, listed, shown and compared."""

from tiangong.runs.diff import ClassChange, RunDiff, diff_runs
from tiangong.runs.store import DEFAULT_STORE, RunRecord, RunStore, default_store_path

__all__ = ["DEFAULT_STORE", "ClassChange", "RunDiff", "RunRecord", "RunStore",
           "default_store_path", "diff_runs"]
