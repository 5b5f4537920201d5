"""The kernel's import graph runs one way (issue 19, item 14).

Every import counts -- module level, inside functions, under ``TYPE_CHECKING`` --
because each is a dependency a reader has to follow; importing ``a.b.c`` counts
as importing module ``a.b.c`` (as import-linter's graph does).
"""

from __future__ import annotations

import ast
import pathlib

import pytest

CORE = pathlib.Path(__file__).resolve().parents[2] / "core" / "src" / "zhongtai" / "core"
PREFIX = "zhongtai.core"

#: Cycles known to exist, outside issue 19's scope, each with why it is left.  Shrink this, never grow it.
KNOWN_CYCLES = [
    # plugin discovery and package extension-point domains ask each other about compatibility
    {"zhongtai.core.discovery", "zhongtai.core.domains", "zhongtai.core.runtime.catalog"},
]

#: Lower layers never import higher ones (item 14: runtime below management; governance needs no Platform).
ONE_WAY = [
    ("zhongtai.core.runtime.engine", "zhongtai.core.management"),
    ("zhongtai.core.runtime.engine", "zhongtai.core.governance"),
    ("zhongtai.core.management", "zhongtai.core.runtime.platform"),
    ("zhongtai.core.governance", "zhongtai.core.runtime.engine"),
    ("zhongtai.core.governance", "zhongtai.core.runtime.platform"),
    ("zhongtai.core.governance", "zhongtai.core.management"),
    ("zhongtai.core.tokens", "zhongtai.core.management"),
    ("zhongtai.core.principals", "zhongtai.core.governance"),
]


def module_name(path: pathlib.Path, root: pathlib.Path = CORE) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join((PREFIX, *parts))


def import_graph(root: pathlib.Path = CORE) -> dict[str, set[str]]:
    """Each core module -> the core modules it imports anywhere in its source."""
    modules = {module_name(path, root): path for path in root.rglob("*.py")}
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
            else:
                continue
            graph[name].update(t for t in targets if t in modules and t != name)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[set[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.add(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(component)

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def reaches(graph: dict[str, set[str]], start: str, target: str) -> bool:
    """True if *start* imports *target* (or a module inside the package *target*), directly or not."""
    seen, todo = {start}, [start]
    while todo:
        for nxt in graph[todo.pop()]:
            if nxt == target or nxt.startswith(target + "."):
                return True
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return False


def test_item_14_the_core_import_graph_has_no_cycle_but_the_known_ones() -> None:
    graph = import_graph()
    assert "zhongtai.core.management" in graph and "zhongtai.core.runtime.engine" in graph
    unexpected = [sorted(c) for c in cycles(graph) if c not in KNOWN_CYCLES]
    assert unexpected == [], f"import cycles in zhongtai.core: {unexpected}"


@pytest.mark.parametrize(("lower", "higher"), ONE_WAY)
def test_item_14_lower_layers_never_import_higher_ones(lower: str, higher: str) -> None:
    assert not reaches(import_graph(), lower, higher), f"{lower} imports {higher} (directly or through others)"


def test_item_14_the_check_finds_a_cycle_when_there_is_one(tmp_path: pathlib.Path) -> None:
    (tmp_path / "a.py").write_text("def f():\n    from zhongtai.core.b import x\n")
    (tmp_path / "b.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import zhongtai.core.a\n")
    (tmp_path / "c.py").write_text("import zhongtai.core.a\n")
    graph = import_graph(tmp_path)
    assert cycles(graph) == [{"zhongtai.core.a", "zhongtai.core.b"}]
    assert reaches(graph, "zhongtai.core.c", "zhongtai.core.b")


def test_item_14_helpers_used_across_modules_are_public() -> None:
    """No core module imports a private name (``_x``) from another core module."""
    private = []
    for path in CORE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(PREFIX):
                private += [f"{module_name(path)}: {node.module}.{a.name}" for a in node.names
                            if a.name.startswith("_") and not a.name.startswith("__")]
            elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) \
                    and node.attr.startswith("_") and not node.attr.startswith("__") \
                    and node.value.id in {"governance", "management", "tokens", "pilots"}:
                private.append(f"{module_name(path)}: {node.value.id}.{node.attr}")
    assert private == []
