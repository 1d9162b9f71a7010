"""The session bridge's throttle: leading edge, one update per frame, keystrokes not held by cursors."""

from __future__ import annotations

import asyncio
import itertools
from typing import Any, cast

from runt_tui.doc import DocDelta
from runt_tui.tui.bridge import FRAME, SessionBridge, SessionUpdate


class Target:
    """Records when each SessionUpdate was posted (loop time) and what it carried."""

    def __init__(self) -> None:
        self.posted: list[tuple[float, SessionUpdate]] = []

    def post_message(self, message: SessionUpdate) -> bool:
        self.posted.append((asyncio.get_running_loop().time(), message))
        return True


def bridge() -> tuple[SessionBridge, Target]:
    target = Target()
    b = SessionBridge(cast(Any, None), cast(Any, target), lambda: None, lambda: None)
    return b, target


def typed(cell: str = "c1") -> DocDelta:
    return DocDelta(content=frozenset({cell}))


async def settle() -> None:
    await asyncio.sleep(3 * FRAME)


async def test_a_keystroke_just_after_a_cursor_move_is_posted_at_once() -> None:
    b, target = bridge()
    b._on_event({"type": "presence"})
    await asyncio.sleep(0)  # the cursor's update goes out (leading edge)
    assert len(target.posted) == 1
    start = asyncio.get_running_loop().time()
    b._on_delta(typed())
    await asyncio.sleep(0)
    assert len(target.posted) == 2, "the keystroke waited for a frame behind the cursor's update"
    at, update = target.posted[1]
    assert update.pending.cells == {"c1"}
    assert at - start < FRAME / 2


async def test_a_cursor_move_pending_behind_a_frame_goes_out_with_an_early_keystroke() -> None:
    b, target = bridge()
    b._on_delta(typed())
    await asyncio.sleep(0)
    b._on_event({"type": "presence"})  # throttled: within a frame of the last update
    await asyncio.sleep(0)
    assert len(target.posted) == 1
    await settle()
    assert len(target.posted) == 2 and target.posted[1][1].pending.presence


async def test_a_burst_of_document_changes_is_one_update_per_frame() -> None:
    b, target = bridge()
    loop = asyncio.get_running_loop()
    end = loop.time() + 10 * FRAME
    n = 0
    while loop.time() < end:
        b._on_delta(typed(f"c{n % 5}"))
        n += 1
        await asyncio.sleep(0.001)
    await settle()
    assert n > 30
    times = [at for at, _ in target.posted]
    assert 2 <= len(times) <= 13
    assert all(b2 - a2 >= FRAME * 0.9 for a2, b2 in itertools.pairwise(times))
    seen = set().union(*(u.pending.cells for _, u in target.posted))
    assert seen == {f"c{i}" for i in range(5)}


async def test_cursor_moves_between_keystrokes_do_not_unthrottle_a_burst() -> None:
    b, target = bridge()
    loop = asyncio.get_running_loop()
    end = loop.time() + 10 * FRAME
    while loop.time() < end:
        b._on_delta(typed())
        b._on_event({"type": "presence"})
        await asyncio.sleep(0.001)
    await settle()
    doc_times = [at for at, u in target.posted if u.pending.document()]
    assert all(b2 - a2 >= FRAME * 0.9 for a2, b2 in itertools.pairwise(doc_times))
