"""The ledger as the application offers it (账本服务): heads, proofs, sealing on demand."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import Any

from psycopg import Connection, Cursor
from psycopg.rows import tuple_row
from psycopg.sql import SQL, Composed, Identifier

from application.ledger import merkle
from application.ledger.documents import ConsistencyProof, InclusionProof
from application.ledger.heads import Leaf, SignedTreeHead
from application.ledger.keys import SigningKey, resolve_signing_key
from application.ledger.store import LedgerNotStarted, LedgerStore, sign_head
from domain.shared.errors import InvalidInput, NotFound

Connect = Callable[[], AbstractContextManager[Connection[Any]]]


@dataclass(frozen=True)
class SealConfig:
    """How heads are signed: the key, every N events, after T seconds, the clock."""

    key: SigningKey
    every: int
    seconds: float
    now_ms: Callable[[], int]

    @classmethod
    def from_app(cls, app: Any) -> SealConfig:
        s = app.settings
        return cls(
            key=resolve_signing_key(s),
            every=s.ledger_seal_every,
            seconds=s.ledger_seal_seconds,
            now_ms=lambda: int(app.clock.now().timestamp() * 1000),
        )


def events_table(app: Any) -> Composed:
    return SQL("{}.{}").format(
        Identifier(app.settings.events_schema), Identifier(app.trail_recorder.events_table_name)
    )


def seal(cur: Cursor[Any], store: LedgerStore, config: SealConfig, reason: str) -> SignedTreeHead | None:
    """Sign the tree as far as it is built (in the caller's transaction); None when empty.

    Locks the sealer's tracking row first, so no append runs meanwhile; a head of the
    same size already signed is returned instead of a second one.
    """
    store.lock_tree(cur)
    size = store.size(cur)
    if size == 0:
        return None
    existing = store.head(cur, size)
    if existing is not None:
        return existing
    latest = store.latest(cur)
    # Timestamps never go backwards, whatever the clocks of the processes that sign.
    stamp = max(config.now_ms(), latest.timestamp_ms if latest else 0)
    sth = sign_head(config.key, size, store.root(cur, size), stamp)
    store.insert_head(cur, sth, reason, config.key)
    return sth


class Ledger:
    """Read and prove; see ``application.ledger`` for the API."""

    def __init__(
        self, connect: Connect, read_schema: str, events: Composed, config: SealConfig | None = None
    ) -> None:
        self._connect = connect
        self.store = LedgerStore(read_schema)
        self._events = events
        self.config = config

    @classmethod
    def from_app(cls, app: Any, *, signing: bool = True) -> Ledger:
        """On the application's connection pool; ``signing``: able to ``seal``."""
        return cls(
            app.recorder.datastore.get_connection,
            app.settings.read_schema,
            events_table(app),
            SealConfig.from_app(app) if signing else None,
        )

    @contextmanager
    def _cursor(self) -> Iterator[Cursor[Any]]:
        with self._connect() as conn, conn.cursor(row_factory=tuple_row) as cur:
            if not self.store.exists(cur):
                raise LedgerNotStarted(
                    "the ledger has not started on this database (run policytrail ledger run, or serve)"
                )
            yield cur

    # ----- heads --------------------------------------------------------------------------
    def latest_head(self) -> SignedTreeHead | None:
        with self._cursor() as cur:
            return self.store.latest(cur)

    def heads(self, limit: int = 100, before: int | None = None) -> list[SignedTreeHead]:
        """Newest first; ``before``: heads of smaller trees only (paging)."""
        with self._cursor() as cur:
            return self.store.list_heads(cur, limit=limit, before=before)

    def head(self, tree_size: int) -> SignedTreeHead:
        with self._cursor() as cur:
            sth = self.store.head(cur, tree_size)
        if sth is None:
            raise NotFound(f"no signed tree head of size {tree_size}", f"没有大小为 {tree_size} 的签名树头")
        return sth

    def head_covering(self, position: int) -> SignedTreeHead | None:
        """The latest head whose tree includes the event at ``position`` (None: not sealed yet)."""
        with self._cursor() as cur:
            leaf = self.store.leaf_at(cur, position)
            latest = self.store.latest(cur)
        if leaf is None or latest is None or leaf[0] >= latest.tree_size:
            return None
        return latest

    def public_keys(self) -> list[tuple[str, bytes]]:
        with self._cursor() as cur:
            return self.store.public_keys(cur)

    # ----- proofs -------------------------------------------------------------------------
    def inclusion_proof(self, position: int, tree_size: int | None = None) -> InclusionProof:
        """Proof that the event at ``position`` is in the signed tree of ``tree_size``
        (default: the latest head)."""
        with self._cursor() as cur:
            sth = self.store.head(cur, tree_size) if tree_size is not None else self.store.latest(cur)
            if sth is None:
                raise NotFound(
                    f"no signed tree head of size {tree_size}" if tree_size else "no signed tree head yet",
                    "没有该签名树头",
                )
            sealed = self.store.leaf_at(cur, position)
            if sealed is None:
                raise NotFound(
                    f"position {position} is not sealed in the ledger", f"位置 {position} 尚未入账"
                )
            index = sealed[0]
            if index >= sth.tree_size:
                raise InvalidInput(
                    f"position {position} is leaf {index}, not in the tree of size {sth.tree_size}",
                    f"位置 {position} 不在大小为 {sth.tree_size} 的树中",
                )
            path = self.store.proof(cur, merkle.inclusion_ranges(index, sth.tree_size))
            leaf = self._stored_leaf(cur, position)
        return InclusionProof(sth, leaf, index, path)

    def consistency_proof(self, first: int, second: int) -> ConsistencyProof:
        """Proof that the signed tree of size ``second`` extends the one of size ``first``."""
        if first > second:
            raise InvalidInput(
                f"first ({first}) must not be larger than second ({second})", "first 不能大于 second"
            )
        with self._cursor() as cur:
            heads = [self.store.head(cur, first), self.store.head(cur, second)]
            for size, sth in zip((first, second), heads, strict=True):
                if sth is None:
                    raise NotFound(f"no signed tree head of size {size}", f"没有大小为 {size} 的签名树头")
            proof = self.store.proof(cur, merkle.consistency_ranges(first, second))
        assert heads[0] is not None and heads[1] is not None
        return ConsistencyProof(heads[0], heads[1], proof)

    def _stored_leaf(self, cur: Cursor[Any], position: int) -> Leaf:
        row = cur.execute(
            SQL(
                "SELECT notification_id, originator_id, originator_version, topic, state FROM {}"
                " WHERE notification_id = %s"
            ).format(self._events),
            (position,),
        ).fetchone()
        if row is None:  # sealed, then deleted: the proof cannot be given (verify names it)
            raise NotFound(
                f"the event at position {position} is no longer in the event table",
                f"位置 {position} 的事件已不在事件表中",
            )
        return Leaf.of_stored(row[0], row[1], row[2], row[3], bytes(row[4]))

    # ----- sealing ------------------------------------------------------------------------
    def seal(self, reason: str = "demand") -> SignedTreeHead | None:
        """Sign a head over the tree as far as the sealer has built it (None: empty)."""
        if self.config is None:
            raise RuntimeError("this Ledger was opened without a signing key")
        with self._connect() as conn, conn.transaction(), conn.cursor(row_factory=tuple_row) as cur:
            if not self.store.exists(cur):
                raise LedgerNotStarted("the ledger has not started on this database")
            return seal(cur, self.store, self.config, reason)
