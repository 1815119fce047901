"""Tables of an HTML page saved as ".xls": what many government systems export.

Such a file opens in Excel, so departments send it as a workbook, but it is text: calamine
cannot read it ("Zip error" or "invalid OLE file"). It is recognised by its first bytes and its
<table> elements are read here with the standard library's HTML parser, one sheet per table,
colspan and rowspan cells repeated over the cells they cover (as Excel shows a merged cell
only in its first cell, the repeat is only of the text of merged header cells), line breaks in
cells kept as spaces.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

Rows = list[list[str | None]]
_CHARSET = re.compile(rb"charset\s*=\s*[\"']?([A-Za-z0-9_-]+)", re.I)


def looks_like_html(start: bytes) -> bool:
    """True when a file's first bytes are HTML (after a BOM and whitespace)."""
    head = start.lstrip(b"\xef\xbb\xbf").lstrip().lower()
    markup = head.startswith((b"<html", b"<!doctype html", b"<table", b"<meta", b"<?xml"))
    return markup and (b"<table" in start.lower() or head.startswith(b"<html"))


def decode_html(data: bytes, encoding: str | None = None) -> tuple[str, str]:
    """Text of an HTML file: the given encoding, else the page's charset, else UTF-8, else
    GB18030."""
    tried = [encoding] if encoding else []
    m = _CHARSET.search(data[:4096])
    if m:
        tried.append(m.group(1).decode("ascii").lower())
    tried += ["utf-8-sig", "gb18030"]
    for enc in tried:
        try:
            return data.decode(enc), enc
        except (UnicodeDecodeError, LookupError):
            continue
    return data.decode("gb18030", errors="replace"), "gb18030"


class _Tables(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[Rows] = []
        self._spans: list[dict[tuple[int, int], str | None]] = []
        self._row: list[str | None] | None = None
        self._cell: list[str] | None = None
        self._colspan = self._rowspan = 1
        self._depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self._depth += 1
            if self._depth == 1:
                self.tables.append([])
                self._spans.append({})
        elif self._depth != 1:
            return
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
            a = dict(attrs)
            self._colspan = _int(a.get("colspan"))
            self._rowspan = _int(a.get("rowspan"))
        elif tag == "br" and self._cell is not None:
            self._cell.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self._depth -= 1
        elif self._depth != 1:
            return
        elif tag in ("td", "th") and self._row is not None and self._cell is not None:
            text = " ".join("".join(self._cell).split()) or None
            r = len(self.tables[-1])
            spans = self._spans[-1]
            for k in range(self._colspan):
                while (r, len(self._row)) in spans:
                    self._row.append(spans.pop((r, len(self._row))))
                c = len(self._row)
                self._row.append(text if k == 0 else None)
                for d in range(1, self._rowspan):
                    spans[(r + d, c)] = None
            self._cell = None
        elif tag == "tr" and self._row is not None:
            r = len(self.tables[-1])
            spans = self._spans[-1]
            while (r, len(self._row)) in spans:
                self._row.append(spans.pop((r, len(self._row))))
            self.tables[-1].append(self._row)
            self._row = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def _int(text: str | None) -> int:
    try:
        return max(1, int(text or 1))
    except ValueError:
        return 1


def html_tables(data: bytes, encoding: str | None = None) -> tuple[list[Rows], str]:
    """The rows of every top-level <table> (cells as text, None when empty) and the
    encoding the page was read with."""
    text, enc = decode_html(data, encoding)
    parser = _Tables()
    parser.feed(text)
    parser.close()
    return [t for t in parser.tables if t], enc
