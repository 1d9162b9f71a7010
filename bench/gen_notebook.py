"""Generate a deterministic, realistic benchmark notebook.

Default: 1,000 cells (about 30 % markdown, 70 % code), ~300 KB of source in total and
~1 MB of outputs: stream text, ``execute_result`` tables and reprs, and 20 small but
real PNG images (built with zlib + struct). The same arguments always give the same
bytes.

    python bench/gen_notebook.py out.ipynb [--cells 1000] [--seed 0] [--images 20]
    python bench/gen_notebook.py out.ipynb --preset huge

Presets (the notebooks of bench/bench_tui.py, issue 18):
- ``small``: 13 cells, 2 images (first use and warm opens);
- ``large``: 1,100 cells, 20 images (scrolling with ``j`` x200);
- ``huge``: 10,000 cells, 20 images, ~12.5 MB (the first open ever of a huge notebook).
A preset sets the cells and images; ``--seed`` still applies.
"""

from __future__ import annotations

import argparse
import base64
import json
import random
import struct
import sys
import zlib
from pathlib import Path
from typing import Any

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

WORDS = [
    "data",
    "model",
    "kernel",
    "output",
    "cell",
    "notebook",
    "value",
    "result",
    "table",
    "plot",
    "figure",
    "array",
    "frame",
    "index",
    "column",
    "series",
    "sample",
    "mean",
    "variance",
    "error",
    "loss",
    "train",
    "test",
    "batch",
    "epoch",
    "weight",
    "gradient",
    "tensor",
    "vector",
    "matrix",
    "query",
    "cache",
    "state",
    "event",
    "stream",
    "buffer",
    "token",
    "parse",
    "render",
    "layout",
    "widget",
    "signal",
    "filter",
    "window",
    "scale",
    "label",
    "metric",
    "score",
    "ratio",
    "delta",
]
NAMES = ["df", "arr", "model", "result", "values", "scores", "frame", "batch", "cfg", "stats"]
FUNCS = ["load", "clean", "fit", "predict", "summarize", "plot", "normalize", "merge", "split"]


def png(width: int, height: int, seed: int) -> bytes:
    """A real RGB PNG: a smooth gradient with a little deterministic noise."""
    rng = random.Random(seed)
    rows = []
    for y in range(height):
        row = bytearray()
        for x in range(width):
            row += bytes(
                (
                    (x * 255 // max(1, width - 1) + rng.randint(0, 24)) % 256,
                    (y * 255 // max(1, height - 1) + rng.randint(0, 24)) % 256,
                    (seed * 37 + rng.randint(0, 24)) % 256,
                )
            )
        rows.append(b"\x00" + bytes(row))

    def chunk(tag: bytes, data: bytes) -> bytes:
        body = tag + data
        crc = zlib.crc32(body) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + body + struct.pack(">I", crc)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"".join(rows), 6)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def _sentence(rng: random.Random, n: int) -> str:
    words = [rng.choice(WORDS) for _ in range(n)]
    return " ".join(words).capitalize() + "."


def _markdown(rng: random.Random, i: int) -> str:
    parts = [f"## Section {i}: {_sentence(rng, 4)[:-1]}", ""]
    for _ in range(rng.randint(1, 2)):
        parts.append(" ".join(_sentence(rng, rng.randint(6, 14)) for _ in range(rng.randint(1, 3))))
        parts.append("")
    if rng.random() < 0.3:
        parts += [f"- `{rng.choice(NAMES)}`: {_sentence(rng, 6)}" for _ in range(3)]
    if rng.random() < 0.1:
        parts.append("$$ \\hat{y} = \\sum_i w_i x_i + b $$")
    return "\n".join(parts).rstrip()


def _code(rng: random.Random, i: int) -> str:
    name, func = rng.choice(NAMES), rng.choice(FUNCS)
    lines = [f"# step {i}: {_sentence(rng, 5)[:-1].lower()}"]
    lines.append(f"def {func}_{i}({name}, scale={rng.randint(1, 9)}):")
    lines.append(f'    """{_sentence(rng, 5)}"""')
    for j in range(rng.randint(1, 3)):
        lines.append(f"    {name}_{j} = [{name}[k] * scale + {j} for k in range(len({name}))]")
    lines.append(f"    return {name}_0")
    lines.append("")
    lines.append(f"{name}_{i} = {func}_{i}(list(range({rng.randint(5, 50)})))")
    lines.append(f"print(len({name}_{i}), sum({name}_{i}))")
    return "\n".join(lines)


def _table(rng: random.Random, rows: int) -> tuple[str, str]:
    cols = ["a", "b", "c", "d"]
    data = [[round(rng.uniform(-100, 100), 3) for _ in cols] for _ in range(rows)]
    plain = "    " + "  ".join(f"{c:>9}" for c in cols) + "\n"
    plain += "\n".join(f"{r:<4}" + "  ".join(f"{v:>9}" for v in row) for r, row in enumerate(data))
    html = (
        "<table>\n<thead><tr><th></th>" + "".join(f"<th>{c}</th>" for c in cols) + "</tr></thead>\n"
    )
    html += "<tbody>\n"
    html += "\n".join(
        f"<tr><th>{r}</th>" + "".join(f"<td>{v}</td>" for v in row) + "</tr>"
        for r, row in enumerate(data)
    )
    html += "\n</tbody>\n</table>"
    return plain, html


def _outputs(rng: random.Random, count: int, image_seed: int | None) -> list[Any]:
    """A code cell's outputs: stdout, often a table or a repr, sometimes stderr, maybe an image."""
    outs = []
    n = rng.randint(3, 12)
    outs.append(
        new_output(
            "stream",
            name="stdout",
            text="".join(f"{n} {rng.randint(0, 10**6)} {_sentence(rng, 3)}\n" for _ in range(n)),
        )
    )
    if rng.random() < 0.4:
        plain, html = _table(rng, rng.randint(3, 8))
        outs.append(
            new_output(
                "execute_result",
                data={"text/plain": plain, "text/html": html},
                execution_count=count,
            )
        )
    elif rng.random() < 0.5:
        outs.append(
            new_output(
                "execute_result",
                data={"text/plain": repr([rng.randint(0, 999) for _ in range(12)])},
                execution_count=count,
            )
        )
    if rng.random() < 0.05:
        outs.append(new_output("stream", name="stderr", text=f"Warning: {_sentence(rng, 7)}\n"))
    if image_seed is not None:
        data = base64.b64encode(png(96, 72, seed=image_seed)).decode("ascii")
        outs.append(
            new_output(
                "display_data",
                data={"image/png": data, "text/plain": "<Figure size 96x72 with 1 Axes>"},
                metadata={"image/png": {"width": 96, "height": 72}},
            )
        )
    return outs


def generate(cells: int = 1000, seed: int = 0, images: int = 20) -> Any:
    """Return the benchmark notebook as an nbformat v4.5 NotebookNode."""
    rng = random.Random(seed)
    nb = new_notebook()
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python", "version": "3.11.7", "mimetype": "text/x-python"},
    }
    code_indices = [i for i in range(cells) if i % 10 not in (0, 3, 7)]
    step = max(1, len(code_indices) // max(1, images))
    image_cells = set(code_indices[::step][:images])
    is_code = set(code_indices)
    count = 0
    out_cells = []
    for i in range(cells):
        if i not in is_code:
            cell = new_markdown_cell(_markdown(rng, i))
        else:
            count += 1
            cell = new_code_cell(_code(rng, i), execution_count=count)
            cell.outputs = _outputs(rng, count, i if i in image_cells else None)
        cell["id"] = f"{rng.getrandbits(32):08x}"
        out_cells.append(cell)
    ids = [c["id"] for c in out_cells]
    assert len(set(ids)) == len(ids)
    nb.cells = out_cells
    nbformat.validate(nb)
    return nb


def generate_text(cells: int = 1000, seed: int = 0, images: int = 20) -> str:
    """The notebook as nbformat.write would write it."""
    return str(nbformat.v4.writes_json(generate(cells, seed, images))) + "\n"


def stats(nb: Any) -> dict[str, int]:
    source = sum(len(c.source.encode()) for c in nb.cells)
    outputs = sum(len(json.dumps(o).encode()) for c in nb.cells for o in c.get("outputs", []))
    pngs = sum(
        1 for c in nb.cells for o in c.get("outputs", []) if "image/png" in o.get("data", {})
    )
    return {
        "cells": len(nb.cells),
        "markdown": sum(c.cell_type == "markdown" for c in nb.cells),
        "code": sum(c.cell_type == "code" for c in nb.cells),
        "source_bytes": source,
        "output_bytes": outputs,
        "png_images": pngs,
    }


PRESETS: dict[str, tuple[int, int]] = {"small": (13, 2), "large": (1100, 20), "huge": (10_000, 20)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", type=Path, help="where to write the .ipynb")
    parser.add_argument("--cells", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--images", type=int, default=20)
    parser.add_argument("--preset", choices=sorted(PRESETS), help="a named case (sets --cells and --images)")
    args = parser.parse_args(argv)
    if args.preset:
        args.cells, args.images = PRESETS[args.preset]
    nb = generate(args.cells, args.seed, args.images)
    text = nbformat.v4.writes_json(nb) + "\n"
    args.output.write_text(text, encoding="utf-8")
    s = stats(nb)
    print(
        f"{args.output}: {len(text.encode()):,} bytes, {s['cells']} cells "
        f"({s['markdown']} markdown, {s['code']} code), source {s['source_bytes']:,} B, "
        f"outputs {s['output_bytes']:,} B, {s['png_images']} PNGs",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
