"""Reading a scheme file safely: its encoding, its size, and YAML that would never finish.

Schemes are written by county analysts on Windows machines, where an editor may save GB18030
(GBK) or UTF-16 rather than UTF-8; such a file is read, and one that is none of these is refused
with one line naming the byte, not a traceback. A scheme is also input from outside: a few KB
of YAML anchors that refer to each other (a "billion laughs") expand without bound, and
thousands of nested brackets exhaust the parser's recursion. Both are refused before any YAML
is built, from the size of the text, its nesting depth (counted on the characters) and the
expanded size of its aliases (counted on the parser's event stream, which never expands them).
Finally, the most common YAML slip in a scheme, a formula with a comma inside a `{…}` flow
mapping left unquoted, gets the likely fix.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError
from ruamel.yaml.events import (
    AliasEvent,
    CollectionEndEvent,
    CollectionStartEvent,
    ScalarEvent,
)

from tiangong.errors import Problem, SchemeError

MAX_BYTES = 1_000_000  # the longest published scheme is under 20 KB
MAX_DEPTH = 64  # schemes nest five or six levels deep
MAX_NODES = 200_000  # values after expanding every alias; a scheme has a few thousand


def read_scheme_text(path: Path) -> str:
    """The text of a scheme file: UTF-8 (with or without BOM), UTF-16 with BOM, or GB18030
    (which includes GBK and GB2312). Anything else is refused in one line."""
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise _refuse(f"the file is {size:,} bytes; a scheme is at most {MAX_BYTES:,} bytes",
                      str(path))
    data = path.read_bytes()
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as err:
            raise _undecodable(err, str(path), "not UTF-16") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as first:
        try:
            return data.decode("gb18030")
        except UnicodeDecodeError:
            raise _undecodable(first, str(path), "neither UTF-8 nor GB18030/GBK") from None


def check_hostile(text: str, source: str) -> None:
    """Refuse text too large, too deeply nested, or whose aliases expand too far."""
    if len(text.encode("utf-8")) > MAX_BYTES:
        raise _refuse(f"the text is over {MAX_BYTES:,} bytes; a scheme is at most that", source)
    depth, line = _nesting(text)
    if depth > MAX_DEPTH:
        raise _refuse(f"the YAML nests {depth} levels deep; a scheme needs at most "
                      f"{MAX_DEPTH}", source, line)
    _check_aliases(text, source)


def yaml_hint(text: str, line: int | None) -> str:
    """The likely fix for a YAML error at `line` (1-based), or ""."""
    if line is None:
        return ""
    lines = text.splitlines()
    here = lines[line - 1] if 0 < line <= len(lines) else ""
    return _comma_hint(here)


# `key: f(a, b)…` up to the next `, key:` or the closing brace, inside a flow mapping
_CALL_WITH_COMMA = re.compile(
    r"(\w+)\s*:\s*([^\"'{}:,\n]*\w+\([^()\"']*,[^\"'{}\n]*?)\s*(?=,\s*\w+\s*:|}|$)")


def _comma_hint(line: str) -> str:
    if "{" not in line or "," not in line:
        return ""
    match = _CALL_WITH_COMMA.search(line)
    if match is None:
        return ""
    key, value = match.group(1), match.group(2).strip()
    return (f"; inside {{…}} a comma ends the value: quote the formula, "
            f"{key}: \"{value}\"")


def _nesting(text: str) -> tuple[int, int]:
    """The deepest nesting of the text (flow brackets, indentation and compact `- - x`
    sequences), counted on characters, and its line; quoted strings and comments skipped."""
    deepest, where = 0, 1
    flow = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.lstrip(" ")
        indent = (len(raw) - len(stripped)) // 2
        dashes = 0
        while stripped.startswith(("- ", "? ")):
            stripped = stripped[2:].lstrip(" ")
            dashes += 1
        quote = ""
        for ch in stripped:
            if quote:
                if ch == quote:
                    quote = ""
            elif ch in "\"'":
                quote = ch
            elif ch == "#":
                break
            elif ch in "[{":
                flow += 1
                if flow + indent + dashes > deepest:
                    deepest, where = flow + indent + dashes, number
            elif ch in "]}":
                flow = max(0, flow - 1)
        if indent + dashes > deepest:
            deepest, where = indent + dashes, number
    return deepest, where


def _check_aliases(text: str, source: str) -> None:
    """The number of values the YAML holds once every alias is expanded, from the events.
    Text without a `&` has no anchor, so no alias can expand: the walk (a second YAML parse,
    half of reading a scheme) is skipped."""
    if "&" not in text:
        return
    sizes: dict[str, int] = {}  # anchor -> values under it, expanded
    anchors: list[str | None] = []  # of the open collections
    counts: list[int] = [0]  # values under each open collection (and the document)
    try:
        for event in YAML(typ="rt").parse(text):
            if isinstance(event, CollectionStartEvent):
                anchors.append(event.anchor)
                counts.append(1)
                continue
            if isinstance(event, CollectionEndEvent) and anchors:
                anchor, grown = anchors.pop(), counts.pop()
                if anchor:
                    sizes[str(anchor)] = grown
            elif isinstance(event, AliasEvent):
                grown = sizes.get(str(event.anchor), 1)
            elif isinstance(event, ScalarEvent):
                grown = 1
                if event.anchor:
                    sizes[str(event.anchor)] = 1
            else:
                continue
            counts[-1] += grown
            if counts[-1] > MAX_NODES:
                line = event.start_mark.line + 1 if event.start_mark else None
                raise _refuse(f"its anchors and aliases (&name, *name) expand to more than "
                              f"{MAX_NODES:,} values; a scheme needs far fewer", source, line)
    except YAMLError:
        return  # malformed YAML: the loader reports it, with its line


def _refuse(message: str, source: str, line: int | None = None) -> SchemeError:
    return SchemeError([Problem(f"scheme refused: {message}", source, line)])


def _undecodable(err: UnicodeDecodeError, source: str, tried: str) -> SchemeError:
    byte = err.object[err.start:err.start + 1].hex()
    line = err.object[:err.start].count(b"\n") + 1
    return _refuse(f"the file is {tried} text (byte 0x{byte} at offset {err.start}); "
                   "save it as UTF-8", source, line)
