"""Callback counters of the scorecards (考核计数): KP-01/02 and PC-07 without a scan.

One row per (month, agent, branch, channel, product type, current outcome) with the
callbacks of that group counted by what the KPIs add up (``COUNTERS``). The
scorecard queries sum these few rows instead of aggregating a month of callback
rows per request.

They are maintained as deltas: the callback rows a batch changes are compared with
what they were before the batch (the rows as loaded, or as stored when a handler
wrote without reading) and each group's counters move by the difference, in the
batch's transaction. A sum of differences does not depend on how the log was cut
into batches, so a rebuild gives the same counters as the live projection.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from psycopg import Cursor
from psycopg.sql import SQL, Identifier

from projections.rows import Row, RowCache, TableSpec

#: what a group is: a callback row's reporting dimensions and current outcome
GROUP = (
    "month",
    "agent_code",
    "branch",
    "channel",
    "product_type",
    "outcome_class",
    "outcome_category",
    "outcome_subtype",
)
#: counter → the callback row's flag it counts (``n``: every callback not excluded)
COUNTERS = {
    "n": None,
    "succeeded": "succeeded",
    "succeeded_within_cooling_off": "succeeded_within_cooling_off",
    "problem": "problem",
    "misleading": "misleading",
    "proxy_signature": "proxy_signature",
    "duplicate_phone_hit": "duplicate_phone_hit",
}
TABLE = "scorecard_callback_counts"
DDL = (
    "CREATE TABLE {schema}.scorecard_callback_counts ("
    + ", ".join(f"{c} text NOT NULL" for c in GROUP)
    + ", excluded bigint NOT NULL, "
    + ", ".join(f"{c} bigint NOT NULL" for c in COUNTERS)
    + f", PRIMARY KEY ({', '.join(GROUP)}))",
)
DEFERRED_DDL = (
    "CREATE INDEX scorecard_counts_agent ON {schema}.scorecard_callback_counts (agent_code, month)",
    "CREATE INDEX scorecard_counts_branch ON {schema}.scorecard_callback_counts (branch, month)",
)

Group = tuple[str, ...]


def contribution(row: Row | None) -> Counter[tuple[Group, str]]:
    """What one callback row adds to its group's counters (OC-06: an excluded one
    only to ``excluded``)."""
    found: Counter[tuple[Group, str]] = Counter()
    if row is None:
        return found
    group = tuple(row[c] for c in GROUP)
    if row["excluded"]:
        found[(group, "excluded")] = 1
        return found
    for counter, flag in COUNTERS.items():
        if flag is None or row[flag]:
            found[(group, counter)] = 1
    return found


_UNKNOWN = object()


class CountedCallbacks(RowCache):
    """The callback rows of a batch, remembering each changed row as it was before."""

    def __init__(self, cur: Cursor[Any], schema: str, spec: TableSpec) -> None:
        super().__init__(cur, schema, spec)
        self._before: dict[Any, Any] = {}

    def put(self, row: Row) -> None:
        self._remember(row[self.spec.key])
        super().put(row)

    def delete(self, key: Any) -> None:
        self._remember(key)
        super().delete(key)

    def _remember(self, key: Any) -> None:
        if key not in self._before:
            # cached (loaded, or known absent) before the first write: the stored row
            if key in self._rows:
                cached = self._rows[key]
                self._before[key] = None if cached is None else dict(cached)
            else:
                self._before[key] = _UNKNOWN

    def flush(self) -> None:
        unknown = [k for k, v in self._before.items() if v is _UNKNOWN]
        if unknown:  # written without being read: the table still holds the before
            stored: dict[Any, Row | None] = dict.fromkeys(unknown)
            names = self.spec.columns
            for record in self.cur.execute(self._select_where(self.spec.key), (unknown,)).fetchall():
                row = dict(zip(names, record, strict=True))
                stored[row[self.spec.key]] = row
            self._before.update(stored)
        delta: Counter[tuple[Group, str]] = Counter()
        for key, before in self._before.items():
            delta.update(contribution(self._rows.get(key)))
            delta.subtract(contribution(before))
        self._before.clear()
        super().flush()
        write_deltas(self.cur, self.schema, delta)


def write_deltas(cur: Cursor[Any], schema: str, delta: Counter[tuple[Group, str]]) -> None:
    """Move each group's counters by ``delta`` (one upsert per batch)."""
    groups: dict[Group, dict[str, int]] = {}
    for (group, counter), n in delta.items():
        if n:
            groups.setdefault(group, {})[counter] = n
    if not groups:
        return
    counters = ("excluded", *COUNTERS)
    columns = (*GROUP, *counters)
    query = SQL("INSERT INTO {}.{} ({}) VALUES ({}) ON CONFLICT ({}) DO UPDATE SET {}").format(
        Identifier(schema),
        Identifier(TABLE),
        SQL(", ").join(map(Identifier, columns)),
        SQL(", ").join(SQL("%s") for _ in columns),
        SQL(", ").join(map(Identifier, GROUP)),
        SQL(", ").join(
            SQL("{0} = {1}.{0} + EXCLUDED.{0}").format(Identifier(c), Identifier(TABLE)) for c in counters
        ),
    )
    cur.executemany(
        query, [(*group, *(found.get(c, 0) for c in counters)) for group, found in _sorted(groups)]
    )
    # a group left with no callback is gone, as if it never was (a rebuild never makes it)
    cur.execute(
        SQL("DELETE FROM {}.{} WHERE n = 0 AND excluded = 0 AND month = ANY(%s)").format(
            Identifier(schema), Identifier(TABLE)
        ),
        (sorted({g[0] for g in groups}),),
    )


def _sorted(groups: dict[Group, dict[str, int]]) -> Iterable[tuple[Group, dict[str, int]]]:
    return sorted(groups.items())  # a fixed order: concurrent writers never deadlock
