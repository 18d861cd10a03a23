"""The ledger's sealer (封存器): appends every stored event to the Merkle tree and signs heads.

A tracked follower of the notification log built on the projections' batch engine
(``runtime.BatchRunner``: compare-and-set of the tracking row ``ledger``, the tree's
new leaves and nodes, and the heads due, in one transaction) — exactly once, safe to
kill at any instant. It is not a registered read model: its heads are signed records
with timestamps, so it is never rebuilt; its tables (``application.ledger.store``)
are created once and only appended to.

A head is signed every ``ledger_seal_every`` events (at exactly those tree sizes, so
a run cut by crashes signs the same trees as a clean one), when new events have
waited ``ledger_seal_seconds`` (``LedgerSealer``), and on demand (``seal_now``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from typing import Any

from psycopg import Connection, Cursor
from psycopg.rows import tuple_row
from psycopg.sql import SQL, Identifier

from application.ledger import store as ledger_store
from application.ledger.heads import stored_leaf_hash
from application.ledger.merkle import Frontier
from application.ledger.service import SealConfig, seal
from application.ledger.store import TRACKING_KEY, LedgerStore, sign_head
from projections.base import Envelope, Projection
from projections.live import BACKSTOP_SECONDS, LiveRunner
from projections.runtime import BatchRunner, Target, connect
from projections.source import ReadSide
from projections.tracking import Positions, lock_ids


class LedgerTree(Projection):
    """Appends leaves and completed nodes; signs a head at every multiple of ``every``."""

    name = TRACKING_KEY
    title = "账本 ledger (RFC 9162 Merkle tree, signed tree heads)"
    tables = ledger_store.TABLES
    ddl = ledger_store.DDL

    def __init__(self, config: SealConfig) -> None:
        self.config = config
        self._frontier = Frontier()  # cache of the committed right edge (checked by size)

    def prepare(self, envelope: Envelope) -> bytes:
        e = envelope.entry  # hashed exactly as stored: ciphertext, whatever the transcoder made
        return stored_leaf_hash(e.id, e.originator_id.bytes, e.originator_version, e.topic, bytes(e.state))

    def apply(self, cur: Cursor[Any], schema: str, batch: Sequence[Envelope]) -> None:
        store = LedgerStore(schema)
        size = store.size(cur)
        frontier = self._frontier if self._frontier.size == size else store.frontier(cur, size)
        frontier = frontier.copy()
        every = self.config.every
        leaves: list[tuple[int, int, Any, int, bytes]] = []
        nodes: list[tuple[int, int, bytes]] = []
        due: list[tuple[int, bytes]] = []
        for envelope in batch:
            leaf = envelope.prepared
            leaves.append(
                (frontier.size, envelope.position, envelope.originator_id, envelope.originator_version, leaf)
            )
            nodes.extend(frontier.append(leaf))
            if frontier.size % every == 0:
                due.append((frontier.size, frontier.root()))
        store.append(cur, leaves, nodes)
        if due:
            latest = store.latest(cur)
            stamp = max(self.config.now_ms(), latest.timestamp_ms if latest else 0)
            for tree_size, root in due:
                store.insert_head(
                    cur, sign_head(self.config.key, tree_size, root, stamp), "every", self.config.key
                )
        # Kept for the next batch; if this transaction does not commit, the size differs and
        # the next batch reloads the frontier from the tables.
        self._frontier = frontier


def prepare_ledger(side: ReadSide, conn: Connection[Any]) -> int:
    """Create the ledger's tables and tracking row if new (never drops anything); its position."""
    positions = Positions(side.schema)
    positions.ensure(conn)
    store = LedgerStore(side.schema)
    with conn.transaction(), conn.cursor(row_factory=tuple_row) as cur:
        cur.execute("SELECT pg_advisory_xact_lock(%s, %s)", lock_ids(side.schema, "#ddl"))
        for statement in store.statements():
            cur.execute(statement)
        row = positions.get(cur, TRACKING_KEY, for_update=True)
        if row is None:
            if store.size(cur):
                raise RuntimeError("ledger leaves exist without a tracking row: refusing to guess")
            positions.insert(cur, TRACKING_KEY, 0, LedgerTree.version)
            return 0
        return row.position


def catch_up(side: ReadSide, config: SealConfig, stop: threading.Event | None = None) -> int:
    """Append everything stored so far (with heads due) in this process; returns the position."""
    with connect(side.url) as work:
        prepare_ledger(side, work)
        target = Target(LedgerTree(config), side.schema, TRACKING_KEY)
        return BatchRunner(side, target, work, stop=stop).catch_up()


def seal_now(side: ReadSide, config: SealConfig, reason: str = "demand") -> Any:
    """``policytrail ledger seal``: catch the tree up to the head of the log, sign it."""
    catch_up(side, config)
    with connect(side.url) as conn, conn.transaction(), conn.cursor(row_factory=tuple_row) as cur:
        return seal(cur, LedgerStore(side.schema), config, reason)


class LedgerSealer(LiveRunner):
    """The sealer kept live: catch up, follow NOTIFYs, sign a head after ``seconds`` idle.

    One per database (advisory lock; another process waits as standby), like a
    projection's live runner; runs inside ``projections run`` / ``serve`` or alone
    (``policytrail ledger run``).
    """

    def __init__(self, side: ReadSide, config: SealConfig, **kwargs: Any) -> None:
        self.tree = LedgerTree(config)
        super().__init__(side, self.tree, **kwargs)
        self.config = config

    def _run(self, catch_up_only: bool) -> None:
        side = self.side
        store = LedgerStore(side.schema)
        with connect(side.url) as session, connect(side.url) as work:
            if not self._lock(session):
                return
            prepare_ledger(side, work)
            session.execute(SQL("LISTEN {}").format(Identifier(side.source.channel)))
            runner = BatchRunner(
                side,
                Target(self.tree, side.schema, TRACKING_KEY),
                work,
                on_progress=self.on_progress,
                stop=self.stop,
            )
            self._state("catching up 追赶中")
            runner.catch_up()
            self.caught_up.set()
            self._state("live 实时")
            if catch_up_only:
                return
            last_read = last_sealed = time.monotonic()
            while not self.stop.is_set():
                woke = any(True for _ in session.notifies(timeout=0.5, stop_after=1))
                if woke or time.monotonic() - last_read > BACKSTOP_SECONDS:
                    runner.catch_up()
                    last_read = time.monotonic()
                if time.monotonic() - last_sealed >= self.config.seconds:
                    self._seal_if_grown(work, store)
                    last_sealed = time.monotonic()

    def _seal_if_grown(self, work: Connection[Any], store: LedgerStore) -> None:
        with work.transaction(), work.cursor(row_factory=tuple_row) as cur:
            latest = store.latest(cur)
            if store.size(cur) > (latest.tree_size if latest else 0):
                seal(cur, store, self.config, "interval")
