"""Settings in one place: defaults, the config file, environment variables, then flags.

The state directory (`$RUNT_TUI_HOME`, else `$XDG_RUNTIME_DIR/runt-tui`, else
`~/.cache/runt-tui`) holds the socket, lock, log, persisted rooms and blobs;
it is created private (0700) because the socket and kernels live there.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

ENV_PREFIX = "RUNT_TUI_"


def state_dir() -> Path:
    """The per-user state directory (not created)."""
    home = os.environ.get("RUNT_TUI_HOME")
    if home:
        return Path(home).expanduser().resolve()
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime and os.path.isdir(runtime):
        return Path(runtime) / "runt-tui"
    return Path.home() / ".cache" / "runt-tui"


def ensure_private_dir(path: Path) -> Path:
    """Create `path` as a 0700 directory owned by us, tightening an existing one.

    Refuses (UnsafePath) a symlink, a non-directory or another user's directory.
    """
    from runt_tui.private import check_private_dir

    return check_private_dir(path)


def config_path() -> Path:
    """The config file: `$XDG_CONFIG_HOME/runt-tui/config.toml`."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "runt-tui" / "config.toml"


def env_store_dir(settings: Settings) -> Path:
    """Where notebook environments are cached: `env_dir`, else `$RUNT_TUI_HOME/envs`, else
    `$XDG_CACHE_HOME/runt-tui/envs` (a cache, not the runtime dir a logout clears)."""
    if settings.env_dir:
        return Path(settings.env_dir).expanduser()
    if os.environ.get("RUNT_TUI_HOME"):
        return state_dir() / "envs"
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "runt-tui" / "envs"


@dataclass(frozen=True)
class Settings:
    """Every tunable of the daemon, in seconds and bytes."""

    save_delay: float = 1.0
    max_save_interval: float = 10.0
    autosave: bool = True
    persist_delay: float = 0.05
    room_cleanup_delay: float = 5.0
    kernel_keepalive: float = 30.0
    blob_threshold: int = 64 * 1024
    idle_exit: float = 600.0
    heartbeat_interval: float = 5.0
    heartbeat_timeout: float = 20.0
    output_flush_interval: float = 0.03
    # ssh:// notebooks: the local ssh client (may carry options) and runt-tui on the server.
    ssh_command: str = "ssh"
    remote_command: str = "runt-tui"
    # A room's persisted history (snapshot and change log) may grow to this many
    # bytes, or 3 times the size of its current state, before it is compacted.
    history_limit: int = 2 * 1024 * 1024
    # Notebook environments (built with uv): where they are cached ("" = the default, see
    # env_store_dir) and after how many days unused one is removed (0 = never).
    env_dir: str = ""
    env_gc_days: float = 30.0

    def replace(self, **changes: Any) -> Settings:
        """A copy with some values changed (None values ignored)."""
        return dataclasses.replace(self, **{k: v for k, v in changes.items() if v is not None})

    def as_dict(self) -> dict[str, Any]:
        """Plain dict of the values in force."""
        return dataclasses.asdict(self)


# Keys of the config file that the terminal app reads (at the top level or under
# [tui]) and the daemon ignores, with the values each may take.
CLIENT_SETTINGS: dict[str, tuple[str, ...]] = {"keys": ("default", "vi")}


def _read_config(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise ValueError(f"{path}: {e}") from None


def client_settings(config: Path | None = None) -> dict[str, str]:
    """The app's own settings from the config file (`keys = "vi"`); a bad value raises ValueError."""
    path = config or config_path()
    data = _read_config(path)
    section = data.get("tui", data)
    out: dict[str, str] = {}
    if not isinstance(section, dict):
        return out
    for key, allowed in CLIENT_SETTINGS.items():
        if key in section:
            value = str(section[key])
            if value not in allowed:
                raise ValueError(f"{path}: {key} must be {' or '.join(allowed)}, not {value!r}")
            out[key] = value
    return out


def _coerce(kind: type, raw: Any, name: str) -> Any:
    if kind is bool:
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in ("1", "true", "yes", "on"):
            return True
        if text in ("0", "false", "no", "off"):
            return False
        raise ValueError(f"{name}: expected true/false, got {raw!r}")
    try:
        return kind(raw)
    except (TypeError, ValueError):
        raise ValueError(f"{name}: expected {kind.__name__}, got {raw!r}") from None


_TYPES: dict[str, type] = {"float": float, "int": int, "bool": bool, "str": str}


def load_settings(config: Path | None = None, **overrides: Any) -> Settings:
    """Defaults < config file < RUNT_TUI_* environment < explicit overrides (flags)."""
    values: dict[str, Any] = {}
    data = _read_config(config or config_path())
    section = data.get("daemon", data)
    if isinstance(section, dict):
        values.update({k: v for k, v in section.items() if k not in CLIENT_SETTINGS and k not in ("tui", "panes")})
    for f in fields(Settings):
        env = os.environ.get(ENV_PREFIX + f.name.upper())
        if env is not None:
            values[f.name] = env
    values.update({k: v for k, v in overrides.items() if v is not None})
    known = {f.name: _TYPES[str(f.type)] for f in fields(Settings)}
    unknown = set(values) - set(known)
    if unknown:
        raise ValueError(f"unknown setting(s): {', '.join(sorted(unknown))}")
    return Settings(**{k: _coerce(known[k], v, k) for k, v in values.items()})
