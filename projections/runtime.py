"""The batch engine (批处理): moves one projection's tables along the log, exactly once.

One batch = one transaction: compare-and-set the tracking position, let the
projection write the batch's effect, NOTIFY progress, commit. A crash at any
instant either commits all of it or none of it, so a restart resumes at the
committed position and nothing is lost or applied twice.

A batch gathers up to ``batch_size`` events for at most ``batch_seconds``; in
live mode it takes whatever is there. When a batch fails, it is replayed one
event per transaction: the events before the culprit are committed and the
projection stops on the culprit with its position, topic and reason (poison
event, never skipped). Connection-level errors are not poison: they propagate
so the caller (``live``) reconnects and resumes.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
from eventsourcing import persistence
from psycopg import Connection

from application.adapters.database import DatabaseUnavailable
from application.adapters.statistics import analyze_stale
from projections.base import Envelope, Projection
from projections.errors import PositionMoved, ProjectionFailed
from projections.source import ReadSide
from projections.tracking import Positions

log = logging.getLogger(__name__)

#: errors after which the runner reconnects and resumes (not the event's fault)
TRANSIENT = (
    psycopg.OperationalError,
    psycopg.InterfaceError,
    persistence.OperationalError,  # the same, raised through the library's pool
    persistence.InterfaceError,
    DatabaseUnavailable,  # the gate's fast answer during an outage (application/adapters/availability.py)
)
#: log entries per read (a batch gathers whole pages)
PAGE_SIZE = 1000


@dataclass(frozen=True)
class Target:
    """Where a projection writes: the schema of its tables and its tracking key."""

    projection: Projection
    schema: str
    key: str


@dataclass(frozen=True)
class Page:
    """A run of the log, read and decoded."""

    envelopes: list[Envelope]
    last: int  # position of the last entry consumed (≥ the last envelope's)
    consumed: int  # log entries consumed, handled or not
    at_end: bool  # fewer entries than asked: the head was reached


@dataclass(frozen=True)
class Progress:
    """Reported after every committed batch (for progress bars and status)."""

    projection: str
    key: str
    position: int
    events: int  # notifications consumed by this batch
    rate: float  # events per busy second since the runner started


ProgressCallback = Callable[[Progress], None]


def connect(url: str) -> Connection[Any]:
    """A read-side connection: autocommit, transactions opened explicitly.

    ``synchronous_commit = off``: a commit does not wait for its WAL flush. A server
    crash may then lose the last commits, but each one whole (rows and position
    together), so they are applied again: exactly once still holds, and batches and
    read-your-writes do not wait on the disk. Read models are derived data.
    """
    conn = psycopg.connect(url, autocommit=True, application_name="policytrail-projections")
    conn.execute("SET synchronous_commit = off")
    return conn


#: cyclic-GC thresholds while a rebuild runs (defaults 700, 10, 10). A batch keeps tens of
#: thousands of young objects alive (envelopes, decoded events, rows), none of them in a
#: cycle; with the defaults the collector scanned them again and again: measured 45–70 µs
#: of a rebuild's 70–135 µs per event (audit trail, all four together), ~8 µs with these
BULK_GC_THRESHOLDS = (20_000, 20, 100)
_bulk_lock = threading.Lock()
_bulk_users = 0
_bulk_saved: tuple[int, ...] = ()


@contextlib.contextmanager
def bulk_gc() -> Iterator[None]:
    """Collect cyclic garbage less often while a bulk rebuild runs (process-wide, so
    counted: the thresholds come back when the last rebuild of the process ends)."""
    global _bulk_users, _bulk_saved
    with _bulk_lock:
        if _bulk_users == 0:
            _bulk_saved = gc.get_threshold()
            gc.set_threshold(
                *(max(new, old) for new, old in zip(BULK_GC_THRESHOLDS, _bulk_saved, strict=False))
            )
        _bulk_users += 1
    try:
        yield
    finally:
        with _bulk_lock:
            _bulk_users -= 1
            if _bulk_users == 0:
                gc.set_threshold(*_bulk_saved)


#: how often a runner looks whether its tables need fresh planner statistics
STATISTICS_CHECK_SECONDS = 5.0


class BatchRunner:
    """Applies the log to one target in batches; ``catch_up`` runs until the head."""

    def __init__(
        self,
        side: ReadSide,
        target: Target,
        conn: Connection[Any],
        *,
        on_progress: ProgressCallback | None = None,
        stop: threading.Event | None = None,
    ) -> None:
        self.side = side
        self.target = target
        target.projection.configure(side.rules)
        self.conn = conn
        self.positions = Positions(side.schema)
        self.on_progress = on_progress
        self.stop = stop or threading.Event()
        self._handles: dict[str, bool] = {}
        self._prepares = type(target.projection).prepare is not Projection.prepare
        self._personal = target.projection.reads_personal_data
        self._busy = 0.0
        self._consumed = 0
        self._pending: tuple[float, int] = (0.0, 0)  # (start, events) of the batch at hand
        self._statistics_checked = time.monotonic()
        self.position = self.load_position()

    # ----- position ---------------------------------------------------------------------
    def load_position(self) -> int:
        with self.conn.cursor() as cur:
            row = self.positions.get(cur, self.target.key)
        if row is None:
            raise RuntimeError(f"no tracking row for {self.target.key} (tables not prepared)")
        self.position = row.position
        return row.position

    @property
    def rate(self) -> float:
        """Events per busy second since this runner started (the batch at hand included)."""
        started, pending = self._pending
        busy = self._busy + (time.perf_counter() - started if pending else 0.0)
        return (self._consumed + pending) / busy if busy > 0 else 0.0

    # ----- the loop -----------------------------------------------------------------------
    def catch_up(self) -> int:
        """Apply batches until no event is left (or ``stop``); returns the position."""
        while not self.stop.is_set():
            pages = Prefetcher(self, self.position)
            try:
                while not self.stop.is_set() and self.step(pages):
                    pass
                return self.position
            except PositionMoved:
                old = self.position
                log.info("%s: position moved by someone else, reloading", self.target.key)
                if self.load_position() == old:
                    raise
            finally:
                pages.close()
        return self.position

    def step(self, pages: Prefetcher) -> int:
        """One batch. Returns how many notifications it consumed (0: caught up)."""
        started = time.perf_counter()
        batch, last, consumed = self._gather(pages)
        self._pending = (started, consumed)
        if last > self.position:
            self._commit(batch, last)
            self._keep_statistics_fresh()
        self._busy += time.perf_counter() - started
        self._consumed += consumed
        self._pending = (started, 0)
        if consumed and self.on_progress is not None:
            self.on_progress(
                Progress(self.target.projection.name, self.target.key, self.position, consumed, self.rate)
            )
        return consumed

    def _gather(self, pages: Prefetcher) -> tuple[list[Envelope], int, int]:
        """Pages into one batch: up to ``batch_size`` events, ``batch_seconds`` at most."""
        deadline = time.monotonic() + self.side.batch_seconds
        batch: list[Envelope] = []
        last, consumed = self.position, 0
        while consumed + pages.size <= self.side.batch_size:
            page = pages.next()
            if page is None:
                break
            batch.extend(page.envelopes)
            last, consumed = page.last, consumed + page.consumed
            if page.at_end or time.monotonic() >= deadline or self.stop.is_set():
                break
        return batch, last, consumed

    def read_page(self, after: int, size: int) -> Page:
        """Read one page (in the prefetch thread); entries of topics the projection
        ignores are dropped, the others prepared (``Projection.prepare``). Events are
        decoded lazily, when the projection asks for them."""
        source = self.side.source
        entries = source.read(after, size)
        envelopes = [Envelope(e, source) for e in entries if self._wants(e.topic)]
        if self._personal and envelopes:
            source.preload_keys([e.entry for e in envelopes])
        if self._prepares:
            for envelope in envelopes:
                envelope.prepare_with(self.target.projection)
        last = entries[-1].id if entries else after
        return Page(envelopes, last, len(entries), len(entries) < size)

    def _wants(self, topic: str) -> bool:
        wanted = self._handles.get(topic)
        if wanted is None:
            wanted = self._handles[topic] = self.target.projection.handles(topic)
        return wanted

    # ----- committing ---------------------------------------------------------------------
    def _commit(self, batch: Sequence[Envelope], last: int) -> None:
        try:
            self._transaction(batch, last)
        except (PositionMoved, *TRANSIENT):
            raise
        except Exception as exc:
            if len(batch) <= 1:
                culprit = batch[0] if batch else None
                if culprit is None:
                    raise
                self._fail(culprit.position, culprit.topic, _reason(exc))
            log.warning(
                "%s: batch %d..%d failed (%s); replaying event by event",
                self.target.key,
                self.position + 1,
                last,
                _reason(exc),
            )
            for envelope in batch:
                try:
                    self._transaction([envelope], envelope.position)
                except (PositionMoved, *TRANSIENT):
                    raise
                except Exception as single:
                    self._fail(envelope.position, envelope.topic, _reason(single))
            if last > self.position:
                self._transaction([], last)

    def _keep_statistics_fresh(self) -> None:
        """Every few seconds: re-analyse the target's tables if they changed a lot."""
        if time.monotonic() - self._statistics_checked < STATISTICS_CHECK_SECONDS:
            return
        self._statistics_checked = time.monotonic()
        analyze_stale(self.conn, self.target.schema, self.target.projection.tables)

    def _transaction(self, batch: Sequence[Envelope], last: int) -> None:
        t = self.target
        with self.conn.transaction(), self.conn.cursor() as cur:
            # First: the compare-and-set takes the row lock that serialises writers.
            self.positions.advance(cur, t.key, self.position, last, self.rate or None)
            if batch:
                t.projection.apply(cur, t.schema, batch)
            self.positions.notify(cur, t.key, last)
        self.position = last

    def _fail(self, position: int, topic: str, reason: str) -> None:
        error = ProjectionFailed(self.target.projection.name, position, topic, reason)
        try:
            with self.conn.transaction(), self.conn.cursor() as cur:
                self.positions.record_error(cur, self.target.key, position, str(error))
        except TRANSIENT:
            log.exception("could not record the failure of %s", self.target.key)
        raise error


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


class Prefetcher:
    """Reads (and prepares) the next pages in a thread while the batch at hand is written.

    The GIL is released while waiting on PostgreSQL, so reading and preparing the next
    pages overlaps the server's work on the batch at hand (COPY, indexes, commit).
    """

    DEPTH = 4  # pages read ahead, at least

    def __init__(self, runner: BatchRunner, after: int) -> None:
        self.size = min(PAGE_SIZE, runner.side.batch_size)
        self._runner = runner
        # Up to a whole batch ahead: a rebuild's large batches still overlap reading and
        # decoding the next one with the database's work on the one at hand.
        depth = max(self.DEPTH, -(-runner.side.batch_size // self.size) + 1)
        self._queue: queue.Queue[Page | BaseException] = queue.Queue(depth)
        self._closed = threading.Event()
        self._done = False
        self._thread = threading.Thread(
            target=self._read_ahead, args=(after,), name="projection-prefetch", daemon=True
        )
        self._thread.start()

    def next(self) -> Page | None:
        """The next page, or None when the head was reached (a new Prefetcher reads on)."""
        if self._done:
            return None
        item = self._queue.get()
        if isinstance(item, BaseException):
            self._done = True
            raise item
        if item.at_end:
            self._done = True
        return item

    def close(self) -> None:
        self._closed.set()
        with contextlib.suppress(queue.Empty):
            while True:  # unblock a reader waiting on a full queue
                self._queue.get_nowait()
        self._thread.join()

    def _read_ahead(self, after: int) -> None:
        try:
            while not self._closed.is_set():
                page = self._runner.read_page(after, self.size)
                self._put(page)
                if page.at_end:
                    return
                after = page.last
        except BaseException as exc:
            self._put(exc)

    def _put(self, item: Page | BaseException) -> None:
        while not self._closed.is_set():
            with contextlib.suppress(queue.Full):
                self._queue.put(item, timeout=0.1)
                return
