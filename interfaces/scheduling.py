"""The scheduler inside ``serve`` and ``projections run`` (定时调度): what one tick does.

The same composition as ``policytrail tick``: wait (briefly) until the worklists read
model has seen the log's head, take its ``expired_cycles`` as the finder, and send
the idempotent ``CloseExpiredCycle`` commands (CA-02). The read model is kept current
by the live runner of this process or of another one; if none runs, the tick works
on what the model has and the rest is left to the next tick.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime

from application.app import PolicyTrail
from application.scheduler import TickScheduler
from application.tick import TickAction, close_expired_cycles
from projections.runtime import connect
from projections.source import ReadSide
from projections.waiting import wait_for
from projections.worklists.queries import expired_cycles

#: at most this many callbacks closed per tick (the next tick takes the rest)
TICK_LIMIT = 10_000
#: seconds a tick waits for the worklists read model to reach the log's head
CATCH_UP_SECONDS = 10.0


def tick_once(app: PolicyTrail, side: ReadSide, at: datetime) -> Sequence[TickAction]:
    head = app.max_position()
    if head:
        wait_for(side.url, side.schema, "worklists", head, CATCH_UP_SECONDS)
    with connect(side.url) as conn:
        return close_expired_cycles(
            app, at, lambda when: expired_cycles(conn, side.schema, at=when, limit=TICK_LIMIT)
        )


def scheduler_for(app: PolicyTrail, interval: float | None = None) -> TickScheduler | None:
    """The scheduler of this process (None when ``tick_interval_seconds`` is 0: off)."""
    seconds = app.settings.tick_interval_seconds if interval is None else interval
    if seconds <= 0:
        return None
    side = ReadSide.from_app(app)
    return TickScheduler(
        app.database,
        app.settings.events_schema,
        app.clock,
        lambda at: tick_once(app, side, at),
        interval=seconds,
        identity=f"{socket.gethostname()}:{os.getpid()}",
    )


@contextmanager
def running(scheduler: TickScheduler | None) -> Iterator[TickScheduler | None]:
    """Run ``scheduler`` (if any) for the duration of the block."""
    if scheduler is None:
        yield None
        return
    with scheduler:
        yield scheduler
