"""The layer rules of DESIGN.md §6, checked on the source tree."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parent.parent / "runt_tui"

# module prefix -> the only package directory allowed to import it
OWNERS = {"textual": "tui", "textual_image": "tui", "automerge": "doc", "jupyter_client": "kernel", "mcp": "agent"}
# package dir -> package dirs it must never import
FORBIDDEN = {
    "daemon": {"client", "tui"},
    "tui": {"daemon"},
    "render": {"tui"},
    "doc": {"client", "daemon", "tui", "kernel"},
    # The MCP server is an ordinary client: the Session API only.
    "agent": {"daemon", "tui", "doc", "kernel", "protocol"},
}


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


def _files() -> list[Path]:
    return sorted(PKG.rglob("*.py"))


@pytest.mark.parametrize("path", _files(), ids=lambda p: str(p.relative_to(PKG)))
def test_layer_rules(path: Path) -> None:
    rel = path.relative_to(PKG)
    layer = rel.parts[0] if len(rel.parts) > 1 else ""
    for name in _imports(path):
        top = name.split(".")[0]
        if top in OWNERS:
            assert layer == OWNERS[top], f"{rel} imports {name}; only runt_tui/{OWNERS[top]}/ may"
        if top == "runt_tui" and "." in name:
            target = name.split(".")[1]
            assert target not in FORBIDDEN.get(layer, set()), f"{rel} imports {name}"
