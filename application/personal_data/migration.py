"""``policytrail keys migrate``: a store written with whole-event encryption moved to
field-level sealing (迁移). A one-off re-encoding of the same facts, documented in
``docs/personal-data.md``:

- every row of the former scheme (whole state AES-GCM under the master key) is
  decrypted and written again sealed (``PersonalDataMapper.seal_row``): the decoded
  event is the same before and after (tested), only its stored bytes change;
- a ContactPoint's id was the public ``uuid5`` of its phone number; its rows move to
  the keyed id (same versions, same positions in the log), so the number can no
  longer be confirmed by hashing guesses;
- snapshots (a cache) are deleted and rebuilt on demand; read models must be rebuilt
  afterwards (their aggregate ids and masked copies), ``projections rebuild``.

RC-01 (events are never updated) is suspended for this one transaction only: nothing
of an event's meaning changes, writers are locked out (``LOCK TABLE … EXCLUSIVE``)
and either every row is moved or none. Rows already sealed are left as they are, so
running it again does nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING
from uuid import UUID

import orjson
from psycopg.rows import tuple_row

from application.adapters.personal_data.mapper import SEAL_PREFIX

if TYPE_CHECKING:
    from application.engine import TrailApplication

_CONTACT_OPENED = "domain.contact_point:ContactPoint.Opened"
_CONTACT = "domain.contact_point:ContactPoint."


@dataclass(frozen=True)
class MigrationReport:
    rows: int  # rows re-encoded
    already_sealed: int
    contact_points_rekeyed: int
    snapshots_dropped: int


def legacy_rows(app: TrailApplication) -> int:
    with app.database.connect() as conn:
        return conn.execute(  # type: ignore[no-any-return]
            f"SELECT count(*) FROM {app.events_table} WHERE substring(state from 1 for %s) <> %s",
            (len(SEAL_PREFIX), SEAL_PREFIX),
        ).fetchone()[0]


def migrate(app: TrailApplication) -> MigrationReport:
    """Re-encode every row of the former scheme in one transaction (all or nothing)."""
    mapper = app.personal.mapper(app.mapper.transcoder)
    with app.database.connect() as conn, conn.transaction(), conn.cursor(row_factory=tuple_row) as cur:
        cur.execute(f"LOCK TABLE {app.events_table} IN EXCLUSIVE MODE")
        rows = cur.execute(
            "SELECT notification_id, originator_id, originator_version, topic, state "
            f"FROM {app.events_table} "
            "ORDER BY notification_id"
        ).fetchall()
        legacy = [r for r in rows if not bytes(r[4]).startswith(SEAL_PREFIX)]
        plain: dict[int, dict[str, object]] = {}
        rekey: dict[UUID, UUID] = {}
        for position, originator_id, _, topic, state in legacy:
            plain[position] = orjson.loads(mapper.legacy.decrypt(bytes(state)))  # type: ignore[union-attr]
            if topic == _CONTACT_OPENED:
                rekey[originator_id] = app.contact_point_id(str(plain[position]["normalized"]))
        for position, originator_id, version, topic, _ in legacy:
            new_id = rekey.get(originator_id, originator_id) if topic.startswith(_CONTACT) else originator_id
            sealed = mapper.seal_row(plain[position], new_id, version, topic)
            cur.execute(
                f"UPDATE {app.events_table} SET originator_id = %s, state = %s WHERE notification_id = %s",
                (new_id, sealed, position),
            )
        dropped = 0
        if app.snapshots is not None:
            table = f'"{app.settings.events_schema}"."{app.snapshots.recorder.events_table_name}"'  # type: ignore[attr-defined]
            dropped = cur.execute(f"DELETE FROM {table}").rowcount
    return MigrationReport(len(legacy), len(rows) - len(legacy), len(rekey), dropped)
