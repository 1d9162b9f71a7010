"""Per-notebook environments: which one a notebook asks for, the trust gate, building with uv.

Pure logic (dependency tables, PEP 723, signatures, typosquat flags, uv's progress) and
the subprocesses that build an environment; no daemon, document or kernel imports.
The daemon decides when to call it (daemon/env_room.py).
"""

from __future__ import annotations

from runt_tui.env.build import BuildError, find_uv
from runt_tui.env.build_progress import Progress
from runt_tui.env.conda import CondaMissing
from runt_tui.env.deps import DepsError, add_deps, dep_tables, remove_deps, table_deps, with_tables
from runt_tui.env.manager import BuildCancelled, EnvManager
from runt_tui.env.resolve import EnvRequest, resolve_request
from runt_tui.env.store import EnvInfo, EnvStore
from runt_tui.env.trust import TrustError, digest, load_key, sign, signed_metadata, verify
from runt_tui.env.typosquat import flag_typosquats

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
