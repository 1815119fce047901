"""Report shape errors and rule findings together, in one pass over a broken scheme.

Pydantic stops at the shape: a scheme with a misspelt key gets no cross-field checks, so the
analyst would fix one round of problems only to meet the next. Here the nodes that fail the shape
are cut out of a copy of the data (a leaf, or the smallest mapping or list entry that still
parses) until the rest validates; the cross-field checks then run on what remains. A finding is
kept only when it cannot be a consequence of a cut: it must not lie under a cut path nor name an
id or class code that was cut. Paths of the pruned copy are mapped back to the file's paths, so
line numbers stay right when list entries were removed.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ValidationError

Path = tuple[str | int, ...]

_MAX_ROUNDS = 25


@dataclass
class Pruned:
    data: Any  # the pruned copy
    origins: dict[int, list[int]] = field(default_factory=dict)  # id(list) -> original indices
    cut: list[Path] = field(default_factory=list)  # original paths removed
    cut_names: set[str] = field(default_factory=set)  # ids and codes removed with them

    def original(self, path: Path) -> Path:
        """The file path of a path into the pruned copy."""
        node: Any = self.data
        out: list[str | int] = []
        for part in path:
            if isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
                out.append(self.origins.get(id(node), list(range(len(node))))[part])
                node = node[part]
            elif isinstance(node, dict) and part in node:
                out.append(part)
                node = node[part]
            else:
                out.append(part)
                node = None
        return tuple(out)

    def explains(self, path: Path, message: str) -> bool:
        """True when a finding may be a consequence of a cut (so it is not reported)."""
        original = self.original(path)
        if any(original[: len(c)] == c for c in self.cut):
            return True
        return any(f"'{name}'" in message for name in self.cut_names)


def clean_loc(loc: tuple[Any, ...]) -> Path:
    """Pydantic's error location without validator tags (function-after[...], union arms)."""
    return tuple(p for p in loc if not (isinstance(p, str) and (
        p.startswith("function-") or p.endswith("]"))))


def real_errors(error: ValidationError) -> list[Any]:
    """Errors without the `too_short` a list reports when its own entries failed."""
    errors = error.errors()
    locs = [clean_loc(e["loc"]) for e in errors]
    return [e for e, loc in zip(errors, locs, strict=True) if not (
        e["type"] == "too_short"
        and any(len(o) > len(loc) and o[: len(loc)] == loc for o in locs))]


def prune_until_valid(plain: Any, model: type[BaseModel],
                      first: ValidationError) -> tuple[BaseModel | None, Pruned]:
    """Cut failing nodes until `model` validates; (None, ...) when the root itself fails."""
    pruned = Pruned(copy.deepcopy(plain))
    _index_lists(pruned.data, pruned.origins)
    error: ValidationError = first
    for _ in range(_MAX_ROUNDS):
        targets = [_resolve(pruned, clean_loc(e["loc"])) for e in real_errors(error)]
        if any(t is None for t in targets):
            return None, pruned
        chosen = {(id(parent), key): (parent, key) for parent, key in filter(None, targets)}
        for parent, key in chosen.values():
            _cut(pruned, parent, key)
        try:
            return model.model_validate(pruned.data), pruned
        except ValidationError as err:
            error = err
    return None, pruned


def _index_lists(node: Any, origins: dict[int, list[int]]) -> None:
    if isinstance(node, list):
        origins[id(node)] = list(range(len(node)))
        children: Any = node
    elif isinstance(node, dict):
        children = node.values()
    else:
        return
    for child in children:
        _index_lists(child, origins)


def _resolve(pruned: Pruned, loc: Path) -> tuple[Any, str | int] | None:
    """(container, stable key) of the deepest node of `loc` that exists; None for the root.

    A list entry is keyed by its original index, which later cuts in the same list do not shift.
    """
    parent: Any = None
    key: str | int | None = None
    node = pruned.data
    for part in loc:
        if isinstance(node, dict) and part in node:
            parent, key, node = node, part, node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            parent, key, node = node, pruned.origins[id(node)][part], node[part]
        else:
            break
    if parent is None or key is None:
        return None
    return parent, key


def _cut(pruned: Pruned, parent: Any, key: str | int) -> None:
    """Remove `parent[key]` (for a list, `key` is the entry's original index)."""
    if isinstance(parent, list):
        origins = pruned.origins[id(parent)]
        if key not in origins:
            return
        position = origins.index(int(key))
        node = parent[position]
        del origins[position]
        del parent[position]
    elif key in parent:
        node = parent.pop(key)
    else:
        return
    where = _path_to(pruned, parent)
    if where is not None:
        path = (*where, key)
        pruned.cut.append(path)
        if len(path) == 2 and path[0] == "indicators":
            pruned.cut_names.add(str(key))
    if key in ("id", "code") and isinstance(node, str):
        pruned.cut_names.add(node)
    if isinstance(node, dict):
        pruned.cut_names.update(str(node[k]) for k in ("id", "code") if k in node)


def _path_to(pruned: Pruned, target: Any) -> Path | None:
    """File path of the container `target`; None when an earlier cut detached it."""
    stack: list[tuple[Any, Path]] = [(pruned.data, ())]
    while stack:
        node, path = stack.pop()
        if node is target:
            return pruned.original(path)
        if isinstance(node, dict):
            stack.extend((v, (*path, k)) for k, v in node.items())
        elif isinstance(node, list):
            stack.extend((v, (*path, i)) for i, v in enumerate(node))
    return None
