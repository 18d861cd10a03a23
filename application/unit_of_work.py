"""Unit of work: loads aggregates, collects what a command touched, runs reactions.

Reactions (e.g. receipt registered → callback due) run inside the same unit of
work, so every touched aggregate is saved in one atomic ``save(...)``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from domain.parameters import RuleParameters
from domain.shared.aggregate import Context, TrailAggregate
from domain.shared.calendar import WorkingDayCalendar
from domain.shared.errors import NotFound

if TYPE_CHECKING:
    from eventsourcing.application import Repository

    from application.messages import Command
    from application.settings import Settings

A = TypeVar("A", bound=TrailAggregate)


class AggregateSource(Protocol):
    """What a unit of work, and the handlers through ``uow.app``, use of the application
    (``application.engine.TrailApplication``; a protocol so that this module does not
    import the engine that imports it)."""

    settings: Settings
    calendar: WorkingDayCalendar
    repository: Repository

    def contact_point_id(self, normalized_phone: str) -> UUID: ...


Handler = Callable[["Command", "UnitOfWork"], dict[str, Any] | None]
Reaction = Callable[[Any, "UnitOfWork"], None]


@dataclass
class Registry:
    """Which function handles which command, and which reactions follow which event
    (the table itself: ``application/handlers.py``)."""

    handlers: dict[type, Handler] = field(default_factory=dict)
    reactions: dict[type, list[Reaction]] = field(default_factory=dict)

    def reactions_for(self, event: Any) -> list[Reaction]:
        found: list[Reaction] = []
        for cls in type(event).__mro__:
            found.extend(self.reactions.get(cls, ()))
        return found


MAX_REACTION_ROUNDS = 20


#: Aggregates already loaded (or known absent: ``None``) by earlier commands of a batch.
AggregateCache = dict[UUID, TrailAggregate | None]


class UnitOfWork:
    def __init__(self, app: AggregateSource, ctx: Context, cache: AggregateCache | None = None) -> None:
        self.app = app
        self.ctx = ctx
        # A batch (application/batch.py) shares its cache between its commands' units of
        # work; a command on its own loads everything fresh.
        self._cache = cache
        self._touched: dict[UUID, TrailAggregate] = {}
        self._reacted: set[int] = set()

    # ----- what the handlers use -----------------------------------------------------
    @property
    def params(self) -> RuleParameters:
        return self.app.settings.rules

    @property
    def calendar(self) -> WorkingDayCalendar:
        return self.app.calendar

    @property
    def now(self) -> datetime:
        """Business time of the command (the clock is read once, by the application)."""
        return self.ctx.occurred_at

    def find(self, cls: type[A], aggregate_id: UUID) -> A | None:
        agg: TrailAggregate | None
        if aggregate_id in self._touched:
            agg = self._touched[aggregate_id]
        elif self._cache is not None and aggregate_id in self._cache:
            agg = self._cache[aggregate_id]
            if agg is None:
                return None
        else:
            try:
                agg = self.app.repository.get(aggregate_id)
            except AggregateNotFoundError:
                if self._cache is not None:
                    self._cache[aggregate_id] = None
                return None
        if not isinstance(agg, cls):
            return None
        self._touched[aggregate_id] = agg
        return agg

    def get(self, cls: type[A], aggregate_id: UUID, what: str = "") -> A:
        agg = self.find(cls, aggregate_id)
        if agg is None:
            label = what or cls.__name__
            raise NotFound(f"{label} not found", f"未找到{label}", aggregate_id=str(aggregate_id))
        return agg

    def add(self, *aggregates: TrailAggregate) -> None:
        for agg in aggregates:
            self._touched[agg.id] = agg

    # ----- what the application uses -------------------------------------------------
    def run_reactions(self, reg: Registry) -> None:
        self.ctx = replace(self.ctx, in_reaction=True)
        for _ in range(MAX_REACTION_ROUNDS):
            fresh = [
                event
                for agg in list(self._touched.values())
                for event in agg.pending_events
                if id(event) not in self._reacted
            ]
            if not fresh:
                return
            for event in fresh:
                self._reacted.add(id(event))
                for reaction in reg.reactions_for(event):
                    reaction(event, self)
        raise RuntimeError("reactions did not settle (cycle between reactions?)")

    def aggregates(self) -> list[TrailAggregate]:
        return [agg for agg in self._touched.values() if agg.pending_events]

    def loaded(self) -> dict[UUID, TrailAggregate]:
        """Every aggregate this unit of work found or added (changed or not)."""
        return dict(self._touched)
