"""runt-tui: a terminal notebook where many terminals share one document and one kernel."""

from __future__ import annotations

__version__ = "0.1.0"


def __getattr__(name: str) -> object:
    # The Session API, exported lazily so `import runt_tui` stays cheap.
    if name in ("Session", "AsyncSession", "Cell", "ExecutionResult", "DaemonError", "DaemonUnavailable"):
        from runt_tui import client

        return getattr(client, name)
    raise AttributeError(f"module 'runt_tui' has no attribute {name!r}")
