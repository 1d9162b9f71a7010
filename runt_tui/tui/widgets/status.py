"""The status bar: kernel, queue, save state, connection, mode, follow, and the peers."""

from __future__ import annotations

from dataclasses import dataclass, field

from rich.style import Style
from rich.text import Text
from textual.widget import Widget

from runt_tui.render.sanitize import strip_controls
from runt_tui.tui.widgets.guard import GuardedRender

KERNEL_STYLES = {
    "idle": "green",
    "busy": "bold yellow",
    "starting": "yellow",
    "restarting": "yellow",
    "dead": "bold red",
    "shutdown": "dim",
    "none": "dim",
}
SAVE_STYLES = {"saved": "green", "unsaved": "yellow", "saving": "yellow", "read-only": "bold magenta", "error": "bold red"}


@dataclass(frozen=True)
class StatusInfo:
    """What the bar shows; built by the app from the session's runtime and peers."""

    kernel_name: str = ""
    kernel_status: str = "none"
    queue: int = 0
    save: str = "saved"
    file: str = "ok"
    connection: str = "connecting"
    mode: str = "command"
    follow: str | None = None
    peers: tuple[tuple[str, str], ...] = field(default=())
    me: tuple[str, str] = ("", "")
    title: str = ""
    detail: str = ""  # vi's mode, or VIEW for a read-only viewer
    message: str = ""  # the notebook search's position
    # The kernel's environment: waiting for approval, building (step, package), its kind.
    env: str = ""


def _clean(info: StatusInfo) -> StatusInfo:
    """The info with every string (names from peers, the daemon, the file name) made safe."""

    def one(s: str) -> str:
        return strip_controls(s, one_line=True)

    return StatusInfo(
        kernel_name=one(info.kernel_name), kernel_status=one(info.kernel_status), queue=info.queue,
        save=one(info.save), file=one(info.file), connection=one(info.connection), mode=info.mode,
        follow=None if info.follow is None else one(info.follow),
        peers=tuple((one(n), c) for n, c in info.peers), me=(one(info.me[0]), info.me[1]),
        title=one(info.title), detail=one(info.detail), message=one(info.message), env=one(info.env),
    )


def status_text(info: StatusInfo, width: int) -> Text:
    """Lay the bar out to fit `width` cells; peers are cut first, then the title."""
    info = _clean(info)
    left = Text()
    mode = "EDIT" if info.mode == "edit" else "CMD"
    left.append(f" {mode} ", style="reverse bold" if info.mode == "edit" else "reverse")
    if info.detail:
        left.append(f" {info.detail} ", style="bold reverse magenta" if info.detail == "VIEW" else "bold")
    left.append(" ")
    kname = info.kernel_name or "kernel"
    left.append(f"{kname} ", style="bold")
    left.append(f"● {info.kernel_status}", style=KERNEL_STYLES.get(info.kernel_status, ""))
    if info.env:
        left.append(f"  {info.env}", style="bold yellow" if info.env.startswith("env:") else "dim")
    if info.queue:
        left.append(f"  queue {info.queue}", style="yellow")
    left.append("  ")
    save = info.save
    if info.file in ("deleted", "invalid"):
        save = f"file {info.file}"
    left.append(save, style=SAVE_STYLES.get(info.save, "bold red"))
    if info.connection != "connected":
        shown = "daemon stopped · Shift+R reconnects" if info.connection == "stopped" else info.connection
        left.append(f"  {shown}", style="bold red reverse")
    if info.follow is not None:
        left.append(f"  following {info.follow or 'running cell'}", style="cyan")
    if info.message:
        left.append(f"  {info.message}", style="yellow")
    right = Text()
    me_name, me_colour = info.me
    if me_name:
        right.append("● ", style=Style(color=me_colour or None))
        right.append(me_name, style="bold")
    for name, colour in info.peers:
        right.append("  ")
        right.append("● ", style=Style(color=colour or None))
        right.append(name)
    right.append(" ")
    room = width - left.cell_len - 1
    if right.cell_len > room:
        right.truncate(max(0, room), overflow="ellipsis")
    pad = max(1, width - left.cell_len - right.cell_len)
    title = info.title[: max(0, pad - 4)]
    middle = Text(f"  {title}".ljust(pad) if title else " " * pad, style="dim")
    line = left + middle + right
    line.truncate(width, overflow="ellipsis")
    return line


class StatusBar(GuardedRender, Widget):
    """One line at the bottom of the screen; `info` comes down from the app."""

    def __init__(self, id: str | None = None) -> None:
        super().__init__(id=id)
        self.info = StatusInfo()

    def show(self, info: StatusInfo) -> None:
        """Redraw with new info (only if it changed)."""
        if info != self.info:
            self.info = info
            self.refresh()

    def render(self) -> Text:
        return status_text(self.info, self.size.width or 80)

