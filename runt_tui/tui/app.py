"""The Textual app: layout, bindings and the command palette; behaviour lives in the mixins."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Iterable, Mapping
from typing import Any, ClassVar

from textual.app import ComposeResult, SystemCommand
from textual.binding import BindingType
from textual.dom import DOMNode
from textual.screen import Screen

from runt_tui.client import AsyncSession
from runt_tui.tui.app_options import AppOptions
from runt_tui.tui.external_actions import edit_in_external_editor
from runt_tui.tui.keyroute import KeyRouter
from runt_tui.tui.keys import COMMAND_ONLY, COMMANDS, KEYS, app_bindings
from runt_tui.tui.search_actions import SearchActions
from runt_tui.tui.view_mode import REFUSAL, action_name, refused_actions

VIEW_REFUSED = refused_actions([*(k.action for k in KEYS), *(c.action for c in COMMANDS)])


class NotebookApp(KeyRouter):
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
        self.finder = SearchActions(self)

    def compose(self) -> ComposeResult:
        yield self.pane
        yield self.status_bar

    async def run_action(
        self, action: str | tuple[str, str, tuple[object, ...]], default_namespace: DOMNode | None = None,
        namespaces: Mapping[str, DOMNode] | None = None,
    ) -> bool:
        """Every notebook action a viewer may not run is refused here, with the reason."""
        if self.options.view and isinstance(action, str) and action_name(action) in VIEW_REFUSED:
            self.notify(REFUSAL, severity="warning", timeout=3)
            return False
        return await super().run_action(action, default_namespace, namespaces)

    def action_search(self) -> None:
        self.finder.prompt_search()

    def action_search_next(self, step: int) -> None:
        self.finder.step(step > 0)

    def action_goto_cell(self) -> None:
        self.finder.prompt_goto()

    def action_clear_search(self) -> None:
        self.finder.clear()

    def action_edit_external(self) -> None:
        if self.selected is not None:
            self.run_worker(edit_in_external_editor(self, self.selected), name="external-editor", group="edit")

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
