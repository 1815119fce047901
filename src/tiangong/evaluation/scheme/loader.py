"""Read a scheme file (or a built-in by id) and report every problem with its line.

ruamel.yaml keeps the line of every key, so both Pydantic's shape errors and the cross-field
checks of `validate.py` can point at `my_county.yaml:42`. Nothing is evaluated until the whole
file is clean.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from tiangong.errors import Problem, SchemeError
from tiangong.evaluation.scheme.model import Scheme
from tiangong.evaluation.scheme.prune import clean_loc, prune_until_valid, real_errors
from tiangong.evaluation.scheme.reading import check_hostile, read_scheme_text, yaml_hint
from tiangong.evaluation.scheme.refs import BUILTIN_PACKAGE, scheme_file
from tiangong.evaluation.scheme.refs import builtin_ids as builtin_ids  # re-exported
from tiangong.evaluation.scheme.validate import check_scheme


@dataclass(frozen=True)
class LoadedScheme:
    scheme: Scheme
    source: str  # path or builtin:<id>
    text: str  # the YAML exactly as read, stored with every run

    @property
    def hash(self) -> str:
        """Hash of the validated content, so comments and layout do not change it."""
        # defaults left out: a key added to the format later does not change the hash of a
        # scheme that does not use it
        canonical = json.dumps(self.scheme.model_dump(mode="json", by_alias=True,
                                                      exclude_defaults=True),
                               sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(canonical.encode()).hexdigest()


def load_scheme(ref: str | Path) -> LoadedScheme:
    """Load a scheme from a YAML path, or a built-in by id (see `builtin_ids()`)."""
    path = scheme_file(ref)
    if path is not None:
        return parse_scheme(read_scheme_text(path), str(path))
    text = resources.files(BUILTIN_PACKAGE).joinpath(f"{ref}.yaml").read_text("utf-8")
    return parse_scheme(text, f"builtin:{ref}")


def parse_scheme(text: str, source: str) -> LoadedScheme:
    """Parse and check scheme text; raise one `SchemeError` listing every problem found."""
    check_hostile(text, source)  # size, nesting, aliases: before any YAML is built
    yaml = YAML(typ="rt")
    try:
        data = yaml.load(text)
    except YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise SchemeError([Problem(f"not valid YAML: {getattr(err, 'problem', err)}"
                                   f"{yaml_hint(text, line)}", source, line)],
                          title="scheme is invalid") from None
    if not isinstance(data, dict):
        raise SchemeError([Problem("a scheme must be a YAML mapping", source)])
    plain = _plain(data)
    try:
        scheme = Scheme.model_validate(plain)
    except ValidationError as err:
        problems = [Problem(_message(e), source, yaml_line_of(data, clean_loc(e["loc"])),
                            _dotted(e["loc"])) for e in real_errors(err)]
        problems += _findings_despite(plain, err, data, source)
        problems = [_with_hint(p, text) for p in problems]
        raise SchemeError(_in_file_order(problems), title=f"scheme {source} is invalid") from None
    findings = check_scheme(scheme)
    if findings:
        problems = [Problem(msg, source, yaml_line_of(data, path), _dotted(path))
                    for path, msg in findings]
        raise SchemeError(_in_file_order(problems),
                          title=f"scheme {source} is incomplete or inconsistent")
    return LoadedScheme(scheme=scheme, source=source, text=text)


def _findings_despite(plain: Any, err: ValidationError, data: Any,
                      source: str) -> list[Problem]:
    """Cross-field findings on the part of a shape-invalid scheme that does validate."""
    model, pruned = prune_until_valid(plain, Scheme, err)
    if not isinstance(model, Scheme):
        return []
    out = []
    for path, msg in check_scheme(model):
        if pruned.explains(path, msg):
            continue
        original = pruned.original(path)
        out.append(Problem(msg, source, yaml_line_of(data, original), _dotted(original)))
    return out


def _with_hint(problem: Problem, text: str) -> Problem:
    """An unknown key that is the tail of a formula cut at a comma gets the likely fix."""
    if not problem.message.startswith("unknown key"):
        return problem
    hint = yaml_hint(text, problem.line)
    return replace(problem, message=problem.message + hint) if hint else problem


def _in_file_order(problems: list[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda p: p.line if p.line is not None else 0)


def _plain(node: Any) -> Any:
    """ruamel's commented containers to plain dicts and lists for Pydantic."""
    if isinstance(node, dict):
        return {str(k): _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    return node


# Why a required key matters, for keys whose absence is a rule left unstated.
_REQUIRED_HINTS = {
    "in_denominator": "state whether firms of this special class count in the quota "
                      "denominator of their partition (in_denominator: true|false)",
    "scored": "state whether scores are computed and shown for firms of this special class "
              "(scored: true|false)",
    "method": "state how the item is scored (ratio, minmax, inverse, rank_only, steps) or how "
              "classes are assigned (quota, thresholds, two_stage)",
    "order": "state the tiebreak direction (order: asc|desc)",
    "reason": "state the reason shown to the firm when this adjustment applies",
}
_NUMBER_ERRORS = ("float_type", "float_parsing", "int_type", "int_parsing", "int_from_float")


def _message(error: Any) -> str:
    msg = str(error["msg"]).removeprefix("Value error, ")
    loc = clean_loc(error["loc"])
    key = str(loc[-1]) if loc else ""
    if error["type"] == "extra_forbidden":
        return f"unknown key '{key}' (check the spelling; see docs/scheme-format.md)"
    if error["type"] == "missing":
        hint = _REQUIRED_HINTS.get(key)
        return f"required key '{key}' is missing" + (f": {hint}" if hint else "")
    if error["type"] in _NUMBER_ERRORS:
        kind = "a whole number" if error["type"].startswith("int") else "a number"
        return f"'{key}' must be {kind}, not {error.get('input')!r} (write it without quotes)"
    return f"'{key}': {msg}" if key and not isinstance(loc[-1], int) else msg


def _dotted(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if not (isinstance(p, str) and p.startswith("function-"))]
    return ".".join(parts)


def yaml_line_of(data: Any, loc: tuple[Any, ...]) -> int | None:
    """1-based line of the deepest node of `loc` that exists in the YAML tree."""
    node, line = data, None
    for key in loc:
        lc = getattr(node, "lc", None)
        if isinstance(node, dict) and key in node:
            if lc is not None:
                line = lc.key(key)[0] + 1
            node = node[key]
        elif isinstance(node, list) and isinstance(key, int) and 0 <= key < len(node):
            if lc is not None:
                line = lc.item(key)[0] + 1
            node = node[key]
        else:
            if line is None and lc is not None:
                line = lc.line + 1
            break
    return line
