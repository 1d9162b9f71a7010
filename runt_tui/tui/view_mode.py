"""Read-only viewing (`runt-tui --view`): which notebook actions a viewer may not run."""

from __future__ import annotations

from collections.abc import Iterable

# Notebook actions that change nothing in the notebook and use no kernel.
VIEW_ACTIONS = frozenset({
    "select", "select_edge", "page", "help", "command_palette", "quit", "toggle_expand", "toggle_layout",
    "toggle_line_numbers", "toggle_dark", "follow_running", "follow_next_peer", "unfollow", "reconnect",
    "search", "search_next", "goto_cell", "clear_search", "copy",
})
REFUSAL = "read-only view (runt-tui --view): the notebook cannot be changed or run from here"


def action_name(action: str) -> str:
    """`select(1)` -> `select`; `app.save` -> `save`."""
    name = action.split("(", 1)[0].strip()
    return name.rsplit(".", 1)[-1]


def refused_actions(notebook_actions: Iterable[str]) -> frozenset[str]:
    """The notebook's actions (as the key table and the palette name them) a viewer may not run."""
    return frozenset(action_name(a) for a in notebook_actions) - VIEW_ACTIONS
