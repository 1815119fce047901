"""From a scheme and its results to the files a county publishes.

The writers in `tiangong.evaluation.outputs` never read the scheme, so that what is printed is
exactly what was computed; this module is the one place that turns a scheme into their
`PublicationLayout` and decides which files an evaluation writes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import pandas as pd
import pyarrow as pa

from tiangong.evaluation.describe import named_for_year, reason_words
from tiangong.evaluation.formats import check_formats
from tiangong.evaluation.outputs import (
    MAX_ENTERPRISE_SHEETS,
    ClassLayout,
    GroupLayout,
    ItemLayout,
    PublicationLayout,
    write_enterprise_sheets,
    write_gongshi_workbook,
    write_results_tables,
)
from tiangong.evaluation.outputs.folder import OutputFolder
from tiangong.evaluation.scheme.model import Scheme

GONGSHI_FILE = "gongshi.xlsx"
Progress = Callable[[str, int, int], None]
SHEETS_FILE = "enterprise_sheets.xlsx"


def layout_for(scheme: Scheme, year: int, run_id: str) -> PublicationLayout:
    groups = tuple(
        GroupLayout(g.id, g.label, tuple(
            ItemLayout(i.indicator, scheme.indicators[i.indicator].label,
                       scheme.indicators[i.indicator].unit,
                       None if i.method == "rank_only" else i.weight)
            for i in g.items))
        for g in scheme.groups)
    classes = [ClassLayout(c.code, c.label) for c in scheme.classification.classes]
    classes += [ClassLayout(s.code, s.label) for s in scheme.special_classes
                if s.code not in {c.code for c in classes}]
    region = scheme.region or scheme.name
    name = named_for_year(scheme, year)
    return PublicationLayout(title=f"{name}结果公示", region=region, year=year,
                             scheme_id=scheme.id, run_id=run_id, groups=groups,
                             classes=tuple(classes), scheme_name=name,
                             reason_words=reason_words(scheme))


def publish(results: pd.DataFrame | pa.Table, scheme: Scheme, year: int, run_id: str,
            out_dir: Path, formats: Sequence[str] = ("parquet", "csv", "xlsx"), *,
            hide_ranks: bool = False, staged_parquet: Path | None = None,
            exclusions: Mapping[str, str] | None = None) -> list[Path]:
    """Publish the chosen formats into `out_dir` together (`OutputFolder`): the previous
    run's files are replaced all at once, never mixed with these. Returns the paths, in
    `formats` order; `write_outputs` says what each format writes."""
    check_formats(formats)
    with OutputFolder(out_dir) as folder:
        staged = write_outputs(results, scheme, year, run_id, folder.staging, formats,
                               hide_ranks=hide_ranks, staged_parquet=staged_parquet,
                               exclusions=exclusions)
        folder.commit()
    return [out_dir / p.name for p in staged]


def write_outputs(results: pd.DataFrame | pa.Table, scheme: Scheme, year: int, run_id: str,
                  out_dir: Path, formats: Sequence[str] = ("parquet", "csv", "xlsx"), *,
                  hide_ranks: bool = False, staged_parquet: Path | None = None,
                  progress: Progress | None = None,
                  exclusions: Mapping[str, str] | None = None) -> list[Path]:
    """Write the chosen formats into `out_dir`; returns the paths written, in a stable order.

    `parquet`/`csv`: the analysts' results table; `xlsx`: the 公示 workbook; `sheets`: the
    一企一单 workbook (one sheet per enterprise; at most 2,000 per workbook, so large regions
    get it per group, in several files). `results` may be the evaluation's Arrow table
    (`Evaluation.results`): the Parquet is then written without a pandas copy, and the
    DataFrame is only made for the formats that need one. `staged_parquet`: results.parquet
    already encoded for these results (`RunStore.save(results_file=...)`), moved into place.
    `progress(step, done, total)` is told as the workbooks fill (rows of the 公示, sheets of
    the 一企一单): at province scale they take many seconds. `exclusions`
    (`Evaluation.exclusions`): why each firm outside every group is, printed in the workbooks'
    说明 in place of the general reason; results from `evaluate` already carry these in their
    class_reason (`with_exclusions`), so this matters only for results kept from older runs.
    """
    check_formats(formats)
    out_dir.mkdir(parents=True, exist_ok=True)
    layout = layout_for(scheme, year, run_id)
    paths: list[Path] = []
    tables = [f for f in formats if f in ("parquet", "csv")]
    if tables:
        if progress:
            progress("results " + ", ".join(tables), 0, 1)
        paths += write_results_tables(results, out_dir, tables,
                                       staged_parquet=staged_parquet)
    if "xlsx" in formats or "sheets" in formats:
        if isinstance(results, pa.Table):
            results = results.to_pandas()
        if exclusions:
            why = results["uscc"].map(exclusions)
            results = results.assign(class_reason=why.where(why.notna(),
                                                            results["class_reason"]))
    if "xlsx" in formats:
        paths.append(write_gongshi_workbook(
            results, layout, out_dir / GONGSHI_FILE, hide_ranks=hide_ranks,
            progress=None if progress is None else lambda d, n: progress("公示 rows", d, n)))
    if "sheets" in formats:
        usccs = sorted(str(u) for u in results["uscc"])
        if len(usccs) <= MAX_ENTERPRISE_SHEETS:
            if progress:
                progress("一企一单 sheets", 0, len(usccs))
            paths.append(write_enterprise_sheets(results, layout, out_dir / SHEETS_FILE))
        else:
            for part, start in enumerate(range(0, len(usccs), MAX_ENTERPRISE_SHEETS)):
                if progress:
                    progress("一企一单 sheets", start, len(usccs))
                paths.append(write_enterprise_sheets(
                    results, layout, out_dir / f"enterprise_sheets_{part + 1:03d}.xlsx",
                    usccs=usccs[start:start + MAX_ENTERPRISE_SHEETS]))
    return paths
