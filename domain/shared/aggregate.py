"""The event base every PolicyTrail aggregate extends.

Style (eventsourcing's cargo-shipping example): a public command method decides
and raises domain errors; it records its decision as an event through
``_record``; the event's ``apply`` copies data from the event into the aggregate
state and nothing else: no clock reads, no decisions, so a replay years later
yields the same state.

Every event carries business time ``occurred_at`` (when it happened in the world;
may lie in the past for imports and late entries), the ``actor`` and the
``command_id`` (idempotency / correlation). The library's own ``timestamp`` is the
record time. Every concrete event class declares ``class_version`` (events are
kept 10+ years, RC-02); when a shape changes, bump it and add an
``upcast_vN_vN+1`` static method.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ClassVar, TypeVar

from eventsourcing.domain import Aggregate

from domain.shared.actor import Actor
from domain.shared.business_time import require_not_before
from domain.shared.time import require_aware

#: Namespace of every business-key uuid5 (never change: ids are stored forever).
POLICYTRAIL_NAMESPACE = uuid.UUID("6f1d9a52-3c1e-5b8e-9a57-0b7c2f5e9d41")


def business_id(kind: str, key: str) -> uuid.UUID:
    """Aggregate id from a business key, e.g. ``business_id("policy", "P123")``.

    Idempotent creation and lookups need no read model.
    """
    return uuid.uuid5(POLICYTRAIL_NAMESPACE, f"{kind}:{key}")


@dataclass(frozen=True)
class Context:
    """Who, when and under which command an aggregate method is invoked."""

    occurred_at: datetime
    actor: Actor
    command_id: str
    #: set while reactions run: a reaction records a consequence on another object
    #: (e.g. a late contact change reaching an open callback), not a new claim about
    #: when that object's own facts happened, so RC-01b is checked on commands only.
    in_reaction: bool = False

    def __post_init__(self) -> None:
        require_aware(self.occurred_at, "occurred_at")

    def event_fields(self) -> dict[str, Any]:
        return {
            "occurred_at": self.occurred_at,
            "actor": self.actor,
            "command_id": self.command_id,
        }


TAgg = TypeVar("TAgg", bound="TrailAggregate")

#: the record time of events created in this context (None: now, the normal case)
_RECORDING_AT: ContextVar[datetime | None] = ContextVar("policytrail_recording_at", default=None)


@contextmanager
def recording_at(moment: datetime) -> Iterator[None]:
    """Events created inside the block carry ``moment`` as their record time.

    Only for simulations that write a past period as it would have been recorded
    (``policytrail demo``); commands of real users always record at the wall clock.
    """
    token = _RECORDING_AT.set(require_aware(moment, "record time").astimezone(UTC))
    try:
        yield
    finally:
        _RECORDING_AT.reset(token)


class TrailAggregate(Aggregate):
    """Base aggregate: events carry business time, actor and command id.

    A subclass that annotates its state at class level must define its own
    ``__init__(self) -> None`` (doing nothing): otherwise the library turns the
    annotations into a dataclass ``__init__``. State is set by ``apply`` only.
    """

    #: business key kind used for uuid5 ids (e.g. "policy"); None for generated ids.
    id_kind: ClassVar[str | None] = None
    #: RC-01b applies (False for index-like aggregates shared by many business objects,
    #: e.g. a phone number's contact point, whose facts may arrive in any order).
    business_object: ClassVar[bool] = True

    class Event(Aggregate.Event):
        occurred_at: datetime
        actor: Actor
        command_id: str

        @staticmethod
        def create_timestamp() -> datetime:
            """Record time: the library's wall clock, unless a replay of a simulated
            period (the demo month) names the moment it records at (``recording_at``)."""
            moment = _RECORDING_AT.get()
            return moment if moment is not None else Aggregate.Event.create_timestamp()

    class Created(Event, Aggregate.Created):
        def mutate(self, aggregate: Any) -> Any:
            # Copied from the event, like ``apply``: when and by which fact the aggregate
            # began (RC-01b compares later business times with it).
            agg = super().mutate(aggregate)
            agg.began_at = self.occurred_at
            agg.began_with = fact_label(type(self))
            return agg

    @classmethod
    def id_for(cls, key: str) -> uuid.UUID:
        if cls.id_kind is None:
            raise TypeError(f"{cls.__name__} has generated ids, not business keys")
        return business_id(cls.id_kind, key)

    @classmethod
    def _start(cls: type[TAgg], event_class: type, ctx: Context, *, id: uuid.UUID, **fields: Any) -> TAgg:
        return cls._create(event_class, id=id, **ctx.event_fields(), **fields)

    def _record(self, event_class: type, ctx: Context, **fields: Any) -> None:
        if self.business_object and not ctx.in_reaction:
            self.require_existed_at("occurred_at", ctx.occurred_at)
        self.trigger_event(event_class, **ctx.event_fields(), **fields)

    def require_existed_at(self, field: str, value: Any) -> None:
        """RC-01b: nothing happens to this object before the fact that created it.

        (A snapshot taken before this rule existed lacks ``began_at``: not checked.)
        """
        require_not_before(field, value, getattr(self, "began_with", ""), getattr(self, "began_at", None))


def fact_label(event_class: type) -> str:
    """The first line of an event class's docstring, e.g. ``保单承保 Policy issued.``"""
    for cls in event_class.__mro__:
        # (the library's dataclass machinery gives a subclass a signature as its __doc__)
        doc = (cls.__dict__.get("__doc__") or "").strip()
        if doc and not doc.startswith(f"{cls.__name__}("):
            return doc.splitlines()[0].split(";")[0].rstrip(".")
    return event_class.__name__
