"""The data-quality summary of the intake a stored run was evaluated from.

A county publishes classes computed from departmental exports; whoever reads the 驾驶舱 must see
how much of those exports was used, and what was wrong with the rest, without opening the
quality workbook. The run records its intake (`fingerprints["intake"]`, the evaluated year's
intake first); this module reads that intake's reconciliation and quality rows from the store
and sums them per source (rows read / used / quarantined / excluded) and per severity and rule,
with Chinese labels. Plain data (JSON-ready), so the platform stores it once per publication.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from tiangong.intake.report_zh import SEVERITY_ZH, SOURCES_ZH, rule_zh
from tiangong.runs.intakes import get_intake, intake_table
from tiangong.runs.store import RunStore

COUNTS = ("rows_read", "rows_used", "rows_quarantined", "rows_excluded")
SEVERITIES = ("error", "warning", "info")
TOP_RULES = 12


def intake_id_of(fingerprints: dict[str, str]) -> str | None:
    """The intake the run's evaluated year came from, or None (a run from --data folders)."""
    label = fingerprints.get("intake", "")
    first = label.split(",")[0].strip()
    return first or None


def quality_summary(store_path: str | Path, run_id: str) -> dict[str, Any] | None:
    """The summary for run `run_id`, or None when the run names no stored intake."""
    with RunStore(store_path, read_only=True) as store:
        intake_id = intake_id_of(store.get(run_id).fingerprints)
        if intake_id is None:
            return None
        record = get_intake(store, intake_id)
        rec = intake_table(store, record, "reconciliation").to_pandas()
        quality = intake_table(store, record, "quality").select(["rule", "severity"])
    files = rec[(rec["file"] != "合计") & (rec["source"] != "land_rule")]
    sources = []
    for source, part in files.groupby("source", sort=True):
        row: dict[str, Any] = {"source": str(source),
                               "label": SOURCES_ZH.get(str(source), str(source)),
                               "files": int(part["file"].nunique())}
        row |= {k: int(part[k].fillna(0).sum()) for k in COUNTS}
        sources.append(row)
    totals = {k: sum(s[k] for s in sources) for k in COUNTS}
    pairs = Counter(zip(quality["rule"].to_pylist(), quality["severity"].to_pylist(),
                        strict=True))
    by_severity = Counter()  # type: Counter[str]
    for (_, severity), n in pairs.items():
        by_severity[severity] += n
    rules = sorted(pairs.items(), key=lambda kv: (SEVERITIES.index(kv[0][1])
                                                  if kv[0][1] in SEVERITIES else 9,
                                                  -kv[1], kv[0][0]))
    return {
        "intake": record.id, "year": record.year, "created_at": record.created_at,
        "sources": sources, "totals": totals,
        "severity": [{"severity": s, "label": SEVERITY_ZH[s], "n": by_severity.get(s, 0)}
                     for s in SEVERITIES],
        "rules": [{"rule": r, "label": rule_zh(r), "severity": s,
                   "severity_label": SEVERITY_ZH.get(s, s), "n": n}
                  for (r, s), n in rules[:TOP_RULES]],
        "n_rules": len(pairs), "awaiting_review": int(record.counts.get("awaiting_review", 0)),
    }
