"""The package layering and the kb front door, read from the source: app and CLI over workspace, over
catalogue and ingest, over kb; nothing below imports upward; no import circle; kb's storage modules
stay inside kb."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from kb.errors import InputError, UsageError, VkbError
from tests.conftest import REPO

PACKAGES = ("kb", "ingest", "catalogue", "workspace", "app", "vkb_cli")
ALLOWED = {  # what each package may import at all
    "kb": {"kb"},
    "ingest": {"kb", "ingest"},
    "catalogue": {"kb", "catalogue"},
    "workspace": {"kb", "ingest", "catalogue", "workspace"},
    "app": {"kb", "ingest", "catalogue", "workspace", "app"},
    "vkb_cli": {"kb", "ingest", "catalogue", "workspace", "vkb_cli", "app"},
}
PRIVATE = {"kb.registry", "kb.vectors", "kb.matrix"}


def modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (REPO / package).rglob("*.py"):
            parts = path.relative_to(REPO).with_suffix("").parts
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def imports(path: Path, *, top_level_only: bool) -> set[str]:
    """Modules this file imports; with top_level_only, only those run at import (not in functions or
    under `if TYPE_CHECKING:`)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes: list[ast.AST] = list(tree.body) if top_level_only else list(ast.walk(tree))
    names: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            continue
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names |= {f"{node.module}.{alias.name}" for alias in node.names}
    return {n for n in names if n.split(".")[0] in PACKAGES}


@pytest.mark.parametrize("module", sorted(modules()))
def test_nothing_imports_upward_or_into_kbs_storage(module: str) -> None:
    path = modules()[module]
    package = module.split(".")[0]
    used = imports(path, top_level_only=False)
    assert {n.split(".")[0] for n in used} <= ALLOWED[package], used
    if package != "kb":
        assert not used & PRIVATE, f"{module} reaches into {used & PRIVATE}; use the kb front door"


STORAGE_ATTRIBUTES = {"registry", "vectors", "chroma"}  # KnowledgeBase's storage, private to kb


@pytest.mark.parametrize("module", sorted(m for m in modules() if not m.startswith("kb")))
def test_callers_use_knowledge_base_methods_not_its_storage(module: str) -> None:
    tree = ast.parse(modules()[module].read_text(encoding="utf-8"))
    reached = {
        f"{ast.unparse(node.value)}.{node.attr} (line {node.lineno})"
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and node.attr in STORAGE_ATTRIBUTES
    }
    assert not reached, f"{module} reaches into the knowledge base's storage: {sorted(reached)}"


def test_no_import_circle_at_import_time() -> None:
    known = modules()
    graph = {
        name: {target for target in imports(path, top_level_only=True) if target in known and target != name}
        for name, path in known.items()
    }
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                raise AssertionError("import circle: " + " -> ".join([*trail, node, target]))
            if target not in state:
                visit(target, [*trail, node])
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [])


def test_every_vkb_error_carries_the_documented_exit_code() -> None:
    import catalogue  # noqa: F401 - the subclasses register on import
    import ingest.errors
    import ingest.uploads  # noqa: F401
    import kb.evaluation
    import kb.reindex
    import kb.search  # noqa: F401

    def all_subclasses(cls: type) -> set[type]:
        return set(cls.__subclasses__()).union(*(all_subclasses(c) for c in cls.__subclasses__()))

    errors = all_subclasses(VkbError)
    assert len(errors) >= 15
    for error in errors:
        assert error.exit_code == (2 if issubclass(error, UsageError) else 1), error
        assert issubclass(error, (UsageError, InputError)), f"{error} is neither a usage nor an input error"


def test_kbs_front_door_exports_every_name_it_lists_and_loads_each_on_first_use() -> None:
    import subprocess
    import sys

    import kb

    assert sorted(kb.__all__) == sorted(kb._HOME)
    for name in kb.__all__:
        assert getattr(kb, name) is getattr(__import__(kb._HOME[name], fromlist=[name]), name)
    probe = "import sys, kb.settings, kb.errors; print([m for m in ('kb.search', 'kb.records', 'numpy') if m in sys.modules])"  # noqa: E501
    loaded = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == "[]"  # the light parts load without the rest
