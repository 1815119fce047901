"""No import circle inside tiangong.intake (issue 11): a type shared by several modules lives in
a module of its own. Every import counts, including those under TYPE_CHECKING and inside
functions, because each of them is a dependency a reader has to follow."""

from __future__ import annotations

import ast
from pathlib import Path

import tiangong.intake

PACKAGE = "tiangong.intake"
ROOT = Path(tiangong.intake.__file__).parent


def _graph() -> dict[str, set[str]]:
    modules = {f"{PACKAGE}.{p.stem}" if p.stem != "__init__" else PACKAGE: p
               for p in ROOT.glob("*.py")}
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.ImportFrom) and node.module:
                base = node.module
                if node.level:  # relative import
                    parts = name.split(".")[: -node.level] if name != PACKAGE else \
                        name.split(".")
                    base = ".".join([*parts, node.module])
                targets = [base] + [f"{base}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            graph[name] |= {t for t in targets if t in modules and t != name}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_the_checker_finds_a_circle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_circle_in_intake() -> None:
    graph = _graph()
    assert len(graph) > 10
    assert f"{PACKAGE}.loaded" in graph[f"{PACKAGE}.link"]
    assert _cycles({k: v - {PACKAGE} for k, v in graph.items()}) == []
