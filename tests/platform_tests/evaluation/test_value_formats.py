"""The enterprise page and its PDF print an item's value as the 公示 workbook of the same run
shows it (issue 15, point 19: one rounding rule, evaluation/outputs/value_format.py): the
workbook is written by the library from the run store and read back with openpyxl."""

from __future__ import annotations

import io

import openpyxl
from pypdf import PdfReader

from tiangong.platform.evaluation.models import PublishedResult


def test_page_pdf_and_gongshi_agree(client, runs, published, firm_user, tmp_path):
    from tiangong.evaluation.outputs import write_gongshi_workbook
    from tiangong.evaluation.publish import layout_for
    from tiangong.runs import RunStore

    row = PublishedResult.objects.get(publication=published, enterprise=firm_user.enterprise)
    items = published.groups[row.group]["items"]
    # huangyan_2022: items in 万元/… (万元/亩, 万元/吨标准煤 …) take 2 decimals; R&D 比值 is a
    # ratio computed from two sources (no decimals of its own): shown as such, to 4
    decimals = {it["indicator"]: 2 if it["unit"].startswith("万元") else 4 for it in items}
    assert {it["unit"] for it in items if decimals[it["indicator"]] == 4} == {"比值"}
    assert all(it["format"] == {"decimals": decimals[it["indicator"]], "percent": False}
               for it in items)

    with RunStore(runs.store, read_only=True) as st:
        results = st.results(published.run_id).to_pandas()
        layout = layout_for(st.scheme(published.run_id).scheme, published.year, published.run_id)
    path = write_gongshi_workbook(results, layout, tmp_path / "公示.xlsx")
    ws = openpyxl.load_workbook(path)[next(g.label for g in layout.groups if g.id == row.group)]
    grid = list(ws.iter_rows())
    at = next(i for i, r in enumerate(grid) if r[0].value == "序号")
    header = [c.value for c in grid[at]]
    line = next(r for r in grid[at + 1:] if r[1].value == row.uscc)

    client.force_login(firm_user)
    page = client.get(f"/evaluation/results/{row.pk}/").content.decode()
    pdf = client.get(f"/evaluation/results/{row.pk}/pdf/")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    for it, (value, _, _) in zip(items, row.items, strict=False):
        if value is None:
            continue
        d = decimals[it["indicator"]]
        cell = line[header.index(f"{it['label']}({it['unit']})")]
        assert cell.number_format == "#,##0." + "0" * d
        assert cell.value == round(value, d)
        shown = f"{round(value, d):,.{d}f}"  # as the cell shows it
        assert f"{shown} {it['unit']}" in page, (it["label"], shown)
        assert shown in text.replace("\n", ""), (it["label"], shown)
