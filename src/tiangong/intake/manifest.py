"""An intake manifest: which file is which source, which header is which column, which unit.

Intake recognises the usual file names and Chinese headers by itself; a county whose
departments write otherwise says so in a YAML file (`tiangong intake EXPORTS --manifest
package.yaml`) instead of renaming columns by hand every year::

    files:
      - file: 税务局2024年度入库.xlsx      # a name in the exports folder, or a pattern (*, ?)
        source: tax
        sheet: 入库明细                    # name, or 0-based position
        columns:                           # header as written → canonical column
          纳税人识别号码: uscc
          全年入库税款: eval_tax
          备用税额: null                   # a column that looks like tax but is not loaded
        units:
          eval_tax: 元
      - file: 说明.xlsx
        skip: true
    sources:                               # for every file of a source
      land:
        units: {land_area: 平方米}
    mu_per_square_metre: 0.0015            # the county's 亩 per 平方米

The file is checked like a scheme: every problem at once, each with its line (unknown keys,
sources, columns or units, a unit of the wrong quantity, an encoding Python does not know, a
pattern matching no file, a file matched twice). Headers a manifest maps are still checked
against the file when it is read: a mapped header the file lacks, or a required column neither
mapped nor recognised, is an error naming the file and listing the headers it has.
See docs/intake-manifest.md.
"""

from __future__ import annotations

import codecs
import fnmatch
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from tiangong.errors import DataError, Problem
from tiangong.evaluation.scheme.loader import _in_file_order, _plain, yaml_line_of
from tiangong.intake.columns import FileOptions
from tiangong.intake.headers import SOURCES, UNITS, UnitSettings
from tiangong.intake.readers import TEXT_SUFFIXES

Loc = tuple[str | int, ...]


class _Mapping(BaseModel):
    model_config = ConfigDict(extra="forbid")

    columns: dict[str, str | None] = Field(default_factory=dict)
    units: dict[str, str] = Field(default_factory=dict)
    sums: dict[str, list[str]] = Field(default_factory=dict)  # column = sum of these headers


class LongLayout(BaseModel):
    """A long sheet (one row per account and month, or per firm and pollutant) whose headers
    content recognition cannot place: which header holds the key, which the month or the
    pollutant, which the value."""

    model_config = ConfigDict(extra="forbid")

    key: str = Field(min_length=1)  # 户号 (electricity: account) or the firm's code
    period: str | None = None  # electricity: the month
    pollutant: str | None = None  # environment: the pollutant
    value: str = Field(min_length=1)  # the amount of that month / pollutant

    def columns(self, source: str) -> dict[str, str | None]:
        """The header → column mapping the declaration stands for."""
        key = "account" if source == "electricity" else "uscc"
        value = "electricity" if source == "electricity" else "emissions"
        out: dict[str, str | None] = {self.key: key, self.value: value}
        if self.period is not None:
            out[self.period] = "period"
        if self.pollutant is not None:
            out[self.pollutant] = "pollutant"
        return out


LONG_SOURCES = {"electricity": "period", "environment": "pollutant"}


class FileEntry(_Mapping):
    """One file (or several, by pattern) of the exports folder."""

    file: str = Field(min_length=1)
    source: str | None = None
    sheet: str | int | None = None
    encoding: str | None = None
    skip: bool = False
    long: LongLayout | None = None


class SourceEntry(_Mapping):
    """Header mappings and units for every file of one source."""


class ManifestModel(BaseModel):
    model_config = ConfigDict(extra="forbid")

    files: list[FileEntry] = Field(default_factory=list)
    sources: dict[str, SourceEntry] = Field(default_factory=dict)
    mu_per_square_metre: float | None = Field(default=None, gt=0)


@dataclass(frozen=True)
class IntakeManifest:
    """A validated manifest and the YAML tree it came from (for line numbers)."""

    path: str
    model: ManifestModel
    tree: Any

    def line(self, loc: Loc) -> int | None:
        return yaml_line_of(self.tree, loc)

    def problem(self, message: str, loc: Loc) -> Problem:
        return Problem(message, self.path, self.line(loc), ".".join(str(p) for p in loc))

    def settings(self) -> UnitSettings | None:
        mu = self.model.mu_per_square_metre
        return None if mu is None else UnitSettings(mu_per_square_metre=mu)

    def options(self, entry: FileEntry | None, source: str) -> FileOptions:
        """The source's mappings overlaid with the file's own (the file's win)."""
        base = self.model.sources.get(source, SourceEntry())
        if entry is None:
            return FileOptions(columns=_with_sums(base.columns, base.sums),
                               units=dict(base.units), sums=dict(base.sums))
        sums = {**base.sums, **entry.sums}
        declared = entry.long.columns(source) if entry.long is not None else {}
        return FileOptions(sheet=entry.sheet, encoding=entry.encoding,
                           columns=_with_sums({**base.columns, **declared, **entry.columns},
                                              sums),
                           units={**base.units, **entry.units}, sums=sums)


def _with_sums(columns: dict[str, str | None], sums: dict[str, list[str]]
               ) -> dict[str, str | None]:
    """The headers a sum adds up map to its column (so they are known headers)."""
    return {**columns, **{h: target for target, headers in sums.items() for h in headers}}


def load_manifest(path: str | Path) -> IntakeManifest:
    """Read and check a manifest file; raise one DataError listing every problem."""
    path = Path(path)
    if not path.is_file():
        raise DataError([Problem("manifest file not found", str(path))])
    return parse_manifest(path.read_text(encoding="utf-8"), str(path))


def parse_manifest(text: str, source: str) -> IntakeManifest:
    """Parse and check manifest text (see the module docstring)."""
    title = f"manifest {source} is invalid"
    try:
        tree = YAML(typ="rt").load(text)
    except YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        raise DataError([Problem(f"not valid YAML: {getattr(err, 'problem', err)}", source,
                                 mark.line + 1 if mark is not None else None)], title) from None
    if tree is None:
        tree = {}
    if not isinstance(tree, dict):
        raise DataError([Problem("a manifest must be a YAML mapping (files:, sources:)",
                                 source, 1)], title)
    plain = _plain(tree)
    problems: list[Problem] = []
    for _ in range(20):  # shape errors, then what the rest of the file still shows
        try:
            model = ManifestModel.model_validate(plain)
            break
        except ValidationError as err:
            errors = err.errors()
            problems += [Problem(_message(e), source, yaml_line_of(tree, _loc(e["loc"])),
                                 ".".join(str(p) for p in _loc(e["loc"]))) for e in errors]
            for e in errors:
                _prune(plain, _loc(e["loc"]), e["type"])
    else:
        raise DataError(_in_file_order(problems), title)
    manifest = IntakeManifest(source, model, tree)
    problems += [manifest.problem(msg, loc) for loc, msg in _check(model)]
    if problems:
        raise DataError(_in_file_order(problems), title)
    return manifest


def _prune(plain: Any, loc: Loc, kind: str) -> None:
    """Take the part an error is about out of the plain tree, so the rest can still be checked:
    the key, or (a file entry without `file`, or no mapping) a placeholder entry, so that the
    positions of the other entries hold."""
    if loc[:1] == ("files",) and len(loc) >= 2 and (kind == "missing" or len(loc) == 2):
        files = plain.get("files")
        if isinstance(files, list) and isinstance(loc[1], int) and loc[1] < len(files):
            files[loc[1]] = {"file": "*"}
        return
    if kind == "missing" or not loc:
        return
    node = plain
    for key in loc[:-1]:
        try:
            node = node[key]
        except (KeyError, IndexError, TypeError):
            return
    if isinstance(node, dict):
        node.pop(loc[-1], None)


def _check(model: ManifestModel) -> list[tuple[Loc, str]]:
    """Cross-field checks that need no files: sources, columns, units, encodings, sheets."""
    out: list[tuple[Loc, str]] = []
    for name, mapping in model.sources.items():
        if name not in SOURCES:
            out.append((("sources", name), _unknown_source(name)))
        else:
            out += check_mapping(mapping, name, ("sources", name))
    for i, entry in enumerate(model.files):
        loc: Loc = ("files", i)
        if entry.source is not None and entry.source not in SOURCES:
            out.append(((*loc, "source"), _unknown_source(entry.source)))
        elif entry.source is not None:
            out += check_mapping(entry, entry.source, loc)
        out += _check_long(entry, (*loc, "long"))
        if entry.encoding is not None:
            try:
                codecs.lookup(entry.encoding)
            except LookupError:
                out.append(((*loc, "encoding"), f"unknown encoding {entry.encoding!r} "
                            "(e.g. gbk, gb18030, utf-8, utf-8-sig)"))
        if entry.sheet is not None and entry.file.lower().endswith(TEXT_SUFFIXES):
            out.append(((*loc, "sheet"), "a text file (CSV) has no sheets"))
    return out


def _check_long(entry: FileEntry, loc: Loc) -> list[tuple[Loc, str]]:
    """A long declaration needs its source, and the column its source's rows differ by:
    electricity the month (period), environment the pollutant."""
    long = entry.long
    if long is None:
        return []
    if entry.source not in LONG_SOURCES:
        return [(loc, "a long declaration needs source: electricity (one row per account and "
                      "month) or environment (one row per pollutant)")]
    wanted = LONG_SOURCES[entry.source]
    other = "pollutant" if wanted == "period" else "period"
    out: list[tuple[Loc, str]] = []
    if getattr(long, wanted) is None:
        out.append((loc, f"{entry.source} in long form needs '{wanted}': the header of the "
                         + ("month" if wanted == "period" else "pollutant") + " column"))
    if getattr(long, other) is not None:
        out.append(((*loc, other), f"{entry.source} has no '{other}' in long form; "
                                   f"use '{wanted}'"))
    headers = [h for h in (long.key, long.period, long.pollutant, long.value) if h]
    if len(set(headers)) < len(headers):
        out.append((loc, "key, " + wanted + " and value must be three different headers"))
    return out


def check_mapping(entry: _Mapping, source: str, loc: Loc) -> list[tuple[Loc, str]]:
    """Mapped columns must be columns of the source; units known, of the column's quantity."""
    specs = {s.name: s for s in SOURCES[source]}
    names = ", ".join(specs)
    out: list[tuple[Loc, str]] = []
    for header, target in entry.columns.items():
        if target is not None and target not in specs:
            out.append(((*loc, "columns", header),
                        f"{source} has no column {target!r}; its columns: {names}"))
    for target, headers in entry.sums.items():
        spec = specs.get(target)
        if spec is None:
            out.append(((*loc, "sums", target),
                        f"{source} has no column {target!r}; its columns: {names}"))
        elif spec.kind != "number":
            out.append(((*loc, "sums", target), f"{target} is not an amount: it cannot be a sum"))
        elif len(headers) < 2:
            out.append(((*loc, "sums", target), "a sum needs two headers or more"))
    for column, unit in entry.units.items():
        where: Loc = (*loc, "units", column)
        spec = specs.get(column)
        if spec is None:
            out.append((where, f"{source} has no column {column!r}; its columns: {names}"))
        elif spec.kind != "number" or spec.quantity is None:
            out.append((where, f"{column} takes no unit (only amounts are converted)"))
        elif unit.lower() not in UNITS:
            known = " / ".join(u for u, (q, _) in UNITS.items() if q == spec.quantity)
            out.append((where, f"unknown unit {unit!r} for {column}; known: {known}"))
        elif UNITS[unit.lower()][0] != spec.quantity:
            out.append((where, f"{unit} is a unit of {UNITS[unit.lower()][0]}, but {column} "
                               f"is {spec.quantity}"))
    return out


@dataclass(frozen=True)
class FilePlan:
    """One file of the exports folder and the manifest entries that name it (with the entry's
    position, for line numbers); at most one entry per sheet, one may name no sheet."""

    path: Path
    entries: tuple[tuple[int, FileEntry], ...] = ()

    def entry_for(self, sheet: str | None, position: int) -> tuple[int, FileEntry] | None:
        """The entry naming this sheet (by name or 0-based position), else the one naming no
        sheet, else None."""
        for i, e in self.entries:
            if e.sheet is not None and (e.sheet == sheet or e.sheet == position):
                return i, e
        return next(((i, e) for i, e in self.entries if e.sheet is None), None)


def plan_files(exports: Path, manifest: IntakeManifest | None, suffixes: Iterable[str]
               ) -> tuple[list[FilePlan], list[Path], list[Problem]]:
    """The files of `exports` to read, each with its manifest entries; the files whose type
    intake cannot read (reported, never silently ignored); and the manifest's problems with
    this folder (a pattern matching no file, one sheet of a file matched by two entries)."""
    suffixes = tuple(suffixes)
    present = [p for p in sorted(exports.iterdir()) if p.is_file()
               and not p.name.startswith((".", "_", "~$"))]
    files = [p for p in present if p.suffix.lower() in suffixes]
    other = [p for p in present if p.suffix.lower() not in suffixes]
    entries = manifest.model.files if manifest else []
    problems: list[Problem] = []
    matched: dict[Path, list[int]] = {}
    for i, wanted in enumerate(entries):
        hits = [p for p in files if p.name == wanted.file
                or fnmatch.fnmatchcase(p.name, wanted.file)]
        if not hits and manifest is not None:
            problems.append(manifest.problem(
                f"no file {wanted.file!r} in {exports} (files: {[p.name for p in files]})",
                ("files", i, "file")))
        for p in hits:
            matched.setdefault(p, []).append(i)
    plans = []
    for path in files:
        which = matched.get(path, [])
        by_sheet: dict[str | int | None, list[int]] = {}
        for i in which:
            by_sheet.setdefault(entries[i].sheet, []).append(i)
        clash = [ids for ids in by_sheet.values() if len(ids) > 1]
        if clash and manifest is not None:
            for ids in clash:
                lines = ", ".join(str(manifest.line(("files", i))) for i in ids)
                problems.append(manifest.problem(
                    f"{path.name} is matched by the entries at lines {lines} for the same sheet; "
                    "keep one (several entries for one file each name a sheet)",
                    ("files", ids[1])))
            continue
        plans.append(FilePlan(path, tuple((i, entries[i]) for i in which)))
    return plans, other, _in_file_order(problems)


def _unknown_source(name: str) -> str:
    return f"unknown source {name!r}; sources: {', '.join(SOURCES)}"


def _loc(loc: tuple[Any, ...]) -> Loc:
    """Pydantic's location without union-arm tags (str, int, function-…)."""
    return tuple(p for p in loc if not (isinstance(p, str) and (
        p.startswith("function-") or p.endswith("]") or p in ("str", "int", "none"))))


def _message(error: Any) -> str:
    loc = _loc(error["loc"])
    key = str(loc[-1]) if loc else ""
    if error["type"] == "extra_forbidden":
        return f"unknown key {key!r} (see docs/intake-manifest.md)"
    if error["type"] == "missing":
        return f"required key {key!r} is missing"
    return f"{key!r}: {str(error['msg']).removeprefix('Value error, ')}" if key else \
        str(error["msg"])
