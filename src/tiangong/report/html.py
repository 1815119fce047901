"""One self-contained HTML report: headings, charts and tables, working with no network.

The Vega, Vega-Lite and vega-embed JavaScript is inlined once from vl-convert's bundle (about
1 MB); each chart's Vega-Lite spec is embedded as JSON and drawn by `vegaEmbed` as SVG. Tables are
plain HTML. Nothing is fetched from a CDN, so the file opens on an air-gapped office computer.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd
import vl_convert as vlc

from tiangong.report.render import vegalite_spec, vl_version

Section = tuple[str | None, Any]

_STYLE = """
body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC",
       sans-serif; margin: 2em auto; max-width: 1100px; color: #222; padding: 0 1em; }
h1 { font-size: 1.6em; border-bottom: 2px solid #4c78a8; padding-bottom: .3em; }
h2 { font-size: 1.25em; margin-top: 2em; }
table.data { border-collapse: collapse; font-size: .9em; }
table.data th, table.data td { border: 1px solid #ccc; padding: .25em .6em; }
table.data th { background: #f0f4f8; }
table.data td { text-align: right; white-space: nowrap; }
.chart { margin: 1em 0; }
"""


@cache
def _bundle(version: str | None) -> str:
    # the stub wants a snippet; the default one (omitted) sets window.vegaEmbed/vega/vegaLite
    bundle: Any = vlc.javascript_bundle
    return str(bundle(vl_version=version))


def _json_in_script(value: Any) -> str:
    """JSON safe inside <script>: in JSON "</" and "<!--" occur only in strings, where the
    escaped forms mean the same, so no data value can end or confuse the element."""
    text = json.dumps(value, ensure_ascii=False)
    return text.replace("</", "<\\/").replace("<!--", "<\\!--")


def _code_in_script(js: str) -> str:
    """vl-convert's bundle has no "</script" today; keep it so if a later one does."""
    return re.sub(r"</(script)", r"<\\/\1", js, flags=re.IGNORECASE)


def _table(df: pd.DataFrame, float_format: str) -> str:
    # pandas writes a missing value of a nullable column (Int64, string) as "<NA>", not na_rep
    shown = df.astype(object).where(df.notna(), "")
    for c in [c for c in df.columns if pd.api.types.is_float_dtype(df[c])]:
        shown[c] = [v if v == "" else format(v, float_format) for v in shown[c]]
    return shown.to_html(classes="data", border=0, escape=True)


def write_html_report(path: str | Path, title: str, sections: Sequence[Section], *,
                      float_format: str = ",.2f") -> Path:
    """Write `sections` — (heading or None, Altair chart / Vega-Lite dict / DataFrame / text) —
    under `title` to one HTML file that needs no network to display."""
    parts: list[str] = [f"<h1>{html.escape(title)}</h1>"]
    embeds: list[str] = []
    version: str | None = None
    for i, (heading, item) in enumerate(sections):
        if heading:
            parts.append(f"<h2>{html.escape(heading)}</h2>")
        if isinstance(item, pd.DataFrame):
            parts.append(_table(item, float_format))
        elif isinstance(item, pd.Series):
            parts.append(_table(item.to_frame(), float_format))
        elif isinstance(item, str):
            parts.append(f"<p>{html.escape(item)}</p>")
        else:
            spec = vegalite_spec(item)
            version = version or vl_version(spec)
            div = f"chart-{i}"
            parts.append(f'<div class="chart" id="{div}"></div>')
            embeds.append(f'vegaEmbed("#{div}", {_json_in_script(spec)}, '
                          '{"actions": false, "renderer": "svg"})'
                          '.catch(function (e) { document.getElementById("' + div +
                          '").textContent = "图表无法显示:" + e; });')
    scripts = ""
    if embeds:
        scripts = (f"<script>{_code_in_script(_bundle(version))}</script>\n"
                   "<script>\n" + "\n".join(embeds) + "\n</script>")
    page = ("<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<title>{html.escape(title)}</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n"
            + "\n".join(parts) + f"\n{scripts}\n</body>\n</html>\n")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page, encoding="utf-8")
    return path
