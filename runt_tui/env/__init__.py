"""Per-notebook environments: which one a notebook asks for, the trust gate, building with uv.

Pure logic (dependency tables, PEP 723, signatures, typosquat flags, uv's progress) and
the subprocesses that build an environment; no daemon, document or kernel imports.
The daemon decides when to call it (daemon/env_room.py).

The names below load their module on first use (PEP 562): a client that imports
one small module of this package (describe.py, progress_view.py) does not pay
for the builder, the resolver and `packaging`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from runt_tui.env.build import BuildError, find_uv
    from runt_tui.env.build_progress import Progress
    from runt_tui.env.conda import CondaMissing
    from runt_tui.env.deps import (
        DepsError,
        add_deps,
        dep_tables,
        remove_deps,
        table_deps,
        with_tables,
    )
    from runt_tui.env.manager import BuildCancelled, EnvManager
    from runt_tui.env.resolve import EnvRequest, resolve_request
    from runt_tui.env.store import EnvInfo, EnvStore
    from runt_tui.env.trust import TrustError, digest, load_key, sign, signed_metadata, verify
    from runt_tui.env.typosquat import flag_typosquats

# name -> the module that defines it
_WHERE = {
    "BuildCancelled": "runt_tui.env.manager",
    "BuildError": "runt_tui.env.build",
    "CondaMissing": "runt_tui.env.conda",
    "DepsError": "runt_tui.env.deps",
    "EnvInfo": "runt_tui.env.store",
    "EnvManager": "runt_tui.env.manager",
    "EnvRequest": "runt_tui.env.resolve",
    "EnvStore": "runt_tui.env.store",
    "Progress": "runt_tui.env.build_progress",
    "TrustError": "runt_tui.env.trust",
    "add_deps": "runt_tui.env.deps",
    "dep_tables": "runt_tui.env.deps",
    "digest": "runt_tui.env.trust",
    "find_uv": "runt_tui.env.build",
    "flag_typosquats": "runt_tui.env.typosquat",
    "load_key": "runt_tui.env.trust",
    "remove_deps": "runt_tui.env.deps",
    "resolve_request": "runt_tui.env.resolve",
    "sign": "runt_tui.env.trust",
    "signed_metadata": "runt_tui.env.trust",
    "table_deps": "runt_tui.env.deps",
    "verify": "runt_tui.env.trust",
    "with_tables": "runt_tui.env.deps",
}

__all__ = [
    "BuildCancelled",
    "BuildError",
    "CondaMissing",
    "DepsError",
    "EnvInfo",
    "EnvManager",
    "EnvRequest",
    "EnvStore",
    "Progress",
    "TrustError",
    "add_deps",
    "dep_tables",
    "digest",
    "find_uv",
    "flag_typosquats",
    "load_key",
    "remove_deps",
    "resolve_request",
    "sign",
    "signed_metadata",
    "table_deps",
    "verify",
    "with_tables",
]


def __getattr__(name: str) -> Any:
    where = _WHERE.get(name)
    if where is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(where), name)
    globals()[name] = value
    return value
