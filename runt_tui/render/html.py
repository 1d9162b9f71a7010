"""text/html: tables become Rich tables, everything else readable styled text."""

from __future__ import annotations

import re

from rich import box
from rich.console import Group, RenderableType
from rich.rule import Rule
from rich.style import Style
from rich.table import Table
from rich.text import Text

from .common import marker, plural, words
from .htmltree import Node, parse_html
from .render_options import RenderOptions

# HTML is verbose (a 100-row DataFrame is ~50 KB), so its cap is a multiple of
# the plain-text cap; past it we parse a prefix, which html.parser tolerates.
_HTML_CHAR_FACTOR = 10

SKIP = words(
    "script style head title template noscript iframe object svg math canvas select input "
    "textarea button"
)
_PARA = words("p h1 h2 h3 h4 h5 h6 pre blockquote dl figure")
_LINE = words(
    "div section article header footer main nav aside tr dt dd details summary form fieldset "
    "caption address figcaption center body html"
)
_INLINE_STYLE: dict[str, str] = {
    "b": "bold", "strong": "bold", "th": "bold",
    "i": "italic", "em": "italic", "cite": "italic", "var": "italic", "dfn": "italic",
    "u": "underline", "ins": "underline",
    "s": "strike", "strike": "strike", "del": "strike",
    "code": "cyan", "kbd": "cyan", "samp": "cyan", "tt": "cyan",
    "mark": "reverse", "small": "dim",
    "h1": "bold underline", "h2": "bold", "h3": "bold", "h4": "bold", "h5": "bold", "h6": "bold",
}  # fmt: skip
_NUMERIC = re.compile(
    r"[-+]?(?:[\d,_]*\.?\d+(?:[eE][-+]?\d+)?%?|nan|NaN|inf|-inf|NaT|None|\.\.\.|…)"
)


class _Sink:
    """Accumulates styled text with HTML whitespace rules (collapse, block breaks)."""

    def __init__(self) -> None:
        self.text = Text()
        self.space = False
        self.breaks = 0

    def block(self, n: int) -> None:
        self.breaks = max(self.breaks, n)
        self.space = False

    def line_break(self) -> None:
        self.breaks += 1
        self.space = False

    def _flush_breaks(self) -> None:
        if self.breaks and self.text.plain:
            self.text.append("\n" * self.breaks)
        self.breaks = 0

    def raw(self, s: str, style: Style | str = "") -> None:
        self._flush_breaks()
        self.text.append(s, style)
        self.space = False

    def write(self, s: str, style: Style) -> None:
        words = s.split()
        if not words:
            self.space = self.space or bool(s)
            return
        lead = s[0].isspace()
        self._flush_breaks()
        if (self.space or lead) and self.text.plain and not self.text.plain.endswith(("\n", " ")):
            self.text.append(" ")
        self.text.append(" ".join(words), style)
        self.space = s[-1].isspace()


class _Walker:
    """Walks a Node tree producing a list of blocks: Text paragraphs and Tables."""

    def __init__(self, options: RenderOptions, *, flatten_tables: bool = False) -> None:
        self.options = options
        self.flatten_tables = flatten_tables
        self.blocks: list[RenderableType] = []
        self.sink = _Sink()
        self.lists: list[list[int]] = []  # per open list: [ordered?, counter]

    def finish(self) -> list[RenderableType]:
        self._flush()
        return self.blocks

    def _flush(self) -> None:
        text = self.sink.text
        text.rstrip()
        if text.plain.strip():
            self.blocks.append(text)
        self.sink = _Sink()

    def walk(self, node: Node, style: Style, pre: bool = False) -> None:
        for child in node.children:
            if isinstance(child, str):
                if pre:
                    self.sink.raw(child, style)
                else:
                    self.sink.write(child, style)
            else:
                self.element(child, style, pre)

    def element(self, node: Node, style: Style, pre: bool) -> None:
        tag = node.tag
        if tag in SKIP:
            return
        if tag == "table" and not self.flatten_tables:
            table = table_to_rich(node, self.options)
            if table is not None:
                self._flush()
                self.blocks.append(table)
                return
        if tag == "br":
            self.sink.line_break()
            return
        if tag == "hr":
            self._flush()
            self.blocks.append(Rule(style="dim"))
            return
        if tag == "img":
            alt = node.attrs.get("alt", "").strip()
            self.sink.raw(f"[image: {alt}]" if alt else "[image]", "dim")
            return
        inner = style
        if tag in _INLINE_STYLE:
            inner = style + Style.parse(_INLINE_STYLE[tag])
        if tag == "a":
            href = node.attrs.get("href", "")
            link = href if href.startswith(("http://", "https://", "mailto:")) else None
            inner = style + Style(underline=True, link=link)
        if tag in ("ul", "ol"):
            self.sink.block(1 if self.lists else 2)
            self.lists.append([tag == "ol", node.int_attr("start", 1, -(10**6), 10**6)])
            self.walk(node, inner, pre)
            self.lists.pop()
            self.sink.block(1 if self.lists else 2)
            return
        if tag == "li":
            self.sink.block(1)
            depth = max(0, len(self.lists) - 1)
            if self.lists and self.lists[-1][0]:
                bullet = f"{self.lists[-1][1]}. "
                self.lists[-1][1] += 1
            else:
                bullet = "• "
            self.sink.raw("  " * depth + bullet)
            self.walk(node, inner, pre)
            self.sink.block(1)
            return
        gap = 2 if tag in _PARA else 1 if tag in _LINE else 0
        if tag in ("td", "th"):
            # Flattened table cells (a table nested in a cell): a space apart.
            self.sink.write(" ", inner)
        if gap:
            self.sink.block(gap)
        self.walk(node, inner, pre or tag == "pre")
        if gap:
            self.sink.block(gap)


def _cell_text(node: Node, options: RenderOptions) -> Text:
    """Inline text of one table cell (nested tables flattened to text)."""
    # Nearly every DataFrame cell is a single text node: skip the walker for those.
    strings = [c for c in node.children if isinstance(c, str)]
    if len(strings) == len(node.children):
        return Text(" ".join("".join(strings).split()))
    walker = _Walker(options, flatten_tables=True)
    walker.walk(node, Style.null())
    blocks = walker.finish()
    texts = [b for b in blocks if isinstance(b, Text)]
    return Text("\n").join(texts) if texts else Text()


def _collect_rows(node: Node, in_head: bool, out: list[tuple[bool, Node]]) -> None:
    """Gather <tr> rows of a table in order, noting which sit in <thead>."""
    for child in node.children:
        if isinstance(child, str) or child.tag == "table":
            continue
        if child.tag == "tr":
            out.append((in_head, child))
        else:
            _collect_rows(child, in_head or child.tag == "thead", out)


def table_to_rich(node: Node, options: RenderOptions) -> RenderableType | None:
    """Convert a <table> Node (pandas style: thead/tbody, th index, spans) to a Rich Table."""
    built = _build_table(node, options)
    if built is None:
        return None
    table, notes = built
    # Elision notes go under the table, not in its caption, which Rich wraps to
    # the table's width and so breaks into one word per line for narrow tables.
    return Group(table, marker("  ".join(notes))) if notes else table


def _count_head_rows(rows: list[tuple[bool, Node]], cells_per_row: list[list[Node]]) -> int:
    """How many leading rows are the header: the <thead> rows, else leading all-<th> rows."""
    n_head = 0
    while n_head < len(rows) and rows[n_head][0]:
        n_head += 1
    if n_head == 0:
        # No <thead>: leading all-<th> rows are the header (but leave a body).
        while n_head < len(rows) and cells_per_row[n_head] and all(
            c.tag == "th" for c in cells_per_row[n_head]
        ):
            n_head += 1
        if n_head == len(rows):
            n_head = 1
    return n_head


_Grid = tuple[dict[tuple[int, int], Text], dict[tuple[int, int], bool], int]


def _grid(kept: list[list[Node]], max_cols: int, options: RenderOptions) -> _Grid:
    """Each cell's text and whether it is a <th>, by (row, column) with spans laid out, and the widest row."""
    texts: dict[tuple[int, int], Text] = {}
    is_th: dict[tuple[int, int], bool] = {}
    widest = 0
    for r, cells in enumerate(kept):
        c = 0
        for cell in cells:
            while (r, c) in is_th:
                c += 1
            colspan = cell.int_attr("colspan", 1, 1, 1000)
            rowspan = cell.int_attr("rowspan", 1, 1, len(kept) - r)
            widest = max(widest, c + colspan)
            if c < max_cols:
                # Spanned label shown once, in its first cell, as pandas' own text repr does.
                texts[(r, c)] = _cell_text(cell, options)
                for dr in range(rowspan):
                    for dc in range(min(colspan, max_cols - c)):
                        is_th[(r + dr, c + dc)] = cell.tag == "th"
            c += colspan
    return texts, is_th, widest


def _build_table(node: Node, options: RenderOptions) -> tuple[Table, list[str]] | None:
    rows: list[tuple[bool, Node]] = []
    _collect_rows(node, False, rows)
    cells_per_row = [
        [c for c in tr.children if isinstance(c, Node) and c.tag in ("td", "th")] for _, tr in rows
    ]
    if not any(cells_per_row):
        return None
    n_head = _count_head_rows(rows, cells_per_row)
    max_cols = max(1, options.max_table_cols)
    hidden_rows = max(0, len(rows) - n_head - max(1, options.max_table_rows))
    kept = cells_per_row[: len(rows) - hidden_rows]
    texts, is_th, widest = _grid(kept, max_cols, options)
    ncols = min(widest, max_cols)
    if ncols == 0:
        return None
    notes: list[str] = []
    if hidden_rows:
        notes.append(f"… {plural(hidden_rows, 'more row')}")
    if widest > ncols:
        notes.append(f"… {plural(widest - ncols, 'more column')}")
    return _table(node, options, texts, is_th, (n_head, len(kept), ncols)), notes


def _table(
    node: Node,
    options: RenderOptions,
    texts: dict[tuple[int, int], Text],
    is_th: dict[tuple[int, int], bool],
    shape: tuple[int, int, int],
) -> Table:
    """The Rich table of a laid-out grid: `shape` is (header rows, rows kept, columns)."""
    n_head, n_kept, ncols = shape
    empty = Text()
    head_rows = [
        r
        for r in range(n_head)
        if any(texts.get((r, c), empty).plain.strip() for c in range(ncols))
    ]
    body = range(n_head, n_kept)
    n_index = 0
    if n_kept > n_head:
        while n_index < ncols and is_th.get((n_head, n_index), False):
            n_index += 1
    table = Table(
        box=box.SIMPLE_HEAD,
        show_header=bool(head_rows),
        header_style="bold",
        pad_edge=False,
        show_edge=False,
    )
    caption = node.iter("caption", stop=frozenset({"table"}))
    if caption:
        table.title = _cell_text(caption[0], options)
    for c in range(ncols):
        header = Text("\n").join(texts.get((r, c), Text()) for r in head_rows)
        values = [texts.get((r, c), empty).plain.strip() for r in body]
        numeric = (
            c >= n_index and any(values) and all(not v or _NUMERIC.fullmatch(v) for v in values)
        )
        table.add_column(
            header,
            justify="right" if numeric else "left",
            style="bold" if c < n_index else None,
        )
    for r in body:
        table.add_row(*(texts.get((r, c), Text()) for c in range(ncols)))
    return table


def render_html(source: str, options: RenderOptions) -> RenderableType | None:
    """Render HTML as tables plus readable text; None if it holds nothing visible."""
    limit = max(1, options.max_text_chars) * _HTML_CHAR_FACTOR
    clipped = len(source) > limit
    root = parse_html(source[:limit] if clipped else source)
    walker = _Walker(options)
    walker.walk(root, Style.null())
    blocks = walker.finish()
    if not blocks:
        return None
    if clipped:
        blocks.append(Text(f"… HTML truncated ({plural(len(source) - limit, 'more character')})",
                           style="dim italic"))
    # Blank line between blocks, as paragraphs and tables read in a browser.
    spaced: list[RenderableType] = []
    for block in blocks:
        if spaced:
            spaced.append(Text())
        spaced.append(block)
    return spaced[0] if len(spaced) == 1 else Group(*spaced)
