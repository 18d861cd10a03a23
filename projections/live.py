"""Keeping projections current (实时运行): catch up, then follow new events.

``LiveRunner`` runs one projection: it takes the projection's advisory lock (one
live runner per projection; a second process waits as a hot standby), prepares
the tables, rebuilds blue-green if the code's ``version`` differs from the tables',
LISTENs on the event store's channel *before* catching up (so no append is
missed), catches up in batches, then wakes on each NOTIFY (no polling sleep; a
slow backstop read covers a lost connection). Connection errors reconnect with
backoff; a poison event stops the projection with ``ProjectionFailed``.

``ProjectionService`` runs several in threads, e.g. inside the API process, and
offers ``wait_for`` for read-your-writes.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from psycopg.sql import SQL, Identifier

from projections import registry
from projections.base import Projection
from projections.errors import ProjectionFailed
from projections.rebuild import prepare, rebuild
from projections.runtime import TRANSIENT, BatchRunner, ProgressCallback, Target, connect
from projections.source import ReadSide
from projections.tracking import lock_ids
from projections.waiting import PositionWatcher

log = logging.getLogger(__name__)

#: seconds between safety reads when no NOTIFY came (covers a missed notification)
BACKSTOP_SECONDS = 10.0

StateCallback = Callable[[str, str], None]  # (projection name, state)


class LiveRunner:
    """One projection, caught up and then kept current until ``stop`` is set."""

    def __init__(
        self,
        side: ReadSide,
        projection: Projection,
        *,
        stop: threading.Event | None = None,
        on_progress: ProgressCallback | None = None,
        on_state: StateCallback | None = None,
    ) -> None:
        self.side = side
        self.projection = projection
        self.stop = stop or threading.Event()
        self.on_progress = on_progress
        self.on_state = on_state
        self.error: BaseException | None = None
        self.caught_up = threading.Event()

    def _state(self, state: str) -> None:
        log.info("%s: %s", self.projection.name, state)
        if self.on_state is not None:
            self.on_state(self.projection.name, state)

    def run(self, *, catch_up_only: bool = False) -> None:
        """Run until stopped (or, with ``catch_up_only``, until caught up once)."""
        backoff = 0.5
        while not self.stop.is_set():
            try:
                self._run(catch_up_only)
                return
            except TRANSIENT as exc:
                self._state(f"reconnecting 重连中 ({type(exc).__name__})")
                self.stop.wait(backoff)
                backoff = min(backoff * 2, 30.0)

    def run_in_thread(self, *, catch_up_only: bool = False) -> threading.Thread:
        def target() -> None:
            try:
                self.run(catch_up_only=catch_up_only)
            except BaseException as exc:  # reported by whoever joins the thread
                self.error = exc
                if isinstance(exc, ProjectionFailed):
                    self._state("failed 故障")
                else:
                    log.exception("projection %s crashed", self.projection.name)

        thread = threading.Thread(target=target, name=f"projection-{self.projection.name}")
        thread.start()
        return thread

    def _run(self, catch_up_only: bool) -> None:
        side, projection = self.side, self.projection
        with connect(side.url) as session, connect(side.url) as work:
            if not self._lock(session):
                return
            row = prepare(side, projection, work)
            projection.configure(side.rules)
            if row.version != projection.version:
                self._state(f"rebuilding 重建中 (tables v{row.version}, code v{projection.version})")
                rebuild(side, projection, on_progress=self.on_progress, stop=self.stop)
            elif not projection.configured_for(work, side.schema):
                self._state("rebuilding 重建中 (rule parameters changed)")
                rebuild(side, projection, on_progress=self.on_progress, stop=self.stop)
            session.execute(SQL("LISTEN {}").format(Identifier(side.source.channel)))
            runner = BatchRunner(
                side,
                Target(projection, side.schema, projection.name),
                work,
                on_progress=self.on_progress,
                stop=self.stop,
            )
            self._state("catching up 追赶中")
            runner.catch_up()
            self.caught_up.set()
            self._state("live 实时")
            if catch_up_only:
                return
            last_read = time.monotonic()
            while not self.stop.is_set():
                woke = any(True for _ in session.notifies(timeout=0.5, stop_after=1))
                if woke or time.monotonic() - last_read > BACKSTOP_SECONDS:
                    runner.catch_up()
                    last_read = time.monotonic()

    def _lock(self, session: Any) -> bool:
        """Take the projection's advisory lock, waiting as standby while another has it."""
        ids = lock_ids(self.side.schema, self.projection.name)
        standby = False
        while not self.stop.is_set():
            got = session.execute("SELECT pg_try_advisory_lock(%s, %s)", ids).fetchone()
            if got and got[0]:
                return True
            if not standby:
                self._state("standby 待命 (running elsewhere)")
                standby = True
            self.stop.wait(1.0)
        return False


class ProjectionService:
    """Several projections kept live in background threads, plus read-your-writes."""

    def __init__(
        self,
        side: ReadSide,
        names: Iterable[str] | None = None,
        *,
        on_progress: ProgressCallback | None = None,
        on_state: StateCallback | None = None,
        ledger: bool | None = None,
    ) -> None:
        self.side = side
        self.stop_event = threading.Event()
        self.runners = [
            LiveRunner(side, p, stop=self.stop_event, on_progress=on_progress, on_state=on_state)
            for p in registry.resolve(list(names) if names else None)
        ]
        # The ledger's sealer runs with the whole read side (default: when no names are given).
        if (not names if ledger is None else ledger) and side.ledger is not None:
            from projections.ledger import LedgerSealer

            self.runners.append(LedgerSealer(side, side.ledger, stop=self.stop_event))
        self.threads: list[threading.Thread] = []
        self.watcher: PositionWatcher | None = None

    @classmethod
    def from_app(cls, app: Any, names: Iterable[str] | None = None) -> ProjectionService:
        return cls(ReadSide.from_app(app), names)

    def start(self, *, catch_up_only: bool = False) -> ProjectionService:
        if self.threads:
            return self
        self.watcher = PositionWatcher(self.side.url, self.side.schema)
        self.threads = [r.run_in_thread(catch_up_only=catch_up_only) for r in self.runners]
        return self

    def wait_for(self, names: str | Iterable[str], position: int, timeout: float) -> bool:
        """Read-your-writes: True once the projections have committed ``position``."""
        if self.watcher is None:
            raise RuntimeError("service not started")
        return self.watcher.wait_for(names, position, timeout)

    @property
    def alive(self) -> bool:
        return any(t.is_alive() for t in self.threads)

    def errors(self) -> list[BaseException]:
        return [r.error for r in self.runners if r.error is not None]

    def join(self, timeout: float | None = None) -> None:
        for t in self.threads:
            t.join(timeout)

    def stop(self) -> None:
        self.stop_event.set()
        self.join()
        if self.watcher is not None:
            self.watcher.close()

    def __enter__(self) -> ProjectionService:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
