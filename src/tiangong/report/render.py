"""Save a chart as SVG, PNG, Vega-Lite JSON or a self-contained HTML page, with no browser.

SVG keeps text as text (the viewer's fonts draw it); PNG is rasterised by vl-convert, which only
draws Chinese when a CJK font is registered with it. `cjk_font_directory` looks for one (Debian's
fonts-noto-cjk, or $TIANGONG_CJK_FONT_DIR), and saving a PNG without one warns loudly instead of
writing pictures whose Chinese has silently vanished.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import warnings
from functools import cache
from pathlib import Path
from typing import Any

import vl_convert as vlc

SUFFIXES = (".svg", ".png", ".json", ".html")
# Debian/Ubuntu fonts-noto-cjk, Fedora google-noto-cjk, Debian fonts-wqy-*, Arch noto-fonts-cjk
_CANDIDATE_DIRS = ("/usr/share/fonts/opentype/noto", "/usr/share/fonts/google-noto-cjk",
                   "/usr/share/fonts/noto-cjk", "/usr/share/fonts/truetype/wqy",
                   "/usr/share/fonts/wenquanyi", "/usr/share/fonts/truetype/arphic")
_CJK_NAME_HINTS = ("cjk", "wqy", "wenquanyi", "droidsansfallback", "simhei", "simsun", "msyh",
                   "pingfang", "sourcehansans", "notosanssc", "ukai", "uming")


class MissingCJKFontWarning(UserWarning):
    """A PNG was rendered with no CJK font: its Chinese characters are missing or boxes."""


def _has_cjk_font(directory: Path) -> bool:
    try:
        return any(p.suffix.lower() in (".ttf", ".otf", ".ttc", ".otc")
                   and any(h in p.name.lower().replace("-", "").replace("_", "")
                           for h in _CJK_NAME_HINTS)
                   for p in directory.rglob("*"))
    except OSError:
        return False


@cache
def cjk_font_directory() -> Path | None:
    """A directory holding a font with Chinese glyphs: $TIANGONG_CJK_FONT_DIR if set, else a
    known system location, else the folder of whatever `fc-list :lang=zh` names; None if none."""
    env = os.environ.get("TIANGONG_CJK_FONT_DIR")
    if env and Path(env).is_dir():
        return Path(env)
    for d in map(Path, _CANDIDATE_DIRS):
        if d.is_dir() and _has_cjk_font(d):
            return d
    if shutil.which("fc-list"):
        try:
            out = subprocess.run(["fc-list", ":lang=zh", "file"], capture_output=True,
                                 text=True, timeout=10, check=False).stdout
        except (OSError, subprocess.SubprocessError):
            out = ""
        for line in out.splitlines():
            path = Path(line.split(":", 1)[0].strip())
            if path.is_file():
                return path.parent
    return None


@cache
def _register_cjk_font() -> Path | None:
    d = cjk_font_directory()
    if d is not None:
        vlc.register_font_directory(str(d))
    return d


def vegalite_spec(chart: Any) -> dict[str, Any]:
    """The chart's Vega-Lite spec as a dict (an Altair chart or a spec dict already)."""
    if isinstance(chart, dict):
        return chart
    spec: dict[str, Any] = chart.to_dict()
    return spec


def vl_version(spec: dict[str, Any]) -> str | None:
    """The Vega-Lite version ("6.4") named by the spec's $schema if vl-convert has it."""
    schema = str(spec.get("$schema", ""))
    # https://vega.github.io/schema/vega-lite/v6.4.1.json
    tail = schema.rsplit("/v", 1)[-1].removesuffix(".json")
    parts = tail.split(".")
    if len(parts) < 2:
        return None
    wanted = ".".join(parts[:2])
    available = vlc.get_vegalite_versions()
    if wanted in available:
        return wanted
    same_major = [v for v in available if v.split(".")[0] == parts[0]]
    return same_major[-1] if same_major else None


_SVG_ID = re.compile(r'\bid="([A-Za-z_]+?)(\d+)"')


def stable_ids(svg: str) -> str:
    """Vega numbers gradients and clip paths with a counter that lives as long as the process
    (`gradient_2`, then `gradient_4` for the same chart drawn again), so the same chart would
    give different SVG bytes. Renumber each kind from 1 in order of appearance."""
    mapping: dict[str, str] = {}
    counts: dict[str, int] = {}
    for prefix, number in _SVG_ID.findall(svg):
        old = prefix + number
        if old not in mapping:
            counts[prefix] = counts.get(prefix, 0) + 1
            mapping[old] = f"{prefix}{counts[prefix]}"
    if not mapping:
        return svg
    pattern = re.compile(r'(?<=["#])(' + "|".join(map(re.escape, mapping)) + r')(?=[")])')
    return pattern.sub(lambda m: mapping[m.group(1)], svg)


def save_chart(chart: Any, path: str | Path, *, scale: float = 2.0) -> Path:
    """Write `chart` by the path's suffix: .svg, .png (scaled by `scale`), .json (the Vega-Lite
    spec) or .html (one page with the Vega JavaScript inlined: opens offline)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise ValueError(f"cannot save a chart as {suffix or 'a file without suffix'}; "
                         f"use one of {', '.join(SUFFIXES)}")
    spec = vegalite_spec(chart)
    version = vl_version(spec)
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".json":
        path.write_text(json.dumps(spec, ensure_ascii=False, indent=1), encoding="utf-8")
    elif suffix == ".svg":
        svg = stable_ids(vlc.vegalite_to_svg(spec, vl_version=version))
        path.write_text(svg, encoding="utf-8")
    elif suffix == ".png":
        if _register_cjk_font() is None:
            warnings.warn("no CJK font found: Chinese text in the PNG will be missing. Install "
                          "one (Debian: apt-get install fonts-noto-cjk) or set "
                          "TIANGONG_CJK_FONT_DIR to a folder of .ttf/.otf/.ttc fonts; SVG and "
                          "HTML output are unaffected", MissingCJKFontWarning, stacklevel=2)
        path.write_bytes(vlc.vegalite_to_png(spec, vl_version=version, scale=scale))
    else:
        from tiangong.report.html import write_html_report

        title = spec.get("title")
        text = title.get("text") if isinstance(title, dict) else title
        write_html_report(path, str(text or "图表"), [(None, spec)])
    return path
