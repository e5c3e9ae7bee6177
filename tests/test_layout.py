"""The house's layout: no import circle between modules, and each package imports only the layers below it.

Read from the source with `ast` (imports inside functions count too), so a lazy import cannot hide a circle.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Each package and the packages it may import (besides itself): data flows left to right,
# seeds -> ingest -> index -> answer -> bot and cli; measurement and the stand-ins sit beside.
LAYERS = {
    "texts": set(),
    "index": {"texts"},
    "ingest": {"texts", "index"},
    "answer": {"texts", "index"},
    "evaluation": {"texts", "index", "answer"},
    "bot": {"texts", "index", "ingest", "answer"},
    "cli": {"texts", "index", "ingest", "answer", "evaluation", "bot"},
    "testing": set(),
}
PACKAGES = [p for p in LAYERS if (ROOT / p / "__init__.py").is_file()]


def modules() -> dict[str, Path]:
    """Every module of the project's packages, by dotted name."""
    out = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            out[name] = path
    return out


def imports(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The project modules `name` imports, anywhere in its body."""
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            targets = [f"{module}.{alias.name}" for alias in node.names] + [module]
        else:
            continue
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


GRAPH = {name: imports(name, path, modules()) for name, path in modules().items()}


def test_every_module_imports():
    for name in GRAPH:
        if not name.endswith(".__main__"):  # runs the command
            importlib.import_module(name)


def test_no_import_circle():
    done: set[str] = set()
    path: list[str] = []

    def visit(name: str) -> None:
        if name in path:
            pytest.fail("import circle: " + " -> ".join([*path[path.index(name) :], name]))
        if name in done:
            return
        path.append(name)
        for target in sorted(GRAPH[name]):
            visit(target)
        path.pop()
        done.add(name)

    for name in sorted(GRAPH):
        visit(name)


def test_packages_import_only_the_layers_below():
    wrong = [
        f"{name} imports {target}"
        for name, targets in GRAPH.items()
        for target in targets
        if (top := target.split(".")[0]) != name.split(".")[0] and top not in LAYERS[name.split(".")[0]]
    ]
    assert not wrong, wrong


def test_index_has_no_question_side_module():
    question_side = {"answer", "parties", "question", "search", "engine", "synonyms", "diacritics", "evaluate"}
    assert not {p.stem for p in (ROOT / "index").glob("*.py")} & question_side
