"""How one enterprise's score and class arose, from a stored run, and what would lift it.

An enterprise that objects must get an answer from the run that was published, not from a re-run
on today's data. Everything here therefore reads the stored run: the results row, the benchmark
set, the scheme text. The what-if re-evaluates the stored inputs with one value of this
enterprise changed and everything else fixed, so group means and quota boundaries move exactly as
they would have; it searches for the smallest change that reaches the next better class.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

import pyarrow as pa

from tiangong.errors import Problem, TiangongError
from tiangong.evaluation.arrow_sql import reading, select_rows
from tiangong.evaluation.describe import imputation_note
from tiangong.evaluation.scheme.loader import LoadedScheme
from tiangong.evaluation.whatif import WhatIf
from tiangong.evaluation.whatif_exact import what_ifs_of_firms
from tiangong.evaluation.whatif_kept import KeptSessions
from tiangong.evaluation.wording import Wording
from tiangong.runs.store import RunRecord, RunStore
from tiangong.runs.stored_results import StoredResults


@dataclass
class ItemLine:
    indicator: str
    label: str
    unit: str
    method: str
    weight: float | None
    value: float | None
    benchmark_kind: str
    benchmark: float | None
    points: float | None
    imputed: str | None


@dataclass
class PointsLine:
    id: str
    label: str
    kind: str  # bonus | penalty
    value: float | None
    points: float | None


@dataclass
class Explanation:
    run_id: str
    scheme_id: str
    year: int
    row: dict[str, Any]
    items: list[ItemLine] = field(default_factory=list)
    points: list[PointsLine] = field(default_factory=list)
    class_floors: dict[str, float] = field(default_factory=dict)  # lowest score per class
    what_if: list[WhatIf] = field(default_factory=list)
    scheme_name: str = ""  # the scheme's title
    reason: str = ""  # the class reason as published: conditions in words, not code
    imputed_words: dict[str, str] = field(default_factory=dict)  # indicator -> note in words

    def to_dict(self) -> dict[str, Any]:
        return _plain(asdict(self))

    def worded(self, wording: Wording) -> Explanation:
        """Say the scheme's title, the class reason's conditions and the imputation rules in
        words (`Wording`): the one rendering of `explain` and of explain_bulk's rebuilt rows."""
        self.scheme_name = wording.scheme_name or self.scheme_name
        self.reason = wording.reason(self.row.get("class_reason"))
        self.imputed_words = {it.indicator: wording.imputed(it.imputed)
                              for it in self.items if it.imputed}
        return self

    def lines(self) -> list[str]:
        """The explanation as Chinese text, one fact per line."""
        r = self.row
        scheme = f"{self.scheme_name}（{self.scheme_id}）" if self.scheme_name else self.scheme_id
        reason = self.reason or r.get("class_reason") or ""
        out = [f"{r['name']}（{r['uscc']}） {self.year}年度 · 运行 {self.run_id} · 办法 {scheme}"]
        if r.get("group") is None:
            out.append(f"未参评：{reason or '不在任何评价组'}")
        else:
            out.append(f"评价组：{r.get('group_label')}（{r['group']}）")
        if r.get("special_class"):
            out.append(f"特殊类别：{r['special_class']}")
        for it in self.items:
            bench = ("" if it.benchmark is None
                     else f"，基准值 {_n(it.benchmark)}（{it.benchmark_kind}）")
            words = self.imputed_words.get(it.indicator) or imputation_note(it.imputed)
            note = f"，得分按规则补入：{words}" if it.imputed else ""
            weight = "" if it.weight is None else f"，权重 {_n(it.weight)}"
            out.append(f"  {it.label}：{_n(it.value)} {it.unit}{bench}{weight}，方法 {it.method}"
                       f" → {_n(it.points)} 分{note}")
        for p in self.points:
            sign = "加分" if p.kind == "bonus" else "减分"
            out.append(f"  {sign} {p.label}：{_n(p.value)} → {_n(p.points)} 分")
        if r.get("score") is not None:
            out.append(f"总分 {_n(r['score'])} = 指标得分 {_n(r.get('items_score'))} + 加分 "
                       f"{_n(r.get('bonus'))} − 减分 {_n(r.get('penalty'))}")
        if r.get("rank") is not None:
            out.append(f"排名：{r['partition']} 内第 {r['rank']} 名 / 共 {r['partition_size']} 家"
                       f"（百分位 {100 * float(r['percentile']):.2f}%）")
        if self.class_floors:
            floors = "，".join(f"{c} ≥ {_n(s)}" for c, s in self.class_floors.items())
            out.append(f"本分区各类最低得分：{floors}")
        out.append(f"等级：{r.get('class') or '无'} {r.get('class_label') or ''}"
                   f"；依据：{reason}")
        if r.get("policy_class") and r.get("policy_class") != r.get("class"):
            out.append(f"按 {r['policy_class']} 类管理")
        out.extend(f"如何升档（{w.label}）：{w.message}" for w in self.what_if)
        return out


def _n(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if isinstance(value, float):
        return f"{value:,.4f}".rstrip("0").rstrip(".")
    return str(value)


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


# the result columns an explanation reads of every firm: to find the firm, its group and
# partition (`whatif_exact.relevant_subset`), the class floors
LOOKUP_COLUMNS = ("uscc", "name", "group", "partition", "class", "score")


@dataclass
class StoredRun:
    """What an explanation reads from a stored run, read at once so that the store can be
    closed before the what-if search (other processes may then write to it): of the results,
    the lookup columns of every firm (`results`) and the means to read one firm's row."""

    record: RunRecord
    results: pa.Table
    benchmarks: pa.Table
    loaded: LoadedScheme
    inputs: dict[str, pa.Table] | None
    store_path: str
    stored_results: StoredResults
    # what-if sessions kept between calls, for a process that explains firm after firm of
    # this run (`whatif_kept`); None: each call opens and closes its own
    kept: KeptSessions | None = None

    def row(self, uscc: str) -> dict[str, Any]:
        found = self.stored_results.row(uscc)
        if found is None:  # `results` lists it: the two come from the same bytes
            raise TiangongError([Problem(f"enterprise {uscc} has no result row in run "
                                         f"{self.record.id}", self.store_path)])
        return found


def read_stored_run(store: RunStore, run_id: str, *, with_inputs: bool = True) -> StoredRun:
    record = store.get(run_id)
    # inputs in stored order: the what-if loads them into an engine (`what_ifs`)
    inputs = store.inputs(record.id, ordered=False) if with_inputs else None
    results = store.stored_results(record.id)
    return StoredRun(record, results.columns(LOOKUP_COLUMNS), store.benchmarks(record.id),
                     store.scheme(record.id), inputs, str(store.path), results)


def explain(store: RunStore, run_id: str, uscc: str, *, what_if: bool = True) -> Explanation:
    """The explanation of one enterprise (by USCC or name) in a stored run."""
    return explain_stored(read_stored_run(store, run_id, with_inputs=what_if), uscc,
                          what_if=what_if)


def find_enterprise(results: pa.Table, wanted: str, run_id: str,
                    where: str = "") -> dict[str, Any]:
    """The result row of the enterprise `wanted`: its USCC, its exact name, or a part of a
    name that only one enterprise has (the first of these that matches any). Several matches
    are listed, so the analyst can pick one."""
    key = wanted.strip()
    # in DuckDB (`arrow_sql`): a province's 120,000 names in milliseconds
    with reading(results=results) as con:
        # the kind of match first, on two columns; then the rows of the kind found
        found = con.sql(
            "WITH m AS (SELECT uscc, CASE WHEN uscc = $1 THEN 1 WHEN coalesce(name, '') = $2"
            " THEN 2 WHEN $2 <> '' AND contains(coalesce(name, ''), $2) THEN 3 END AS how"
            " FROM results), k AS (SELECT min(how) AS how FROM m) SELECT m.uscc,"
            " count(*) OVER () AS n FROM m JOIN k USING (how) ORDER BY m.uscc LIMIT 8",
            params=[key.upper(), key]).fetchall()
        count = found[0][1] if found else 0
        rows = con.sql("SELECT * FROM results WHERE uscc IN (SELECT unnest($1::VARCHAR[]))"
                       " ORDER BY uscc", params=[[u for u, _ in found]]
                       ).to_arrow_table().to_pylist() if found else []
    if count == 1:
        return rows[0]
    if count > 1:
        shown = "；".join(f"{r['name'] or ''}（{r['uscc']}）" for r in rows)
        more = f" 等 {count} 家" if count > 8 else ""
        raise TiangongError([Problem(
            f"“{key}” matches {count} enterprises in run {run_id}: {shown}{more}; "
            "give the USCC or the full name", where)])
    raise TiangongError([Problem(f"enterprise {key} is not in run {run_id} "
                                 f"({results.num_rows} enterprises; give a USCC or a name)",
                                 where)])


def explain_stored(stored: StoredRun, enterprise: str, *, what_if: bool = True) -> Explanation:
    return explain_many(stored, [enterprise], what_if=what_if)[0]


def find_all(stored: StoredRun, enterprises: list[str]) -> list[str]:
    """The USCC of each enterprise asked for (USCC or name, `find_enterprise`), in order;
    every one the run lacks or cannot tell apart in one error, before any work starts."""
    usccs: list[str] = []
    problems: list[Problem] = []
    for enterprise in enterprises:
        try:
            usccs.append(find_enterprise(stored.results, enterprise, stored.record.id,
                                         stored.store_path)["uscc"])
        except TiangongError as error:
            problems += error.problems
    if problems:
        raise TiangongError(problems)
    return usccs


def explain_many(stored: StoredRun, enterprises: list[str], *,
                 what_if: bool = True) -> list[Explanation]:
    """The explanations of several enterprises (USCC or name each), in the order asked."""
    return explain_found(stored, find_all(stored, enterprises), what_if=what_if)


def explain_found(stored: StoredRun, usccs: list[str], *,
                  what_if: bool = True) -> list[Explanation]:
    """The explanations of the firms `usccs` of the run (as `find_all` gives them); their
    what-if searches share sessions where firms share a group and partition
    (`whatif_exact.what_ifs_of_firms`: at province scale about 0.4 s a firm instead of 0.8)."""
    record, results, loaded = stored.record, stored.results, stored.loaded
    order = [c.code for c in loaded.scheme.classification.classes]
    wording = Wording.of(loaded.scheme, record.year)
    out = []
    for uscc in usccs:
        row = stored.row(uscc)
        ex = Explanation(record.id, record.scheme_id, record.year, row)
        _fill_items(ex, loaded, stored.benchmarks)
        ex.worded(wording)
        ex.class_floors = _class_floors(results, row, order)
        out.append(ex)
    if what_if and stored.inputs is not None and out:
        answers = what_ifs_of_firms(loaded, stored.inputs, record.year,
                                    [ex.row for ex in out], results, kept=stored.kept)
        for ex, found_answers in zip(out, answers, strict=True):
            ex.what_if = found_answers
    return out


def _fill_items(ex: Explanation, loaded: LoadedScheme, benchmarks: pa.Table) -> None:
    scheme, row = loaded.scheme, ex.row
    group = next((g for g in scheme.groups if g.id == row.get("group")), None)
    if group is None:
        return
    bench = {b["indicator"]: b for b in benchmarks.to_pylist() if b["group"] == group.id}
    for item in group.items:
        ind = scheme.indicators[item.indicator]
        b = bench.get(item.indicator, {})
        ex.items.append(ItemLine(
            indicator=item.indicator, label=ind.label, unit=ind.unit, method=item.method,
            weight=None if item.method == "rank_only" else item.weight,
            value=row.get(f"value_{item.indicator}"), benchmark_kind=b.get("benchmark_kind") or "",
            benchmark=b.get("benchmark"), points=row.get(f"points_{item.indicator}"),
            imputed=row.get(f"imputed_{item.indicator}")))
    for kind, items in (("bonus", group.bonus), ("penalty", group.penalties)):
        for p in items:
            ex.points.append(PointsLine(p.id, p.label, kind, row.get(f"value_{p.id}"),
                                        row.get(f"points_{p.id}")))


def _class_floors(results: pa.Table, row: dict[str, Any], order: list[str]) -> dict[str, float]:
    if row.get("partition") is None or row.get("group") is None:
        return {}
    lows = select_rows('SELECT class, min(score) AS low FROM results WHERE "partition" = ?'
                       " AND score IS NOT NULL GROUP BY class", [row["partition"]],
                       results=results)
    floors = {r["class"]: r["low"] for r in lows}
    return {c: float(floors[c]) for c in order if floors.get(c) is not None}


__all__ = ["Explanation", "ItemLine", "PointsLine", "StoredRun", "WhatIf", "explain",
           "explain_found", "explain_many", "explain_stored", "find_all", "find_enterprise",
           "read_stored_run"]
