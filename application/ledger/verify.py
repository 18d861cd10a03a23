"""``policytrail ledger verify`` (账本校验): recompute the tree from the event table.

In one REPEATABLE READ snapshot it streams the event table in log order, hashes each
row as stored into a leaf, and

- compares the leaves with the sealed ones: the first difference is named with its
  position and kind — ``changed`` (the row's bytes or topic), ``missing`` (deleted),
  ``extra`` (inserted after sealing), ``out of order`` (an event moved to another
  position);
- recomputes the root at the size of every signed tree head and checks it, the
  head's signature with the trusted public keys, and that timestamps never go back;
- checks that the stored nodes prove each head consistent with the one before.

Events after the last sealed leaf are counted as not yet sealed (no finding).

By default the stored bytes are read and hashed here, trusting nothing the server
computes; ``client_hash=False`` (``--server-hash``) lets PostgreSQL compute each
state's SHA-256 (``pg_catalog.sha256``, in the server process; only 32 bytes per row
travel) — about as fast on this 2-core machine, where both processes share the CPUs.
"""

from __future__ import annotations

import contextlib
import itertools
import queue
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import psycopg
from psycopg.sql import SQL, Composed

from application.ledger import merkle
from application.ledger.heads import SignedTreeHead, digest_leaf_hash, stored_leaf_hash
from application.ledger.keys import PublicKey
from application.ledger.store import LedgerStore

CHUNK = 5000


@dataclass(frozen=True)
class Finding:
    kind: str  # changed | missing | extra | out of order | head root | head signature | head order | nodes
    message: str
    position: int | None = None
    tree_size: int | None = None


@dataclass
class VerifyReport:
    events: int = 0  # rows of the event table read
    sealed: int = 0  # leaves in the ledger
    heads: int = 0  # signed tree heads checked
    seconds: float = 0.0
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings

    @property
    def unsealed(self) -> int:
        return max(self.events - self.sealed, 0)

    @property
    def rate(self) -> float:
        return self.events / self.seconds if self.seconds > 0 else 0.0


Progress = Callable[[int, int], None]  # (events read, events in the table)


def verify_ledger(
    url: str,
    store: LedgerStore,
    events: Composed,
    keys: Mapping[str, PublicKey],
    on_progress: Progress | None = None,
    *,
    client_hash: bool = True,
) -> VerifyReport:
    started = time.perf_counter()
    report = VerifyReport()
    with psycopg.connect(url) as conn:
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        cur = conn.cursor()
        heads = store.all_heads(cur)
        report.heads = len(heads)
        report.sealed = store.size(cur)
        total = cur.execute(SQL("SELECT count(*) FROM {}").format(events)).fetchone()[0]  # type: ignore[index]
        _check_signatures(heads, keys, report)
        _check_nodes(cur, store, heads, report)
        _walk(conn, cur, store, events, heads, report, total, on_progress, client_hash)
    report.seconds = time.perf_counter() - started
    return report


def _check_signatures(
    heads: list[SignedTreeHead], keys: Mapping[str, PublicKey], report: VerifyReport
) -> None:
    previous = 0
    for sth in heads:
        key = keys.get(sth.key_id)
        if key is None:
            report.findings.append(
                Finding(
                    "head signature",
                    f"tree head {sth.tree_size}: signed by key {sth.key_id}, "
                    "which is not trusted (pass its public key with --public-key)",
                    tree_size=sth.tree_size,
                )
            )
        elif not key.verify(sth.signature, sth.signing_input()):
            report.findings.append(
                Finding(
                    "head signature",
                    f"tree head {sth.tree_size}: the signature does not verify "
                    f"with key {sth.key_id} (root, size, time or signature altered)",
                    tree_size=sth.tree_size,
                )
            )
        if sth.timestamp_ms < previous:
            report.findings.append(
                Finding(
                    "head order",
                    f"tree head {sth.tree_size}: signed before the smaller tree before it",
                    tree_size=sth.tree_size,
                )
            )
        previous = sth.timestamp_ms


def _check_nodes(cur: Any, store: LedgerStore, heads: list[SignedTreeHead], report: VerifyReport) -> None:
    """The stored nodes must prove each head consistent with the previous one."""
    for first, second in itertools.pairwise(heads):
        try:
            proof = store.proof(cur, merkle.consistency_ranges(first.tree_size, second.tree_size))
        except LookupError as exc:
            report.findings.append(Finding("nodes", str(exc), tree_size=second.tree_size))
            return
        if not merkle.verify_consistency(
            first.tree_size, second.tree_size, first.root_hash, second.root_hash, proof
        ):
            report.findings.append(
                Finding(
                    "nodes",
                    f"tree heads {first.tree_size} → {second.tree_size}: the stored tree "
                    "does not prove them consistent",
                    tree_size=second.tree_size,
                )
            )
            return


def _walk(
    conn: psycopg.Connection[Any],
    cur: Any,
    store: LedgerStore,
    events: Composed,
    heads: list[SignedTreeHead],
    report: VerifyReport,
    total: int,
    on_progress: Progress | None,
    client_hash: bool,
) -> None:
    ev = conn.cursor(name="ledger_verify_events", binary=True)
    # The bytes come here and are hashed here, unless the server is asked for their SHA-256.
    state = SQL("state") if client_hash else SQL("pg_catalog.sha256(state)")
    ev.execute(
        SQL(
            "SELECT notification_id, uuid_send(originator_id), originator_version, topic, {}"
            " FROM {} ORDER BY notification_id"
        ).format(state, events)
    )
    leaf_of = stored_leaf_hash if client_hash else digest_leaf_hash
    lv = conn.cursor(name="ledger_verify_leaves", binary=True)
    lv.execute(SQL("SELECT position, hash FROM {} ORDER BY leaf_index").format(store.leaves))
    frontier = merkle.Frontier()
    due = list(heads)  # heads in size order, checked as the tree reaches them
    next_head = due.pop(0) if due else None
    comparing = True
    leaves: list[tuple[int, bytes]] = []
    li = 0
    for rows in _read_ahead(ev):
        for position, originator, version, topic, stored in rows:
            h = leaf_of(position, originator, version, topic, stored)
            if comparing:
                if li == len(leaves):
                    leaves, li = lv.fetchmany(CHUNK), 0
                if not leaves:
                    comparing = False  # past the sealed leaves: not yet sealed
                else:
                    sealed_position, sealed_hash = leaves[li]
                    li += 1
                    if sealed_position != position or sealed_hash != h:
                        report.findings.insert(
                            0,
                            _classify(
                                cur,
                                store,
                                events,
                                (position, UUID(bytes=originator), version),
                                sealed_position,
                                sealed_hash == h,
                            ),
                        )
                        comparing = False
            frontier.append(h)
            while next_head is not None and frontier.size == next_head.tree_size:
                if frontier.root() != next_head.root_hash:
                    report.findings.append(
                        Finding(
                            "head root",
                            f"tree head {next_head.tree_size}: its root differs from the tree "
                            "recomputed from the event table",
                            tree_size=next_head.tree_size,
                        )
                    )
                next_head = due.pop(0) if due else None
        report.events += len(rows)
        if on_progress is not None:
            on_progress(report.events, total)
    if comparing:
        rest = leaves[li:] or lv.fetchmany(1)
        if rest:  # sealed leaves the event table no longer has
            report.findings.insert(0, _classify(cur, store, events, None, rest[0][0], False))
    for sth in ([next_head] if next_head else []) + due:
        report.findings.append(
            Finding(
                "head root",
                f"tree head {sth.tree_size}: covers more events than the table holds ({frontier.size})",
                tree_size=sth.tree_size,
            )
        )
    ev.close()
    lv.close()


def _read_ahead(cursor: Any, depth: int = 3) -> Iterator[list[Any]]:
    """Chunks of ``cursor`` fetched by a thread: the server works on the next chunk while
    this process hashes the current one (psycopg releases the GIL while it waits)."""
    chunks: queue.Queue[list[Any] | BaseException] = queue.Queue(depth)
    done = threading.Event()

    def fetch() -> None:
        try:
            while not done.is_set():
                rows = cursor.fetchmany(CHUNK)
                chunks.put(rows)
                if not rows:
                    return
        except BaseException as exc:
            chunks.put(exc)

    thread = threading.Thread(target=fetch, name="ledger-verify-read", daemon=True)
    thread.start()
    try:
        while True:
            item = chunks.get()
            if isinstance(item, BaseException):
                raise item
            if not item:
                return
            yield item
    finally:
        done.set()
        while thread.is_alive():  # unblock a reader waiting on a full queue
            with contextlib.suppress(queue.Empty):
                chunks.get(timeout=0.05)


def _classify(
    cur: Any,
    store: LedgerStore,
    events: Composed,
    event: tuple[int, UUID, int] | None,
    sealed_position: int,
    same_hash: bool,
) -> Finding:
    """Name the first difference between the event table and the sealed leaves."""

    def now_at(originator: UUID, version: int) -> int | None:
        row = cur.execute(
            SQL("SELECT notification_id FROM {} WHERE originator_id = %s AND originator_version = %s").format(
                events
            ),
            (originator, version),
        ).fetchone()
        return None if row is None else row[0]

    if event is not None and event[0] <= sealed_position:
        position, originator, version = event
        sealed_at = store.sealed_position_of(cur, originator, version)
        if sealed_at is not None and sealed_at != position:
            return Finding(
                "out of order",
                f"position {position}: holds the event sealed at position {sealed_at} (rows reordered)",
                position=position,
            )
        if position < sealed_position:
            return Finding(
                "extra",
                f"position {position}: this row was not sealed (inserted after sealing)",
                position=position,
            )
        return Finding(
            "changed",
            f"position {position}: the row differs from what was sealed (state bytes or topic changed)",
            position=position,
        )
    sealed = store.leaf_at(cur, sealed_position)
    moved = now_at(sealed[1], sealed[2]) if sealed else None
    if moved is not None:
        return Finding(
            "out of order",
            f"position {sealed_position}: the event sealed there is now at position {moved} (rows reordered)",
            position=sealed_position,
        )
    return Finding(
        "missing",
        f"position {sealed_position}: sealed, but no longer in the event table (deleted)",
        position=sealed_position,
    )
