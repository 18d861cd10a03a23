"""The command engine (命令执行): the eventsourcing application with one totally ordered log.

``TrailApplication`` runs commands through the handler table it is given and knows no
use case; ``application/app.py`` wires it with ``application/handlers.py`` as ``PolicyTrail``.

``execute(command, actor)`` is the only way to change anything:

1. a command id the same principal already used returns the first answer when the
   body is the same, and is refused when it is not (``application/idempotency.py``);
2. the command's handler runs in a unit of work on fresh state, followed by the
   reactions it triggers;
3. every touched aggregate is saved in one transaction with the command-log row;
4. a lost optimistic-concurrency race is retried on fresh state a bounded number
   of times, then answered with ``ConcurrencyConflict``.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from eventsourcing.application import Application, ProcessingEvent
from eventsourcing.persistence import IntegrityError, JSONTranscoder, Recording
from eventsourcing.utils import Environment, EnvType, get_topic

from application.adapters.availability import DatabaseGate
from application.adapters.calendar import ChineseWorkingDayCalendar
from application.adapters.command_log_migration import migrate_command_log
from application.adapters.database import Database, resolve_database
from application.adapters.encryption import CipherKey, CipherKeyError, resolve_cipher_key
from application.adapters.personal_data.mapper import PersonalDataMapper
from application.adapters.personal_data.store import PersonalData
from application.adapters.recorder import CommandRecord, PolicyTrailRecorder, StoredCommand
from application.adapters.transcodings import register_all
from application.batch import BatchExecution
from application.clock import Clock, SystemClock
from application.errors import CommandIdReused, ConcurrencyConflict
from application.idempotency import body_digest, principal_key
from application.messages import Command
from application.results import CommandResult
from application.settings import Settings, load_settings
from application.unit_of_work import Registry, UnitOfWork
from domain.policy import Policy
from domain.shared.actor import Actor
from domain.shared.aggregate import Context, TrailAggregate
from domain.shared.business_time import require_not_in_future
from domain.shared.calendar import WorkingDayCalendar
from domain.shared.errors import DomainError, InvalidInput

log = logging.getLogger(__name__)


class TrailApplication(Application):
    name = "PolicyTrail"  # the library's application name: keys the tracking of the read side
    log_section_size = 10_000  # notification_log.select(limit=...) cap

    def __init__(
        self,
        handlers: Registry,
        settings: Settings | None = None,
        database: Database | None = None,
        clock: Clock | None = None,
        calendar: WorkingDayCalendar | None = None,
    ) -> None:
        self.settings = settings or load_settings()
        self.database = database or resolve_database(self.settings)
        self.clock: Clock = clock or SystemClock()
        self.calendar: WorkingDayCalendar = calendar or ChineseWorkingDayCalendar()
        self.registry = handlers
        self.cipher_key = resolve_cipher_key(self.settings)
        # Processes opening the same store at once (serve and `projections run` started
        # together, rebuild children) take turns: concurrent CREATE … IF NOT EXISTS of the
        # same objects can fail with "tuple concurrently updated".
        with _store_setup_turn(self.database, self.settings.events_schema):
            self._open_store()

    def _open_store(self) -> None:
        _prepare_store(self.database, self.settings.events_schema, self.cipher_key)
        # RC-03: personal fields sealed per data subject; keys wrapped by the master key.
        self.personal = PersonalData.open(
            self.cipher_key, self.settings.events_schema, self._key_connection, self.database
        )
        #: lost optimistic-concurrency races (retried) and commands refused after retries
        #: and batches stored one by one instead because another writer came first
        self.stats = {"conflict_retries": 0, "conflicts": 0, "batch_fallbacks": 0}
        if self.settings.snapshot_interval:
            # Snapshots speed up loading long-lived aggregates; they are a cache, never the
            # record. Enabled for the aggregates whose state is plain value objects.
            self.snapshotting_intervals = {Policy: self.settings.snapshot_interval}
        super().__init__(env=self._persistence_env())
        #: fail fast during a database outage, heal the pools after (availability.py)
        self.gate = DatabaseGate(self.database.url)
        self.trail_recorder.use_gate(self.gate)
        migrate_command_log(self)

    # ----- infrastructure ----------------------------------------------------------------
    def _persistence_env(self) -> dict[str, str]:
        p = self.database.params()
        return {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "APPLICATION_RECORDER_TOPIC": get_topic(PolicyTrailRecorder),
            "POSTGRES_DBNAME": p.get("dbname", "postgres"),
            "POSTGRES_HOST": p.get("host", "localhost"),
            "POSTGRES_PORT": p.get("port", "5432"),
            "POSTGRES_USER": p.get("user", "postgres"),
            "POSTGRES_PASSWORD": p.get("password", ""),
            "POSTGRES_SCHEMA": self.settings.events_schema,
            "POSTGRES_POOL_SIZE": str(self.settings.pool_size),
            "POSTGRES_MAX_OVERFLOW": str(self.settings.pool_size),
            "POSTGRES_CONNECT_TIMEOUT": "10",
            "POSTGRES_LOCK_TIMEOUT": "10",
            # No pre-ping: it costs a round trip per checkout; the library retries reads and
            # inserts on InterfaceError/OperationalError when a pooled connection died.
            "POSTGRES_PRE_PING": "n",
            # Never POSTGRES_ENABLE_DB_FUNCTIONS: that path skips the table lock which
            # keeps commit order equal to notification order.
            "POSTGRES_ENABLE_DB_FUNCTIONS": "n",
            "CREATE_TABLE": "y",
            "IS_SNAPSHOTTING_ENABLED": "y" if self.settings.snapshot_interval else "n",
            # RC-03: no whole-state cipher; ``construct_mapper`` seals personal fields.
        }

    def construct_mapper(self) -> PersonalDataMapper:
        return self.personal.mapper(self.construct_transcoder())

    def _key_connection(self) -> Any:
        return self.recorder.datastore.get_connection()  # type: ignore[attr-defined]

    def contact_point_id(self, normalized_phone: str) -> UUID:
        """A phone's ContactPoint id: keyed, never a public hash of the number."""
        return self.personal.ids.contact_point(normalized_phone)

    def construct_env(self, name: str, env: EnvType | None = None) -> Environment:
        # Configuration comes from Settings only, never from stray POSTGRES_* variables.
        return Environment(name, dict(env or {}))

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        register_all(transcoder)

    @property
    def trail_recorder(self) -> PolicyTrailRecorder:
        assert isinstance(self.recorder, PolicyTrailRecorder)
        return self.recorder

    @property
    def events_table(self) -> str:
        return f'"{self.settings.events_schema}"."{self.trail_recorder.events_table_name}"'

    def max_position(self) -> int:
        return self.recorder.max_notification_id() or 0

    # ----- commands --------------------------------------------------------------------
    def execute(self, command: Command, actor: Actor, *, principal: str | None = None) -> CommandResult:
        """Run one command. ``principal``: the namespace of its command id (default: the
        actor's; imports pass their source, ``application/idempotency.py``)."""
        handler = self.registry.handlers.get(type(command))
        if handler is None:
            raise InvalidInput(f"unknown command {type(command).__name__}", "未知命令")
        principal, digest = principal or principal_key(actor), body_digest(command)
        stored = self.trail_recorder.get_command(principal, command.command_id)
        if stored is not None:
            return self.answer_duplicate(command, stored, digest)
        ctx = Context(
            occurred_at=self.business_time(command),
            actor=actor,
            command_id=command.command_id,
        )
        retries = self.settings.command_retries
        for attempt in range(retries + 1):
            uow = UnitOfWork(self, ctx)
            try:
                result = handler(command, uow) or {}
                uow.run_reactions(self.registry)
            except DomainError:
                # The same command may have been stored by a concurrent twin since we
                # looked (then this refusal is only its echo): answer as a repeat.
                stored = self.trail_recorder.get_command(principal, command.command_id)
                if stored is not None:
                    return self.answer_duplicate(command, stored, digest)
                raise
            touched = uow.aggregates()
            if not touched:
                # Nothing changed (e.g. a repeat of an already-recorded fact).
                return self.result_of(command, [], result)
            record = CommandRecord(command.command_id, command.command_type, result, principal, digest)
            try:
                recordings = self.save(*touched, command=record)
            except IntegrityError:
                stored = self.trail_recorder.get_command(principal, command.command_id)
                if stored is not None:
                    return self.answer_duplicate(command, stored, digest)
                log.debug("command %s lost a race (attempt %d)", command.command_id, attempt + 1)
                self.stats["conflict_retries"] += 1
                continue
            return self.result_of(command, [r.notification.id for r in recordings], result)
        self.stats["conflicts"] += 1
        raise ConcurrencyConflict(
            f"{command.command_type} kept conflicting with concurrent changes after "
            f"{retries + 1} attempts; try again",
            f"{command.command_type} 在 {retries + 1} 次尝试后仍与并发修改冲突，请重试",
        )

    def business_time(self, command: Command) -> datetime:
        """The command's business time (default: now), refused when it lies further in
        the future than ``max_future_skew_seconds`` (RC-01a; past times are fine)."""
        now = self.clock.now()
        occurred_at = command.business_time(now)
        require_not_in_future(occurred_at, now, timedelta(seconds=self.settings.max_future_skew_seconds))
        return occurred_at

    def execute_many(
        self, commands: Sequence[Command], actor: Actor, *, principal: str | None = None
    ) -> list[CommandResult | Exception]:
        """Each command's answer (or refusal) as ``execute`` would give it, in order,
        stored a batch per transaction (``application/batch.py``). A failure of the
        database itself is raised; refusals are returned in the command's place."""
        return BatchExecution(self, actor, principal).run(commands)

    def record_batch(self, processing: ProcessingEvent[Any]) -> list[Recording[Any]]:
        """Store a batch's collected events (and its command-log rows) in one transaction."""
        recordings = self._record(processing)
        self._take_snapshots(processing)
        self._notify(recordings)
        return recordings

    @staticmethod
    def result_of(command: Command, positions: list[int], result: dict[str, Any]) -> CommandResult:
        return CommandResult(command.command_id, command.command_type, positions, result)

    @staticmethod
    def answer_duplicate(command: Command, stored: StoredCommand, digest: str) -> CommandResult:
        """The first answer again, if this is the same command; else CommandIdReused.

        The refusal says nothing of the first command (not its type, body or result):
        a key may have been guessed. Rows from before body digests compare the type.
        """
        same = (
            stored.body_sha256 == digest
            if stored.body_sha256 is not None
            else stored.command_type == command.command_type
        )
        if not same:
            raise CommandIdReused(
                f"command id {command.command_id} was already used for a different command; "
                "send a new id for a new command",
                f"命令编号 {command.command_id} 已用于另一条内容不同的命令，新命令请使用新的编号",
            )
        return CommandResult(
            command.command_id,
            command.command_type,
            list(range(stored.first_position, stored.last_position + 1)),
            stored.result,
            duplicate=True,
        )

    # ----- queries on the write side -----------------------------------------------------
    def get(self, cls: type[TrailAggregate], aggregate_id: UUID, version: int | None = None) -> Any:
        """An aggregate as it is now, or at a given version (as-of)."""
        agg = self.repository.get(aggregate_id, version=version)
        if not isinstance(agg, cls):
            raise TypeError(f"{aggregate_id} is a {type(agg).__name__}, not a {cls.__name__}")
        return agg


@contextlib.contextmanager
def _store_setup_turn(database: Database, schema: str) -> Iterator[None]:
    """Hold a session advisory lock (per event-store schema) while the store is set up."""
    with database.connect(autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(hashtext(%s))", (f"policytrail-store-setup:{schema}",))
        try:
            yield
        finally:
            conn.execute("SELECT pg_advisory_unlock(hashtext(%s))", (f"policytrail-store-setup:{schema}",))


def _prepare_store(database: Database, schema: str, key: CipherKey) -> None:
    """Create the schema; remember (or check) which key the events are encrypted with."""
    with database.connect(autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
        conn.execute(
            f'CREATE TABLE IF NOT EXISTS "{schema}".policytrail_store '
            "(name text PRIMARY KEY, value text NOT NULL)"
        )
        conn.execute(
            f'INSERT INTO "{schema}".policytrail_store VALUES (%s, %s) ON CONFLICT DO NOTHING',
            ("cipher_key_fingerprint", key.fingerprint),
        )
        stored = conn.execute(
            f'SELECT value FROM "{schema}".policytrail_store WHERE name = %s',
            ("cipher_key_fingerprint",),
        ).fetchone()[0]
    if stored != key.fingerprint:
        raise CipherKeyError(
            f"the events in schema {schema} were encrypted with key {stored}, but the "
            f"configured key ({key.source}) is {key.fingerprint}; set POLICYTRAIL_CIPHER_KEY "
            "to the original key"
        )
