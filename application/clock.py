"""The clock (时钟). The domain never reads time; the application asks a Clock."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from typing import Protocol

from domain.shared.time import SHANGHAI, require_aware


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    """Wall-clock time in Asia/Shanghai."""

    def now(self) -> datetime:
        return datetime.now(SHANGHAI)


class FixedClock:
    """A clock that only moves when told to (tests, demos, replays)."""

    def __init__(self, at: datetime) -> None:
        self._at = require_aware(at, "clock time")
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._at

    def set(self, at: datetime) -> None:
        with self._lock:
            self._at = require_aware(at, "clock time")

    def advance(self, delta: timedelta) -> datetime:
        with self._lock:
            self._at += delta
            return self._at
