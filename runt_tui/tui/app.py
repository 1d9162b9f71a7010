"""The Textual app: layout, bindings and the command palette; behaviour lives in the mixins."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Iterable
from typing import Any, ClassVar

from textual.app import ComposeResult, SystemCommand
from textual.binding import BindingType
from textual.screen import Screen

from runt_tui.client import AsyncSession
from runt_tui.tui.app_options import AppOptions
from runt_tui.tui.keyroute import KeyRouter
from runt_tui.tui.keys import COMMAND_ONLY, COMMANDS, app_bindings
from runt_tui.tui.screens.env import EnvActions


class NotebookApp(EnvActions, KeyRouter):
    """`runt-tui NOTEBOOK`: one notebook, shared live with every other terminal on it."""

    CSS_PATH = "app.tcss"
    TITLE = "runt-tui"
    BINDINGS: ClassVar[list[BindingType]] = app_bindings()
    ENABLE_COMMAND_PALETTE = True

    def __init__(
        self, options: AppOptions, session: AsyncSession | None = None,
        connecting: asyncio.Task[None] | None = None,
    ) -> None:
        super().__init__(options, session, connecting)

    def compose(self) -> ComposeResult:
        yield self.pane
        yield self.status_bar

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if not self.ready and action not in ("quit", "help", "command_palette"):
            return False
        modal = len(self.screen_stack) > 1
        return not (action in COMMAND_ONLY and (self.mode == "edit" or modal))

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for command in COMMANDS:
            yield SystemCommand(command.title, command.help, self._palette_callback(command.action))

    def _palette_callback(self, action: str) -> Callable[[], Coroutine[Any, Any, None]]:
        async def run() -> None:
            await self.run_action(action)

        return run
