"""Who changed class between two runs, and why.

After objections a county re-runs and must publish what changed. For every enterprise whose class
differs the diff names the causes it can prove from the two stored runs: the enterprise's own
input rows or events changed, the scheme changed, the benchmarks of its group moved (a mean moves
when other firms' data change), or nothing of its own changed and only its rank among the others
moved. Causes are written in Chinese because the list goes to officials.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from tiangong.evaluation import canonical
from tiangong.evaluation.evaluate import sorted_rows
from tiangong.runs.store import RunRecord, RunStore

_NUMBER_TOLERANCE = 1e-9
_COMPARED = [c for c in canonical.ENTERPRISE_COLUMNS if c.name not in ("uscc", "year")]


@dataclass
class ClassChange:
    uscc: str
    name: str
    group: str
    class_a: str
    class_b: str
    score_a: float | None
    score_b: float | None
    rank_a: str
    rank_b: str
    causes: list[str] = field(default_factory=list)


@dataclass
class RunDiff:
    a: RunRecord
    b: RunRecord
    scheme_changes: list[str]
    benchmark_changes: list[str]
    input_changes: list[str]
    changes: list[ClassChange]
    score_changes: int  # enterprises whose score moved by more than 1e-9, class or not

    def to_frame(self) -> pd.DataFrame:
        rows = [{"uscc": c.uscc, "name": c.name, "group": c.group, "class_a": c.class_a,
                 "class_b": c.class_b, "score_a": c.score_a, "score_b": c.score_b,
                 "rank_a": c.rank_a, "rank_b": c.rank_b, "causes": "；".join(c.causes)}
                for c in self.changes]
        return pd.DataFrame(rows, columns=["uscc", "name", "group", "class_a", "class_b",
                                           "score_a", "score_b", "rank_a", "rank_b", "causes"])


def diff_runs(store: RunStore, run_a: str, run_b: str) -> RunDiff:
    a, b = store.get(run_a), store.get(run_b)
    res_a = store.results(a.id).to_pandas().set_index("uscc")
    res_b = store.results(b.id).to_pandas().set_index("uscc")
    scheme_changes = _scheme_changes(store, a, b)
    bench = _benchmark_changes(store, a, b)
    input_changes = [f"{t}: 输入数据已变化" for t in sorted(set(a.input_keys) | set(b.input_keys))
                     if _input_changed(store, a, b, t)]
    usccs = sorted(set(res_a.index) | set(res_b.index))
    changed = [u for u in usccs if _class(res_a, u) != _class(res_b, u)]
    rows_a = _rows(store, a, changed)
    rows_b = _rows(store, b, changed)
    events_a, events_b = _events(store, a, changed), _events(store, b, changed)
    common = res_a.index.intersection(res_b.index)
    moved = (res_a.loc[common, "score"] - res_b.loc[common, "score"]).abs() > _NUMBER_TOLERANCE
    moved |= res_a.loc[common, "score"].isna() != res_b.loc[common, "score"].isna()
    changes = []
    for u in changed:
        ra = res_a.loc[u] if u in res_a.index else None
        rb = res_b.loc[u] if u in res_b.index else None
        group = str(_get(rb, "group") or _get(ra, "group") or "")
        causes = _causes(u, ra, rb, rows_a.get(u), rows_b.get(u), events_a.get(u, {}),
                         events_b.get(u, {}), scheme_changes, bench.get(group, []))
        changes.append(ClassChange(
            uscc=u, name=str(_get(rb, "name") or _get(ra, "name") or ""), group=group,
            class_a=_class(res_a, u), class_b=_class(res_b, u),
            score_a=_num(_get(ra, "score")), score_b=_num(_get(rb, "score")),
            rank_a=_rank(ra), rank_b=_rank(rb), causes=causes))
    flat_bench = [line for lines in bench.values() for line in lines]
    return RunDiff(a, b, scheme_changes, flat_bench, input_changes, changes, int(moved.sum()))


def _get(row: pd.Series | None, key: str) -> Any:
    if row is None:
        return None
    value = row.get(key)
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else value


def _num(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def _class(res: pd.DataFrame, uscc: str) -> str:
    if uscc not in res.index:
        return "(未参评)"
    value: Any = res.at[uscc, "class"]
    return "(无)" if _missing(value) else str(value)


def _rank(row: pd.Series | None) -> str:
    rank, size = _get(row, "rank"), _get(row, "partition_size")
    return "" if rank is None else f"{int(rank)}/{int(size) if size is not None else '?'}"


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for k, v in value.items():
            out.update(_flatten(v, f"{prefix}.{k}" if prefix else str(k)))
        return out
    if isinstance(value, list):
        out = {}
        for i, v in enumerate(value):
            out.update(_flatten(v, f"{prefix}[{i}]"))
        return out
    return {prefix: value}


def _scheme_changes(store: RunStore, a: RunRecord, b: RunRecord) -> list[str]:
    if a.scheme_hash == b.scheme_hash:
        return []
    fa = _flatten(store.scheme(a.id).scheme.model_dump(mode="json", exclude_none=True))
    fb = _flatten(store.scheme(b.id).scheme.model_dump(mode="json", exclude_none=True))
    return [f"{k}: {json.dumps(fa.get(k), ensure_ascii=False)} → "
            f"{json.dumps(fb.get(k), ensure_ascii=False)}"
            for k in sorted(set(fa) | set(fb)) if fa.get(k) != fb.get(k)]


def _benchmark_changes(store: RunStore, a: RunRecord, b: RunRecord) -> dict[str, list[str]]:
    ba = {(r["group"], r["indicator"]): r for r in store.benchmarks(a.id).to_pylist()}
    bb = {(r["group"], r["indicator"]): r for r in store.benchmarks(b.id).to_pylist()}
    out: dict[str, list[str]] = {}
    for key in sorted(set(ba) | set(bb)):
        va = (ba.get(key) or {}).get("benchmark")
        vb = (bb.get(key) or {}).get("benchmark")
        if va is None and vb is None:
            continue
        if va is None or vb is None or abs(va - vb) > _NUMBER_TOLERANCE * max(1.0, abs(va)):
            out.setdefault(key[0], []).append(f"基准值变化：{key[0]}组 {key[1]} {_fmt(va)} → "
                                              f"{_fmt(vb)}")
    return out


def _fmt(value: Any) -> str:
    if _missing(value):
        return "空"
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def _input_changed(store: RunStore, a: RunRecord, b: RunRecord, table: str) -> bool:
    """Whether the two runs read different rows of `table`. Keys differ also for the same rows
    reached another way (a folder's files, then the intake kept in the store), so differing
    keys are settled by the rows themselves."""
    key_a, key_b = a.input_keys.get(table), b.input_keys.get(table)
    if key_a == key_b:
        return False
    if not key_a or not key_b:
        return True
    return not sorted_rows(store.input_table(key_a)).equals(
        sorted_rows(store.input_table(key_b)))


def _input_rows(store: RunStore, rec: RunRecord, table: str, usccs: list[str],
                select: str) -> pd.DataFrame | None:
    """`select` over the run's stored `table` (as `t`), restricted to `usccs` and the run year."""
    key = rec.input_keys.get(table)
    if not key or not usccs:
        return None
    rows = store.input_table(key)
    with store.con.cursor() as cur:  # its own connection: registrations stay local to it
        cur.register("__wanted", pd.DataFrame({"uscc": usccs}))
        cur.register("__input", rows)
        return cur.execute(select.format(table="__input t JOIN __wanted w USING "
                                               "(uscc) WHERE t.year = ?"), [rec.year]).fetchdf()


def _rows(store: RunStore, rec: RunRecord, usccs: list[str]) -> dict[str, dict[str, Any]]:
    rows = _input_rows(store, rec, "enterprises", usccs, "SELECT t.* FROM {table}")
    if rows is None:
        return {}
    return {str(r["uscc"]): {str(k): v for k, v in r.items()} for r in rows.to_dict("records")}


def _events(store: RunStore, rec: RunRecord, usccs: list[str]) -> dict[str, dict[str, int]]:
    frame = _input_rows(store, rec, "events", usccs,
                        "SELECT uscc, event_type, COALESCE(severity, '') AS severity, "
                        "COUNT(*) AS n FROM {table} GROUP BY ALL ORDER BY ALL")
    rows = [] if frame is None else frame.itertuples(index=False, name=None)
    out: dict[str, dict[str, int]] = {}
    for uscc, kind, severity, n in rows:
        label = canonical.EVENT_TYPES.get(kind, kind) + (f"({severity})" if severity else "")
        out.setdefault(uscc, {})[label] = int(n)
    return out


def _missing(x: Any) -> bool:
    try:
        return x is None or bool(pd.isna(x))
    except (TypeError, ValueError):
        return False


def _same(x: Any, y: Any) -> bool:
    missing_x, missing_y = _missing(x), _missing(y)
    if missing_x or missing_y:
        return missing_x and missing_y
    if isinstance(x, (int, float)) and isinstance(y, (int, float)):
        return abs(float(x) - float(y)) <= _NUMBER_TOLERANCE * max(1.0, abs(float(x)))
    return bool(x == y)


def _causes(uscc: str, ra: pd.Series | None, rb: pd.Series | None,
            row_a: dict[str, Any] | None, row_b: dict[str, Any] | None,
            ev_a: dict[str, int], ev_b: dict[str, int], scheme_changes: list[str],
            bench_changes: list[str]) -> list[str]:
    causes = []
    if ra is None:
        causes.append("本次新参评（前次运行中没有该企业）")
    elif rb is None:
        causes.append("本次未参评（后次运行中没有该企业）")
    if row_a is not None and row_b is not None:
        diffs = [f"{c.label} {_fmt(row_a.get(c.name))} → {_fmt(row_b.get(c.name))}"
                 for c in _COMPARED if not _same(row_a.get(c.name), row_b.get(c.name))]
        if diffs:
            causes.append("本企业数据变化：" + "；".join(diffs))
    if ev_a != ev_b:
        kinds = sorted(set(ev_a) | set(ev_b))
        causes.append("事件记录变化：" + "；".join(
            f"{k} {ev_a.get(k, 0)} → {ev_b.get(k, 0)}" for k in kinds))
    if scheme_changes:
        causes.append(f"评价办法变化（{len(scheme_changes)}处，见办法差异）")
    causes.extend(bench_changes)
    if len(causes) == len(bench_changes) and ra is not None and rb is not None:
        causes.append(f"本企业数据与评价办法未变，因其他企业数据变化排名变动（排名 {_rank(ra)} → "
                      f"{_rank(rb)}）")
    reason = _get(rb, "class_reason")
    if reason:
        causes.append(f"现定级依据：{reason}")
    return causes
