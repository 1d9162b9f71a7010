"""The layer rules of docs/ARCHITECTURE.md: the import-linter contracts hold, each one bites, and
importing a layer at run time loads nothing a layer below it must not."""

from __future__ import annotations

import json
import pkgutil
import re
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT = Path(sys.executable).with_name("lint-imports")

# contract id -> probes; a probe is {path under runt_tui/: source} that must break that contract.
PROBES: dict[str, list[dict[str, str]]] = {
    "layers": [
        {"daemon/_probe.py": "from runt_tui.client import session\n"},
        {"daemon/_probe.py": "from .. import tui\n"},  # relative, and `from package import module`
        {"client/_probe.py": "from ..daemon import server\n"},
        {"doc/_probe.py": "import runt_tui.kernel\n"},
        {"render/_probe.py": "from runt_tui.doc import NotebookDoc\n"},
        {"protocol/_probe.py": "from runt_tui import settings, client\n"},
        {"private.py": "from runt_tui import settings\n"},
        {"tui/_probe.py": "from runt_tui import cli_run\n"},
        {"tui/_probe.py": "from runt_tui import agent\n"},
        {"agent/_probe.py": "from runt_tui.tui import app\n"},
        {"env/_probe.py": "from runt_tui.doc import NotebookDoc\n"},
        {"env/_probe.py": "from runt_tui import daemon\n"},
        # Indirect: daemon -> a module outside every layer -> client.
        {"daemon/_probe.py": "from runt_tui import _probe_hop\n", "_probe_hop.py": "import runt_tui.client\n"},
    ],
    "tui-through-client": [
        {"tui/_probe.py": "from ..daemon import server\n"},
        {"tui/widgets/_probe.py": "from runt_tui.protocol import ErrorCode\n"},
        {"tui/_probe.py": "from runt_tui.kernel import list_kernelspecs\n"},
    ],
    "agent-session-api-only": [
        {"agent/_probe.py": "from runt_tui.doc import NotebookDoc\n"},
        {"agent/_probe.py": "from ..daemon import server\n"},
        {"agent/_probe.py": "from runt_tui.protocol import ErrorCode\n"},
    ],
    "client-no-kernel-no-render": [
        {"client/_probe.py": "from runt_tui.render import render_output\n"},
        {"client/_probe.py": "import runt_tui.kernel.kernel_client\n"},
    ],
    "daemon-no-render": [{"daemon/_probe.py": "from runt_tui import render\n"}],
    "doc-public-api": [
        {"tui/_probe.py": "from runt_tui.doc.schema import CONT_KEY\n"},
        {"client/_probe.py": "from runt_tui.doc import blobs\n"},
    ],
    "only-tui-textual": [
        {"client/_probe.py": "import textual\n"},
        {"render/_probe.py": "from textual.widget import Widget\n"},
        {"daemon/_probe.py": "import textual_image\n"},
    ],
    "only-doc-automerge": [{"client/_probe.py": "from automerge import core\n"}],
    "only-kernel-jupyter": [
        {"daemon/_probe.py": "import jupyter_client\n"},
        {"doc/_probe.py": "import zmq\n"},
        {"client/_probe.py": "from ipykernel import kernelapp\n"},
    ],
    "only-render-tui-rich": [{"client/_probe.py": "from rich.text import Text\n"}],
    "only-agent-mcp": [
        {"client/_probe.py": "import mcp\n"},
        {"daemon/_probe.py": "import uvicorn\n"},
    ],
    "only-daemon-watchfiles": [{"client/_probe.py": "import watchfiles\n"}],
    "only-cli-typer": [{"tui/_probe.py": "import typer\n"}],
}


def _lint(cwd: Path) -> subprocess.CompletedProcess[str]:
    # cwd goes first on sys.path (lint-imports puts it there), so it shadows the installed tree.
    return subprocess.run(
        [str(LINT), "--no-cache", "--no-logo"], cwd=cwd, capture_output=True, text=True, timeout=60
    )


def test_contracts_are_kept() -> None:
    result = _lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def _contracts() -> list[dict[str, Any]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts: list[dict[str, Any]] = config["tool"]["importlinter"]["contracts"]
    return contracts


def test_every_contract_has_a_probe() -> None:
    assert sorted(c["id"] for c in _contracts()) == sorted(PROBES)


def test_every_top_level_module_has_a_layer() -> None:
    # A module outside every layer would be bound by no rule.
    (layers,) = [c["layers"] for c in _contracts() if c["type"] == "layers"]
    listed = {m.strip() for line in layers for m in re.split(r"[|:]", line)}
    found = {f"runt_tui.{m.name}" for m in pkgutil.iter_modules([str(ROOT / "runt_tui")])}
    assert found - listed == set()


CASES = [(c, p) for c, probes in PROBES.items() for p in probes]

# Runs every probe in one process (a process per probe costs seconds): each gets a fresh copy of
# the package, becomes the first sys.path entry and is linted against its one contract.
_PROBE_RUNNER = """
import contextlib, importlib, io, json, os, shutil, sys
from importlinter.cli import lint_imports
root, work, cases = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
results = []
for i, (contract, probe) in enumerate(cases):
    copy = os.path.join(work, f"probe{i}")
    shutil.copytree(os.path.join(root, "runt_tui"), os.path.join(copy, "runt_tui"),
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(os.path.join(root, "pyproject.toml"), copy)
    for rel, source in probe.items():
        with open(os.path.join(copy, "runt_tui", rel), "a", encoding="utf-8") as f:
            f.write(source)
    os.chdir(copy)
    for name in [m for m in sys.modules if m.split(".")[0] == "runt_tui"]:
        del sys.modules[name]
    importlib.invalidate_caches()
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = lint_imports(limit_to_contracts=(contract,), no_cache=True, no_logo=True)
    results.append({"code": code, "output": out.getvalue()})
print(json.dumps(results))
"""


@pytest.fixture(scope="module")
def probe_results(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    work = tmp_path_factory.mktemp("probes")
    result = subprocess.run(
        [sys.executable, "-c", _PROBE_RUNNER, str(ROOT), str(work), json.dumps(CASES)],
        cwd=work, capture_output=True, text=True, timeout=120, check=True,
    )
    results: list[dict[str, Any]] = json.loads(result.stdout)
    return results


@pytest.mark.parametrize(
    "index", range(len(CASES)), ids=[f"{c}:{next(iter(p.values())).strip()}" for c, p in CASES]
)
def test_contract_bites(probe_results: list[dict[str, Any]], index: int) -> None:
    # The unmodified tree keeps every contract (test_contracts_are_kept); the probe breaks this one.
    importer = "runt_tui." + next(iter(CASES[index][1])).removesuffix(".py").replace("/", ".")
    output = probe_results[index]["output"]
    assert probe_results[index]["code"] != 0, output
    assert "1 broken" in output and importer in output, output


# package -> top-level names (third-party packages or runt_tui layers) importing it must not load.
RUNTIME = {
    "runt_tui.env": ["automerge", "textual", "rich", "jupyter_client", "zmq", "runt_tui.client",
                     "runt_tui.daemon", "runt_tui.doc", "runt_tui.kernel", "runt_tui.tui"],
    "runt_tui.client": ["textual", "textual_image", "rich", "jupyter_client", "zmq", "ipykernel",
                        "runt_tui.tui", "runt_tui.daemon", "runt_tui.kernel", "runt_tui.render"],
    "runt_tui.doc": ["textual", "rich", "jupyter_client", "zmq", "runt_tui.client", "runt_tui.daemon",
                     "runt_tui.kernel", "runt_tui.tui", "runt_tui.render"],
    "runt_tui.render": ["textual", "textual_image", "automerge", "jupyter_client", "zmq",
                        "runt_tui.client", "runt_tui.daemon", "runt_tui.doc", "runt_tui.tui"],
    "runt_tui.daemon": ["textual", "textual_image", "rich", "runt_tui.tui", "runt_tui.client",
                        "runt_tui.render"],
    "runt_tui.agent": ["textual", "textual_image", "jupyter_client", "zmq", "runt_tui.tui",
                       "runt_tui.daemon", "runt_tui.kernel", "runt_tui.render"],
    "runt_tui.protocol": ["automerge", "jupyter_client", "zmq", "textual", "rich", "runt_tui.doc",
                          "runt_tui.client", "runt_tui.daemon", "runt_tui.kernel", "runt_tui.tui"],
}

_LOADER = """
import importlib, pkgutil, sys
pkg = importlib.import_module(sys.argv[1])
for info in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + "."):
    if info.name.rsplit(".", 1)[-1] not in ("__main__", "ipykernel_launcher"):
        importlib.import_module(info.name)
print("\\n".join(sorted(sys.modules)))
"""


@pytest.mark.parametrize("package", sorted(RUNTIME))
def test_importing_a_layer_loads_nothing_above_or_beside_it(package: str) -> None:
    # Every module of the layer is imported, since several load their dependencies lazily.
    result = subprocess.run(
        [sys.executable, "-c", _LOADER, package], capture_output=True, text=True, timeout=60, check=True
    )
    loaded = set(result.stdout.split())
    assert {package, "runt_tui.daemon.server"} & loaded == {package} or package == "runt_tui.daemon"
    for name in RUNTIME[package]:
        found = sorted(m for m in loaded if m == name or m.startswith(name + "."))
        assert not found, f"importing {package} loads {found[:5]}"
