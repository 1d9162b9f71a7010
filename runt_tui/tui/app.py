"""The Textual app: the app's state as reactives, the layout, and wiring to the parts that act.

`NotebookApp` holds what every part shares (the session, the options, the
panes, and the reactives `mode`, `selected`, `follow`, `layout_mode`,
`line_numbers`, whose watchers set CSS classes, refresh the status bar and
publish presence) and forwards everything else:

- actions (keys, palette) to the action objects: `cell_actions`
  (actions_cells.py), `edit_actions` (actions_edit.py), `view_actions`
  (actions_view.py), `kernel_actions` (actions_kernel.py); every `action_*`
  method of theirs becomes an app action of the same name (see `_forward_actions`);
- the open editor and its buffer to `edit` (edit_session.py);
- the cells' models to `cell_view` (cell_view.py);
- the session's updates to `session_updates` (session_updates.py);
- opening and leaving to `lifecycle` (lifecycle.py), keys to `key_router` (keyroute.py).

docs/ARCHITECTURE.md ("The app") says where a new pane, key or command plugs in.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Coroutine, Iterable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from textual import events
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import BindingType
from textual.dom import DOMNode
from textual.notifications import SeverityLevel
from textual.reactive import var
from textual.screen import Screen

from runt_tui.client import AsyncSession
from runt_tui.render.sanitize import strip_controls
from runt_tui.tui.actions_cells import CellActions
from runt_tui.tui.actions_edit import EditActions
from runt_tui.tui.actions_find import FindActions
from runt_tui.tui.actions_kernel import KernelActions
from runt_tui.tui.actions_view import ViewActions
from runt_tui.tui.actions_widgets import WidgetActions
from runt_tui.tui.app_lifecycle import Lifecycle
from runt_tui.tui.app_options import AppOptions
from runt_tui.tui.bridge import SessionBridge, SessionUpdate
from runt_tui.tui.cell_view import CellView
from runt_tui.tui.derive import Local, status_info
from runt_tui.tui.edit_session import EditSession
from runt_tui.tui.first_paint import FirstPaint
from runt_tui.tui.keyroute import KeyRouter
from runt_tui.tui.keys import COMMAND_ONLY, COMMANDS, KEYS, app_bindings
from runt_tui.tui.model import ViewFlags
from runt_tui.tui.panes import PaneActions, PaneSet
from runt_tui.tui.screens.env import EnvActions
from runt_tui.tui.session_updates import SessionUpdates
from runt_tui.tui.view_mode import REFUSAL as VIEW_REFUSAL
from runt_tui.tui.view_mode import action_name, refused_actions
from runt_tui.tui.widgets.cell import CellWidget
from runt_tui.tui.widgets.editor import CellEditor
from runt_tui.tui.widgets.env_progress import EnvProgressPanel
from runt_tui.tui.widgets.pane import CellsPane
from runt_tui.tui.widgets.status import StatusBar

if TYPE_CHECKING:
    from runt_tui.tui.vi.binding import ViBinding

# The app's attribute holding each action object, and its class (whose `action_*` methods are forwarded).
ACTION_OBJECTS: tuple[tuple[str, type], ...] = (
    ("cell_actions", CellActions),
    ("edit_actions", EditActions),
    ("view_actions", ViewActions),
    ("kernel_actions", KernelActions),
    ("widget_actions", WidgetActions),
    ("pane_actions", PaneActions),
    ("find_actions", FindActions),
    ("env_actions", EnvActions),
)
# The notebook actions a read-only viewer (`--view`) may not run.
VIEW_REFUSED = refused_actions([*(k.action for k in KEYS), *(c.action for c in COMMANDS)])


class NotebookApp(App[None]):
    """`runt-tui NOTEBOOK`: one notebook, shared live with every other terminal on it."""

    CSS_PATH = "app.tcss"
    TITLE = "runt-tui"
    BINDINGS: ClassVar[list[BindingType]] = app_bindings()
    ENABLE_COMMAND_PALETTE = True
    AUTO_FOCUS = None

    # "command" or "edit" (an editor is open on `selected`).
    mode: var[str] = var("command", init=False)
    selected: var[str | None] = var(None, init=False)
    # None: not following; "": the running cell; a name: that peer's cell.
    follow: var[str | None] = var(None, init=False)
    layout_mode: var[str] = var("cells", init=False)
    line_numbers: var[bool] = var(False, init=False)

    def __init__(
        self, options: AppOptions, session: AsyncSession | None = None,
        connecting: asyncio.Task[None] | None = None,
    ) -> None:
        super().__init__()
        self.options = options
        self.session = session or AsyncSession(
            path=None if options.url else options.path, url=options.url, name=options.name,
            embedded=options.embedded, home=options.home, kind="viewer" if options.view else "tui",
        )
        self.set_reactive(NotebookApp.follow, options.follow)
        self.set_reactive(NotebookApp.layout_mode, options.layout)
        self.set_reactive(NotebookApp.line_numbers, options.line_numbers)
        # True once the notebook is open and shown.
        self.ready = False
        self._presence_timer: Any = None
        self.edit = EditSession(self.session, options.batch_ms / 1000)
        self.cell_view = CellView(self)
        self.cell_actions = CellActions(self)
        self.edit_actions = EditActions(self)
        self.view_actions = ViewActions(self)
        self.kernel_actions = KernelActions(self)
        self.widget_actions = WidgetActions(self)
        self.find_actions = FindActions(self)
        # vi's state (mode, register, last change) with `--keys vi`, kept from cell to cell.
        self.vi: ViBinding | None = None
        if options.keys == "vi":  # vi's engine is imported only for `--keys vi`
            from runt_tui.tui.vi.binding import ViBinding

            self.vi = ViBinding()
        self.env_actions = EnvActions(self)
        self.session_updates = SessionUpdates(self)
        self.key_router = KeyRouter(self)
        self.lifecycle = Lifecycle(self, connecting, owns_session=session is None or connecting is not None)
        # The read-only cells drawn from the file while the daemon comes up (first_paint.py).
        self.first_paint = FirstPaint(self)
        self.bridge = SessionBridge(self.session, self, lambda: self.edit.cell_id,
                                    self.session_updates.edited_cell_changed)
        self.pane = CellsPane(self.cell_view.model_for, self.cell_view.view_flags, id="cells")
        self.pane.caret = self.edit_actions.caret
        self.status_bar = StatusBar(id="status")
        self.env_progress = EnvProgressPanel(id="env-progress")
        self.pane_actions = PaneActions(self)
        # The output and kernel panes beside the cells (tui/panes.py).
        self.panes = PaneSet(self, self.pane_actions)

    def compose(self) -> ComposeResult:
        with self.panes.container:
            yield self.pane
            yield self.panes.output
            yield self.panes.kernel
        yield self.env_progress
        yield self.status_bar

    # ---- the reactives' watchers --------------------------------------------

    def watch_mode(self, mode: str) -> None:
        self.set_class(mode == "edit", "-edit-mode")
        self.refresh_status()
        self.publish_presence()

    def watch_selected(self, old: str | None, new: str | None) -> None:
        if self.first_paint.active:  # moving over the read-only copy: redraw the two cells only
            self.pane.update_cells(c for c in (old, new) if c is not None and c in self.pane.order)
            return
        if not self.ready:
            return
        doc = self.session.doc
        # Drawn once the keys already queued are handled: a burst of `j` draws its end only.
        self.pane.selection_moved((c for c in (old, new) if c is not None and c in doc), self._selection_shown)

    def _selection_shown(self) -> None:
        self.publish_presence()
        self.panes.refresh(runtime=False)

    def watch_follow(self) -> None:
        self.refresh_status()
        self.publish_presence()  # others see whom we follow
        if self.ready:
            self.view_actions.apply_follow()

    def watch_layout_mode(self, layout: str) -> None:
        self.set_class(layout == "outputs", "-layout-outputs")
        if self.ready:
            self.pane.refresh_all()

    def watch_line_numbers(self, shown: bool) -> None:
        if self.edit.editor is not None:
            self.edit.editor.show_line_numbers = shown
        if self.ready:
            self.pane.refresh_all()

    def watch_theme(self) -> None:
        if self.ready:
            self.pane.refresh_all()

    # ---- status and presence ------------------------------------------------

    def refresh_status(self) -> None:
        """Rebuild the status bar from the session and the reactives."""
        if not self.ready:
            return
        s = self.session
        detail = self.vi.label if self.mode == "edit" and self.vi else "VIEW" if self.options.view else ""
        local = Local(mode=self.mode, follow=self.follow, kernel_wanted=self.options.kernel or "",
                      detail=detail, message=self.find_actions.status)
        self.status_bar.show(status_info(
            s.state, s.peer_list, (s.peer_id, s.name, s.colour), s.connection_state, s.path or "", local,
        ))
        self.env_progress.show(self.env_actions.build_view())

    def publish_presence(self) -> None:
        """Tell the others where we are (throttled to one request per 50 ms)."""
        if self._presence_timer is None and self.ready and self.session.connection_state != "stopped":
            self._presence_timer = self.set_timer(0.05, self._send_presence)

    def _send_presence(self) -> None:
        self._presence_timer = None
        cursor = self.edit.cursor_pos if self.mode == "edit" else None
        follow = self.follow
        if follow:  # others see whom we follow by peer id
            follow = next((p.peer_id for p in self.session.peer_list if p.name == follow), None)
        coro = self.session.set_presence(self.selected, cursor, self.mode, follow)
        self.run_worker(coro, name="presence", group="presence", exclusive=True, exit_on_error=False)

    # ---- Textual's entry points -----------------------------------------------

    def notify(
        self, message: str, *, title: str = "", severity: SeverityLevel = "information",
        timeout: float | None = None, markup: bool = False,
    ) -> None:
        """A toast whose text is never markup and never holds a control character.

        Notifications quote kernel errors, daemon messages and peer names, all untrusted.
        """
        super().notify(strip_controls(str(message)), title=strip_controls(str(title), one_line=True),
                       severity=severity, timeout=timeout, markup=False)

    def on_mount(self) -> None:
        if self.options.theme:
            self.theme = self.options.theme
        self.set_class(self.layout_mode == "outputs", "-layout-outputs")
        self.key_router.check_escape_time()
        self.panes.start(self.size.width)
        self.run_worker(self.lifecycle.open(), name="open-notebook", group="session", exclusive=True)

    def on_resize(self) -> None:
        self.panes.resized(self.size.width)

    async def on_unmount(self) -> None:
        await self.lifecycle.close()

    def action_help_quit(self) -> None:
        """Ctrl+C cancels an environment build while one runs; otherwise it says how to quit."""
        if self.env_actions.build_view() is not None:
            self.env_actions.action_env_cancel()
        else:
            super().action_help_quit()

    async def action_quit(self) -> None:
        await self.lifecycle.close()
        self.exit()

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key) and not event.is_forwarded and await self.key_router.route(event):
            self.app_focus = True
            return
        await super().on_event(event)

    async def run_key_binding(self, key: str, priority: bool = False) -> bool:
        """Run the binding of `key` on the focus chain now; False when none handles it."""
        return await self._check_bindings(key, priority=priority)

    async def run_action(
        self, action: str | tuple[str, str, tuple[object, ...]], default_namespace: DOMNode | None = None,
        namespaces: Mapping[str, DOMNode] | None = None,
    ) -> bool:
        """Every notebook action a viewer may not run is refused here, with the reason (and every
        action but quitting while the read-only first paint shows)."""
        if self.first_paint.active and isinstance(action, str) and action_name(action) not in self.first_paint.allowed:
            self.first_paint.refuse()
            return False
        if self.options.view and isinstance(action, str) and action_name(action) in VIEW_REFUSED:
            self.notify(VIEW_REFUSAL, severity="warning", timeout=3)
            return False
        return await super().run_action(action, default_namespace, namespaces)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if not self.ready and action not in self.first_paint.allowed:
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

    # ---- messages from the widgets and the session ------------------------------

    def on_session_update(self, message: SessionUpdate) -> None:
        if self.ready:
            self.session_updates.apply(message.pending)

    def on_cell_editor_leave(self, message: CellEditor.Leave) -> None:
        self.edit_actions.editor_left(message)

    def on_cell_editor_cursor_moved(self, message: CellEditor.CursorMoved) -> None:
        self.edit_actions.cursor_moved(message)

    def on_cell_editor_complete(self, message: CellEditor.Complete) -> None:
        self.kernel_actions.complete(message)

    def on_cell_editor_inspect(self, message: CellEditor.Inspect) -> None:
        self.kernel_actions.inspect(message)

    def on_cell_widget_clicked(self, message: CellWidget.Clicked) -> None:
        if self.first_paint.active:
            self.first_paint.refuse()
            return
        self.edit_actions.cell_clicked(message)

    # ---- shared helpers (also used by tests and benchmarks) -----------------------

    @property
    def editor(self) -> CellEditor | None:
        """The open cell editor, if any."""
        return self.edit.editor

    @property
    def expanded(self) -> set[str]:
        """The cells whose outputs are shown in full."""
        return self.cell_view.expanded

    def cell_ids(self) -> list[str]:
        """The current cell order."""
        return self.session.doc.cell_ids() if self.session.replica is not None else []

    def select_cell(self, cell_id: str | None, reveal: bool = True, bottom: bool = False) -> None:
        """Select a cell and scroll it into view."""
        self.cell_actions.select_cell(cell_id, reveal, bottom)

    def view_flags(self) -> ViewFlags:
        """App-wide display settings."""
        return self.cell_view.view_flags()

    async def _start_kernel(self) -> None:
        await self.lifecycle.start_kernel()


def _forward(attribute: str, name: str, method: Callable[..., Any]) -> Callable[..., Any]:
    # `wraps` keeps the method's signature, which Textual reads to pass the action's arguments.
    @functools.wraps(method)
    def forward(self: NotebookApp, *args: Any) -> Any:
        return getattr(getattr(self, attribute), name)(*args)

    return forward


def _forward_actions() -> None:
    """Make each action object's `action_*` methods actions of the app."""
    seen: dict[str, str] = {}
    for attribute, cls in ACTION_OBJECTS:
        for name, method in vars(cls).items():
            if name.startswith("action_") and callable(method):
                assert name not in seen, f"{name} is defined by both {seen[name]} and {attribute}"
                seen[name] = attribute
                setattr(NotebookApp, name, _forward(attribute, name, method))


_forward_actions()
