"""Reading an aggregate on two time axes (双时间轴读取): business time and record time.

Every event carries its business time ``occurred_at`` (when it happened in the world)
and its record time ``timestamp`` (when it was stored). Versions are numbered in
record order. An event is a **late entry** (补录) when it happened before an event
that was recorded ahead of it: its ``occurred_at`` is earlier than the latest
``occurred_at`` among the lower versions.

The state of an aggregate at business time T, as recorded by T' (and up to version N):

1. take the events recorded by T' (a prefix of the versions, since versions follow
   record order), cut at version N;
2. of those, keep the events whose ``occurred_at`` <= T;
3. replay the kept events in **version order** (the order in which they were decided
   and recorded): a late entry is applied where it was recorded, on top of what was
   known then, never reordered before earlier-recorded events. Skipped events are
   simply not applied.

So a late entry recorded today with a business time before T changes the state
"at T" retroactively; with ``recorded_as_of`` before its record time it is not yet
known, which is how "what did we know at T' about T" differs from "what do we know
now about T". The aggregate exists at business time T only when its creation event
happened by T; on the record axis only when its creation event was recorded by T'.

Loading is cheap at any instant: the (version, record time, business time) of every
event is kept per process (immutable, no personal data) and only events newer than
what is kept are read; the payloads are decoded from the latest snapshot that lies
entirely inside the chosen events (snapshots are a cache of the prefix they cover).
"""

from __future__ import annotations

import copy
import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent

from domain.shared.aggregate import TrailAggregate
from domain.shared.errors import InvalidInput, NotFound

if TYPE_CHECKING:
    from application.app import PolicyTrail


@dataclass(frozen=True)
class TimeAxes:
    """Which state to show: business time, record time, version (any combination)."""

    as_of: datetime | None = None  # business time 业务时间
    recorded_as_of: datetime | None = None  # record time 记录时间
    version: int | None = None

    def __post_init__(self) -> None:
        for name in ("as_of", "recorded_as_of"):
            moment = getattr(self, name)
            if moment is not None and (moment.tzinfo is None or moment.utcoffset() is None):
                raise InvalidInput(f"{name} must be timezone-aware", f"{name} 必须带时区")
        if self.version is not None and self.version < 1:
            raise InvalidInput("version must be 1 or more", "version 须不小于 1")

    @property
    def is_now(self) -> bool:
        return self.as_of is None and self.recorded_as_of is None and self.version is None


@dataclass(frozen=True)
class EventMark:
    """One stored event's place on both axes."""

    version: int
    recorded_at: datetime
    occurred_at: datetime | None
    #: the version recorded earlier whose business time is later (None: in order)
    late_after: int | None
    #: the rules whose decision the event records (empty: not a decision)
    rule_ids: tuple[str, ...] = ()

    @property
    def late_entry(self) -> bool:
        return self.late_after is not None


def mark_events(events: Iterable[Any], before: Sequence[EventMark] = ()) -> list[EventMark]:
    """The marks of ``events`` (in version order), continuing after ``before``."""
    marks: list[EventMark] = []
    latest: tuple[datetime, int] | None = None
    for mark in before:
        if mark.occurred_at is not None and (latest is None or mark.occurred_at > latest[0]):
            latest = (mark.occurred_at, mark.version)
    for event in events:
        occurred = getattr(event, "occurred_at", None)
        late_after = None
        if occurred is not None and latest is not None and occurred < latest[0]:
            late_after = latest[1]
        marks.append(
            EventMark(event.originator_version, event.timestamp, occurred, late_after, rule_ids_of(event))
        )
        if occurred is not None and (latest is None or occurred > latest[0]):
            latest = (occurred, event.originator_version)
    return marks


def rule_ids_of(event: Any) -> tuple[str, ...]:
    """The rule ids an event records (``rule_id`` first, then ``rule_ids``)."""
    ids = list(getattr(event, "rule_ids", None) or [])
    single = getattr(event, "rule_id", None)
    if single and single not in ids:
        ids.insert(0, single)
    return tuple(ids)


class _MarkCache:
    """Per-process LRU of event marks by aggregate id, bounded by the number of marks."""

    def __init__(self, max_marks: int) -> None:
        self.max_marks = max_marks
        self._by_id: OrderedDict[UUID, list[EventMark]] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, aggregate_id: UUID) -> list[EventMark]:
        with self._lock:
            marks = self._by_id.get(aggregate_id)
            if marks is None:
                return []
            self._by_id.move_to_end(aggregate_id)
            return list(marks)

    def put(self, aggregate_id: UUID, marks: list[EventMark]) -> None:
        with self._lock:
            old = self._by_id.pop(aggregate_id, None)
            self._size -= len(old) if old else 0
            if len(marks) > self.max_marks:
                return
            self._by_id[aggregate_id] = marks
            self._size += len(marks)
            while self._size > self.max_marks:
                _, evicted = self._by_id.popitem(last=False)
                self._size -= len(evicted)


@dataclass(frozen=True)
class Selection:
    """The events chosen on the axes: all marks, the record cut, applied and skipped versions."""

    marks: tuple[EventMark, ...]
    cut: int
    applied: tuple[int, ...]
    skipped: tuple[int, ...]


@dataclass(frozen=True)
class TimedRead:
    """An aggregate as shown on the requested axes, with the events behind it."""

    aggregate: Any
    axes: TimeAxes
    latest_version: int
    #: every stored event's marks (the whole history, for flags)
    marks: tuple[EventMark, ...]
    #: versions whose events make up the shown state, in order
    applied: tuple[int, ...]
    #: versions recorded by the record cut-off but happening after ``as_of``
    skipped: tuple[int, ...]
    #: the decoded events replayed (after the snapshot used), by version
    events: dict[int, Any]

    @property
    def late_entries(self) -> tuple[EventMark, ...]:
        """Applied events that are late entries (the retroactive part of this view)."""
        applied = set(self.applied)
        return tuple(m for m in self.marks if m.version in applied and m.late_entry)


class TimedReader:
    """Reads aggregates of one application on the two time axes."""

    def __init__(self, app: PolicyTrail, max_marks: int = 500_000, max_snapshot_sets: int = 1_000) -> None:
        self.app = app
        self._marks = _MarkCache(max_marks)
        #: aggregate id → its snapshots by version (decoded once; copied before use)
        self._snapshots: OrderedDict[UUID, dict[int, Any]] = OrderedDict()
        self._max_snapshot_sets = max_snapshot_sets
        self._snapshots_lock = threading.Lock()

    def marks(self, aggregate_id: UUID) -> list[EventMark]:
        """Every stored event's marks, reading only events newer than those kept."""
        known = self._marks.get(aggregate_id)
        after = known[-1].version if known else 0
        return self._extend(aggregate_id, known, list(self.app.events.get(aggregate_id, gt=after or None)))

    def _extend(self, aggregate_id: UUID, known: list[EventMark], new: list[Any]) -> list[EventMark]:
        if new:
            known = known + mark_events(new, known)
            self._marks.put(aggregate_id, known)
            with self._snapshots_lock:  # newer events may have brought newer snapshots
                self._snapshots.pop(aggregate_id, None)
        return known

    def _snapshot(self, aggregate_id: UUID, prefix: int) -> Any | None:
        """A fresh copy of the latest snapshot at or below ``prefix`` (None: none)."""
        if self.app.snapshots is None or not prefix:
            return None
        with self._snapshots_lock:
            known = self._snapshots.get(aggregate_id)
            if known is not None:
                self._snapshots.move_to_end(aggregate_id)
        if known is None:
            known = {s.originator_version: s for s in self.app.snapshots.get(aggregate_id)}
            with self._snapshots_lock:
                self._snapshots[aggregate_id] = known
                while len(self._snapshots) > self._max_snapshot_sets:
                    self._snapshots.popitem(last=False)
        usable = [v for v in known if v <= prefix]
        # replay mutates the state it starts from: never hand out the kept one
        return copy.deepcopy(known[max(usable)]) if usable else None

    def select(self, aggregate_id: UUID, axes: TimeAxes, what: str) -> Selection:
        """Which events make up the state on ``axes``; 404 (naming the axis) when none."""
        return self._choose(self.marks(aggregate_id), axes, what)

    @staticmethod
    def _choose(marks: list[EventMark], axes: TimeAxes, what: str) -> Selection:
        if not marks:
            raise NotFound(f"{what} not found", f"未找到{what}")
        latest = marks[-1].version
        cut = latest
        if axes.version is not None:
            if axes.version > latest:
                raise NotFound(
                    f"{what} has no version {axes.version} (latest is {latest})",
                    f"{what}没有版本 {axes.version}（最新为 {latest}）",
                )
            cut = axes.version
        if axes.recorded_as_of is not None:
            recorded = [m.version for m in marks if m.recorded_at <= axes.recorded_as_of]
            if not recorded:
                raise NotFound(
                    f"{what} was not recorded yet at record time {axes.recorded_as_of.isoformat()} "
                    f"(first recorded {marks[0].recorded_at.isoformat()})",
                    f"记录时间 {axes.recorded_as_of.isoformat()} 时{what}尚未记录"
                    f"（首次记录于 {marks[0].recorded_at.isoformat()}）",
                )
            cut = min(cut, recorded[-1])
        known = marks[:cut]
        if axes.as_of is None:
            applied = [m.version for m in known]
        else:
            applied = [m.version for m in known if m.occurred_at is None or m.occurred_at <= axes.as_of]
            if not applied or applied[0] != 1:
                began = known[0].occurred_at
                raise NotFound(
                    f"{what} did not exist yet at business time {axes.as_of.isoformat()} "
                    f"(it began at {began.isoformat() if began else 'an unknown time'})",
                    f"业务时间 {axes.as_of.isoformat()} 时{what}尚不存在"
                    f"（始于 {began.isoformat() if began else '未知时间'}）",
                )
        chosen = set(applied)
        skipped = tuple(m.version for m in known if m.version not in chosen)
        return Selection(tuple(marks), cut, tuple(applied), skipped)

    def read(self, cls: type[TrailAggregate], aggregate_id: UUID, axes: TimeAxes, what: str) -> TimedRead:
        """The aggregate on ``axes``; 404 (naming the axis) when it did not exist then.

        One query in the common case: the events newer than the kept marks together with
        the chosen events after the snapshot; when newer events arrived, the choice is
        made again and only what it lacks is read."""
        known = self._marks.get(aggregate_id)
        after = known[-1].version if known else 0
        plan = self._plan(aggregate_id, known, axes, what) if known else None
        rows = self._stored(aggregate_id, after, plan[2] if plan else [])
        new = [e for e in rows if e.originator_version > after]
        decoded = {e.originator_version: e for e in rows}
        if new or plan is None:
            known = self._extend(aggregate_id, known, new)
            plan = self._plan(aggregate_id, known, axes, what)
            missing = [v for v in plan[2] if v not in decoded]
            if missing:
                decoded.update((e.originator_version, e) for e in self._stored(aggregate_id, None, missing))
        sel, snapshot, needed = plan
        events = [decoded[v] for v in needed]
        aggregate = self._replay(snapshot, events, what)
        if not isinstance(aggregate, cls):
            raise NotFound(f"{what} not found", f"未找到{what}")
        used = {e.originator_version: e for e in events}
        return TimedRead(aggregate, axes, sel.marks[-1].version, sel.marks, sel.applied, sel.skipped, used)

    def _plan(
        self, aggregate_id: UUID, marks: list[EventMark], axes: TimeAxes, what: str
    ) -> tuple[Selection, Any | None, list[int]]:
        """The chosen events, the snapshot to start from and the versions to apply after it."""
        sel = self._choose(marks, axes, what)
        prefix = 0  # versions 1..prefix are all applied: a snapshot inside it is valid
        for expected, version in enumerate(sel.applied, start=1):
            if version != expected:
                break
            prefix = version
        snapshot = self._snapshot(aggregate_id, prefix)
        start = snapshot.originator_version if snapshot is not None else 0
        return sel, snapshot, [v for v in sel.applied if v > start]

    def _stored(self, aggregate_id: UUID, after: int | None, versions: list[int]) -> list[Any]:
        """Decoded events newer than ``after`` (None: none) plus those of ``versions``, in one
        query: only the rows needed are decoded."""
        recorder = self.app.recorder
        statement = (
            f"SELECT originator_id, originator_version, topic, state FROM {self.app.events_table} "
            "WHERE originator_id = %s AND (originator_version > %s OR originator_version = ANY(%s)) "
            "ORDER BY originator_version"
        )
        newer_than = after if after is not None else 2**31 - 1  # versions are PostgreSQL integers
        with recorder.datastore.get_connection() as conn, conn.cursor() as curs:  # type: ignore[attr-defined]
            # not prepared: the recorder keeps server-side preparation off (see recorder.py)
            curs.execute(statement, (aggregate_id, newer_than, versions), prepare=False)
            rows = curs.fetchall()
        return [
            self.app.mapper.to_domain_event(
                StoredEvent(
                    originator_id=row["originator_id"],
                    originator_version=row["originator_version"],
                    topic=row["topic"],
                    state=bytes(row["state"]),
                )
            )
            for row in rows
        ]

    def events(
        self, aggregate_id: UUID, versions: Iterable[int], have: dict[int, Any] | None = None
    ) -> list[Any]:
        """The decoded events of ``versions`` (in order), reusing those in ``have``."""
        wanted = sorted(set(versions))
        have = dict(have or {})
        missing = [v for v in wanted if v not in have]
        if missing:
            for event in self._stored(aggregate_id, None, missing):
                have[event.originator_version] = event
        return [have[v] for v in wanted if v in have]

    @staticmethod
    def _replay(snapshot: Any | None, events: list[Any], what: str) -> Any:
        """Apply ``events`` in order on the snapshot's state (or from nothing)."""
        aggregate = snapshot.mutate(None) if snapshot is not None else None
        for event in events:
            if aggregate is not None:
                # a skipped version leaves a gap: continue the chain at this event
                aggregate._version = event.originator_version - 1
            try:
                aggregate = event.mutate(aggregate)
            except (KeyError, AttributeError, TypeError, ValueError, AssertionError) as exc:
                raise InvalidInput(
                    f"{what} cannot be shown at that business time: event {event.originator_version} "
                    f"(a late entry) builds on an event that happened later ({type(exc).__name__})",
                    f"该业务时间无法展示{what}：事件 {event.originator_version}（补录）"
                    "依赖于业务时间更晚的事件",
                ) from None
        return aggregate


_lock = threading.Lock()


def timed_reader(app: PolicyTrail) -> TimedReader:
    """The application's reader (one per application object, kept on it)."""
    with _lock:
        reader = getattr(app, "_timed_reader", None)
        if reader is None:
            reader = TimedReader(app)
            app._timed_reader = reader  # type: ignore[attr-defined]
    return reader


def with_version(axes: TimeAxes, legacy_version: int | None) -> TimeAxes:
    """``axes`` with the version given under its older name (``as_of_version``)."""
    if legacy_version is None:
        return axes
    if axes.version is not None and axes.version != legacy_version:
        raise InvalidInput("give version or as_of_version, not both", "version 与 as_of_version 只能二选一")
    return TimeAxes(as_of=axes.as_of, recorded_as_of=axes.recorded_as_of, version=legacy_version)
