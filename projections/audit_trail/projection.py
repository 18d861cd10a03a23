"""Audit trail (审计轨迹): one row per event of the log, flattened for auditors.

Every event type is recorded, including types added after this module: the
business key, references, rule ids and the bilingual summary are derived
generically (``event_facts``). Later events of an aggregate inherit the business
key (and the policy it is about) from its creation event, looked up in this same
table, so the result never depends on how the log was cut into batches.

Both times are kept: ``occurred_at`` (business time) and ``recorded_at`` (record
time); ``entry_delay`` is their difference and ``late_entry`` marks an event
recorded more than ``LATE_AFTER_HOURS`` hours after it happened (补录), both
computed by PostgreSQL (generated columns).

Queries it is indexed for: all events of policy X (``policy_numbers @> ARRAY[X]``),
of agent Y (``agent_codes @> ARRAY[Y]``), of an aggregate (``aggregate_id``), of a
business key, of a command, citing a rule (``rule_ids``), in a business-time range
(``occurred_at``) or record-time range (``recorded_at``, BRIN).

Erasure (RC-02/RC-03): on ``DataSubject.Erased`` the rows of every event holding the
subject's personal fields are derived again with those fields read as
``[已删除 erased]`` — what a rebuild derives once the keys are destroyed — so the live
table keeps no masked copy of an erased subject's data until a rebuild.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple
from uuid import UUID

from psycopg import Cursor
from psycopg.sql import SQL

from domain.retention import DataSubject
from projections.base import Envelope, Projection
from projections.dispatch import by_topic, handler_table
from projections.event_facts import (
    Facts,
    Origin,
    complete,
    plain_state,
    read_fields,
    to_json,
    type_info,
    unwrapped,
)
from projections.registry import register
from projections.source import LogEntry

#: recorded this many hours after it happened → a late entry (补录)
LATE_AFTER_HOURS = 24


class Prepared(NamedTuple):
    """What ``prepare`` derives from an event alone."""

    facts: Facts  # completed in ``apply`` with the aggregate's creation facts
    columns: tuple[Any, ...]  # occurred_at … rule_ids, in COLUMNS order
    data_json: str


COLUMNS = (
    "position",
    "aggregate_type",
    "aggregate_id",
    "aggregate_version",
    "business_key",
    "event_type",
    "topic",
    "occurred_at",
    "recorded_at",
    "actor_id",
    "actor_role",
    "command_id",
    "rule_ids",
    "policy_numbers",
    "agent_codes",
    "summary_zh",
    "summary_en",
    "data",
)


@register
class AuditTrail(Projection):
    name = "audit_trail"
    version = 1
    title = "审计轨迹 audit trail"
    reads_personal_data = True  # masked, so decrypted first
    tables = ("audit_trail",)
    ddl = (
        "CREATE TABLE {schema}.audit_trail ("
        " position bigint PRIMARY KEY,"
        " aggregate_type text NOT NULL,"
        " aggregate_id uuid NOT NULL,"
        " aggregate_version bigint NOT NULL,"
        " business_key text,"
        " event_type text NOT NULL,"
        " topic text NOT NULL,"
        " occurred_at timestamptz,"
        " recorded_at timestamptz,"
        # Computed by the server (the other core) rather than per row in Python.
        " entry_delay interval GENERATED ALWAYS AS (recorded_at - occurred_at) STORED,"
        " late_entry boolean GENERATED ALWAYS AS"
        f" (coalesce(recorded_at - occurred_at > interval '{LATE_AFTER_HOURS} hours', false)) STORED,"
        " actor_id text,"
        " actor_role text,"
        " command_id text,"
        " rule_ids text[] NOT NULL,"
        " policy_numbers text[] NOT NULL,"
        " agent_codes text[] NOT NULL,"
        " summary_zh text NOT NULL,"
        " summary_en text NOT NULL,"
        " data jsonb NOT NULL)",
        # Needed while building: later events look up their aggregate's creation.
        "CREATE UNIQUE INDEX audit_trail_aggregate ON {schema}.audit_trail (aggregate_id, aggregate_version)",
    )
    deferred_ddl = (
        "CREATE INDEX audit_trail_policy ON {schema}.audit_trail USING gin (policy_numbers)",
        "CREATE INDEX audit_trail_agent ON {schema}.audit_trail USING gin (agent_codes)",
        "CREATE INDEX audit_trail_rule ON {schema}.audit_trail USING gin (rule_ids)",
        "CREATE INDEX audit_trail_key ON {schema}.audit_trail (business_key, position)",
        "CREATE INDEX audit_trail_command ON {schema}.audit_trail (command_id)",
        "CREATE INDEX audit_trail_occurred ON {schema}.audit_trail (occurred_at)",
        "CREATE INDEX audit_trail_recorded ON {schema}.audit_trail USING brin (recorded_at)",
    )

    def prepare(self, envelope: Envelope) -> Prepared:
        """Parse and describe the event (in the reader thread: no database needed)."""
        # The stored state, not the decoded event: one parse instead of decode + re-encode.
        return self._prepared(envelope, envelope.stored_state, lambda: envelope.personal_event)

    def _prepared(self, envelope: Envelope, stored_json: bytes | dict[str, Any], decoded: Any) -> Prepared:
        info = type_info(envelope.topic)
        state = plain_state(info, stored_json, decoded)
        created = envelope.originator_version == 1
        facts = read_fields(info, state, creation=created)
        actor = unwrapped(state.get("actor")) or {}
        columns = (
            unwrapped(state.get("occurred_at")),  # ISO strings: PostgreSQL parses them
            unwrapped(state.get("timestamp")),
            actor.get("id"),
            actor.get("role"),
            state.get("command_id"),
            text_array(facts.rule_ids),
        )
        return Prepared(facts, columns, to_json(facts.data))

    def apply(self, cur: Cursor[Any], schema: str, batch: Sequence[Envelope]) -> None:
        origins = self._origins(cur, schema, batch)
        copy_sql = SQL("COPY {} ({}) FROM STDIN").format(
            self.table(schema, "audit_trail"), SQL(", ").join(map(SQL, COLUMNS))
        )
        with cur.copy(copy_sql) as copy:
            for envelope in batch:
                copy.write_row(self._row(envelope, envelope.prepared, origins))
        for envelope in batch:
            follow_up = self._by_topic.get(envelope.topic)
            if follow_up is not None:
                follow_up(self, cur, schema, envelope, batch[-1].position)

    def _erase(self, cur: Cursor[Any], schema: str, erasure: Envelope, up_to: int) -> None:
        """Derive again, with the subject's fields erased, the rows of every event so far
        that holds them (the keys may not be destroyed yet: the erasure is stored first)."""
        source = erasure._source
        event = erasure.event
        subjects = source.erased_subjects(
            erasure.originator_id, [UUID(str(a)) for a in event.erased_aggregates]
        )
        again = []
        for entry in source.holding(subjects, up_to):
            envelope = Envelope(LogEntry(*entry), source)
            stored = source.plaintext_without(envelope.entry, subjects)
            again.append(
                (
                    envelope,
                    self._prepared(envelope, stored, lambda e=entry: source.decode_without(e, subjects)),
                )
            )
        if not again:
            return
        table = self.table(schema, "audit_trail")
        cur.execute(
            SQL("DELETE FROM {} WHERE position = ANY(%s)").format(table), ([e.position for e, _ in again],)
        )
        origins = self._origins(cur, schema, [e for e, _ in again])
        copy_sql = SQL("COPY {} ({}) FROM STDIN").format(table, SQL(", ").join(map(SQL, COLUMNS)))
        with cur.copy(copy_sql) as copy:
            for envelope, prepared in again:
                copy.write_row(self._row(envelope, prepared, origins))

    #: events that change rows besides their own (every event gets its row): event class →
    #: handler, called after the batch's rows are written
    handlers = handler_table({DataSubject.Erased: _erase})
    _by_topic = by_topic(handlers)

    def _row(self, envelope: Envelope, prepared: Prepared, origins: dict[UUID, Origin]) -> tuple[Any, ...]:
        aggregate_id = envelope.originator_id
        created = envelope.originator_version == 1
        facts = complete(prepared.facts, None if created else origins.get(aggregate_id, Origin(None)))
        if created:
            origins[aggregate_id] = facts.origin
        return (
            envelope.position,
            facts.aggregate_type,
            aggregate_id,
            envelope.originator_version,
            facts.business_key,
            facts.event_type,
            envelope.topic,
            *prepared.columns,
            text_array(facts.policy_numbers),
            text_array(facts.agent_codes),
            facts.summary_zh,
            facts.summary_en,
            prepared.data_json,
        )

    def _origins(self, cur: Cursor[Any], schema: str, batch: Sequence[Envelope]) -> dict[UUID, Origin]:
        """Creation facts of the aggregates whose later events are in the batch."""
        created_here = {e.originator_id for e in batch if e.originator_version == 1}
        wanted = {e.originator_id for e in batch} - created_here
        if not wanted:
            return {}
        rows = cur.execute(
            SQL(
                "SELECT aggregate_id, business_key, policy_numbers, agent_codes FROM {} "
                "WHERE aggregate_id = ANY(%s) AND aggregate_version = 1"
            ).format(self.table(schema, "audit_trail")),
            (list(wanted),),
        ).fetchall()
        return {r[0]: Origin(r[1], tuple(r[2]), tuple(r[3])) for r in rows}


def text_array(values: list[str]) -> str:
    """A text[] literal for COPY (cheaper than the generic list adapter, row after row)."""
    if not values:
        return "{}"
    if any('"' in v or "\\" in v for v in values):  # rare: escape inside the quotes
        values = [v.replace("\\", "\\\\").replace('"', '\\"') for v in values]
    return '{"' + '","'.join(values) + '"}'
