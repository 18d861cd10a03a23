"""The two-axis reads of any aggregate (双时间轴读取): parameters, scope, answers.

Scope is judged on the aggregate's **today's** owner (as the policy and agent reads
always did): a caller who may read it now may read its past. 404 first when it does
not exist at all, 403 when outside the token's scope, then 404 naming the axis when
it did not exist at the asked instant.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import Query

from application.app import PolicyTrail
from application.bitemporal import TimeAxes, TimedRead, timed_reader
from domain.shared.errors import InvalidInput
from interfaces.api.auth import require_scope
from interfaces.api.pagination import Page, PageParams
from interfaces.api.permissions import Owner, Principal
from interfaces.api.personal_access import recorded_unmasking
from interfaces.api.timed_views import (
    AggregateRecord,
    Decision,
    TimedHistoryEntry,
    decision_versions,
    decisions_of,
    history_entry_of,
    record_of,
)
from interfaces.input_checks import check_storable

#: decisions shown inside an aggregate's GET (the rest at …/decisions)
DECISIONS_IN_RECORD = 20

_AS_OF_EXAMPLES = {
    "business": {
        "summary": "business time 业务时间",
        "description": "the state of the world at 2026-10-23 18:00 Shanghai time, as known now",
        "value": "2026-10-23T18:00:00+08:00",
    },
}
_RECORDED_EXAMPLES = {
    "record": {
        "summary": "record time 记录时间",
        "description": "what the system had recorded by 2026-10-24 09:00 Shanghai time",
        "value": "2026-10-24T09:00:00+08:00",
    },
}

AsOf = Annotated[
    datetime | None,
    Query(
        description=(
            "**business time** (业务时间, timezone-aware): the state from the events that happened "
            "by then, as known now (or as recorded by `recorded_as_of`). Events are applied in "
            "record order; a late entry (补录) that happened by then is included retroactively."
        ),
        openapi_examples=_AS_OF_EXAMPLES,
    ),
]
RecordedAsOf = Annotated[
    datetime | None,
    Query(
        description=(
            "**record time** (记录时间, timezone-aware): only the events stored by then. With "
            "`as_of`: what the system knew at `recorded_as_of` about `as_of`."
        ),
        openapi_examples=_RECORDED_EXAMPLES,
    ),
]
Version = Annotated[
    int | None,
    Query(
        ge=1,
        le=2_000_000_000,
        description="only events up to this aggregate version (版本)",
        openapi_examples={
            "third": {"summary": "版本 3", "description": "the first three events", "value": 3}
        },
    ),
]


def time_axes(as_of: AsOf = None, recorded_as_of: RecordedAsOf = None, version: Version = None) -> TimeAxes:
    """The asked axes, checked (timezone-aware, storable instants)."""
    for name, moment in (("as_of", as_of), ("recorded_as_of", recorded_as_of)):
        if moment is not None:
            if moment.tzinfo is None or moment.utcoffset() is None:
                raise InvalidInput(
                    f"{name} must be timezone-aware (e.g. 2026-10-23T18:00:00+08:00)",
                    f"{name} 必须带时区（例如 2026-10-23T18:00:00+08:00）",
                )
            check_storable(moment, name)
    return TimeAxes(as_of=as_of, recorded_as_of=recorded_as_of, version=version)


@dataclass(frozen=True)
class RecordKind:
    """One kind of aggregate readable on two axes."""

    name: str  # "callback"
    zh: str  # "回访"
    en: str  # "callback"
    cls: type
    owner: Callable[[Any], Owner]


def load_now(app: PolicyTrail, principal: Principal, kind: RecordKind, aggregate_id: UUID, key: str) -> Any:
    """Today's aggregate, after the scope check (404 when it never existed)."""
    found = timed_reader(app).read(kind.cls, aggregate_id, TimeAxes(), f"{kind.en} {key}").aggregate
    require_scope(principal, kind.owner(found))
    return found


def timed_read(app: PolicyTrail, kind: RecordKind, aggregate_id: UUID, key: str, axes: TimeAxes) -> TimedRead:
    return timed_reader(app).read(kind.cls, aggregate_id, axes, f"{kind.en} {key}")


def latest_decisions(app: PolicyTrail, read: TimedRead, masked: bool) -> list[Decision]:
    versions = decision_versions(read)[-DECISIONS_IN_RECORD:]
    events = timed_reader(app).events(read.aggregate.id, versions, read.events)
    return decisions_of(events, read, masked)


def shown_unmasked(
    app: PolicyTrail, principal: Principal, kind: RecordKind, key: str, reason: str | None, what: str = ""
) -> bool:
    """RC-03: unmasked only with the permission and a stated reason, the read recorded first."""
    keys = {"policy_number": key} if kind.name in ("policy", "callback") else {}
    if kind.name in ("agent", "planner"):
        keys = {"agent_code": key}
    return recorded_unmasking(app, principal, reason, f"GET {kind.en} {key}{what}", [], **keys)


def record(
    app: PolicyTrail,
    principal: Principal,
    kind: RecordKind,
    aggregate_id: UUID,
    key: str,
    axes: TimeAxes,
    reason: str | None = None,
) -> AggregateRecord:
    load_now(app, principal, kind, aggregate_id, key)
    read = timed_read(app, kind, aggregate_id, key, axes)
    masked = not shown_unmasked(app, principal, kind, key, reason)
    return record_of(kind.name, kind.zh, key, read, latest_decisions(app, read, masked), masked)


def history(
    app: PolicyTrail,
    principal: Principal,
    kind: RecordKind,
    aggregate_id: UUID,
    key: str,
    axes: TimeAxes,
    page: PageParams,
) -> Page[TimedHistoryEntry]:
    """The events recorded by the record cut, in version order; ``in_view`` says which make
    up the state at ``as_of``; late entries flagged."""
    load_now(app, principal, kind, aggregate_id, key)
    reader = timed_reader(app)
    sel = reader.select(aggregate_id, axes, f"{kind.en} {key}")
    versions = range(page.offset + 1, min(page.offset + page.limit, sel.cut) + 1)
    applied = set(sel.applied)
    events = reader.events(aggregate_id, versions)
    items = [
        history_entry_of(e, sel.marks[e.originator_version - 1], e.originator_version in applied)
        for e in events
    ]
    return Page[TimedHistoryEntry].of(items, page, total=sel.cut)


def decisions(
    app: PolicyTrail,
    principal: Principal,
    kind: RecordKind,
    aggregate_id: UUID,
    key: str,
    axes: TimeAxes,
    page: PageParams,
    reason: str | None = None,
) -> Page[Decision]:
    """The decisions that make up the state on ``axes``, in order, a page at a time."""
    load_now(app, principal, kind, aggregate_id, key)
    read = timed_read(app, kind, aggregate_id, key, axes)
    versions = decision_versions(read)
    shown = versions[page.offset : page.offset + page.limit]
    events = timed_reader(app).events(aggregate_id, shown, read.events)
    masked = not shown_unmasked(app, principal, kind, key, reason, " decisions")
    items = decisions_of(events, read, masked=masked)
    return Page[Decision].of(items, page, total=len(versions))
