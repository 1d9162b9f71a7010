"""runt-tui: a terminal notebook where many terminals share one document and one kernel."""

from __future__ import annotations

__version__ = "0.1.0"
