"""Rich renderables for one cell: the prompt gutter, the source, the outputs (cached by value)."""

from __future__ import annotations

from collections.abc import Iterator

from rich.console import Console, ConsoleOptions, Group, RenderableType
from rich.measure import Measurement
from rich.segment import Segment
from rich.style import Style
from rich.text import Text

from runt_tui.render import ImagePayload, RenderOptions
from runt_tui.render.sanitize import clean_segments, strip_controls, visible_controls
from runt_tui.tui.model import CellModel, PeerMark, ViewFlags
from runt_tui.tui.widgets.ipyw.ref import WidgetViewRef, view_ref
from runt_tui.tui.widgets.syntax_lines import Mark, SourceCode

GUTTER = 6  # "[123]" plus a space


def render_options(flags: ViewFlags, expanded: bool = False) -> RenderOptions:
    """RenderOptions for the view: theme, images mode, whether capped outputs are expanded."""
    images = flags.images if flags.images in ("kitty", "sixel", "none") else "halfblock"
    return RenderOptions(
        images=images,  # type: ignore[arg-type]
        theme="dark" if flags.dark else "light",
        show_all=expanded,
    )


def _requester_style(model: CellModel, fallback: str) -> Style | str:
    colour = model.requester_colour
    if len(colour) == 7 and colour.startswith("#"):
        return Style(color=colour, bold=True)
    return fallback


def prompt(model: CellModel) -> Text:
    """The execution prompt: [n], [*] running, […] queued, ✗[n] ended in error; [ ] never run.

    Queued and running prompts take the colour of whoever asked for the run.
    """
    if model.cell_type != "code":
        return Text(" " * (GUTTER - 1))
    if model.status == "running":
        return Text("[*]".rjust(GUTTER - 1), style=_requester_style(model, "bold yellow"))
    if model.status == "queued":
        return Text("[…]".rjust(GUTTER - 1), style=_requester_style(model, "yellow"))
    count = "" if model.execution_count is None else str(model.execution_count)
    label = f"[{count or ' '}]"
    if model.status == "error":
        return Text(f"✗{label}".rjust(GUTTER - 1)[-(GUTTER - 1) :], style="bold red")
    return Text(label.rjust(GUTTER - 1)[-(GUTTER - 1) :], style="dim")


def gutter(model: CellModel) -> Text:
    """Prompt plus one line per other peer on this cell, in their colour."""
    text = prompt(model)
    for peer in model.peers:
        text.append("\n")
        text.append(peer_label(peer), style=Style(color=peer.colour, bold=True))
    return text


def peer_label(peer: PeerMark) -> str:
    """A peer's name cut to the gutter width."""
    name = strip_controls(peer.name, one_line=True) or "peer"
    return name[: GUTTER - 1].rjust(GUTTER - 1)


def _cursor_rowcol(source: str, pos: int) -> tuple[int, int]:
    pos = max(0, min(pos, len(source)))
    row = source.count("\n", 0, pos)
    col = pos - (source.rfind("\n", 0, pos) + 1)
    return row, col


def source_renderable(model: CellModel, flags: ViewFlags, width: int) -> RenderableType:
    """The cell's source as shown when it is not being edited."""
    if flags.layout == "outputs":
        first = visible_controls(model.source.split("\n", 1)[0])
        more = model.source.count("\n")
        label = first[: max(10, width - 20)] + (f"  … {more} more lines" if more else "")
        return Text(label or f"({model.cell_type})", style="dim italic", no_wrap=True, overflow="ellipsis")
    if model.cell_type == "markdown":
        if not model.source.strip():
            return Text("empty markdown cell — Enter to edit", style="dim italic")
        from runt_tui.render import render_markdown_cell  # imported on first use: start-up time

        options = render_options(flags)
        return render_markdown_cell(model.source, model.attachments, width=width, options=options)
    if model.cell_type == "raw":
        text = Text(visible_controls(model.source) or " ", style="dim", no_wrap=True)
        _mark_cursors(text, model)
        return text
    # One visible stand-in per control character: peers' cursor offsets stay valid.
    return SourceCode(visible_controls(model.source) or " ", flags.language, flags.dark,
                      line_numbers=flags.line_numbers, marks=_cursor_marks(model), cell=model.id)


def _cursor_marks(model: CellModel) -> tuple[Mark, ...]:
    """Peers' cursors in the source: the character at each, or the last of its line at the end of one."""
    marks: list[Mark] = []
    lines = model.source.split("\n")
    for peer in model.peers:
        if peer.cursor is None:
            continue
        row, col = _cursor_rowcol(model.source, peer.cursor)
        style = Style(bgcolor=peer.colour, color="black")
        length = len(lines[row])
        marks.append((row, max(0, length - 1), length, style) if col >= length else (row, col, col + 1, style))
    return tuple(marks)


def _mark_cursors(text: Text, model: CellModel) -> None:
    for peer in model.peers:
        if peer.cursor is not None and model.source:
            pos = max(0, min(peer.cursor, len(model.source) - 1))
            text.stylize(Style(bgcolor=peer.colour, color="black"), pos, pos + 1)


def output_parts(model: CellModel, flags: ViewFlags, width: int) -> list[RenderableType | ImagePayload | WidgetViewRef]:
    """The outputs as Rich renderables, with images as payloads where the terminal draws pixels
    and ipywidgets as references (mounted as live widget views)."""
    if model.cell_type != "code" or not model.outputs:
        return []
    from runt_tui.render import render_output  # imported on first use: start-up time

    options = render_options(flags, model.expanded)
    parts: list[RenderableType | ImagePayload | WidgetViewRef] = []
    pixels = flags.images in ("kitty", "sixel")
    for out in model.outputs:
        ref = view_ref(out)
        if ref is not None:
            parts.append(ref)
            continue
        result = render_output(out, width=width, options=options)
        if result.hidden_lines and not model.expanded:
            parts.append(Text(f"(o: show all {result.hidden_lines:,} hidden lines)", style="dim italic"))
        if pixels and result.image is not None:
            parts.append(result.image)
        else:
            parts.append(result.renderable)
    return parts


def group(parts: list[RenderableType]) -> RenderableType:
    """One renderable from several."""
    return parts[0] if len(parts) == 1 else Group(*parts)


class SegmentsLine:
    """One already rendered row, as a renderable (to style it the way Textual would)."""

    def __init__(self, segments: list[Segment]) -> None:
        self.segments = segments

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> Iterator[Segment]:
        yield from self.segments


class RenderedOnce:
    """A renderable rendered once per width and replayed.

    Textual renders a widget's content to measure its height and again to paint
    it; for a capped 200-line output (or an expanded one of thousands) this makes
    that one Rich render instead of two or more.
    """

    def __init__(self, renderable: RenderableType) -> None:
        self.renderable = renderable
        self._cache: tuple[int, list[list[Segment]]] | None = None

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> Iterator[Segment]:
        width = options.max_width
        if self._cache is None or self._cache[0] != width:
            lines = console.render_lines(self.renderable, options.update(height=None), pad=False)
            lines = [clean_segments(line) for line in lines]
            self._cache = (width, lines)
        new_line = Segment.line()
        for line in self._cache[1]:
            yield from line
            yield new_line

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement.get(console, options, self.renderable)


def hidden_lines(model: CellModel, flags: ViewFlags, width: int) -> int:
    """How many output lines the caps hide (0 when expanded or nothing is capped)."""
    if model.expanded:
        return 0
    from runt_tui.render import render_output

    options = render_options(flags)
    return sum(render_output(o, width=width, options=options).hidden_lines for o in model.outputs)


class BlockLines:
    """One block of a cell's body (an output) rendered once per width and kept.

    A cell's body is rebuilt whenever its source changes; its outputs are
    the same objects then (see CellWidget), so a keystroke does not render
    an HTML table or scale an image again.
    """

    def __init__(self, renderable: RenderableType) -> None:
        self.renderable = renderable
        self._cache: tuple[int, list[list[Segment]]] | None = None

    def lines(self, console: Console, options: ConsoleOptions) -> list[list[Segment]]:
        """The block's rows at options.max_width, padded to it (cached per width)."""
        width = options.max_width
        if self._cache is None or self._cache[0] != width:
            rows = console.render_lines(self.renderable, options, pad=True)
            self._cache = (width, [clean_segments(line) for line in rows])
        return self._cache[1]

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> Iterator[Segment]:
        new_line = Segment.line()
        for line in self.lines(console, options):
            yield from line
            yield new_line


class GutterLayout:
    """A gutter column beside a body column, rendered once per width and cached.

    Cheaper than a Rich Table (which renders every cell twice to measure it),
    and the cache makes Textual's measure-then-paint cost one render.
    """

    def __init__(self, gutter: Text, blocks: list[RenderableType]) -> None:
        self.gutter = gutter
        self.blocks = blocks
        self._cache: tuple[int, list[list[Segment]]] | None = None

    def lines(self, console: Console, options: ConsoleOptions) -> list[list[Segment]]:
        """The rendered rows at options.max_width, each padded to it (cached per width)."""
        width = options.max_width
        if self._cache is not None and self._cache[0] == width:
            return self._cache[1]
        body_width = max(1, width - GUTTER)
        body_options = options.update(width=body_width, height=None)
        body: list[list[Segment]] = []
        # Every row of a cell passes here: the last guard against control characters.
        for block in self.blocks:
            if isinstance(block, (BlockLines, SourceCode)):  # each keeps what it rendered
                body.extend(block.lines(console, body_options))
            else:
                body.extend(clean_segments(line) for line in console.render_lines(block, body_options, pad=True))
        gutter_options = options.update(width=GUTTER - 1, height=None)
        glines = [clean_segments(line) for line in console.render_lines(self.gutter, gutter_options, pad=True)]
        blank = [Segment(" " * (GUTTER - 1))]
        space = Segment(" ")
        lines = [
            [*(glines[i] if i < len(glines) else blank), space, *line]
            for i, line in enumerate(body)
        ]
        for i in range(len(body), len(glines)):
            lines.append([*glines[i], space, Segment(" " * body_width)])
        self._cache = (width, lines)
        return lines

    @property
    def approximate(self) -> bool:
        """Whether the source is drawn from approximate highlighting (see syntax_lines.py)."""
        return any(isinstance(block, SourceCode) and block.approximate for block in self.blocks)

    def settle(self) -> bool:
        """Highlight the source exactly if it was not; True when the rows must be rendered again."""
        settled = any([block.settle() for block in self.blocks if isinstance(block, SourceCode)])
        if settled:
            self._cache = None
        return settled

    def drawn(self, width: int) -> list[list[Segment]] | None:
        """The rows already rendered at `width`, or None (nothing is rendered here)."""
        return self._cache[1] if self._cache is not None and self._cache[0] == width else None

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> Iterator[Segment]:
        new_line = Segment.line()
        for line in self.lines(console, options):
            yield from line
            yield new_line

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement(options.max_width, options.max_width)
