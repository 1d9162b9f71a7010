"""The listening clock: a checker's own stalls never count as its peers' silence (pure, fake clock)."""

from __future__ import annotations

from runt_tui.daemon.silence import ListeningClock

INTERVAL = 0.25  # exact in binary: on-time ticks are exactly on time
TIMEOUT = 1.0


def test_on_time_ticks_count_all_wall_time() -> None:
    clock = ListeningClock(INTERVAL, now=100.0)
    heard = clock.read(100.0)
    for i in range(1, 7):
        assert clock.tick(100.0 + i * INTERVAL) == 0.0
    assert clock.read(100.0 + 6 * INTERVAL) - heard == 6 * INTERVAL


def test_a_late_tick_leaves_the_stall_off_the_clock() -> None:
    clock = ListeningClock(INTERVAL, now=0.0)
    heard = clock.read(0.0)
    # The checker's loop was blocked for 3 s: its tick comes 2.75 s late.
    assert abs(clock.tick(3.0) - 2.75) < 1e-9
    assert abs(clock.read(3.0) - heard - INTERVAL) < 1e-9
    assert clock.read(3.0) - heard < TIMEOUT


def test_a_peer_silent_after_the_stall_still_goes_silent_within_the_timeout() -> None:
    clock = ListeningClock(INTERVAL, now=0.0)
    heard = clock.read(0.0)
    clock.tick(3.0)
    t = 3.0
    while clock.read(t) - heard <= TIMEOUT:
        t += INTERVAL
        assert clock.tick(t) == 0.0
    # Dropped one timeout of on-time running after the last word, not later.
    assert t <= 3.0 + TIMEOUT + INTERVAL


def test_what_is_heard_before_the_late_tick_is_noticed_never_counts_as_older() -> None:
    clock = ListeningClock(INTERVAL, now=0.0)
    # A frame read right after a stall, before the tick that notices the stall.
    heard = clock.read(3.0)
    clock.tick(3.0)
    assert clock.read(3.0) - heard <= 0.0
