"""RFC 9162 §2.1 Merkle tree arithmetic (默克尔树): hashes, proofs and their verification.

Pure functions over 32-byte SHA-256 hashes, no I/O. Leaves are hashed with a 0x00
prefix, interior nodes with 0x01 (second-preimage resistance); the tree over ``n``
leaves splits at the largest power of two below ``n`` (§2.1.1).

Storage model: a *node* ``(level, index)`` is the root of the complete subtree over
leaves ``[index·2^level, (index+1)·2^level)``; level 0 are the leaf hashes. Every hash
an RFC 9162 proof needs is the root of a range ``[start, end)`` whose ``start`` is
aligned, which is the fold of at most ``log2 n`` stored nodes (``range_nodes``). So a
proof for any tree size is a handful of indexed lookups, never a rescan of the log.

Why not a library: pymerkle (the maintained RFC 9162 package on PyPI) keeps its tree
in memory or SQLite and recomputes subtree roots from the leaves; this ledger needs
its nodes in PostgreSQL beside the events, so only the arithmetic below is ours. It is
tested against the Certificate Transparency reference vectors (RFC 6962 test data).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence

LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()

Node = tuple[int, int]  # (level, index)
Range = tuple[int, int]  # leaves [start, end)


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def split(n: int) -> int:
    """The largest power of two strictly below ``n`` (n ≥ 2): RFC 9162's ``k``."""
    return 1 << ((n - 1).bit_length() - 1)


def range_nodes(start: int, end: int) -> list[Node]:
    """The complete subtrees whose fold is the root of leaves ``[start, end)``, left to right."""
    nodes: list[Node] = []
    size, at = end - start, start
    for level in range(size.bit_length() - 1, -1, -1):
        if size >> level & 1:
            if at % (1 << level):
                raise ValueError(f"range [{start}, {end}) is not aligned at level {level}")
            nodes.append((level, at >> level))
            at += 1 << level
    return nodes


def fold(hashes: Sequence[bytes]) -> bytes:
    """Root of a range from its complete subtrees (left to right): right-leaning, as RFC 9162."""
    if not hashes:
        return EMPTY_ROOT
    root = hashes[-1]
    for left in reversed(hashes[:-1]):
        root = node_hash(left, root)
    return root


def root_of(leaves: Sequence[bytes]) -> bytes:
    """MTH(D[n]) of leaf hashes, by the definition (reference for tests and small trees)."""
    n = len(leaves)
    if n == 0:
        return EMPTY_ROOT
    if n == 1:
        return leaves[0]
    k = split(n)
    return node_hash(root_of(leaves[:k]), root_of(leaves[k:]))


# ----- which ranges a proof consists of ---------------------------------------------------
def inclusion_ranges(index: int, size: int) -> list[Range]:
    """PATH(index, D[size]) (§2.1.3.1) as leaf ranges, from the leaf upwards."""
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of size {size}")
    path: list[Range] = []
    start, end = 0, size
    while end - start > 1:
        k = split(end - start)
        if index < start + k:
            path.append((start + k, end))
            end = start + k
        else:
            path.append((start, start + k))
            start += k
    path.reverse()
    return path


def consistency_ranges(first: int, second: int) -> list[Range]:
    """PROOF(first, D[second]) (§2.1.4.1) as leaf ranges, in the RFC's order."""
    if not 0 <= first <= second:
        raise ValueError(f"no consistency proof from size {first} to size {second}")
    if first in (0, second):
        return []
    proof: list[Range] = []
    start, end, m, complete = 0, second, first, True
    while m != end - start:
        k = split(end - start)
        if m <= k:
            proof.append((start + k, end))
            end = start + k
        else:
            proof.append((start, start + k))
            m -= k
            start += k
            complete = False
    if not complete:
        proof.append((start, end))
    proof.reverse()
    return proof


def nodes_of(ranges: Iterable[Range]) -> set[Node]:
    return {node for start, end in ranges for node in range_nodes(start, end)}


def resolve(ranges: Sequence[Range], node: Callable[[Node], bytes]) -> list[bytes]:
    """The hash of each range, given the stored nodes."""
    return [fold([node(n) for n in range_nodes(start, end)]) for start, end in ranges]


# ----- verification (§2.1.3.2, §2.1.4.2) ----------------------------------------------------
def root_from_inclusion(index: int, size: int, leaf: bytes, path: Sequence[bytes]) -> bytes | None:
    """The root an inclusion proof leads to, or None if the proof is malformed."""
    if not 0 <= index < size:
        return None
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return r if sn == 0 else None


def verify_inclusion(index: int, size: int, leaf: bytes, path: Sequence[bytes], root: bytes) -> bool:
    return root_from_inclusion(index, size, leaf, path) == root


def verify_consistency(
    first: int, second: int, first_root: bytes, second_root: bytes, proof: Sequence[bytes]
) -> bool:
    if not 0 <= first <= second:
        return False
    if first == second:
        return not proof and first_root == second_root
    if first == 0:
        return not proof and first_root == EMPTY_ROOT
    path = list(proof)
    if first & (first - 1) == 0:  # an exact power of two: the first root is a node of the second tree
        path.insert(0, first_root)
    if not path:
        return False
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == first_root and sr == second_root


class Frontier:
    """The right edge of a growing tree: one complete-subtree root per set bit of its size.

    ``append`` adds a leaf and returns the interior nodes it completed (level ≥ 1), so a
    caller can store every node exactly once; ``root`` is the tree's root at its size.
    """

    __slots__ = ("hashes", "size")

    def __init__(self, size: int = 0, hashes: Sequence[bytes] = ()) -> None:
        if len(hashes) != size.bit_count():
            raise ValueError(f"a tree of size {size} has {size.bit_count()} frontier nodes")
        self.size = size
        self.hashes = list(hashes)  # largest subtree first, as range_nodes(0, size)

    def append(self, leaf: bytes) -> list[tuple[int, int, bytes]]:
        completed: list[tuple[int, int, bytes]] = []
        h, index, level = leaf, self.size, 0
        hashes = self.hashes
        while index & 1:
            h = node_hash(hashes.pop(), h)
            index >>= 1
            level += 1
            completed.append((level, index, h))
        hashes.append(h)
        self.size += 1
        return completed

    def extend(self, leaves: Sequence[bytes]) -> None:
        """Append many leaves (the nodes they complete are not returned): each aligned
        power-of-two run is hashed a level at a time, so the per-leaf Python work is one
        node hash in a list comprehension instead of a loop over the frontier."""
        hashes, start, count = self.hashes, 0, len(leaves)
        sha, prefix = hashlib.sha256, NODE_PREFIX
        while start < count:
            size = self.size
            # the largest complete subtree that can start at this size: aligned and in reach
            level = min((size & -size).bit_length() - 1 if size else 64, (count - start).bit_length() - 1)
            width = 1 << level
            row = leaves[start : start + width]
            while len(row) > 1:
                row = [
                    sha(prefix + left + right).digest()
                    for left, right in zip(row[::2], row[1::2], strict=True)
                ]
            h, index = row[0], size >> level
            while index & 1:
                h = node_hash(hashes.pop(), h)
                index >>= 1
            hashes.append(h)
            self.size = size + width
            start += width

    def root(self) -> bytes:
        return fold(self.hashes)

    def copy(self) -> Frontier:
        return Frontier(self.size, self.hashes)
