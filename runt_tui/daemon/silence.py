"""The clock a peer's silence is measured on: wall time minus the checker's own stalls.

A process whose event loop was stalled (a big sync, GC, a loaded machine, a laptop
resuming) read nothing meanwhile, so every peer looks silent for the whole stall.
Measured in wall time, the checker would drop awake peers for its own stall. The
checker ticks every `interval`; however much later than that a tick comes is time
the process was not listening, and is left off this clock. A peer that is really
gone (SIGSTOPped, dead) still goes silent on it as soon as the checker runs on time.
"""

from __future__ import annotations


class ListeningClock:
    """Monotonic time that only runs while the checker runs on time (pure: the caller passes `now`)."""

    def __init__(self, interval: float, now: float) -> None:
        self.interval = interval
        self._last_tick = now
        self._stalled = 0.0

    def tick(self, now: float) -> float:
        """Note one check at `now`; return how late it came (that lateness is left off the clock)."""
        late = max(0.0, now - self._last_tick - self.interval)
        self._last_tick = now
        self._stalled += late
        return late

    def read(self, now: float) -> float:
        """This clock at wall time `now`: differences of readings exclude the stalls ticks noticed."""
        return now - self._stalled
