"""The wire protocol: frames, decoder, handshake, messages and slow-peer handling over real sockets."""

from __future__ import annotations

import ast
import asyncio
import itertools
import json
import shutil
import struct
import tempfile
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import runt_tui.protocol as rp
from runt_tui.protocol import Connection, ErrorCode, Frame, FrameDecoder, FrameKind, encode_frame

KiB = 1024
MiB = 1024 * KiB
Streams = tuple[asyncio.StreamReader, asyncio.StreamWriter]
Pair = tuple[Streams, Streams]
# Guards against a hang (a read that would wait for a body that never comes);
# never a statement about speed.
HANG_GUARD = 30.0

SAMPLE_FRAMES = [
    rp.make_request(1, "join", path="/tmp/é.ipynb"),
    rp.make_request(2, "put_blob", bytes(range(256)) * 64),
    rp.make_response(1, b"\x00\xffdoc", heads=["ab", "cd"], text='日本語 🐍 \u0000 \\ "'),
    rp.make_error_response(2, ErrorCode.NOT_FOUND, "no such blob", digest="00ff"),
    rp.make_event("presence", peers=[{"name": "ünï", "cursor": [3, 4]}], x=1.5, n=None, t=True),
    rp.make_sync("/abs/a.ipynb", b"\x42" * 1000),
    rp.make_error_frame(ErrorCode.BAD_REQUEST, "bad frame"),
]


def _prefix(kind: int, header_len: int, payload_len: int) -> bytes:
    return struct.pack(">BII", kind, header_len, payload_len)


def _raw(kind: int, header: bytes, payload: bytes = b"") -> bytes:
    return _prefix(kind, len(header), len(payload)) + header + payload


@pytest.fixture
async def pair(tmp_path: Path) -> AsyncIterator[Pair]:
    """(server side, client side) of one real Unix-socket connection."""
    # AF_UNIX paths are limited to ~107 bytes; fall back to a short temp dir.
    short = None if len(str(tmp_path)) < 90 else tempfile.mkdtemp(prefix="runt-")
    path = f"{short or tmp_path}/s.sock"
    accepted: asyncio.Queue[Streams] = asyncio.Queue()
    server = await asyncio.start_unix_server(lambda r, w: accepted.put_nowait((r, w)), path=path)
    client = await asyncio.open_unix_connection(path)
    srv = await accepted.get()
    yield srv, client
    for _, w in (srv, client):
        w.transport.abort()
    server.close()
    await server.wait_closed()
    if short:
        shutil.rmtree(short, ignore_errors=True)


# ---- frames over a socket --------------------------------------------------


async def test_round_trip_all_kinds_both_ways(pair: Pair) -> None:
    server = Connection(*pair[0])
    client = Connection(*pair[1])
    for frame in SAMPLE_FRAMES:
        client.send(frame)
        server.send(frame)
    assert [await server.recv() for _ in SAMPLE_FRAMES] == SAMPLE_FRAMES
    assert [await client.recv() for _ in SAMPLE_FRAMES] == SAMPLE_FRAMES
    assert {f.kind for f in SAMPLE_FRAMES} == set(FrameKind)
    assert client.bytes_out == server.bytes_in == sum(len(encode_frame(f)) for f in SAMPLE_FRAMES)
    assert client.frames_out == server.frames_in == len(SAMPLE_FRAMES)
    client.close()
    with pytest.raises(rp.ConnectionClosed):
        await server.recv()
    assert server.closed


async def test_unsafe_header_values_are_refused_and_the_stream_goes_on(pair: Pair) -> None:
    (sr, sw), (cr, cw) = pair
    server = Connection(sr, sw)
    client = Connection(cr, cw)
    # Our encoder never sends a lone surrogate (no UTF-8 form, Automerge panics on it): U+FFFD.
    client.send(rp.make_event("x", lone="a\ud800b"))
    assert (await server.recv()).header["lone"] == "a\ufffdb"
    # Another peer's: the frame is read whole and refused, with its request id; the next one arrives.
    for header, rid in [
        (b'{"id": 7, "type": "execute", "cell": "\\ud800"}', 7),
        (b'{"id": 8, "type": "presence", "presence": {"cell": 1e400}}', 8),
        (b'{"type": "x", "v": ["\\udfff"]}', None),
    ]:
        cw.write(_raw(FrameKind.REQUEST, header, b"payload"))
        client.send(rp.make_event("next"))
        with pytest.raises(rp.UnsafeHeader) as info:
            await asyncio.wait_for(server.recv(), HANG_GUARD)
        assert info.value.request_id == rid
        assert not server.closed
        assert (await asyncio.wait_for(server.recv(), HANG_GUARD)).type == "next"
    decoder = FrameDecoder()
    good = rp.make_event("ok")
    bad = _raw(FrameKind.EVENT, b'{"a": -1e999}')
    assert decoder.feed(encode_frame(good) + bad + encode_frame(good)) == [good]
    with pytest.raises(rp.UnsafeHeader):
        decoder.feed(b"")
    assert decoder.feed(b"") == [good]


async def test_over_cap_payload_rejected_from_the_prefix_alone(pair: Pair) -> None:
    (sr, sw), (cr, cw) = pair
    # Declare a 4 GiB body and send none of it: only the cap check can answer.
    cw.write(_prefix(FrameKind.REQUEST, 2, 0xFFFFFFFF))
    await cw.drain()
    server = Connection(sr, sw)
    with pytest.raises(rp.FrameTooLarge) as info:
        await asyncio.wait_for(server.recv(), HANG_GUARD)
    assert info.value.size == 0xFFFFFFFF and info.value.cap == rp.DEFAULT_CAPS.request.payload
    assert "REQUEST" in str(info.value) and "payload" in str(info.value)
    assert server.closed
    # The peer is told why, then the connection ends.
    error = await asyncio.wait_for(rp.read_frame(cr), HANG_GUARD)
    assert error.kind == FrameKind.ERROR and error.header["code"] == ErrorCode.TOO_LARGE
    with pytest.raises(rp.ConnectionClosed):
        await rp.read_frame(cr)


async def test_over_cap_header_or_payload_of_each_kind(pair: Pair) -> None:
    (sr, _), (_, cw) = pair
    for kind, header_len, payload_len in [
        (FrameKind.SYNC, 64 * KiB + 1, 0),
        (FrameKind.REQUEST, 1 * MiB + 1, 0),
        (FrameKind.ERROR, 10, 1),
        (FrameKind.EVENT, 2, 256 * MiB + 1),
        (FrameKind.RESPONSE, 4 * MiB + 1, 0),
    ]:
        # Each rejection consumes just the 9-byte prefix, so the next can follow.
        cw.write(_prefix(kind, header_len, payload_len))
        with pytest.raises(rp.FrameTooLarge, match=kind.name):
            await asyncio.wait_for(rp.read_frame(sr), HANG_GUARD)


async def test_garbage_gets_an_error_frame_and_a_close(pair: Pair) -> None:
    (sr, sw), (cr, cw) = pair
    cw.write(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    server = Connection(sr, sw)
    with pytest.raises(rp.MalformedFrame, match="unknown frame kind 71"):
        await asyncio.wait_for(server.recv(), HANG_GUARD)
    error = await asyncio.wait_for(rp.read_frame(cr), HANG_GUARD)
    assert error.header["code"] == ErrorCode.BAD_REQUEST
    assert "unknown frame kind" in error.header["message"]


@pytest.mark.parametrize("cut", [5, 15, -1], ids=["in-prefix", "in-header", "in-payload"])
async def test_eof_mid_frame(pair: Pair, cut: int) -> None:
    (sr, sw), (_, cw) = pair
    cw.write(_raw(FrameKind.REQUEST, b'{"id": 1, "type": "x"}', b"abc")[:cut])
    cw.write_eof()
    server = Connection(sr, sw)
    with pytest.raises(rp.TruncatedFrame):
        await asyncio.wait_for(server.recv(), HANG_GUARD)
    assert server.closed


async def test_clean_eof_between_frames_is_not_truncation(pair: Pair) -> None:
    (sr, _), (_, cw) = pair
    cw.write(encode_frame(rp.make_event("bye")))
    cw.write_eof()
    assert (await rp.read_frame(sr)).type == "bye"
    with pytest.raises(rp.ConnectionClosed) as info:
        await rp.read_frame(sr)
    assert not isinstance(info.value, rp.TruncatedFrame)


# ---- the pure decoder ------------------------------------------------------

scalars = st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.text()
json_values = st.recursive(
    scalars | st.floats(allow_nan=False, allow_infinity=False),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)
frames_st = st.builds(
    Frame,
    st.sampled_from([k for k in FrameKind if k != FrameKind.ERROR]),
    st.dictionaries(st.text(), json_values, max_size=5),
    st.binary(max_size=300),
)


@settings(max_examples=150, deadline=None)
@given(frames=st.lists(frames_st, max_size=6), cuts=st.lists(st.integers(0, 4000), max_size=20))
def test_decoder_any_chunking_gives_the_same_frames(frames: list[Frame], cuts: list[int]) -> None:
    data = b"".join(encode_frame(f) for f in frames)
    assert FrameDecoder().feed(data) == frames
    one_by_one = FrameDecoder()
    got = [f for i in range(len(data)) for f in one_by_one.feed(data[i : i + 1])]
    assert got == frames
    chunked = FrameDecoder()
    bounds = [0, *sorted(c for c in cuts if c < len(data)), len(data)]
    got = [f for a, b in itertools.pairwise(bounds) for f in chunked.feed(data[a:b])]
    assert got == frames
    chunked.eof()
    assert chunked.buffered == 0


@settings(max_examples=300, deadline=None)
@given(data=st.binary(max_size=200))
def test_decoder_on_garbage_raises_only_protocol_errors(data: bytes) -> None:
    decoder = FrameDecoder()
    try:
        frames = decoder.feed(data)
        decoder.eof()
    except (rp.MalformedFrame, rp.FrameTooLarge, rp.TruncatedFrame):
        return
    assert all(isinstance(f.header, dict) for f in frames)


@pytest.mark.parametrize(
    ("data", "match"),
    [
        (_raw(0, b"{}"), "unknown frame kind 0"),
        (_raw(200, b"{}"), "unknown frame kind 200"),
        (_raw(FrameKind.EVENT, b"x"), "cannot be a JSON object"),
        (_raw(FrameKind.EVENT, b"not json"), "not UTF-8 JSON"),
        (_raw(FrameKind.EVENT, b"[1, 2]"), "JSON list, not an object"),
        (_raw(FrameKind.EVENT, b'"{}"'), "JSON str, not an object"),
        (_raw(FrameKind.EVENT, b'{"a": "\xff\xfe"}'), "not UTF-8 JSON"),
        (_raw(FrameKind.EVENT, b'{"a": NaN}'), "not UTF-8 JSON"),
        (_raw(FrameKind.EVENT, json.dumps({"a": 1}).encode("utf-16")), "not UTF-8 JSON"),
        (_raw(FrameKind.EVENT, b"[" * 100_000 + b"]" * 100_000), "not UTF-8 JSON"),
    ],
)
def test_malformed_frames(data: bytes, match: str) -> None:
    with pytest.raises(rp.MalformedFrame, match=match):
        FrameDecoder().feed(data)


def test_decoder_errors_good_frames_first_then_dead_eof_mid_frame_and_over_cap() -> None:
    good = rp.make_event("ok")
    decoder = FrameDecoder()
    assert decoder.feed(encode_frame(good) + _raw(9, b"{}")) == [good]
    for call in (lambda: decoder.feed(encode_frame(good)), decoder.eof):
        with pytest.raises(rp.UnknownFrameKind):
            call()
    truncated = FrameDecoder()
    assert truncated.feed(encode_frame(rp.make_event("x", b"123"))[:-1]) == []
    with pytest.raises(rp.TruncatedFrame):
        truncated.eof()
    # Over-cap is refused the moment the 9th prefix byte arrives.
    over = FrameDecoder()
    assert over.feed(_prefix(FrameKind.RESPONSE, 2, 0xFFFFFFFF)[:8]) == []
    with pytest.raises(rp.FrameTooLarge):
        over.feed(b"\xff")


def test_encode_refuses_what_a_peer_would_reject() -> None:
    with pytest.raises(rp.FrameEncodeError, match="exceeds the cap"):
        encode_frame(rp.make_sync("r", b"x" * (128 * MiB + 1)), rp.DEFAULT_CAPS)
    with pytest.raises(rp.FrameEncodeError, match="JSON"):
        encode_frame(rp.make_event("x", value=float("nan")))
    with pytest.raises(rp.FrameEncodeError, match="JSON"):
        encode_frame(rp.make_event("x", value=object()))
    big = Frame(FrameKind.RESPONSE, {"id": 1, "ok": True}, b"x" * 10_000_000)
    assert "10000000 bytes" in repr(big) and len(repr(big)) < 200


# ---- handshake ---------------------------------------------------------------


@pytest.mark.parametrize("supported", [{rp.PROTOCOL_VERSION}, {rp.PROTOCOL_VERSION, 99}])
async def test_handshake_agrees_on_the_version(pair: Pair, supported: set[int]) -> None:
    (sr, sw), (cr, cw) = pair
    got = await asyncio.gather(
        rp.client_handshake(cr, cw, 5), rp.server_handshake(sr, sw, 5, supported=supported)
    )
    assert list(got) == [rp.PROTOCOL_VERSION, rp.PROTOCOL_VERSION]
    Connection(cr, cw).send(rp.make_request(1, "ping"))  # frames flow right after it
    assert (await Connection(sr, sw).recv()).type == "ping"


async def test_handshake_wrong_magic_closes(pair: Pair) -> None:
    (sr, sw), (cr, cw) = pair
    cw.write(b"HTTP/1.1 ")
    with pytest.raises(rp.BadMagic, match="not a runt-tui client"):
        await rp.server_handshake(sr, sw, HANG_GUARD)
    assert await asyncio.wait_for(cr.read(), HANG_GUARD) == b""  # closed without a word


async def test_client_detects_a_server_that_is_not_ours(pair: Pair) -> None:
    (_, sw), (cr, cw) = pair
    sw.write(b"SSH-2.0-OpenSSH\r\n")
    with pytest.raises(rp.BadMagic, match="not a runt-tui daemon"):
        await rp.client_handshake(cr, cw, HANG_GUARD)
    assert cw.is_closing()


async def test_handshake_version_mismatch_names_both(pair: Pair) -> None:
    (sr, sw), (cr, cw) = pair
    client_err, server_err = await asyncio.gather(
        rp.client_handshake(cr, cw, HANG_GUARD, version=99),
        rp.server_handshake(sr, sw, HANG_GUARD),
        return_exceptions=True,
    )
    assert isinstance(client_err, rp.VersionMismatch) and isinstance(server_err, rp.VersionMismatch)
    assert (client_err.local, client_err.remote) == (99, rp.PROTOCOL_VERSION)
    assert (server_err.local, server_err.remote) == (rp.PROTOCOL_VERSION, 99)
    for text in ("99", str(rp.PROTOCOL_VERSION), "daemon says"):
        assert text in str(client_err)


async def test_server_answers_bad_version_with_an_error_frame(pair: Pair) -> None:
    (sr, sw), (cr, cw) = pair
    cw.write(rp.MAGIC + struct.pack(">H", 7))
    with pytest.raises(rp.VersionMismatch):
        await rp.server_handshake(sr, sw, HANG_GUARD)
    assert await cr.readexactly(6) == rp.greeting(rp.PROTOCOL_VERSION)
    header = (await rp.read_frame(cr)).header
    assert header["code"] == ErrorCode.BAD_VERSION and header["client_version"] == 7
    assert header["server_version"] == rp.PROTOCOL_VERSION
    assert await cr.read() == b""


async def test_handshake_stall_times_out(pair: Pair) -> None:
    (sr, sw), (_, cw) = pair
    cw.write(b"RU")  # a peer that stalls half-way
    with pytest.raises(rp.HandshakeTimeout, match="server handshake did not complete"):
        await rp.server_handshake(sr, sw, 0.05)
    assert sw.is_closing()


async def test_handshake_early_eof(pair: Pair) -> None:
    (sr, sw), (_, cw) = pair
    cw.write(b"RUNT\x00")
    cw.write_eof()
    with pytest.raises(rp.HandshakeError, match="closed the connection after 1 bytes"):
        await rp.server_handshake(sr, sw, HANG_GUARD)


# ---- slow peers ----------------------------------------------------------------


async def test_slow_peer_is_dropped_and_send_never_blocks(pair: Pair) -> None:
    (sr, sw), (cr, _) = pair
    conn = Connection(sr, sw, high_water=64 * KiB, max_buffer=1 * MiB, slow_timeout=None)
    chunk = rp.make_event("output", b"x" * (64 * KiB))
    sent = 0
    # A plain loop with no await: the peer never gets to read, and each send
    # returns at once; if send waited for the peer this test would hang.
    with pytest.raises(rp.SlowPeer, match="unread bytes"):
        for _ in range(10_000):
            conn.send(chunk)
            sent += 1
    assert 0 < sent < 10_000
    assert conn.slow and conn.closed
    with pytest.raises(rp.ConnectionClosed):
        conn.send(chunk)
    # The dropped peer sees its stream end (cleanly or mid-frame).
    peer = Connection(cr, pair[1][1])
    with pytest.raises(rp.ConnectionClosed):
        for _ in range(10_000):
            await asyncio.wait_for(peer.recv(), HANG_GUARD)


async def test_backlog_that_persists_is_slow_one_that_clears_is_not(pair: Pair) -> None:
    (sr, sw), (cr, cw) = pair
    now = [0.0]
    conn = Connection(sr, sw, high_water=64 * KiB, max_buffer=None, clock=lambda: now[0])
    chunk = rp.make_event("output", b"x" * (64 * KiB))
    sent = 0
    while conn.write_buffer_size <= conn.high_water:
        conn.send(chunk)
        sent += 1
    # Behind, but for less than slow_timeout (fake) seconds: still tolerated.
    now[0] = rp.DEFAULT_SLOW_TIMEOUT - 0.1
    conn.send(chunk)
    sent += 1
    # The peer catches up: the clock starts over.
    peer = Connection(cr, cw)
    for _ in range(sent):
        assert (await asyncio.wait_for(peer.recv(), HANG_GUARD)).type == "output"
    assert conn.write_buffer_size == 0
    now[0] = 100.0
    conn.send(chunk)
    assert not conn.slow
    # Now the peer stops reading for good: behind for slow_timeout means dropped.
    while conn.write_buffer_size <= conn.high_water:
        conn.send(chunk)
    now[0] = 100.0 + rp.DEFAULT_SLOW_TIMEOUT
    with pytest.raises(rp.SlowPeer, match="unread for"):
        conn.send(rp.make_event("presence"))
    assert conn.slow


async def test_drain_if_needed_waits_for_a_reading_peer(pair: Pair) -> None:
    (sr, sw), (cr, cw) = pair
    client = Connection(cr, cw, high_water=64 * KiB)
    server = Connection(sr, sw)
    reader = asyncio.create_task(asyncio.wait_for(_recv_n(server, 40), HANG_GUARD))
    for _ in range(40):
        client.send(rp.make_sync("room", b"y" * (100 * KiB)))
        await client.drain_if_needed()
        assert client.write_buffer_size <= client.high_water
    assert len(await reader) == 40
    async with client:
        pass
    assert client.closed


class _CountingWriter:
    """The real StreamWriter, with each write's size noted (the syscalls a send costs)."""

    def __init__(self, writer: asyncio.StreamWriter) -> None:
        self.writer = writer
        self.writes: list[int] = []

    def write(self, data: bytes) -> None:
        self.writes.append(len(data))
        self.writer.write(data)

    def __getattr__(self, name: str) -> object:
        return getattr(self.writer, name)


async def test_a_small_frame_is_one_write_and_a_large_payload_is_not_copied(pair: Pair) -> None:
    # Two writes are two wake-ups of the reader, and the second can wait for a core
    # while the sender goes on working: a keystroke's sync must leave as one write.
    (sr, sw), (cr, cw) = pair
    counting = _CountingWriter(cw)
    client = Connection(cr, counting)  # type: ignore[arg-type]
    server = Connection(sr, sw)
    small = rp.make_sync("room", b"k" * 300)
    edge = rp.make_sync("room", b"e" * rp.JOIN_PAYLOAD_BELOW)
    large = rp.make_sync("room", b"L" * (rp.JOIN_PAYLOAD_BELOW + 1))
    for frame in (small, edge, large):
        client.send(frame)
    assert counting.writes == [len(encode_frame(small)), len(encode_frame(edge)),
                               len(encode_frame(large)) - len(large.payload), len(large.payload)]
    assert [await asyncio.wait_for(server.recv(), HANG_GUARD) for _ in range(3)] == [small, edge, large]


async def _recv_n(conn: Connection, n: int) -> list[Frame]:
    return [await conn.recv() for _ in range(n)]


# ---- messages ----------------------------------------------------------------


def test_message_shapes_and_validation() -> None:
    request = rp.make_request(7, "execute", b"", cell="c1")
    assert request.header == {"id": 7, "type": "execute", "cell": "c1"}
    assert (request.id, request.type) == (7, "execute")
    ok = rp.make_response(7, heads=["a"])
    assert ok.header == {"id": 7, "ok": True, "heads": ["a"]}
    err = rp.make_error_response(7, ErrorCode.KERNEL_ERROR, "kernel died", exit_code=1)
    error = {"code": "KERNEL_ERROR", "message": "kernel died", "exit_code": 1}
    assert err.header == {"id": 7, "ok": False, "error": error}
    for frame in (request, ok, err, rp.make_event("runtime", version=3), rp.make_sync("r", b"")):
        rp.validate_message(frame)
        assert encode_frame(frame)
    remote = rp.remote_error(err)
    assert remote is not None and remote.remote_code == "KERNEL_ERROR"
    assert remote.request_id == 7 and remote.details == {"exit_code": 1}
    assert rp.remote_error(ok) is None
    frame_err = rp.remote_error(rp.make_error_frame(ErrorCode.BAD_REQUEST, "x" * 10_000))
    assert frame_err is not None and len(frame_err.message) == 4096
    assert {c.value for c in ErrorCode} >= {"BAD_REQUEST", "NOT_JOINED", "CONFLICT", "TIMEOUT"}


@pytest.mark.parametrize(
    ("frame", "request_id"),
    [
        (Frame(FrameKind.REQUEST, {"type": "x"}), None),
        (Frame(FrameKind.REQUEST, {"id": True, "type": "x"}), None),
        (Frame(FrameKind.REQUEST, {"id": 3, "type": ""}), 3),
        (Frame(FrameKind.RESPONSE, {"id": 3}), 3),
        (Frame(FrameKind.RESPONSE, {"id": 3, "ok": False}), 3),
        (Frame(FrameKind.EVENT, {"kind": "x"}), None),
        (Frame(FrameKind.SYNC, {"room": 5}), None),
        (Frame(FrameKind.ERROR, {"code": "X"}), None),
    ],
)
def test_invalid_messages(frame: Frame, request_id: int | None) -> None:
    with pytest.raises(rp.InvalidMessage) as info:
        rp.validate_message(frame)
    assert info.value.request_id == request_id


def test_reserved_fields_and_bad_ids_are_refused() -> None:
    bad: list[Callable[[], object]] = [
        lambda: rp.make_request(1, "x", id=2),
        lambda: rp.make_response(1, ok=False),
        lambda: rp.make_event("x", type="y"),
        lambda: rp.make_request(True, "x"),
        lambda: rp.make_error_response("1", ErrorCode.INTERNAL, "m"),  # type: ignore[arg-type]
    ]
    for build in bad:
        with pytest.raises(ValueError):
            build()


def test_protocol_imports_only_the_standard_library() -> None:
    stdlib = {"__future__", "asyncio", "contextlib", "collections", "dataclasses", "enum", "json"}
    stdlib |= {"math", "re", "struct", "time", "types", "typing"}
    for path in (Path(__file__).parent.parent / "runt_tui" / "protocol").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import | ast.ImportFrom):
                mods = (
                    [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module]
                )
                for mod in filter(None, mods):
                    ok = mod.split(".")[0] in stdlib or mod.startswith("runt_tui.protocol")
                    assert ok, f"{path.name} imports {mod}"
