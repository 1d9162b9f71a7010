"""What the build-progress panel shows for the runtime `env` part: title, bar, package (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# The statuses during which uv is running for this notebook.
BUILDING = ("building", "installing")
# Steps after every download: the bar is then full.
_PAST_DOWNLOADS = ("installing", "compiling", "installed")
CANCEL_HINT = "Cancel: Ctrl+C, or the palette (Ctrl+P) › Cancel environment build"


@dataclass(frozen=True)
class BuildView:
    """One frame of the panel: the title line, the bar (total None: indeterminate), the last uv line."""

    title: str
    total: int | None
    done: int
    last_line: str = ""


def build_view(state: dict[str, Any]) -> BuildView | None:
    """The panel for an `EnvState` as JSON; None when no build runs (the panel hides)."""
    status = str(state.get("status") or "")
    if status not in BUILDING:
        return None
    p = state.get("progress") or {}
    step = str(p.get("step") or "starting")
    package = p.get("package")
    verb = "Building the environment" if status == "building" else "Installing into the environment"
    title = f"{verb}: {step}" + (f" {package}" if package else "")
    raw_total = p.get("total")
    total = raw_total if isinstance(raw_total, int) and raw_total > 0 else None
    done = int(p.get("done") or 0)
    if total is not None:
        done = total if step in _PAST_DOWNLOADS else min(done, total)
        title += f" ({done}/{total})"
    output = p.get("output") or []
    last = str(output[-1]) if output else ""
    return BuildView(title=title, total=total, done=done, last_line=last)
