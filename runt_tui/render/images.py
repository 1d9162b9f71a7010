"""Raster images: validate and describe lazily; the Textual layer draws the pixels."""

from __future__ import annotations

import base64
import binascii
import importlib
import re
from collections.abc import Mapping

from rich.text import Text

from .common import PayloadError, human_size, placeholder, text_of

RASTER_MIMES = frozenset({"image/png", "image/jpeg", "image/gif"})

_PNG_SIG = b"\x89PNG\r\n\x1a\n"
# JPEG start-of-frame markers carry the dimensions; C4/C8/CC are not frames.
_SOF = frozenset({0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF})
_NEED_MORE = (-1, -1)
_MAX_DIM = 1 << 20  # larger than any real image; guards against nonsense headers
_WS = re.compile(r"\s+")


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    """Scan JPEG segments for a frame header; _NEED_MORE if the data ends first."""
    i = 2
    n = len(data)
    while i + 4 <= n:
        if data[i] != 0xFF:
            return None
        mark = data[i + 1]
        if mark == 0xFF:  # fill byte
            i += 1
            continue
        if mark in (0xD8, 0x01) or 0xD0 <= mark <= 0xD7:
            i += 2
            continue
        if mark in (0xD9, 0xDA):  # end of image / scan data before any frame
            return None
        seglen = int.from_bytes(data[i + 2 : i + 4], "big")
        if seglen < 2:
            return None
        if mark in _SOF:
            if i + 9 > n:
                return _NEED_MORE
            h = int.from_bytes(data[i + 5 : i + 7], "big")
            w = int.from_bytes(data[i + 7 : i + 9], "big")
            return w, h
        i += 2 + seglen
    return _NEED_MORE


def sniff(data: bytes) -> tuple[str, int, int] | None:
    """Identify PNG/JPEG/GIF bytes and read (mime, width, height); None if not an image."""
    if data.startswith(_PNG_SIG):
        if len(data) < 24 or data[12:16] != b"IHDR":
            return None
        w = int.from_bytes(data[16:20], "big")
        h = int.from_bytes(data[20:24], "big")
        return "image/png", w, h
    if data[:3] == b"\xff\xd8\xff":
        size = _jpeg_size(data)
        if size is None or size == _NEED_MORE:
            return None
        return "image/jpeg", size[0], size[1]
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        w = int.from_bytes(data[6:8], "little")
        h = int.from_bytes(data[8:10], "little")
        return "image/gif", w, h
    return None


def _b64_prefix(b64: str, nbytes: int) -> bytes:
    """Decode roughly the first `nbytes` bytes of a base64 string, strictly."""
    chars = ((nbytes + 2) // 3) * 4
    # Payloads are often wrapped at 76 columns; over-read so whitespace cannot
    # starve the prefix, then strip it.
    chunk = _WS.sub("", b64[: chars + chars // 8 + 64])[:chars]
    chunk = chunk[: len(chunk) - len(chunk) % 4]
    return base64.b64decode(chunk, validate=True)


class ImagePayload:
    """A validated raster image: mime, size in pixels, and its bytes decoded on demand."""

    __slots__ = (
        "_b64", "_raw", "display_height", "display_width", "height", "mime", "size", "width"
    )  # fmt: skip

    def __init__(
        self,
        mime: str,
        width: int,
        height: int,
        size: int,
        *,
        b64: str | None = None,
        raw: bytes | None = None,
        display_width: int | None = None,
        display_height: int | None = None,
    ) -> None:
        self.mime = mime
        self.width = width
        self.height = height
        self.size = size
        self.display_width = display_width
        self.display_height = display_height
        self._b64 = b64
        self._raw = raw

    @property
    def data(self) -> bytes:
        """The image file bytes; decoded from base64 on first use (raises PayloadError)."""
        # Decoding is deferred because most outputs are painted as placeholders or
        # scrolled past; only the image widget (or half-block renderer) needs bytes.
        if self._raw is None:
            try:
                # Strict mode so a garbled body fails here rather than inside the
                # image decoder; nbformat payloads often carry newlines, so strip them
                # (str.split is ~10x faster than a regex on a multi-megabyte payload).
                self._raw = binascii.a2b_base64("".join((self._b64 or "").split()), strict_mode=True)
            except (binascii.Error, ValueError) as exc:
                raise PayloadError(f"bad base64 ({exc})") from None
        return self._raw

    def describe(self) -> str:
        """Human description, e.g. "image/png 640×480, 12.3 KB"."""
        return f"{self.mime} {self.width}×{self.height}, {human_size(self.size)}"

    def placeholder(self) -> Text:
        """The Rich fallback shown when images are off: "[image/png 640×480, 12.3 KB]"."""
        return placeholder(f"{self.mime} {self.width}×{self.height}", self.size)

    def natural_size(self) -> tuple[int, int]:
        """Intended display size in pixels: metadata width/height (retina) or the real one."""
        w = self.display_width or self.width
        h = self.display_height or (self.height * w // self.width if self.width else self.height)
        return max(1, w), max(1, h)

    @classmethod
    def from_bytes(cls, data: bytes, metadata: object = None) -> ImagePayload:
        """Validate raw image bytes (raises PayloadError if not PNG/JPEG/GIF)."""
        info = sniff(data)
        if info is None:
            raise PayloadError("not a PNG, JPEG or GIF image")
        return cls._checked(info, len(data), metadata, raw=data)

    @classmethod
    def probe(cls, mime: str, value: object, metadata: object = None) -> ImagePayload:
        """Validate an nbformat image payload (base64 text or bytes) from its header only."""
        if isinstance(value, bytes | bytearray):
            return cls.from_bytes(bytes(value), metadata)
        b64 = text_of(value)
        if b64 is None:
            raise PayloadError(f"expected base64 text, got {type(value).__name__}")
        stripped_len = len(b64) - b64.count("\n")
        size = max(0, stripped_len * 3 // 4 - b64.rstrip().count("=", -2))
        try:
            head = _b64_prefix(b64, 64)
        except (binascii.Error, ValueError):
            raise PayloadError("bad base64") from None
        if not head:
            raise PayloadError("empty")
        info = sniff(head)
        if info is None and head[:3] == b"\xff\xd8\xff":
            # JPEG frames can sit behind a large EXIF block: widen the window once,
            # then give in and decode everything.
            for nbytes in (65536, None):
                try:
                    buf = _b64_prefix(b64, nbytes) if nbytes else binascii.a2b_base64(b64)
                except (binascii.Error, ValueError):
                    raise PayloadError("bad base64") from None
                info = sniff(buf)
                if info is not None:
                    break
        if info is None:
            kind = mime.split("/")[-1].upper()
            raise PayloadError(f"not a valid {kind} image")
        return cls._checked(info, size, metadata, b64=b64)

    @classmethod
    def _checked(
        cls,
        info: tuple[str, int, int],
        size: int,
        metadata: object,
        *,
        b64: str | None = None,
        raw: bytes | None = None,
    ) -> ImagePayload:
        mime, w, h = info
        if not (0 < w < _MAX_DIM and 0 < h < _MAX_DIM):
            raise PayloadError(f"bad dimensions {w}×{h}")
        dw, dh = _display_hint(metadata)
        return cls(mime, w, h, size, b64=b64, raw=raw, display_width=dw, display_height=dh)


def _display_hint(metadata: object) -> tuple[int | None, int | None]:
    """Read the width/height display hints IPython stores for retina figures."""
    if not isinstance(metadata, Mapping):
        return None, None

    def dim(key: str) -> int | None:
        v = metadata.get(key)
        if isinstance(v, int | float) and not isinstance(v, bool) and 0 < v < _MAX_DIM:
            return int(v)
        return None

    return dim("width"), dim("height")


_SVG_DIM = re.compile(r"""\b(width|height)\s*=\s*["']\s*([0-9.]+)""")


def svg_size(svg: str) -> tuple[int, int] | None:
    """Read an SVG's width/height attributes from its opening tag, if plain numbers."""
    start = svg.find("<svg")
    if start < 0:
        return None
    end = svg.find(">", start)
    tag = svg[start : end if end > 0 else start + 2000]
    dims = {k: v for k, v in _SVG_DIM.findall(tag)}
    try:
        return int(float(dims["width"])), int(float(dims["height"]))
    except (KeyError, ValueError, OverflowError):
        return None


def rasterize_svg(svg: str) -> ImagePayload | None:
    """Turn SVG text into a PNG ImagePayload if cairosvg is installed, else None."""
    try:
        cairosvg = importlib.import_module("cairosvg")
    except Exception:
        return None
    try:
        png = cairosvg.svg2png(bytestring=svg.encode("utf-8"))
        if not isinstance(png, bytes):
            return None
        return ImagePayload.from_bytes(png)
    except Exception:
        return None
