"""The import graph keeps insyn's layering (an ``ast`` walk over the source, no imports run).

What a newcomer relies on when reading the tree:
- no import cycle between modules of ``register/`` (runtime imports, also those inside
  functions; imports under ``if TYPE_CHECKING:`` are for type checkers only and do not count);
- each part of ``register/`` imports only the parts below it (``ALLOWED``);
- only ``register/store/`` imports mlflow, only ``explainers/`` imports shap, the portal
  imports neither, and ``explainers`` never imports ``register``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# part -> the parts of register/ it may import (besides itself)
BASE = {"record", "text", "_errors"}  # the record and the text catalogue serve every part
ALLOWED: dict[str, set[str]] = {
    "_errors": set(),
    "text": {"_errors"},
    "record": {"_errors"},
    "store": BASE,
    "audit": {"store"} | BASE,
    "export": {"audit", "store"} | BASE,
    "lifecycle": {"audit", "store"} | BASE,
    "history": {"audit", "export", "store"} | BASE,
    "shared": {"lifecycle", "audit", "export", "store"} | BASE,
    "_facade": {"shared", "lifecycle", "history", "audit", "export", "store"} | BASE,
    "cli": {"__init__", "_facade", "shared", "lifecycle", "history", "audit", "export", "store"}
    | BASE,
    "__init__": {"_facade", "shared", "lifecycle", "history", "audit", "export", "store"} | BASE,
}
# Compatibility modules kept for files written by insyn 0.1 (they name these modules).
COMPAT = {"register._model_io", "register._server_guard"}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _type_checking_lines(tree: ast.AST) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.body:
                for sub in ast.walk(child):
                    if hasattr(sub, "lineno"):
                        lines.add(sub.lineno)
    return lines


def runtime_imports(path: Path) -> set[str]:
    """Every module ``path`` imports when it runs (absolute names)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _type_checking_lines(tree)
    here = module_name(path)
    package = here if path.name == "__init__.py" else here.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if getattr(node, "lineno", None) in skip:
            continue
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            found |= {f"{base}.{alias.name}" for alias in node.names}
    return found


def sources(*tops: str) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for top in tops:
        target = ROOT / top
        files = [target] if target.suffix == ".py" else sorted(target.rglob("*.py"))
        for path in files:
            found[module_name(path)] = path
    return found


REGISTER = sources("register")


def graph() -> dict[str, set[str]]:
    """register module -> the register modules it imports at run time."""
    edges: dict[str, set[str]] = {}
    for name, path in REGISTER.items():
        # a module's own packages are always initialised before it: no edge to them
        edges[name] = {
            m
            for m in runtime_imports(path)
            if m in REGISTER and m != name and not name.startswith(m + ".")
        }
    return edges


def part_of(module: str) -> str:
    parts = module.split(".")
    if len(parts) == 1:
        return "__init__"
    return parts[1]


def find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """One import cycle, as the list of modules around it, or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            # importing a submodule also runs its package __init__
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for start in sorted(edges):
        if start not in state and (cycle := visit(start)):
            return cycle
    return None


def test_register_has_no_import_cycle() -> None:
    edges = graph()
    # a module importing register.x.y also runs register/x/__init__.py
    for name in list(edges):
        for target in list(edges[name]):
            parent = target.rpartition(".")[0]
            while parent and parent != "register":
                if parent in REGISTER and parent != name and not name.startswith(parent + "."):
                    edges[name].add(parent)
                parent = parent.rpartition(".")[0]
    assert find_cycle(edges) is None, f"import cycle: {' -> '.join(find_cycle(edges) or [])}"


def test_register_parts_import_only_the_parts_below_them() -> None:
    wrong = []
    for name, targets in graph().items():
        if name in COMPAT:
            continue
        part = part_of(name)
        for target in targets:
            other = part_of(target)
            if other != part and other not in ALLOWED[part]:
                wrong.append(f"{name} imports {target} ({part} may use {sorted(ALLOWED[part])})")
    assert not wrong, "\n".join(sorted(wrong))


def _importers(modules: dict[str, Path], library: str) -> set[str]:
    return {
        name
        for name, path in modules.items()
        if any(m == library or m.startswith(library + ".") for m in runtime_imports(path))
    }


def test_only_the_store_imports_mlflow() -> None:
    everything = sources("register", "explainers", "app_pages", "models", "streamlit_app.py")
    outside = {n for n in _importers(everything, "mlflow") if not n.startswith("register.store")}
    assert outside == set()


def test_only_explainers_import_shap() -> None:
    everything = sources("register", "explainers", "app_pages", "models", "streamlit_app.py")
    outside = {n for n in _importers(everything, "shap") if not n.startswith("explainers")}
    assert outside == set()


@pytest.mark.parametrize("library", ["mlflow", "shap"])
def test_the_portal_imports_neither_mlflow_nor_shap(library: str) -> None:
    portal = sources("app_pages", "streamlit_app.py")
    assert _importers(portal, library) == set()


def test_explainers_never_import_register() -> None:
    assert _importers(sources("explainers"), "register") == set()


def test_the_walk_sees_imports_inside_functions_and_skips_type_checking(tmp_path: Path) -> None:
    """The checker itself: a function-level import counts, a TYPE_CHECKING one does not."""
    sample = ROOT / "register" / "_errors.py"
    assert "register" not in {m.split(".")[0] for m in runtime_imports(sample)} or True
    code = (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    import shap\n"
        "def f():\n    import mlflow\n"
    )
    path = ROOT / "register" / "store" / "_probe_for_test.py"
    try:
        path.write_text(code, encoding="utf-8")
        found = runtime_imports(path)
    finally:
        path.unlink()
    assert "mlflow" in found and "shap" not in found
    assert find_cycle({"a": {"b"}, "b": {"a"}}) == ["a", "b", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None
