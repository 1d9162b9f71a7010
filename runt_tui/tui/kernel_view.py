"""What the kernel pane says, as rows of Rich Text built from the runtime state; pure (no Textual).

Every string from the daemon, a peer or the kernel goes through the sanitizer:
peer names, cell sources and kernel log lines are untrusted terminal input.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rich.style import Style
from rich.text import Text

from runt_tui.render.sanitize import strip_controls

# (number in the notebook, 1-based; first line of the source) of a cell id, None when gone.
CellLookup = Callable[[str], tuple[int, str] | None]
FIRST_LINE_CHARS = 40
MAX_HISTORY_ROWS = 20
MAX_LOG_ROWS = 200
STATUS_STYLE = {"idle": "green", "busy": "yellow", "starting": "cyan", "restarting": "cyan", "dead": "bold red"}


@dataclass(frozen=True)
class Row:
    """One line of the pane; `cell` set when Enter on it jumps to that cell."""

    text: Text
    cell: str | None = None
    section: str = ""


def duration(seconds: float, ticking: bool = False) -> str:
    """A short human duration: 0.4s, 12s, 3m04s, 1h02m.

    A `ticking` one (a clock the pane redraws once a second) shows whole seconds:
    tenths would change on every other redraw too, and redraw the pane each time.
    """
    seconds = max(0.0, seconds)
    if seconds < 10 and not ticking:
        return f"{seconds:.1f}s"
    if seconds < 60:
        return f"{int(seconds)}s"
    if seconds < 3600:
        return f"{int(seconds // 60)}m{int(seconds % 60):02d}s"
    return f"{int(seconds // 3600)}h{int(seconds % 3600 // 60):02d}m"


def clock(stamp: object) -> str:
    """A wall-clock time HH:MM:SS of a Unix timestamp ('' when absent)."""
    return time.strftime("%H:%M:%S", time.localtime(stamp)) if isinstance(stamp, (int, float)) else ""


def _name(who: object) -> str:
    name = who.get("name") if isinstance(who, dict) else who
    return strip_controls(str(name or "?"), one_line=True)[:24]


def _colour(who: object, colours: Mapping[str, str]) -> str:
    if not isinstance(who, dict):
        return ""
    colour = who.get("colour") or colours.get(str(who.get("peer_id")), "")
    return str(colour) if isinstance(colour, str) and colour.startswith("#") and len(colour) == 7 else ""


def person(who: object, colours: Mapping[str, str]) -> Text:
    """A peer's name in their colour."""
    colour = _colour(who, colours)
    return Text(_name(who), style=Style(color=colour, bold=True) if colour else "bold")


def cell_label(cid: str, cells: CellLookup) -> Text:
    """`#3 x = compute()` for a cell, or its id when it is gone."""
    found = cells(cid)
    if found is None:
        return Text(f"(deleted {strip_controls(cid, one_line=True)[:12]})", style="dim")
    number, first = found
    line = strip_controls(first, one_line=True)
    if len(line) > FIRST_LINE_CHARS:
        line = line[: FIRST_LINE_CHARS - 1] + "…"
    return Text.assemble((f"#{number} ", "bold"), line or ("(empty)", "dim"))


def entries(part: object, order: str) -> list[dict[str, Any]]:
    """A runtime part kept by key (history, cancelled) as its entries, newest `order` value first."""
    values = part.values() if isinstance(part, dict) else part if isinstance(part, list) else []
    found = [v for v in values if isinstance(v, dict)]

    def stamp(v: dict[str, Any]) -> float:
        value = v.get(order)
        return float(value) if isinstance(value, (int, float)) else 0.0

    return sorted(found, key=stamp, reverse=True)


def log_lines(part: object) -> list[str]:
    """The kernel's log lines, oldest first (kept by line number)."""
    if isinstance(part, list):
        return [str(x) for x in part]
    if isinstance(part, dict):
        keyed = sorted((int(k), str(v)) for k, v in part.items() if str(k).isdigit())
        return [line for _, line in keyed]
    return []


def heading(title: str, extra: str = "") -> Row:
    """A section title."""
    return Row(Text.assemble((title, "bold underline"), (f" {extra}" if extra else "", "dim")), section=title)


def kernel_rows(runtime: Mapping[str, Any], now: float) -> list[Row]:
    """Name, display name, status, pid, uptime, memory and CPU, environment, transport."""
    kernel = runtime.get("kernel") or {}
    info = runtime.get("kernel_info") or {}
    status = str(kernel.get("status") or "none")
    name = strip_controls(str(kernel.get("name") or "no kernel"), one_line=True)
    display = strip_controls(str(info.get("display_name") or ""), one_line=True)
    rows = [heading("Kernel"), Row(Text.assemble(
        (f"● {status}", STATUS_STYLE.get(status, "dim")), "  ",
        (name, "bold"), (f" ({display})" if display and display != name else "", ""),
    ))]
    facts: list[str] = []
    if kernel.get("pid"):
        facts.append(f"pid {kernel['pid']}")
    started = info.get("started_at")
    if isinstance(started, (int, float)) and status not in ("dead", "shutdown", "none"):
        facts.append(f"up {duration(now - started, ticking=True)}")
    if isinstance(info.get("rss"), int):
        facts.append(f"mem {info['rss'] / 2**20:.0f} MiB")
    if isinstance(info.get("cpu"), (int, float)):
        facts.append(f"cpu {info['cpu']:.0f}%")
    if facts:
        rows.append(Row(Text("  ".join(facts), style="dim")))
    where = [f"{k} {strip_controls(str(info[k]), one_line=True)}" for k in ("env", "transport") if info.get(k)]
    if where:
        rows.append(Row(Text("  ".join(where), style="dim", overflow="ellipsis", no_wrap=True)))
    error = kernel.get("exception")
    if error and status == "dead":
        rows.append(Row(Text(strip_controls(str(error), one_line=True)[:200], style="red")))
    return rows


def queue_rows(runtime: Mapping[str, Any], cells: CellLookup, colours: Mapping[str, str], now: float) -> list[Row]:
    """The shared queue in order (running first, live timer), then recently cancelled entries."""
    queue = [e for e in runtime.get("queue") or [] if isinstance(e, dict)]
    executions = runtime.get("executions") or {}
    rows = [heading("Queue", f"{len(queue)} waiting or running" if queue else "empty")]
    for entry in queue:
        cid = str(entry.get("cell") or "")
        ex = executions.get(cid) if isinstance(executions, dict) else None
        ex = ex if isinstance(ex, dict) else {}
        running = entry.get("status") == "running"
        if running and isinstance(ex.get("started_at"), (int, float)):
            state = Text(f"▶ {duration(now - ex['started_at'], ticking=True)}", style="bold yellow")
        else:
            state = Text("… queued", style="yellow")
        rows.append(Row(Text.assemble(
            state, " ", person(entry.get("requester"), colours), " ", cell_label(cid, cells),
            (f"  {clock(ex.get('queued_at'))}", "dim"),
        ), cell=cid or None, section="Queue"))
    for entry in reversed(entries(runtime.get("cancelled"), "at")):
        cid = str(entry.get("cell") or "")
        rows.append(Row(Text.assemble(
            ("✗ cancelled by ", "red"), person(entry.get("by"), colours),
            (f" ({strip_controls(str(entry.get('reason') or ''), one_line=True)[:40]}): ", "dim"),
            person(entry.get("requester"), colours), " ", cell_label(cid, cells),
        ), cell=cid or None, section="Queue"))
    return rows


def history_rows(runtime: Mapping[str, Any], cells: CellLookup, colours: Mapping[str, str]) -> list[Row]:
    """The last executions, newest first: count, cell, who, duration, ok/error."""
    history = entries(runtime.get("history"), "finished_at")
    rows = [heading("History", "Enter: go to the cell" if history else "nothing run yet")]
    for h in history[:MAX_HISTORY_ROWS]:
        cid = str(h.get("cell") or "")
        status = str(h.get("status") or "")
        mark = {"done": ("✓", "green"), "error": ("✗", "bold red"), "cancelled": ("–", "dim")}.get(status, ("?", "dim"))
        count = h.get("execution_count")
        took = h.get("duration")
        rows.append(Row(Text.assemble(
            mark, (f" [{count if count is not None else ' '}]", "dim"),
            (f" {duration(took)}" if isinstance(took, (int, float)) else "", "dim"), " ",
            person(h.get("requester"), colours), " ", cell_label(cid, cells),
        ), cell=cid or None, section="History"))
    return rows


def peer_rows(peers: Sequence[Mapping[str, Any]], me: str | None, cells: CellLookup, now: float) -> list[Row]:
    """Who is on the notebook: name, colour, focused cell, mode, idle time, whom they follow."""
    colours = {str(p.get("peer_id")): str(p.get("colour") or "") for p in peers}
    names = {str(p.get("peer_id")): p for p in peers}
    rows = [heading("Peers", str(len(peers)))]
    for p in peers:
        parts: list[Any] = [("● ", Style(color=_colour(p, colours) or None)), person(p, colours)]
        if p.get("peer_id") == me:
            parts.append((" (you)", "dim"))
        kind = p.get("kind")
        if kind and kind != "tui":
            parts.append((f" [{strip_controls(str(kind), one_line=True)[:10]}]", "dim"))
        if p.get("cell"):
            parts += ["  ", cell_label(str(p["cell"]), cells)]
        parts.append((f"  {p.get('mode') or 'command'}", "dim"))
        active = p.get("active_at")
        if isinstance(active, (int, float)) and now - active >= 5:
            parts.append((f"  idle {duration(now - active, ticking=True)}", "dim"))
        follow = p.get("follow")
        if isinstance(follow, str):
            target = names.get(follow)
            parts += [("  follows ", "dim"), person(target, colours) if target else Text("the running cell", style="dim")]
        rows.append(Row(Text.assemble(*parts), cell=str(p["cell"]) if p.get("cell") else None, section="Peers"))
    return rows


def log_rows(runtime: Mapping[str, Any]) -> list[Row]:
    """The kernel's own stderr/stdout lines (outside any cell), oldest first."""
    lines = log_lines(runtime.get("kernel_log"))[-MAX_LOG_ROWS:]
    rows = [heading("Kernel log", "" if lines else "empty")]
    rows += [Row(Text(strip_controls(line, one_line=True), style="dim"), section="Kernel log") for line in lines]
    return rows


def pane_rows(runtime: Mapping[str, Any], peers: Sequence[Mapping[str, Any]], me: str | None,
              cells: CellLookup, now: float) -> list[Row]:
    """Every row of the kernel pane, top to bottom."""
    colours = {str(p.get("peer_id")): str(p.get("colour") or "") for p in peers}
    blank = Row(Text(""))
    rows = [*kernel_rows(runtime, now), blank, *queue_rows(runtime, cells, colours, now), blank,
            *history_rows(runtime, cells, colours), blank, *peer_rows(peers, me, cells, now), blank]
    for row in rows:  # one line each, cut at the pane's edge; log lines below wrap to be read whole
        row.text.no_wrap, row.text.overflow = True, "ellipsis"
    return rows + log_rows(runtime)


def has_timer(runtime: Mapping[str, Any]) -> bool:
    """True while something in the pane changes by itself every second (a running cell, uptime)."""
    queue = runtime.get("queue") or []
    return any(isinstance(e, dict) and e.get("status") == "running" for e in queue)
