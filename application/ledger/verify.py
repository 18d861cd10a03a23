"""``policytrail ledger verify`` (账本校验): recompute the tree from the event table.

In one REPEATABLE READ snapshot it reads the event table in position ranges on two
connections (``partitions``), hashes each row as stored into a leaf, and

- compares the leaves with the sealed ones, a batch at a time as bytes (read on a second
  connection that imports the same snapshot); the first difference is named with its
  position and kind — ``changed`` (the row's bytes or topic), ``missing`` (deleted),
  ``extra`` (inserted after sealing), ``out of order`` (an event moved to another
  position);
- recomputes the root at the size of every signed tree head and checks it, the
  head's signature with the trusted public keys, and that timestamps never go back;
- checks that the stored nodes prove each head consistent with the one before.

Events after the last sealed leaf are counted as not yet sealed (no finding).

Who hashes the leaves (``client_hash``): by default both — three connections have
PostgreSQL hash their ranges, a fourth sends the stored bytes, hashed here — and each
takes the next range as soon as it is free, so both CPUs work (``partitions`` says what
each costs); ``True`` (``--client-hash``, strict) hashes every state and leaf here,
trusting nothing the server computes; ``False`` (``--server-hash``) has PostgreSQL
hash every range.
"""

from __future__ import annotations

import contextlib
import itertools
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import psycopg
from psycopg.sql import SQL, Composed, Literal

from application.ledger import merkle, partitions
from application.ledger.heads import SignedTreeHead
from application.ledger.keys import PublicKey
from application.ledger.store import LedgerStore

#: events per range: few round trips, and one range of rows per connection (~20 MB at
#: ~1 KB an event) held at once
CHUNK = 20_000
HASH = merkle.HASH_SIZE
#: the reading connections by ``client_hash``: whether PostgreSQL hashes the ranges each
#: one reads (True) or this process does (False). Hashing here is bound to one CPU by
#: the GIL, so one such connection is enough (two in strict mode: one receives while the
#: other hashes); three hashing in PostgreSQL keep going when this process gets little
#: CPU. On this 2-core machine, runs of 996,730 events back to back (2026-12-05):
#: load ~10: 3+1 142–156k events/s, 2+1 104–125k, previous default (2, PostgreSQL
#: only) 95–98k; load ~4.3: 3+1 215–232k, 2+1 174–232k, previous 183–243k.
HASHERS: dict[bool | None, tuple[bool, ...]] = {
    None: (True, True, True, False),
    True: (False, False),
    False: (True, True),
}


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
    client_hash: bool | None = None,
) -> VerifyReport:
    started = time.perf_counter()
    report = VerifyReport()
    with psycopg.connect(url) as conn:
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        cur = conn.cursor()
        heads = store.all_heads(cur)
        report.heads = len(heads)
        report.sealed = store.size(cur)
        _check_signatures(heads, keys, report)
        _check_nodes(cur, store, heads, report)
        _walk(conn, cur, store, events, heads, report, on_progress, client_hash)
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


class _SealedLeaves:
    """The sealed leaves in ``leaf_index`` order as positions (8 bytes each) and hashes
    (32 each), read in keyset pages on a second connection that shares the walk's
    snapshot. A stored hash that is not 32 bytes long reads as 32 zero bytes, which no
    event's leaf hash equals."""

    def __init__(self, conn: psycopg.Connection[Any], store: LedgerStore) -> None:
        self._cur = conn.cursor(binary=True)
        self._query = SQL(
            "SELECT string_agg(int8send(position), ''::bytea ORDER BY leaf_index),"
            " string_agg(CASE WHEN length(hash) = 32 THEN hash ELSE decode(repeat('00', 32), 'hex') END,"
            " ''::bytea ORDER BY leaf_index), max(leaf_index)"
            " FROM (SELECT leaf_index, position, hash FROM {} WHERE leaf_index > %s"
            " ORDER BY leaf_index LIMIT %s) page"
        ).format(store.leaves)
        self._positions = self._hashes = b""
        self._last = -1
        self._done = False

    def take(self, count: int) -> tuple[bytes, bytes]:
        """The next ``count`` (positions, hashes) (fewer at the end of the leaves)."""
        while len(self._positions) < 8 * count and not self._done:
            positions, hashes, last = self._cur.execute(
                self._query, (self._last, max(count, CHUNK))
            ).fetchone()  # type: ignore[misc]
            if positions is None:
                self._done = True
            else:
                self._positions += positions
                self._hashes += hashes
                self._last = last
        taken = (self._positions[: 8 * count], self._hashes[: HASH * count])
        self._positions, self._hashes = self._positions[8 * count :], self._hashes[HASH * count :]
        return taken


def _first_difference(batch: partitions.Batch, positions: bytes, sealed: bytes) -> int:
    """The index of the first event whose position or leaf differs from the sealed one."""
    for i in range(len(positions) // 8):
        if batch.positions[8 * i : 8 * i + 8] != positions[8 * i : 8 * i + 8] or (
            batch.hashes[HASH * i : HASH * i + HASH] != sealed[HASH * i : HASH * i + HASH]
        ):
            return i
    raise ValueError("no difference")  # pragma: no cover - called only when they differ


def _walk(
    conn: psycopg.Connection[Any],
    cur: Any,
    store: LedgerStore,
    events: Composed,
    heads: list[SignedTreeHead],
    report: VerifyReport,
    on_progress: Progress | None,
    client_hash: bool | None,
) -> None:
    snapshot = cur.execute("SELECT pg_export_snapshot()").fetchone()[0]
    frontier = merkle.Frontier()
    due = list(heads)  # heads in size order, checked as the tree reaches them
    comparing = True
    mismatch: tuple[int, int, bool] | None = None  # (event position, sealed position, same hash)
    with contextlib.ExitStack() as stack:
        second = stack.enter_context(psycopg.connect(conn.info.dsn, password=conn.info.password))
        second.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        second.execute(SQL("SET TRANSACTION SNAPSHOT {}").format(Literal(snapshot)))
        sealed_leaves = _SealedLeaves(second, store)
        total, starts = partitions.bounds(cur, events, CHUNK)
        reader = stack.enter_context(
            partitions.RangeReader(conn.info.dsn, conn.info.password, snapshot, events, HASHERS[client_hash])
        )
        batches = reader.batches(starts)
        # on an early exit, the reading threads stop before their connections close
        stack.enter_context(contextlib.closing(batches))
        for batch in batches:
            hashes = batch.hashes
            leaves = [hashes[i : i + HASH] for i in range(0, len(hashes), HASH)]
            if comparing:
                positions, sealed = sealed_leaves.take(len(leaves))
                if batch.positions[: len(positions)] != positions or hashes[: len(sealed)] != sealed:
                    at = _first_difference(batch, positions, sealed)
                    mismatch = (
                        int.from_bytes(batch.positions[8 * at : 8 * at + 8], "big"),
                        int.from_bytes(positions[8 * at : 8 * at + 8], "big"),
                        leaves[at] == sealed[HASH * at : HASH * at + HASH],
                    )
                    comparing = False
                elif len(positions) < len(batch.positions):
                    comparing = False  # past the sealed leaves: not yet sealed
            _grow(frontier, leaves, due, report)
            report.events += len(leaves)
            if on_progress is not None:
                on_progress(report.events, total)
        rest = sealed_leaves.take(1)[0] if comparing else b""
    if mismatch is not None:
        position, sealed_position, same_hash = mismatch
        row = cur.execute(
            SQL("SELECT originator_id, originator_version FROM {} WHERE notification_id = %s").format(events),
            (position,),
        ).fetchone()
        report.findings.insert(
            0, _classify(cur, store, events, (position, row[0], row[1]), sealed_position, same_hash)
        )
    elif rest:  # sealed leaves the event table no longer has
        report.findings.insert(0, _classify(cur, store, events, None, int.from_bytes(rest[:8], "big"), False))
    for sth in due:
        report.findings.append(
            Finding(
                "head root",
                f"tree head {sth.tree_size}: covers more events than the table holds ({frontier.size})",
                tree_size=sth.tree_size,
            )
        )


def _grow(
    frontier: merkle.Frontier, leaves: list[bytes], due: list[SignedTreeHead], report: VerifyReport
) -> None:
    """Append a batch of leaves, checking the root of every head whose size it reaches
    (``due``: the heads not reached yet, smallest first; reached ones are removed)."""
    start, end = 0, frontier.size + len(leaves)
    while due and due[0].tree_size <= end:
        sth = due.pop(0)
        cut = max(sth.tree_size - frontier.size + start, start)
        frontier.extend(leaves[start:cut])
        start = cut
        if frontier.size != sth.tree_size or frontier.root() != sth.root_hash:
            report.findings.append(
                Finding(
                    "head root",
                    f"tree head {sth.tree_size}: its root differs from the tree recomputed "
                    "from the event table",
                    tree_size=sth.tree_size,
                )
            )
    frontier.extend(leaves[start:])


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
