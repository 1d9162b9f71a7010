"""A notebook's dependency tables: read from its metadata, edited, written back (pure).

`metadata.runt.uv` = {dependencies, requires-python?, prerelease?} and
`metadata.runt.conda` = {dependencies, channels, python?}. The legacy top-level
`metadata.uv` / `metadata.conda` are read too, and any write puts them under `runt`.
Unknown keys, in `runt` and in the tables, are kept.
"""

from __future__ import annotations

import copy
import re
import uuid
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

TABLES = ("uv", "conda")


class DepsError(ValueError):
    """A dependency string or table that cannot be used; the message says which and why."""


def runt_section(metadata: dict[str, Any]) -> dict[str, Any]:
    """The notebook's `runt` metadata (empty when absent or not a table)."""
    runt = metadata.get("runt")
    return runt if isinstance(runt, dict) else {}


def dep_tables(metadata: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The `uv` and `conda` tables present, under `runt` first, else legacy top-level."""
    runt = runt_section(metadata)
    out: dict[str, dict[str, Any]] = {}
    for name in TABLES:
        table = runt.get(name, metadata.get(name))
        if isinstance(table, dict):
            out[name] = table
    return out


def table_deps(table: dict[str, Any] | None) -> list[str]:
    """The dependency strings of one table (non-strings dropped)."""
    deps = (table or {}).get("dependencies")
    if not isinstance(deps, list):
        return []
    return [d.strip() for d in deps if isinstance(d, str) and d.strip()]


def parse_requirement(spec: str) -> Requirement:
    """A PEP 508 requirement, or DepsError naming the bad string."""
    try:
        return Requirement(spec)
    except InvalidRequirement as e:
        raise DepsError(f"not a valid dependency: {spec!r} ({e})") from None


def dep_name(spec: str) -> str:
    """The normalized project name of a dependency string (PEP 503), best effort."""
    try:
        return canonicalize_name(Requirement(spec).name)
    except InvalidRequirement:
        m = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", spec)
        return canonicalize_name(m.group(1)) if m else spec.strip().lower()


def normalize_deps(deps: list[str]) -> list[str]:
    """Sorted, de-duplicated requirement strings in packaging's spelling (the env key's input)."""
    out = set()
    for spec in deps:
        try:
            req = Requirement(spec)
            req.name = canonicalize_name(req.name)
            out.add(str(req))
        except InvalidRequirement:
            out.add(spec.strip())
    return sorted(out)


def with_tables(metadata: dict[str, Any], tables: dict[str, dict[str, Any] | None]) -> dict[str, Any]:
    """`metadata` with the given tables set under `runt` (None removes one); legacy keys moved."""
    new = copy.deepcopy(metadata)
    runt = dict(runt_section(new))
    for name in TABLES:
        legacy = new.pop(name, None)
        if name not in runt and isinstance(legacy, dict):
            runt[name] = legacy
    for name, table in tables.items():
        if table is None:
            runt.pop(name, None)
        else:
            runt[name] = table
    new["runt"] = runt
    return new


def ensure_env_id(metadata: dict[str, Any]) -> dict[str, Any]:
    """`metadata` with a `runt.env_id` (a new random one when missing)."""
    runt = runt_section(metadata)
    if isinstance(runt.get("env_id"), str) and runt["env_id"]:
        return metadata
    new = copy.deepcopy(metadata)
    new["runt"] = {**runt, "env_id": uuid.uuid4().hex}
    return new


def add_deps(metadata: dict[str, Any], specs: list[str]) -> dict[str, Any]:
    """`metadata` with `specs` in `runt.uv.dependencies` (a spec replaces one of the same name)."""
    for spec in specs:
        parse_requirement(spec)
    uv = dict(dep_tables(metadata).get("uv") or {})
    names = {dep_name(s) for s in specs}
    kept = [d for d in table_deps(uv) if dep_name(d) not in names]
    uv["dependencies"] = kept + [s.strip() for s in specs]
    return ensure_env_id(with_tables(metadata, {"uv": uv}))


def remove_deps(metadata: dict[str, Any], names: list[str]) -> tuple[dict[str, Any], list[str]]:
    """`metadata` without the named dependencies (uv and conda tables), and the names not found."""
    wanted = {dep_name(n) for n in names}
    found: set[str] = set()
    tables = dep_tables(metadata)
    changed: dict[str, dict[str, Any] | None] = {}
    for key, table in tables.items():
        deps = table_deps(table)
        kept = [d for d in deps if dep_name(d) not in wanted]
        found |= {dep_name(d) for d in deps} & wanted
        if len(kept) != len(deps):
            changed[key] = {**table, "dependencies": kept}
    missing = [n for n in names if dep_name(n) not in found]
    return (with_tables(metadata, changed) if changed else metadata), missing


_PEP723 = re.compile(r"(?m)^# /// (?P<type>[a-zA-Z0-9-]+)$\s(?P<content>(^#(| .*)$\s)+)^# ///$")


def pep723_block(source: str) -> dict[str, Any] | None:
    """The `script` metadata block (PEP 723) of a cell's source, parsed; None when there is none."""
    import tomllib

    for m in _PEP723.finditer(source if source.endswith("\n") else source + "\n"):
        if m.group("type") != "script":
            continue
        content = "".join(
            line[2:] if line.startswith("# ") else line[1:]
            for line in m.group("content").splitlines(keepends=True)
        )
        try:
            data = tomllib.loads(content)
        except tomllib.TOMLDecodeError as e:
            raise DepsError(f"the first cell's `# /// script` block is not valid TOML: {e}") from None
        return data
    return None
