"""Which environment a notebook's kernel gets (first match wins), as an `EnvRequest`.

1. inline `metadata.runt.uv.dependencies`; 2. a PEP 723 block in the first code cell;
3. the nearest `pyproject.toml` walking up from the notebook (stopping at `.git` or
`$HOME`); 4. `metadata.runt.conda`; 5. nothing: the kernelspec as today.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from packaging.specifiers import InvalidSpecifier, SpecifierSet

from runt_tui.env.deps import (
    DepsError,
    dep_name,
    dep_tables,
    normalize_deps,
    parse_requirement,
    pep723_block,
    table_deps,
)

Kind = Literal["inline", "pep723", "pyproject", "conda", "kernelspec"]
KERNEL_PACKAGE = "ipykernel"


@dataclass(frozen=True)
class EnvRequest:
    """What a notebook asks for: where it came from, the packages, the Python."""

    kind: Kind
    dependencies: tuple[str, ...] = ()
    requires_python: str | None = None
    prerelease: bool = False
    channels: tuple[str, ...] = ()
    # pyproject.toml for "pyproject"; None otherwise.
    source: str | None = None
    # The dependency tables a trust signature covers (see trust.py).
    tables: dict[str, Any] = field(default_factory=dict)

    @property
    def needs_env(self) -> bool:
        """Whether this request builds an environment (anything but the kernelspec)."""
        return self.kind != "kernelspec"

    @property
    def adds_kernel(self) -> bool:
        """Whether ipykernel is added to what the notebook listed (the user is told)."""
        return KERNEL_PACKAGE not in {dep_name(d) for d in self.dependencies}

    def python(self) -> str:
        """The interpreter to build with: this one when it satisfies requires-python, else the spec."""
        here = f"{sys.version_info[0]}.{sys.version_info[1]}.{sys.version_info[2]}"
        if not self.requires_python:
            return sys.executable
        try:
            ok = SpecifierSet(self.requires_python).contains(here, prereleases=True)
        except InvalidSpecifier:
            raise DepsError(f"requires-python is not a version specifier: {self.requires_python!r}") from None
        return sys.executable if ok else self.requires_python

    def key(self) -> str:
        """The cache key: a hash of the normalized dependencies, the Python and the options."""
        here = f"{sys.version_info[0]}.{sys.version_info[1]}"
        if self.kind == "conda":
            pyver = self.requires_python or here
        else:
            py = self.python()
            pyver = here if py == sys.executable else py
        payload = {"kind": "conda" if self.kind == "conda" else "uv", "deps": normalize_deps(list(self.dependencies)),
                   "python": pyver, "prerelease": self.prerelease, "channels": list(self.channels)}
        blob = json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()
        return hashlib.sha256(blob).hexdigest()[:24]


def find_pyproject(notebook: Path | None, home: Path | None = None) -> Path | None:
    """The nearest pyproject.toml from the notebook's directory up, stopping at `.git` or $HOME."""
    if notebook is None:
        return None
    stop = (home or Path.home()).resolve()
    d = notebook.resolve().parent
    while True:
        candidate = d / "pyproject.toml"
        if candidate.is_file():
            return candidate
        if (d / ".git").exists() or d == stop or d.parent == d:
            return None
        d = d.parent


def _uv_request(kind: Kind, table: dict[str, Any], tables: dict[str, Any], source: str | None = None) -> EnvRequest:
    deps = table_deps(table)
    for spec in deps:
        parse_requirement(spec)
    rp = table.get("requires-python")
    return EnvRequest(kind, tuple(deps), rp if isinstance(rp, str) else None,
                      bool(table.get("prerelease")), source=source, tables=tables)


def _pyproject_request(path: Path) -> EnvRequest | None:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise DepsError(f"{path}: {e}") from None
    project: dict[str, Any] = data["project"] if isinstance(data.get("project"), dict) else {}
    table: dict[str, Any] = {"dependencies": [d for d in project.get("dependencies") or [] if isinstance(d, str)]}
    if not table["dependencies"]:
        return None  # a tools-only pyproject (or one without dependencies) asks for nothing
    if isinstance(project.get("requires-python"), str):
        table["requires-python"] = project["requires-python"]
    return _uv_request("pyproject", table, {"uv": table}, source=str(path))


def resolve_request(
    metadata: dict[str, Any], first_code: str | None, notebook: Path | None, home: Path | None = None
) -> EnvRequest:
    """The environment the notebook asks for; DepsError for a table or block that cannot be used."""
    tables = dep_tables(metadata)
    uv = tables.get("uv")
    if uv is not None and table_deps(uv):
        return _uv_request("inline", uv, tables)
    block = pep723_block(first_code or "")
    if block is not None and isinstance(block.get("dependencies"), list):
        table: dict[str, Any] = {k: block[k] for k in ("dependencies", "requires-python") if k in block}
        return _uv_request("pep723", table, {"uv": table})
    conda = tables.get("conda")
    pyproject = find_pyproject(notebook, home)
    project = _pyproject_request(pyproject) if pyproject is not None else None
    if project is not None:
        return project
    if conda is not None and table_deps(conda):
        channels = [c for c in conda.get("channels") or [] if isinstance(c, str)]
        py = conda.get("python")
        return EnvRequest("conda", tuple(table_deps(conda)), py if isinstance(py, str) else None,
                          channels=tuple(channels), tables=tables)
    return EnvRequest("kernelspec")


def home_dir() -> Path | None:
    """$HOME, where the pyproject walk stops (None when unset)."""
    h = os.environ.get("HOME")
    return Path(h) if h else None
