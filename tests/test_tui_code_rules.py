"""Static rules for tui/: Textual's public API only (known exceptions listed), small files and functions."""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

TUI = Path(__file__).resolve().parent.parent / "runt_tui" / "tui"

# Private Textual names tui/ still needs, and why (docs/ARCHITECTURE.md, "The app").
ALLOWED_PRIVATE = {
    # KeyRouter runs a key's binding in the app's own loop; Textual has no public call for that.
    "_check_bindings",
}
# Private modules imported on purpose (metakeys.py: Textual's key parser; graphics.py: the cell size in pixels).
ALLOWED_PRIVATE_MODULES = {"textual._xterm_parser", "textual_image._terminal"}


def _sources() -> list[Path]:
    return sorted(TUI.rglob("*.py"))


def _private_textual_names(cls: type) -> set[str]:
    """The private names that `cls`'s Textual base classes define."""
    names: set[str] = set()
    for klass in cls.__mro__:
        if klass.__module__.startswith("textual"):
            names |= {n for n in vars(klass) if n.startswith("_") and not n.startswith("__")}
    return names


def _textual_classes(module: object) -> dict[str, type]:
    return {
        name: obj for name, obj in vars(module).items()
        if isinstance(obj, type) and obj.__module__ == getattr(module, "__name__", "")
        and any(k.__module__.startswith("textual") for k in obj.__mro__[1:])
    }


def _names_in(node: ast.AST) -> set[str]:
    """Attributes read or written, and methods defined, inside `node`."""
    out: set[str] = set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.Attribute):
            out.add(sub.attr)
        elif isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef)) and sub is not node:
            out.add(sub.name)
    return out


def test_tui_uses_only_public_textual_names() -> None:
    used: dict[str, set[str]] = {}
    for path in _sources():
        module_name = "runt_tui." + ".".join(path.relative_to(TUI.parent).with_suffix("").parts)
        module = importlib.import_module(module_name)
        classes = _textual_classes(module)
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and node.name in classes:
                for name in _names_in(node) & _private_textual_names(classes[node.name]):
                    used.setdefault(name, set()).add(f"{path.name}:{node.name}")
            elif isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__"):
                # Another object's private attribute (a Textual strip's, screen's, ...): never.
                owner = node.value
                if not (isinstance(owner, ast.Name) and owner.id in ("self", "cls")):
                    used.setdefault(node.attr, set()).add(path.name)
            elif isinstance(node, ast.ImportFrom) and node.module and re.search(r"\._[a-z]", node.module):
                assert node.module in ALLOWED_PRIVATE_MODULES, f"{path.name} imports {node.module}"
    assert set(used) <= ALLOWED_PRIVATE, {k: v for k, v in used.items() if k not in ALLOWED_PRIVATE}


def test_tui_files_and_functions_are_small() -> None:
    for path in _sources():
        source = path.read_text()
        assert source.count("\n") <= 400, f"{path.name} has {source.count(chr(10))} lines"
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                assert length <= 60, f"{path.name}: {node.name} has {length} lines"
