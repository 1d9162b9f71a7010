"""The help screen (? / F1): every key, by mode."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from runt_tui.tui.keys import KEYS

MODES = (("command", "Command mode"), ("both", "Both modes"), ("edit", "Edit mode"))


def help_table() -> Table:
    """Keys grouped by mode, as a Rich table."""
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold cyan", no_wrap=True)
    table.add_column()
    for mode, title in MODES:
        table.add_row(Text(title, style="bold underline"), "")
        for key in KEYS:
            if key.mode == mode:
                table.add_row(key.shown or key.keys, key.description)
        table.add_row("", "")
    return table


class HelpScreen(ModalScreen[None]):
    """Lists every key; any of Esc, q, ? or F1 closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q,question_mark,f1", "dismiss", "Close")]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-box"):
            yield Static(Text("runt-tui keys", style="bold"), id="help-title")
            yield Static(help_table())
            yield Static(Text("Up / Down at a cell's edge move to the next cell in edit mode.", style="dim"))
            yield Static(Text("Esc closes · Ctrl+P lists every action", style="dim"))

    def action_dismiss(self) -> None:  # type: ignore[override]
        self.dismiss(None)
