"""Injected time: the server reads the clock through this, so tests never sleep for real.

`SystemClock` is wall time, so a session's origin means the same to every worker. `FakeClock` only moves when a test calls `advance`,
and its `sleep` waits for that, so a 4-second silence costs a test nothing.
"""

import asyncio
import threading
import time
from typing import Protocol


class Clock(Protocol):
    def now(self) -> float:
        """Seconds since the epoch; only differences are stored, so any origin works."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Wait until `seconds` have passed on this clock."""
        ...


class SystemClock:
    def now(self) -> float:
        return time.time()

    async def sleep(self, seconds: float) -> None:
        if seconds > 0:
            await asyncio.sleep(seconds)


class FakeClock:
    """A clock that tests move by hand; safe to advance from another thread."""

    def __init__(self, start: float = 1000.0, poll_s: float = 0.002) -> None:
        self._now = start
        self._lock = threading.Lock()
        self._poll_s = poll_s

    def now(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += seconds

    async def sleep(self, seconds: float) -> None:
        deadline = self.now() + seconds
        while self.now() < deadline:
            await asyncio.sleep(self._poll_s)
