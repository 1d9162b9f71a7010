"""Regenerate the hand-made corpus files: ``edge/``, ``bad/`` and the synthetic part of ``lenient/``.

Run from anywhere: ``python tests/corpus/make_corpus.py``. Output is deterministic
(no clocks, no randomness without a fixed seed), so re-running it leaves the
committed files unchanged. ``real/`` and the nbformat/nbclient files under
``lenient/`` are copies of other projects' files; see SOURCES.md.

Conventions the round-trip tests rely on:

- Most ``edge/`` files are written exactly as ``nbformat.write`` writes them
  (``nbformat.writes(nb) + "\\n"``) as v4.5 with valid unique ids, so opening and
  saving them untouched must be byte-identical. The tests work out which files
  qualify from the bytes; nothing depends on file names.
- ``lenient/``: files a reader may either load (and then must round-trip and
  validate) or refuse with a clear NotebookFileError.
- ``bad/``: files every reader must refuse with a NotebookFileError naming the file.
"""

from __future__ import annotations

import base64
import copy
import json
import random
import struct
import zlib
from pathlib import Path
from typing import Any

import nbformat
from nbformat.v4 import (
    new_code_cell,
    new_markdown_cell,
    new_notebook,
    new_output,
    new_raw_cell,
)

HERE = Path(__file__).resolve().parent
EDGE = HERE / "edge"
BAD = HERE / "bad"
LENIENT = HERE / "lenient" / "synthetic"

KERNELSPEC = {"display_name": "Python 3", "language": "python", "name": "python3"}
LANGUAGE_INFO = {"name": "python", "version": "3.11.7", "mimetype": "text/x-python"}


# ---------------------------------------------------------------- PNG helper


def png(width: int, height: int, seed: int = 0, noise: bool = False) -> bytes:
    """A real RGB PNG: a gradient, or incompressible noise when ``noise``."""
    rng = random.Random(seed)
    rows = []
    for y in range(height):
        if noise:
            row = bytes(rng.getrandbits(8) for _ in range(width * 3))
        else:
            row = bytes(
                v
                for x in range(width)
                for v in ((x * 255) // max(1, width - 1), (y * 255) // max(1, height - 1), seed % 256)
            )
        rows.append(b"\x00" + row)
    raw = b"".join(rows)

    def chunk(tag: bytes, data: bytes) -> bytes:
        body = tag + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


# ---------------------------------------------------------------- writers


def ids(nb: Any) -> Any:
    """Give cells deterministic, valid, unique ids."""
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{i:04d}"
    return nb


def base_nb(cells: list[Any], **meta: Any) -> Any:
    nb = new_notebook()
    nb.cells = cells
    nb.metadata = {"kernelspec": dict(KERNELSPEC), "language_info": dict(LANGUAGE_INFO), **meta}
    return ids(nb)


def write_layout(path: Path, nb: Any, validate: bool = True) -> None:
    """Write exactly as ``nbformat.write`` does (its own layout, trailing newline)."""
    if validate:
        nbformat.validate(nb)
    # nbformat.writes() would validate and silently "fix" ids in place; the v4 JSON
    # writer alone produces the same layout without touching the notebook.
    text = nbformat.v4.writes_json(nb)
    if not text.endswith("\n"):
        text += "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8"))


def write_raw(path: Path, data: bytes | str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)


# ---------------------------------------------------------------- edge cases


def edge_attachments() -> None:
    img = png(16, 8, seed=3)
    gif = base64.b64decode("R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==")
    md = new_markdown_cell(
        "An attached image:\n\n![dot.png](attachment:dot.png)\n\nand a gif ![g](attachment:g.gif)",
        attachments={
            "dot.png": {"image/png": b64(img)},
            "g.gif": {"image/gif": b64(gif)},
        },
    )
    raw = new_raw_cell("raw with attachment", attachments={"r.png": {"image/png": b64(png(2, 2))}})
    empty = new_markdown_cell("no attachments but the key is there", attachments={})
    write_layout(EDGE / "attachments.ipynb", base_nb([md, raw, empty, new_code_cell("1 + 1")]))


def edge_widgets() -> None:
    state = {
        "state": {
            "7a3c0f1e2b4d4e5f8a9b0c1d2e3f4a5b": {
                "model_module": "@jupyter-widgets/controls",
                "model_module_version": "2.0.0",
                "model_name": "IntSliderModel",
                "state": {"value": 42, "max": 100, "min": 0, "description": "x"},
            },
            "00ff00ff00ff00ff00ff00ff00ff00ff": {
                "model_module": "@jupyter-widgets/base",
                "model_module_version": "2.0.0",
                "model_name": "LayoutModel",
                "state": {},
            },
        },
        "version_major": 2,
        "version_minor": 0,
    }
    out = new_output(
        "display_data",
        data={
            "application/vnd.jupyter.widget-view+json": {
                "model_id": "7a3c0f1e2b4d4e5f8a9b0c1d2e3f4a5b",
                "version_major": 2,
                "version_minor": 0,
            },
            "text/plain": "IntSlider(value=42)",
        },
    )
    cell = new_code_cell("import ipywidgets as w\nw.IntSlider(42)", outputs=[out], execution_count=1)
    nb = base_nb(
        [cell],
        widgets={"application/vnd.jupyter.widget-state+json": state},
    )
    write_layout(EDGE / "widgets_state.ipynb", nb)


def edge_raw_cells() -> None:
    cells = [
        new_raw_cell("---\ntitle: front matter\n---"),
        new_raw_cell(".. rst directive::\n   :option: x", metadata={"raw_mimetype": "text/restructuredtext"}),
        new_raw_cell("\\section{LaTeX}", metadata={"format": "text/latex"}),
        new_raw_cell(""),
        new_raw_cell("<b>html</b>\n", metadata={"raw_mimetype": "text/html", "tags": ["keep"]}),
        new_code_cell("print('between raws')"),
        new_raw_cell("\n\n\n"),
    ]
    write_layout(EDGE / "raw_cells.ipynb", base_nb(cells))


UNICODE_TEXT = "\n".join(
    [
        "family ZWJ: 👩‍👩‍👧‍👦 rainbow flag: 🏳️‍🌈 pirate: 🏴‍☠️",
        "skin tones: 👋🏽 👍🏿  flags: 🇯🇵 🇫🇷 🇺🇦  keycap: 1️⃣  subdivision: 🏴󠁧󠁢󠁳󠁣󠁴󠁿",
        "CJK: 漢字かなカナ 한국어 中文全角，标点。",
        "combining: e\u0301 a\u0308 n\u0303 Z\u0351\u0352\u0353\u0354a\u0300\u0301\u0302l\u0315\u0316g\u0317o",
        "RTL: العربية עִבְרִית \u200fmark\u200e \u202eoverride\u202c",
        "astral: 𝕏 𓀀 𝄞 🜁  zero-width: a\u200bb\u200cc\u200dd\ufeffe",
        "line separators: x\u2028y\u2029z  NEL: a\u0085b",
        "ANSI: \x1b[31mred\x1b[0m  tab:\tend  bell:\x07 del:\x7f",
    ]
)


def edge_unicode() -> None:
    md = new_markdown_cell("# Ünïcödé 🎉\n\n" + UNICODE_TEXT)
    code = new_code_cell(
        "s = '👩‍👩‍👧‍👦'\nprint(len(s), s)\n# 注释 — комментарий — تعليق\n",
        outputs=[
            new_output("stream", name="stdout", text="7 👩‍👩‍👧‍👦\n"),
            new_output("stream", name="stderr", text="\x1b[33mwarning\x1b[0m: 警告\n"),
            new_output(
                "execute_result",
                data={"text/plain": UNICODE_TEXT, "text/html": "<p dir='rtl'>שלום</p>"},
                execution_count=3,
            ),
        ],
        execution_count=3,
    )
    crlf = new_code_cell("windows\r\nline\r\nendings\r\n and a lone\rcarriage return")
    progress = new_code_cell(
        "for i in range(3): print(i, end='\\r')",
        outputs=[new_output("stream", name="stdout", text="0\r1\r2\r")],
        execution_count=4,
    )
    err = new_code_cell(
        "1/0",
        outputs=[
            new_output(
                "error",
                ename="ZeroDivisionError",
                evalue="division by zero — ÷ 0",
                traceback=[
                    "\x1b[0;31m---------------------------------------------------------------------------\x1b[0m",
                    "\x1b[0;31mZeroDivisionError\x1b[0m: division by zero — ÷ 0",
                ],
            )
        ],
        execution_count=5,
    )
    nb = base_nb(
        [md, code, crlf, progress, err],
        title="Ünïcödé 📓",
        authors=[{"name": "Zoë Ωmega 山田"}],
        **{"x-emoji-key 🔑": "value 🗝️"},
    )
    write_layout(EDGE / "unicode.ipynb", nb)


def edge_huge_output() -> None:
    lines = [f"line {i:06d} " + "x" * 60 + "\n" for i in range(30_000)]
    text = "".join(lines)
    assert 2_000_000 <= len(text) <= 2_300_000
    cell = new_code_cell(
        "for i in range(30_000): print(f'line {i:06d} ' + 'x' * 60)",
        outputs=[new_output("stream", name="stdout", text=text)],
        execution_count=1,
    )
    write_layout(EDGE / "huge_output.ipynb", base_nb([new_markdown_cell("Huge stream"), cell]))


def edge_large_png() -> None:
    big = png(420, 420, seed=7, noise=True)  # ~530 KB of incompressible pixels
    small = png(64, 48, seed=1)
    out = new_output(
        "display_data",
        data={"image/png": b64(big), "text/plain": "<Figure size 420x420>"},
        metadata={"image/png": {"width": 420, "height": 420}},
    )
    res = new_output(
        "execute_result",
        data={"image/png": b64(small), "text/plain": "<PIL.Image>"},
        metadata={"needs_background": "light"},
        execution_count=2,
    )
    cells = [
        new_code_cell("plt.imshow(noise)", outputs=[out], execution_count=1),
        new_code_cell("img", outputs=[res], execution_count=2),
    ]
    write_layout(EDGE / "large_png.ipynb", base_nb(cells))


def edge_unknown_keys() -> None:
    out = new_output("stream", name="stdout", text="hi\n")
    out["x_output_extra"] = {"producer": "some-tool", "n": 1}
    res = new_output("execute_result", data={"text/plain": "1"}, execution_count=1)
    res["x_result_extra"] = [1, 2, 3]
    cell = new_code_cell("print('hi')\n1", execution_count=1)
    cell.outputs = [out, res]
    cell["x_cell_extra"] = "kept"
    cell.metadata.update({"x_cell_meta": {"deep": {"deeper": [1, {"deepest": None}]}}})
    md = new_markdown_cell("md")
    md["x_md_extra"] = True
    nb = base_nb([cell, md], x_nb_meta={"anything": ["goes", 1, 2.5, None, False]})
    nb["x_top_extra"] = {"unknown": "top-level key"}
    # Not valid under the strict schema (additionalProperties), valid when relaxed.
    nbformat.validate(nb, relax_add_props=True)
    write_layout(EDGE / "unknown_keys.ipynb", nb, validate=False)


def edge_missing_ids() -> None:
    nb = base_nb([new_markdown_cell("a"), new_code_cell("b"), new_raw_cell("c")])
    for cell in nb.cells:
        del cell["id"]
    nb.nbformat_minor = 4
    write_layout(EDGE / "missing_ids_v44.ipynb", nb)
    nb45 = base_nb([new_markdown_cell("a"), new_code_cell("b"), new_raw_cell("c")])
    del nb45.cells[1]["id"]
    write_layout(EDGE / "missing_ids_v45_partial.ipynb", nb45, validate=False)


def edge_duplicate_ids() -> None:
    cells = [new_code_cell(f"x = {i}") for i in range(5)]
    nb = base_nb(cells)
    nb.cells[0]["id"] = "same"
    nb.cells[1]["id"] = "same"
    nb.cells[2]["id"] = "other"
    nb.cells[3]["id"] = "same"
    nb.cells[4]["id"] = "other"
    write_layout(EDGE / "duplicate_ids.ipynb", nb, validate=False)


def edge_v3() -> None:
    v3 = {
        "metadata": {"name": "old notebook", "signature": "sha256:0"},
        "nbformat": 3,
        "nbformat_minor": 0,
        "worksheets": [
            {
                "metadata": {},
                "cells": [
                    {"cell_type": "heading", "level": 1, "metadata": {}, "source": "A v3 heading"},
                    {"cell_type": "markdown", "metadata": {}, "source": ["Some *markdown*\n", "two lines"]},
                    {
                        "cell_type": "code",
                        "collapsed": False,
                        "input": ["x = 1\n", "x"],
                        "language": "python",
                        "metadata": {},
                        "outputs": [
                            {"metadata": {}, "output_type": "pyout", "prompt_number": 1, "text": ["1"]},
                            {"output_type": "stream", "stream": "stdout", "text": ["hello\n"]},
                            {
                                "metadata": {},
                                "output_type": "display_data",
                                "png": b64(png(4, 4, seed=9)),
                                "text": ["<image>"],
                            },
                            {
                                "ename": "ValueError",
                                "evalue": "bad",
                                "output_type": "pyerr",
                                "traceback": ["Traceback", "ValueError: bad"],
                            },
                        ],
                        "prompt_number": 1,
                    },
                    {"cell_type": "raw", "metadata": {}, "source": "raw v3"},
                    {"cell_type": "heading", "level": 3, "metadata": {}, "source": "Sub heading"},
                ],
            }
        ],
    }
    write_raw(EDGE / "v3_notebook.ipynb", json.dumps(v3, indent=1) + "\n")


def edge_empty() -> None:
    nb = new_notebook()
    nb.metadata = {"kernelspec": dict(KERNELSPEC)}
    write_layout(EDGE / "empty_no_cells.ipynb", nb)
    write_layout(EDGE / "empty_no_metadata.ipynb", new_notebook())


def edge_odd_layout() -> None:
    cells = [
        new_markdown_cell("odd layout: ünïcödé 日本 🎉\nsecond line"),
        new_code_cell(
            "print('x')",
            outputs=[new_output("stream", name="stdout", text="x\n")],
            execution_count=1,
        ),
    ]
    nb = base_nb(cells)
    d = json.loads(nbformat.writes(nb))
    # compact, ASCII-escaped, unsorted keys, sources as plain strings, no newline at end
    d2 = {"nbformat_minor": d["nbformat_minor"], "nbformat": 4, "metadata": d["metadata"]}
    d2["cells"] = [{k: c[k] for k in reversed(list(c))} for c in d["cells"]]
    for c in d2["cells"]:
        c["source"] = "".join(c["source"])
    write_raw(EDGE / "odd_layout_compact.ipynb", json.dumps(d2, ensure_ascii=True, separators=(",", ":")))
    # CRLF line endings, tab indentation, trailing whitespace on every line
    text = json.dumps(d, indent="\t", ensure_ascii=False)
    text = "\r\n".join(line + "  " for line in text.splitlines()) + "\r\n\r\n   \r\n"
    write_raw(EDGE / "odd_layout_crlf_tabs.ipynb", text)
    # 4-space indent, sort_keys=False, trailing spaces after the closing brace
    write_raw(EDGE / "odd_layout_indent4.ipynb", json.dumps(d, indent=4, ensure_ascii=False) + "   \n\n")
    # UTF-8 byte order mark (written by some Windows editors)
    write_raw(EDGE / "bom_utf8.ipynb", b"\xef\xbb\xbf" + nbformat.writes(nb).encode("utf-8") + b"\n")


def edge_null_execution_count() -> None:
    cells = [
        new_code_cell("never run"),
        new_code_cell(
            "ran but count lost",
            outputs=[
                new_output("execute_result", data={"text/plain": "42"}, execution_count=None),
                new_output("stream", name="stdout", text="side effect\n"),
            ],
        ),
        new_code_cell("", execution_count=None),
        new_code_cell("x", execution_count=0),
        new_code_cell("y", execution_count=2**31 - 1),
    ]
    write_layout(EDGE / "null_execution_count.ipynb", base_nb(cells))


def edge_output_metadata_transient() -> None:
    dd = new_output(
        "display_data",
        data={"text/plain": "progress 100%", "text/html": ["<progress value='100'>\n", "</progress>"]},
        metadata={"text/html": {"isolated": True}, "custom": {"a": [1, 2]}},
    )
    dd["transient"] = {"display_id": "d0b5e1f2"}
    er = new_output(
        "execute_result",
        data={
            "application/json": {"a": [1, 2, {"b": None}], "c": "d"},
            "application/vnd.custom+json": [1, "two", 3.0],
            "text/plain": "{'a': ...}",
            "text/latex": "$x^2$",
            "image/svg+xml": "<svg xmlns='http://www.w3.org/2000/svg' width='1' height='1'/>",
        },
        metadata={"application/json": {"expanded": False, "root": "root"}},
        execution_count=7,
    )
    er["transient"] = {"display_id": "e7"}
    cell = new_code_cell("display(...)", execution_count=7)
    cell.outputs = [dd, er]
    cell.metadata = {
        "collapsed": False,
        "scrolled": "auto",
        "tags": ["a", "b"],
        "jupyter": {"source_hidden": True, "outputs_hidden": False},
        "editable": False,
        "deletable": False,
        "execution": {"iopub.status.busy": "2024-01-01T00:00:00.000001Z"},
    }
    nb = base_nb([cell])
    nbformat.validate(nb, relax_add_props=True)
    write_layout(EDGE / "output_metadata_transient.ipynb", nb, validate=False)


def edge_numbers() -> None:
    meta = {
        "int": 1,
        "float_one": 1.0,
        "float": 0.1,
        "neg_zero": -0.0,
        "tiny": 5e-324,
        "large_float": 1.7976931348623157e308,
        "int64_max": 2**63 - 1,
        "int64_min": -(2**63),
        "uint64_max": 2**64 - 1,
        "bigger_than_64_bits": 123456789012345678901234567890,
        "bool_true": True,
        "bool_false": False,
        "null": None,
        "empty_obj": {},
        "empty_list": [],
        "nested": [1, [2, [3, [4, {"five": [None, True, 0.5]}]]]],
        "": "empty key",
        "key with spaces and . dots / slashes": "ok",
    }
    cell = new_code_cell("1", metadata={"numbers": copy.deepcopy(meta)})
    write_layout(EDGE / "numbers_in_metadata.ipynb", base_nb([cell], numbers=meta))


def edge_empty_metadata_key() -> None:
    """"" is a legal JSON object key (and nbformat keeps it); CRDT map keys may not be empty."""
    cell = new_code_cell("1", metadata={"": "empty cell-metadata key", "tags": []})
    write_layout(EDGE / "empty_metadata_key.ipynb", base_nb([cell], **{"": {"": "nested empty key"}}))


def edge_sources() -> None:
    cells = [
        new_markdown_cell(""),
        new_code_cell("no trailing newline"),
        new_code_cell("trailing newline\n"),
        new_code_cell("\n\n\n"),
        new_code_cell("   leading and trailing spaces   "),
        new_code_cell("a\n\nb\n\n\nc"),
        new_markdown_cell("x" * 20_000),
        new_code_cell("\n".join(f"line_{i} = {i}" for i in range(2000))),
    ]
    write_layout(EDGE / "sources.ipynb", base_nb(cells))


def edge_ids_extreme() -> None:
    cells = [new_code_cell("a"), new_code_cell("b"), new_code_cell("c"), new_markdown_cell("d")]
    nb = base_nb(cells)
    nb.cells[0]["id"] = "a"
    nb.cells[1]["id"] = "Z" * 64
    nb.cells[2]["id"] = "-_-"
    nb.cells[3]["id"] = "0123456789abcdefABCDEF"
    write_layout(EDGE / "ids_extreme.ipynb", nb)


def edge_many_cells() -> None:
    cells = []
    for i in range(500):
        if i % 3 == 0:
            cells.append(new_markdown_cell(f"## Section {i}\ntext {i}"))
        else:
            cells.append(
                new_code_cell(
                    f"v{i} = {i} * 2\nprint(v{i})",
                    outputs=[new_output("stream", name="stdout", text=f"{i * 2}\n")],
                    execution_count=i,
                )
            )
    write_layout(EDGE / "many_cells.ipynb", base_nb(cells))


# ---------------------------------------------------------------- lenient


def lenient_files() -> None:
    # Lone surrogate: legal JSON escape, not encodable as UTF-8.
    nb = base_nb([new_code_cell("x")])
    text = nbformat.writes(nb).replace('"x"', '"x \\ud800 lone surrogate"')
    write_raw(LENIENT / "lone_surrogate.ipynb", text + "\n")
    # NaN / Infinity in JSON output data: Python's json accepts them, strict JSON does not.
    nb = base_nb([new_code_cell("df.to_dict()")])
    nb.cells[0].outputs = [
        new_output("execute_result", data={"application/json": {"a": 1.0}}, execution_count=1)
    ]
    text = nbformat.writes(nb).replace('"a": 1.0', '"a": NaN, "b": Infinity, "c": -Infinity')
    write_raw(LENIENT / "nan_in_output.ipynb", text + "\n")
    # UTF-16 with BOM, as PowerShell's Out-File writes it.
    nb = base_nb([new_markdown_cell("utf-16 ünïcödé")])
    write_raw(LENIENT / "utf16_bom.ipynb", nbformat.writes(nb).encode("utf-16"))
    # execution_count on a markdown cell, outputs on a raw cell (written by old tools).
    nb = base_nb([new_markdown_cell("md"), new_raw_cell("raw")])
    nb.cells[0]["execution_count"] = None
    nb.cells[1]["outputs"] = []
    write_layout(LENIENT / "stray_code_fields.ipynb", nb, validate=False)
    # A cell id that the 4.5 schema forbids (too long).
    nb = base_nb([new_code_cell("x")])
    nb.cells[0]["id"] = "y" * 65
    write_layout(LENIENT / "cell_id_too_long.ipynb", nb, validate=False)
    # Future minor version (nbformat reads 4.x it does not know as v4).
    nb = base_nb([new_code_cell("x")])
    nb.nbformat_minor = 99
    write_layout(LENIENT / "future_minor.ipynb", nb, validate=False)


# ---------------------------------------------------------------- bad


def bad_files() -> None:
    good = nbformat.writes(base_nb([new_code_cell("print('hello')"), new_markdown_cell("hi")]))
    write_raw(BAD / "not_json.ipynb", "print('this is a python script, not a notebook')\n")
    write_raw(BAD / "empty_file.ipynb", b"")
    write_raw(BAD / "whitespace_only.ipynb", "  \n\n\t\n")
    write_raw(BAD / "truncated.ipynb", good[: len(good) // 2])
    write_raw(BAD / "truncated_at_end.ipynb", good.rstrip()[:-1])
    write_raw(BAD / "json_list.ipynb", "[1, 2, 3]\n")
    write_raw(BAD / "json_string.ipynb", '"a notebook"\n')
    write_raw(BAD / "json_null.ipynb", "null\n")
    write_raw(BAD / "object_not_notebook.ipynb", '{"hello": "world"}\n')
    write_raw(BAD / "no_cells.ipynb", '{"metadata": {}, "nbformat": 4, "nbformat_minor": 5}\n')
    write_raw(
        BAD / "cells_not_a_list.ipynb",
        '{"cells": {}, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}\n',
    )
    write_raw(
        BAD / "nbformat_is_string.ipynb",
        '{"cells": [], "metadata": {}, "nbformat": "4", "nbformat_minor": 5}\n',
    )
    write_raw(
        BAD / "nbformat_future_major.ipynb",
        '{"cells": [], "metadata": {}, "nbformat": 5, "nbformat_minor": 0}\n',
    )
    write_raw(BAD / "invalid_utf8.ipynb", good.replace("hello", "h\xe9llo").encode("latin-1"))
    write_raw(BAD / "invalid_utf8_bytes.ipynb", good.encode("utf-8").replace(b"hi", b"\xff\xfe\xc3("))
    bogus = json.loads(good)
    bogus["cells"][0]["cell_type"] = "bogus"
    write_raw(BAD / "bogus_cell_type.ipynb", json.dumps(bogus, indent=1) + "\n")
    bogus_out = json.loads(good)
    bogus_out["cells"][0]["outputs"] = [{"output_type": "telepathy", "data": {}}]
    write_raw(BAD / "bogus_output_type.ipynb", json.dumps(bogus_out, indent=1) + "\n")
    cell_str = json.loads(good)
    cell_str["cells"].append("not a cell")
    write_raw(BAD / "cell_is_a_string.ipynb", json.dumps(cell_str, indent=1) + "\n")
    # Deep nesting: json.loads raises RecursionError, not JSONDecodeError.
    write_raw(BAD / "deep_nesting.ipynb", "[" * 100_000 + "]" * 100_000)
    write_raw(BAD / "binary_png.ipynb", png(8, 8, seed=2))


def main() -> None:
    for fn in (
        edge_attachments,
        edge_widgets,
        edge_raw_cells,
        edge_unicode,
        edge_huge_output,
        edge_large_png,
        edge_unknown_keys,
        edge_missing_ids,
        edge_duplicate_ids,
        edge_v3,
        edge_empty,
        edge_odd_layout,
        edge_null_execution_count,
        edge_output_metadata_transient,
        edge_numbers,
        edge_empty_metadata_key,
        edge_sources,
        edge_ids_extreme,
        edge_many_cells,
        lenient_files,
        bad_files,
    ):
        fn()


if __name__ == "__main__":
    main()
