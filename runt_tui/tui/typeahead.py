"""Typeahead: keys typed before the notebook is live are kept, in order, and replayed once it is.

A cold start shows the file's cells read-only while the daemon comes up
(first_paint.py). A user who opens a notebook and types at once (Enter, then
text) must get what a live notebook would have done with those keys: refusing
Enter and then reading the text as commands turned `r` into "make the cell
raw" and `dd` into "delete it". So, until the notebook is live, the first key
that cannot run on the read-only copy starts a hold: it and every key after it
(moves included, so that order is kept) wait here, and are posted to the app
again, in order, once the session is live. Keys that arrive while the held
ones are being replayed are held behind them. Before any key is held, moving
over the read-only copy works at once, and Ctrl+Q quits at once in every case.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import events

from runt_tui.tui.keys import command_action

if TYPE_CHECKING:
    from runt_tui.tui.app import NotebookApp

HELD = "Opening the notebook: your keys are kept and apply once it is live (a moment)."
DROPPED = "Too many keys typed while the notebook opened: the rest were not kept."
# A paste into the read-only copy can be large; beyond this, keys are dropped with DROPPED.
LIMIT = 10_000


class Typeahead:
    """Holds the keys typed before the notebook is live and replays them, in order, when it is."""

    def __init__(self, app: NotebookApp) -> None:
        self.app = app
        self.held: list[events.Key] = []
        # True from the first held key until every held key has been replayed.
        self.holding = False
        # The replayed events (by id, each kept alive here) that must pass through once.
        self._replaying: dict[int, events.Key] = {}
        self._dropped = False

    def takes(self, event: events.Key, allowed: frozenset[str]) -> bool:
        """True when `event` is held for later; `allowed`: the actions that may run before the notebook is live."""
        if self._replaying.pop(id(event), None) is not None:
            return False
        app = self.app
        if len(app.screen_stack) > 1 or (app.ready and not self.holding):
            return False
        action = command_action(event.key)
        if action == "quit" and event.key.startswith("ctrl+"):
            return False
        if not self.holding:
            if app.ready or action in allowed:
                return False
            self.holding = True
            app.notify(HELD, timeout=3)
        self._hold(event)
        return True

    def _hold(self, event: events.Key) -> None:
        if len(self.held) < LIMIT:
            self.held.append(events.Key(event.key, event.character))
        elif not self._dropped:
            self._dropped = True
            self.app.notify(DROPPED, severity="warning", timeout=8)

    def release(self) -> None:
        """The notebook is live: post the held keys to the app again, in order, behind nothing new."""
        if not self.holding:
            return
        batch, self.held = self.held, []
        if not batch:
            self.holding = False
            return
        for event in batch:
            self._replaying[id(event)] = event
            self.app.post_message(event)
        # Runs after the batch has been handled: keys typed meanwhile were held, and go next.
        self.app.call_later(self.release)
