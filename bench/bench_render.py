"""Benchmark runt_tui.render: 1,000 mixed outputs, and first paint of a 100,000-line stream."""

from __future__ import annotations

import base64
import io
import struct
import sys
import time
import zlib
from typing import Any

from rich.console import Console

from runt_tui.render import RenderOptions, clear_render_cache, render_output

WIDTH = 100
TARGET_BATCH_S = 0.5
TARGET_FIRST_PAINT_S = 0.1


def png_bytes(w: int, h: int, seed: int) -> bytes:
    """A valid gradient PNG built with zlib and struct only."""
    rows = []
    for y in range(h):
        row = bytearray(b"\x00")
        for x in range(w):
            row += bytes(((x * 255 // w + seed) % 256, (y * 255 // h) % 256, (seed * 37) % 256))
        rows.append(bytes(row))

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    ihdr = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"".join(rows))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def pandas_html(n_rows: int, seed: int) -> str:
    body = "".join(
        f"<tr><th>{i}</th><td>{i * seed % 97}</td><td>{i * 0.5:.2f}</td><td>name{i}</td></tr>"
        for i in range(n_rows)
    )
    return (
        "<div><style scoped>.dataframe thead th {text-align: right;}</style>"
        '<table border="1" class="dataframe"><thead><tr style="text-align: right;">'
        "<th></th><th>a</th><th>b</th><th>c</th></tr></thead>"
        f"<tbody>{body}</tbody></table></div>"
    )


def build_outputs() -> list[dict[str, Any]]:
    """1,000 outputs in a realistic mix, 20 of them PNG figures."""
    outs: list[dict[str, Any]] = []
    for i in range(20):
        png = base64.b64encode(png_bytes(160 + i, 120, i)).decode()
        outs.append(
            {
                "output_type": "display_data",
                "metadata": {},
                "data": {"image/png": png, "text/plain": "<Figure size 640x480>"},
            }
        )
    kinds = [
        "stream",
        "stream",
        "stream",
        "plain",
        "plain",
        "html",
        "markdown",
        "json",
        "error",
        "latex",
        "stderr",
    ]
    i = 0
    while len(outs) < 1000:
        kind = kinds[i % len(kinds)]
        i += 1
        if kind == "stream":
            text = "".join(f"step {i}.{k}: loss={1 / (k + 1):.4f}\n" for k in range(8))
            outs.append({"output_type": "stream", "name": "stdout", "text": text})
        elif kind == "stderr":
            outs.append(
                {
                    "output_type": "stream",
                    "name": "stderr",
                    "text": f"UserWarning: thing {i} is deprecated\n  warnings.warn(\n",
                }
            )
        elif kind == "plain":
            outs.append(
                {
                    "output_type": "execute_result",
                    "execution_count": i,
                    "metadata": {},
                    "data": {"text/plain": repr(list(range(i % 40)))},
                }
            )
        elif kind == "html":
            outs.append(
                {
                    "output_type": "execute_result",
                    "execution_count": i,
                    "metadata": {},
                    "data": {"text/html": pandas_html(10, i), "text/plain": "df"},
                }
            )
        elif kind == "markdown":
            md = f"## Result {i}\n\nSome **bold** text and `code`.\n\n- a\n- b\n"
            outs.append(
                {
                    "output_type": "display_data",
                    "metadata": {},
                    "data": {"text/markdown": md, "text/plain": md},
                }
            )
        elif kind == "json":
            outs.append(
                {
                    "output_type": "display_data",
                    "metadata": {},
                    "data": {
                        "application/json": {
                            "id": i,
                            "tags": ["x", "y"],
                            "nested": {"a": {"b": [1, 2, 3]}},
                        }
                    },
                }
            )
        elif kind == "error":
            tb = [
                "\x1b[0;31m" + "-" * 75 + "\x1b[0m",
                f"\x1b[0;31mValueError\x1b[0m Traceback (most recent call last)\nCell In[{i}]",
                f"\x1b[0;31mValueError\x1b[0m: bad value {i}",
            ]
            outs.append(
                {
                    "output_type": "error",
                    "ename": "ValueError",
                    "evalue": f"bad value {i}",
                    "traceback": tb,
                }
            )
        else:
            outs.append(
                {
                    "output_type": "execute_result",
                    "execution_count": i,
                    "metadata": {},
                    "data": {
                        "text/latex": f"$\\displaystyle \\frac{{x^{{{i % 9}}}}}{{2}}$",
                        "text/plain": "x**2/2",
                    },
                }
            )
    return outs


def paint(console: Console, renderable: Any) -> None:
    console.print(renderable)


def bench_sanitizer(results: list[Any]) -> None:
    """What the control-character guard costs: painting with it vs without, same run."""
    from runt_tui.render.sanitize import strip_controls

    def paint_all(unwrap: bool) -> float:
        console = Console(file=io.StringIO(), width=WIDTH, color_system="truecolor", force_terminal=True)
        t = time.perf_counter()
        for r in results:
            paint(console, r.renderable.renderable if unwrap else r.renderable)
        return time.perf_counter() - t

    bare, guarded = min(paint_all(True) for _ in range(3)), min(paint_all(False) for _ in range(3))
    print(f"  segment guard: paint {guarded:.3f} s guarded vs {bare:.3f} s bare (x{guarded / bare:.2f})")
    hostile = "".join(f"line {i} \x1b[31mred\x1b[0m \x1b]2;t\x07 end\n" for i in range(25_000))
    t = time.perf_counter()
    hostile.encode("utf-8").decode("utf-8")  # baseline: one C-speed pass that copies the text
    copy = time.perf_counter() - t
    t = time.perf_counter()
    strip_controls(hostile, keep_sgr=True)
    strip = time.perf_counter() - t
    print(f"  strip_controls, {len(hostile) / 1e6:.1f} MB 4 escape sequences per 37-char line: {strip:.4f} s"
          f" (x{strip / copy:.0f} a UTF-8 round trip)")


def main() -> int:
    options = RenderOptions(images="auto")
    outputs = build_outputs()
    console = Console(
        file=io.StringIO(), width=WIDTH, color_system="truecolor", force_terminal=True
    )
    clear_render_cache()

    t0 = time.perf_counter()
    results = [render_output(o, width=WIDTH, options=options) for o in outputs]
    t1 = time.perf_counter()
    for r in results:
        paint(console, r.renderable)
    t2 = time.perf_counter()
    cached = [render_output(o, width=WIDTH, options=options) for o in outputs]
    t3 = time.perf_counter()
    assert all(a is b for a, b in zip(results, cached, strict=True))
    n_png = sum(1 for r in results if r.mime == "image/png")
    batch = t1 - t0
    print(f"1,000 outputs ({n_png} PNG): render_output {batch:.3f} s (target ≤ {TARGET_BATCH_S} s)")
    # Informational: Rich laying out every one of the 1,000 renderables (tables,
    # half-block images) into a string.  The TUI paints only what is on screen.
    print(
        f"  Rich paint of all 1,000 to a console: {t2 - t1:.3f} s;"
        f" cached render_output again: {t3 - t2:.3f} s"
    )

    bench_sanitizer(results)

    big = "".join(f"{i:>6} | epoch progress line with some text\n" for i in range(100_000))
    stream = {"output_type": "stream", "name": "stdout", "text": big}
    clear_render_cache()
    console = Console(
        file=io.StringIO(), width=WIDTH, color_system="truecolor", force_terminal=True
    )
    t4 = time.perf_counter()
    result = render_output(stream, width=WIDTH, options=options)
    paint(console, result.renderable)
    t5 = time.perf_counter()
    first_paint = t5 - t4
    print(
        f"100,000-line stream ({len(big) / 1e6:.1f} MB): first paint {first_paint:.4f} s"
        f" (target ≤ {TARGET_FIRST_PAINT_S} s), {result.hidden_lines:,} lines elided"
    )
    ok = batch <= TARGET_BATCH_S and first_paint <= TARGET_FIRST_PAINT_S
    print("OK" if ok else "OVER TARGET")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
