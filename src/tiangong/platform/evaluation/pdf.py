"""PDFs with WeasyPrint: the 一企一单 of one enterprise and the 公示 list of a publication.

The font is named explicitly (Noto Sans CJK SC, Debian's fonts-noto-cjk): without a CJK font
WeasyPrint drops the characters silently, so `render_pdf` refuses to write a PDF when fontconfig
does not know the font, with a message saying which package to install.
"""

from __future__ import annotations

import subprocess
from functools import lru_cache
from typing import Any

from django.template.loader import render_to_string

FONT = "Noto Sans CJK SC"


class FontMissing(Exception):
    def __init__(self) -> None:
        super().__init__(f"服务器缺少中文字体“{FONT}”，无法生成 PDF。请管理员安装 fonts-noto-cjk"
                         "（Debian/Ubuntu：apt-get install fonts-noto-cjk）后重试。")


@lru_cache(maxsize=1)
def font_available() -> bool:
    try:
        out = subprocess.run(["fc-list", f":family={FONT}", "family"], capture_output=True,
                             text=True, timeout=10, check=False).stdout
    except OSError:
        return False
    return bool(out.strip())


def render_pdf(template: str, context: dict[str, Any]) -> bytes:
    if not font_available():
        raise FontMissing()
    from weasyprint import HTML

    html = render_to_string(template, {**context, "font": FONT})
    return bytes(HTML(string=html).write_pdf())
