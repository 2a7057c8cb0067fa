"""The house plan: no import circle in the package, no module past the size guideline,
every package says what lives in it and what it may import."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "twinbench"
MAX_LINES = 600


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def import_graph(modules: dict[str, Path]) -> dict[str, set[str]]:
    """Edges module -> twinbench module it imports, counting imports inside functions.

    ``from a.b import c`` is an edge to ``a.b.c`` when that is a module, else to ``a.b``;
    parent packages run implicitly by Python are not edges (they are not circles).
    """
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        is_pkg = path.name == "__init__.py"
        here = name if is_pkg else name.rpartition(".")[0]
        edges: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                edges.update(a.name for a in node.names if a.name in modules)
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = here.split(".")
                    base = base[:len(base) - node.level + 1]
                    target = ".".join(base + ([node.module] if node.module else []))
                else:
                    target = node.module or ""
                for alias in node.names:
                    sub = f"{target}.{alias.name}"
                    if sub in modules:
                        edges.add(sub)
                    elif target in modules:
                        edges.add(target)
        edges.discard(name)
        graph[name] = edges
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_cycle_finder_finds_a_planted_circle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_import_graph_sees_imports_inside_functions(tmp_path: Path) -> None:
    (tmp_path / "twinbench").mkdir()
    a = tmp_path / "twinbench" / "a.py"
    b = tmp_path / "twinbench" / "b.py"
    a.write_text("def f():\n    from twinbench.b import g\n")
    b.write_text("from . import a\n")
    mods = {"twinbench.a": a, "twinbench.b": b}
    graph = import_graph(mods)
    assert graph == {"twinbench.a": {"twinbench.b"}, "twinbench.b": {"twinbench.a"}}
    assert cycles(graph) == [["twinbench.a", "twinbench.b"]]


def test_no_import_circle_in_the_package() -> None:
    found = cycles(import_graph(_modules()))
    assert not found, "import circles (each a set of modules importing each other): " + \
        "; ".join(" <-> ".join(c) for c in found)


@pytest.mark.parametrize("folder", ["twinbench", "dashboards"])
def test_no_module_past_the_size_guideline(folder: str) -> None:
    big = {str(p.relative_to(ROOT)): n for p in sorted((ROOT / folder).rglob("*.py"))
           if (n := len(p.read_text().splitlines())) > MAX_LINES}
    assert not big, f"modules over {MAX_LINES} lines (split them by concept): {big}"


def test_every_package_says_what_lives_there() -> None:
    missing = [str(p.relative_to(ROOT)) for p in sorted(PACKAGE.rglob("__init__.py"))
               if "instances" not in p.parts
               and len((ast.get_docstring(ast.parse(p.read_text())) or "").split()) < 15]
    assert not missing, f"package __init__ without a docstring saying what lives there: {missing}"


#: what each package may import (the rule its ``__init__`` docstring states); modules at
#: the package's top level (the workbench, the demo flow, the CLI) compose them all
ALLOWED = {
    "units": set(),
    "spec": {"units"},
    "twin": {"units", "spec"},
    "data": {"units", "spec", "twin"},
    "optimize": {"units", "spec", "data", "twin"},
    "viz": {"units", "spec", "data", "twin", "optimize"},
    "pipeline": {"units", "spec", "data", "twin", "optimize"},
    "scenarios": {"units", "spec", "data", "twin", "optimize", "pipeline", "provenance"},
    "llm": {"units", "spec", "data", "twin", "optimize", "pipeline", "scenarios", "viz",
            "provenance"},
    "live": {"units", "spec", "data", "twin", "optimize"},
}


def _room(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def test_each_package_imports_only_what_its_rule_allows() -> None:
    wrong = sorted({f"{a} -> {b}" for a, bs in import_graph(_modules()).items()
                    for b in bs if _room(a) in ALLOWED and _room(b) != _room(a)
                    and _room(b) not in ALLOWED[_room(a)]})
    assert not wrong, "imports across the house plan's rules: " + "; ".join(wrong)


def test_test_modules_have_unique_names() -> None:
    """pytest imports test modules by their base name (the test folders are not
    packages): two ``test_x.py`` in different folders stop the whole run at collection."""
    seen: dict[str, Path] = {}
    clashes = []
    for p in sorted((ROOT / "tests").rglob("test_*.py")):
        if p.name in seen:
            clashes.append(f"{seen[p.name].relative_to(ROOT)} and {p.relative_to(ROOT)}")
        seen.setdefault(p.name, p)
    assert not clashes, f"test modules with the same name: {clashes}"
