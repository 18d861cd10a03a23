"""Migration of the command log to one namespace per principal (幂等键按主体隔离).

Command logs made before ``application/idempotency.py`` are keyed by command id alone
and hold no principal and no body digest. This migration, run once when the
application opens such a store, adds both columns and fills the principal of every
row from the actor recorded on the command's first event (the events are decrypted
with the store's key, so this is the principal that actually sent it; imports, which
shared one namespace, join the default import source). The body
digest of old rows stays unknown (NULL): a repeat of an old command is still
recognised by its type, as before. Finally the primary key becomes
(principal, command id). Everything happens in one transaction under an exclusive
lock: other processes wait and then find the table migrated.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Protocol

import psycopg
from eventsourcing.persistence import StoredEvent
from psycopg.sql import SQL, Identifier

from application.idempotency import legacy_principal

if TYPE_CHECKING:
    from eventsourcing.persistence import Mapper

    from application.adapters.database import Database
    from application.adapters.recorder import PolicyTrailRecorder


class MigratingStore(Protocol):
    """What the migration uses of the application (``application.engine.TrailApplication``;
    a protocol so that this module does not import the engine that runs it)."""

    database: Database
    mapper: Mapper[Any]

    @property
    def trail_recorder(self) -> PolicyTrailRecorder: ...


log = logging.getLogger(__name__)

_CHUNK = 2_000

#: principal of a row whose first event cannot be read (never matches an actor's key)
UNKNOWN_PRINCIPAL = "unknown:"


def migrate_command_log(app: MigratingStore) -> int:
    """Migrate the command log if it predates principals; the number of rows migrated."""
    recorder = app.trail_recorder
    schema = recorder.datastore.schema
    commands = SQL("{}.{}").format(Identifier(schema), Identifier(recorder.commands_table_name))
    if _has_principal(app, schema, recorder.commands_table_name):
        return 0
    with app.database.connect() as conn, conn.transaction():
        conn.execute(SQL("LOCK TABLE {} IN ACCESS EXCLUSIVE MODE").format(commands))
        if _has_principal(app, schema, recorder.commands_table_name, conn):
            return 0  # another process migrated it while we waited for the lock
        conn.execute(
            SQL("ALTER TABLE {} ADD COLUMN principal text, ADD COLUMN body_sha256 text").format(commands)
        )
        rows = conn.execute(SQL("SELECT command_id, first_position FROM {}").format(commands)).fetchall()
        for start in range(0, len(rows), _CHUNK):
            chunk = rows[start : start + _CHUNK]
            actors = _principals_at(app, conn, [position for _, position in chunk])
            conn.execute(
                SQL(
                    "UPDATE {} AS c SET principal = m.principal "
                    "FROM unnest(%s::text[], %s::text[]) AS m(command_id, principal) "
                    "WHERE c.command_id = m.command_id"
                ).format(commands),
                (
                    [command_id for command_id, _ in chunk],
                    [actors.get(position, UNKNOWN_PRINCIPAL) for _, position in chunk],
                ),
            )
        primary_key = conn.execute(
            "SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'p'",
            (commands.as_string(conn),),
        ).fetchone()
        conn.execute(SQL("ALTER TABLE {} ALTER COLUMN principal SET NOT NULL").format(commands))
        if primary_key is not None:
            conn.execute(
                SQL("ALTER TABLE {} DROP CONSTRAINT {}").format(commands, Identifier(primary_key[0]))
            )
        conn.execute(SQL("ALTER TABLE {} ADD PRIMARY KEY (principal, command_id)").format(commands))
    log.info("command log %s: %d rows scoped to their principals", recorder.commands_table_name, len(rows))
    return len(rows)


def _has_principal(
    app: MigratingStore, schema: str, table: str, conn: psycopg.Connection | None = None
) -> bool:
    query = (
        "SELECT 1 FROM information_schema.columns "
        "WHERE table_schema = %s AND table_name = %s AND column_name = 'principal'"
    )
    if conn is not None:
        return conn.execute(query, (schema, table)).fetchone() is not None
    with app.database.connect() as own:
        return own.execute(query, (schema, table)).fetchone() is not None


def _principals_at(app: MigratingStore, conn: psycopg.Connection, positions: list[int]) -> dict[int, str]:
    """Notification position → principal key of the actor recorded on that event."""
    recorder = app.trail_recorder
    events = SQL("{}.{}").format(
        Identifier(recorder.datastore.schema), Identifier(recorder.events_table_name)
    )
    found: dict[int, str] = {}
    rows = conn.execute(
        SQL(
            "SELECT notification_id, originator_id, originator_version, topic, state "
            "FROM {} WHERE notification_id = ANY(%s)"
        ).format(events),
        (positions,),
    ).fetchall()
    for position, originator_id, version, topic, state in rows:
        event = app.mapper.to_domain_event(StoredEvent(originator_id, version, topic, bytes(state)))
        actor = getattr(event, "actor", None)
        if actor is not None:
            found[position] = legacy_principal(actor)
    return found
