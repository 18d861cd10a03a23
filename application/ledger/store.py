"""The ledger's tables (账本表) in the read schema, and the SQL over them.

- ``ledger_leaves``: one row per sealed event — leaf index, position, originator id
  and version (to name what differs when verifying), leaf hash.
- ``ledger_nodes``: every interior node (level ≥ 1) of the tree — the root of a
  complete subtree — written once when completed. With the leaves they answer any
  proof by index lookups (``merkle.range_nodes``).
- ``ledger_heads``: signed tree heads, one per tree size; records, never rebuilt.
- ``ledger_keys``: public keys that signed heads (served to auditors; ``verify`` does
  not trust them, see ``keys.trusted_public_keys``).

The tree is appended by the sealer (``projections.ledger``) in the same transaction
as its tracking position (row ``ledger`` of ``projection_positions``); ``seal`` locks
that row, so a head is always signed over a tree no one is appending to.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any
from uuid import UUID

from psycopg import Cursor
from psycopg.sql import SQL, Composed, Identifier

from application.ledger import merkle
from application.ledger.heads import SignedTreeHead, signing_input
from application.ledger.keys import SigningKey

TRACKING_KEY = "ledger"
POSITIONS_TABLE = "projection_positions"  # the read side's tracking table (projections.tracking)
TABLES = ("ledger_leaves", "ledger_nodes", "ledger_heads", "ledger_keys")
DDL = (
    "CREATE TABLE IF NOT EXISTS {schema}.ledger_leaves ("
    " leaf_index bigint PRIMARY KEY, position bigint NOT NULL UNIQUE,"
    " originator_id uuid NOT NULL, originator_version bigint NOT NULL, hash bytea NOT NULL)",
    "CREATE TABLE IF NOT EXISTS {schema}.ledger_nodes ("
    " level smallint NOT NULL, node_index bigint NOT NULL, hash bytea NOT NULL,"
    " PRIMARY KEY (level, node_index))",
    "CREATE TABLE IF NOT EXISTS {schema}.ledger_heads ("
    " tree_size bigint PRIMARY KEY, root_hash bytea NOT NULL, timestamp_ms bigint NOT NULL,"
    " key_id text NOT NULL, signature bytea NOT NULL, reason text NOT NULL,"
    " recorded_at timestamptz NOT NULL DEFAULT now())",
    "CREATE TABLE IF NOT EXISTS {schema}.ledger_keys ("
    " key_id text PRIMARY KEY, public_key bytea NOT NULL, first_used_at timestamptz NOT NULL DEFAULT now())",
)

#: why a head was signed: every N events, after T seconds, or asked for
REASONS = ("every", "interval", "demand")


class LedgerNotStarted(Exception):
    """The ledger's tables do not exist yet (no sealer has run on this database)."""


class LedgerStore:
    """SQL over the ledger tables of one schema (methods take the caller's cursor)."""

    def __init__(self, schema: str) -> None:
        self.schema = schema
        self.leaves = self._t("ledger_leaves")
        self.nodes = self._t("ledger_nodes")
        self.heads = self._t("ledger_heads")
        self.keys = self._t("ledger_keys")
        self.positions = self._t(POSITIONS_TABLE)

    def _t(self, name: str) -> Composed:
        return SQL("{}.{}").format(Identifier(self.schema), Identifier(name))

    def statements(self) -> list[Composed]:
        return [SQL(s).format(schema=Identifier(self.schema)) for s in DDL]  # type: ignore[arg-type]

    def exists(self, cur: Cursor[Any]) -> bool:
        row = cur.execute("SELECT to_regclass(%s)", (f'"{self.schema}".ledger_heads',)).fetchone()
        return bool(row and row[0])

    # ----- the tree ---------------------------------------------------------------------
    def size(self, cur: Cursor[Any]) -> int:
        row = cur.execute(SQL("SELECT max(leaf_index) FROM {}").format(self.leaves), prepare=True).fetchone()
        return 0 if row is None or row[0] is None else row[0] + 1

    def fetch_nodes(self, cur: Cursor[Any], wanted: Iterable[merkle.Node]) -> dict[merkle.Node, bytes]:
        wanted = list(wanted)
        leaves = [i for level, i in wanted if level == 0]
        levels = [level for level, _ in wanted if level > 0]
        indexes = [i for level, i in wanted if level > 0]
        found: dict[merkle.Node, bytes] = {}
        if leaves:
            rows = cur.execute(
                SQL("SELECT leaf_index, hash FROM {} WHERE leaf_index = ANY(%s)").format(self.leaves),
                (leaves,),
                prepare=True,
            ).fetchall()
            found.update({(0, i): bytes(h) for i, h in rows})
        if levels:
            rows = cur.execute(
                SQL(
                    "SELECT n.level, n.node_index, n.hash"
                    " FROM unnest(%s::smallint[], %s::bigint[]) AS w(l, i)"
                    " JOIN {} n ON n.level = w.l AND n.node_index = w.i"
                ).format(self.nodes),
                (levels, indexes),
                prepare=True,
            ).fetchall()
            found.update({(lv, i): bytes(h) for lv, i, h in rows})
        missing = set(wanted) - set(found)
        if missing:
            raise LookupError(f"ledger nodes missing: {sorted(missing)[:5]}")
        return found

    def frontier(self, cur: Cursor[Any], size: int) -> merkle.Frontier:
        nodes = merkle.range_nodes(0, size)
        found = self.fetch_nodes(cur, nodes)
        return merkle.Frontier(size, [found[n] for n in nodes])

    def root(self, cur: Cursor[Any], size: int) -> bytes:
        return self.frontier(cur, size).root()

    def proof(self, cur: Cursor[Any], ranges: Sequence[merkle.Range]) -> tuple[bytes, ...]:
        found = self.fetch_nodes(cur, merkle.nodes_of(ranges))
        return tuple(merkle.resolve(ranges, found.__getitem__))

    def append(
        self,
        cur: Cursor[Any],
        leaves: Sequence[tuple[int, int, UUID, int, bytes]],
        nodes: Sequence[tuple[int, int, bytes]],
    ) -> None:
        """COPY new leaves (index, position, originator, version, hash) and nodes."""
        if leaves:
            with cur.copy(
                SQL(
                    "COPY {} (leaf_index, position, originator_id, originator_version, hash) FROM STDIN"
                ).format(self.leaves)
            ) as copy:
                for row in leaves:
                    copy.write_row(row)
        if nodes:
            with cur.copy(SQL("COPY {} (level, node_index, hash) FROM STDIN").format(self.nodes)) as copy:
                for row in nodes:
                    copy.write_row(row)

    def leaf_at(self, cur: Cursor[Any], position: int) -> tuple[int, UUID, int, bytes] | None:
        """(leaf index, originator id, originator version, hash) of a sealed position."""
        row = cur.execute(
            SQL(
                "SELECT leaf_index, originator_id, originator_version, hash FROM {} WHERE position = %s"
            ).format(self.leaves),
            (position,),
        ).fetchone()
        return None if row is None else (row[0], row[1], row[2], bytes(row[3]))

    def sealed_position_of(self, cur: Cursor[Any], originator_id: UUID, version: int) -> int | None:
        """Where an event was sealed (the failure path of verify; a scan)."""
        row = cur.execute(
            SQL("SELECT position FROM {} WHERE originator_id = %s AND originator_version = %s").format(
                self.leaves
            ),
            (originator_id, version),
        ).fetchone()
        return None if row is None else row[0]

    # ----- heads ------------------------------------------------------------------------
    _HEAD = "SELECT tree_size, root_hash, timestamp_ms, key_id, signature FROM {} "

    def head(self, cur: Cursor[Any], tree_size: int) -> SignedTreeHead | None:
        row = cur.execute(
            SQL(self._HEAD + "WHERE tree_size = %s").format(self.heads), (tree_size,)
        ).fetchone()
        return _head(row) if row else None

    def latest(self, cur: Cursor[Any]) -> SignedTreeHead | None:
        row = cur.execute(
            SQL(self._HEAD + "ORDER BY tree_size DESC LIMIT 1").format(self.heads), prepare=True
        ).fetchone()
        return _head(row) if row else None

    def list_heads(
        self, cur: Cursor[Any], *, limit: int | None = None, before: int | None = None
    ) -> list[SignedTreeHead]:
        """Newest first; ``before``: only heads of smaller trees (paging)."""
        query = SQL(self._HEAD).format(self.heads)
        params: list[Any] = []
        if before is not None:
            query += SQL("WHERE tree_size < %s ")
            params.append(before)
        query += SQL("ORDER BY tree_size DESC")
        if limit is not None:
            query += SQL(" LIMIT %s")
            params.append(limit)
        return [_head(r) for r in cur.execute(query, params).fetchall()]

    def all_heads(self, cur: Cursor[Any]) -> list[SignedTreeHead]:
        """Oldest first (verify)."""
        return list(reversed(self.list_heads(cur)))

    def insert_head(self, cur: Cursor[Any], sth: SignedTreeHead, reason: str, key: SigningKey) -> None:
        cur.execute(
            SQL(
                "INSERT INTO {} (tree_size, root_hash, timestamp_ms, key_id, signature, reason)"
                " VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (tree_size) DO NOTHING"
            ).format(self.heads),
            (sth.tree_size, sth.root_hash, sth.timestamp_ms, sth.key_id, sth.signature, reason),
        )
        cur.execute(
            SQL("INSERT INTO {} (key_id, public_key) VALUES (%s, %s) ON CONFLICT DO NOTHING").format(
                self.keys
            ),
            (key.key_id, key.public_key.raw),
        )

    def public_keys(self, cur: Cursor[Any]) -> list[tuple[str, bytes]]:
        rows = cur.execute(SQL("SELECT key_id, public_key FROM {} ORDER BY first_used_at").format(self.keys))
        return [(k, bytes(p)) for k, p in rows.fetchall()]

    def lock_tree(self, cur: Cursor[Any]) -> int:
        """Lock the tracking row (appends wait); returns the tree's position. Raises if absent."""
        row = cur.execute(
            SQL("SELECT position FROM {} WHERE name = %s FOR UPDATE").format(self.positions), (TRACKING_KEY,)
        ).fetchone()
        if row is None:
            raise LedgerNotStarted("the ledger has not started on this database (run policytrail ledger run)")
        return int(row[0])


def sign_head(key: SigningKey, tree_size: int, root: bytes, timestamp_ms: int) -> SignedTreeHead:
    data = signing_input(tree_size, root, timestamp_ms, key.key_id)
    return SignedTreeHead(tree_size, root, timestamp_ms, key.key_id, key.sign(data))


def _head(row: Any) -> SignedTreeHead:
    return SignedTreeHead(
        tree_size=row[0], root_hash=bytes(row[1]), timestamp_ms=row[2], key_id=row[3], signature=bytes(row[4])
    )
