"""Many commands in one transaction (批量执行): the bulk path for imports and generated data.

``PolicyTrail.execute_many(commands, actor)`` gives each command the answer that
``execute`` would have given it, one by one and in order, but stores a whole
batch of accepted commands with one transaction (one lock, one fsync) instead of
one each, and keeps the aggregates it loaded between the commands of the batch.

How each answer stays what ``execute`` would have said:

- idempotency: the principal's command log is read for the whole batch in one query;
  a stored command answers as a repeat (or is refused when its body differs); every
  accepted command gets its own command-log row with its own first/last position,
  in the same transaction as the events;
- isolation of a refused command: each command runs in its own unit of work on the
  batch's cached aggregates. A command that is refused (or trips a bug) may already
  have changed some of them in memory, so the commands accepted before it are
  stored, the cache is dropped, and the refused command is run again on its own with
  ``execute`` — which refuses it with the same reason, on state loaded fresh;
- concurrency: aggregates are still saved with optimistic version checks. If another
  writer changed one of them meanwhile, the batch's transaction fails as a whole
  (nothing of it is stored), and its commands run again one by one with ``execute``,
  which retries lost races as usual;
- a failure of the database itself (connection lost) stops the batch: what earlier
  batches stored stays stored, nothing of this one is, and running it again is safe.

After each batch the planner statistics of the event store are refreshed when the
tables grew a lot (``keep_statistics_fresh``): a bulk load must not depend on
autovacuum, which may be off or keep giving way to the writers' table lock.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import psycopg
from eventsourcing.application import ProcessingEvent
from eventsourcing.persistence import IntegrityError, InterfaceError, OperationalError

from application.adapters.database import DatabaseUnavailable
from application.adapters.recorder import CommandRecord
from application.idempotency import body_digest, principal_key
from application.messages import Command
from application.unit_of_work import AggregateCache, AggregateSource, UnitOfWork
from domain.shared.actor import Actor
from domain.shared.aggregate import Context

if TYPE_CHECKING:
    from datetime import datetime

    from eventsourcing.persistence import Recording

    from application.adapters.recorder import PolicyTrailRecorder, StoredCommand
    from application.results import CommandResult
    from application.unit_of_work import Registry

#: failures of the store rather than of a command: they stop a batch (and an import)
STORE_FAILURES: tuple[type[Exception], ...] = (
    DatabaseUnavailable,
    OperationalError,
    InterfaceError,
    psycopg.OperationalError,
    psycopg.InterfaceError,
)


class BatchHost(AggregateSource, Protocol):
    """What a batch uses of the application (``application.engine.TrailApplication``;
    a protocol so that this module does not import the engine that imports it)."""

    registry: Registry
    stats: dict[str, int]

    @property
    def trail_recorder(self) -> PolicyTrailRecorder: ...

    def execute(self, command: Command, actor: Actor, *, principal: str | None = None) -> CommandResult: ...

    def business_time(self, command: Command) -> datetime: ...

    def record_batch(self, processing: ProcessingEvent[Any]) -> list[Recording[Any]]: ...

    def result_of(self, command: Command, positions: list[int], result: dict[str, Any]) -> CommandResult: ...

    def answer_duplicate(self, command: Command, stored: StoredCommand, digest: str) -> CommandResult: ...


@dataclass
class _Accepted:
    """A command run in the batch whose events wait for the batch's transaction."""

    index: int
    command: Command
    result: dict[str, Any]
    events: int
    digest: str


class BatchExecution:
    """One ``execute_many`` call: runs the commands in order, storing them in batches."""

    def __init__(self, app: BatchHost, actor: Actor, principal: str | None = None) -> None:
        self.app = app
        self.actor = actor
        self.principal = principal or principal_key(actor)
        self._cache: AggregateCache = {}
        self._pending: list[_Accepted] = []
        self._processing: ProcessingEvent[Any] = ProcessingEvent()

    def run(self, commands: Sequence[Command]) -> list[CommandResult | Exception]:
        outcomes: list[CommandResult | Exception | None] = [None] * len(commands)
        stored = self.app.trail_recorder.get_commands(self.principal, [c.command_id for c in commands])
        seen: set[str] = set()
        for index, command in enumerate(commands):
            if command.command_id in stored:
                outcomes[index] = self._answer(
                    lambda c=command: self.app.answer_duplicate(c, stored[c.command_id], body_digest(c))
                )
                continue
            if command.command_id in seen:
                # The same id twice in one batch: store the first, then answer as execute does.
                self._flush(outcomes)
                outcomes[index] = self._alone(command)
                continue
            seen.add(command.command_id)
            try:
                outcomes[index] = self._run(index, command)
            except STORE_FAILURES:
                raise
            except Exception:
                # Refused or failed part-way: the cache may hold its half-made changes.
                self._cache.clear()
                self._flush(outcomes)
                outcomes[index] = self._alone(command)
        self._flush(outcomes)
        self.app.trail_recorder.keep_statistics_fresh()
        assert all(o is not None for o in outcomes)
        return outcomes  # type: ignore[return-value]

    def _run(self, index: int, command: Command) -> CommandResult | None:
        app = self.app
        handler = app.registry.handlers.get(type(command))
        if handler is None:
            return app.execute(command, self.actor)  # raises the unknown-command error
        ctx = Context(
            occurred_at=app.business_time(command),
            actor=self.actor,
            command_id=command.command_id,
        )
        uow = UnitOfWork(app, ctx, cache=self._cache)
        result = handler(command, uow) or {}
        uow.run_reactions(app.registry)
        touched = uow.aggregates()
        self._cache.update(uow.loaded())
        if not touched:
            return app.result_of(command, [], result)
        before = len(self._processing.events)
        self._processing.collect_events(*touched)
        events = len(self._processing.events) - before
        self._pending.append(_Accepted(index, command, result, events, body_digest(command)))
        return None  # answered when the batch is stored

    def _flush(self, outcomes: list[CommandResult | Exception | None]) -> None:
        pending, processing = self._pending, self._processing
        self._pending, self._processing = [], ProcessingEvent()
        if not pending:
            return
        processing.saved_kwargs["commands"] = [
            (
                CommandRecord(
                    a.command.command_id, a.command.command_type, a.result, self.principal, a.digest
                ),
                a.events,
            )
            for a in pending
        ]
        try:
            recordings = self.app.record_batch(processing)
        except IntegrityError:
            # Another writer changed one of these aggregates (or stored one of these
            # commands) first: nothing of the batch was stored. One by one, as usual.
            self._cache.clear()
            self.app.stats["batch_fallbacks"] += 1
            for accepted in pending:
                outcomes[accepted.index] = self._alone(accepted.command)
            return
        positions = [r.notification.id for r in recordings]
        offset = 0
        for accepted in pending:
            mine = positions[offset : offset + accepted.events]
            offset += accepted.events
            outcomes[accepted.index] = self.app.result_of(accepted.command, mine, accepted.result)

    def _alone(self, command: Command) -> CommandResult | Exception:
        return self._answer(lambda: self.app.execute(command, self.actor, principal=self.principal))

    @staticmethod
    def _answer(call: Any) -> CommandResult | Exception:
        try:
            return call()  # type: ignore[no-any-return]
        except STORE_FAILURES:
            raise
        except Exception as exc:  # the caller reports it against its command
            return exc
