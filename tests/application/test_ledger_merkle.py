"""RFC 9162 arithmetic against the Certificate Transparency reference vectors (RFC 6962 test
data, as published in certificate-transparency-go / transparency-dev merkle testonly)."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from application.ledger import merkle

ENTRIES = [
    bytes.fromhex(h)
    for h in (
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    )
]
ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
INCLUSION = {
    (0, 8): [
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ],
    (5, 8): [
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ],
}
CONSISTENCY = {
    (2, 8): [
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ],
    (6, 8): [
        "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ],
    (2, 5): [
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
    ],
}


def stored(leaves: list[bytes]) -> dict[merkle.Node, bytes]:
    """Every node as the sealer stores it: leaves at level 0, completed subtrees above."""
    nodes: dict[merkle.Node, bytes] = {}
    frontier = merkle.Frontier()
    for i, leaf in enumerate(leaves):
        nodes[(0, i)] = leaf
        nodes.update({(level, index): h for level, index, h in frontier.append(leaf)})
    return nodes


LEAVES = [merkle.leaf_hash(e) for e in ENTRIES]
NODES = stored(LEAVES)


def test_roots_match_the_reference_for_every_size():
    frontier = merkle.Frontier()
    assert merkle.root_of([]).hex() == frontier.root().hex() == ROOTS[0]
    for n, leaf in enumerate(LEAVES, start=1):
        frontier.append(leaf)
        assert merkle.root_of(LEAVES[:n]).hex() == ROOTS[n]
        assert frontier.root().hex() == ROOTS[n]
        assert merkle.fold([NODES[node] for node in merkle.range_nodes(0, n)]).hex() == ROOTS[n]


@given(st.lists(st.integers(0, 70), max_size=6), st.integers(0, 200))
def test_extending_in_batches_is_appending_one_by_one(cuts, size):
    """``extend`` (verify's batch path) reaches the same frontier as ``append`` from any size,
    whatever the batch boundaries: aligned or not, powers of two or not, empty."""
    leaves = [merkle.leaf_hash(i.to_bytes(4, "big")) for i in range(size + sum(cuts))]
    one_by_one, batched = merkle.Frontier(), merkle.Frontier()
    for leaf in leaves:
        one_by_one.append(leaf)
    start = 0
    for width in [size, *cuts]:
        batched.extend(leaves[start : start + width])
        start += width
        assert batched.root() == merkle.root_of(leaves[:start])
    assert (batched.size, batched.hashes) == (one_by_one.size, one_by_one.hashes)


@pytest.mark.parametrize(("index", "size"), sorted(INCLUSION))
def test_inclusion_proofs_match_the_reference(index, size):
    path = merkle.resolve(merkle.inclusion_ranges(index, size), NODES.__getitem__)
    assert [h.hex() for h in path] == INCLUSION[(index, size)]
    assert merkle.verify_inclusion(index, size, LEAVES[index], path, bytes.fromhex(ROOTS[size]))


@pytest.mark.parametrize(("first", "second"), sorted(CONSISTENCY))
def test_consistency_proofs_match_the_reference(first, second):
    proof = merkle.resolve(merkle.consistency_ranges(first, second), NODES.__getitem__)
    assert [h.hex() for h in proof] == CONSISTENCY[(first, second)]
    assert merkle.verify_consistency(
        first, second, bytes.fromhex(ROOTS[first]), bytes.fromhex(ROOTS[second]), proof
    )


def test_the_split_is_rfc_9162s_not_the_midpoint():
    assert {n: merkle.split(n) for n in (2, 3, 5, 7, 9, 1000, 10_000_001)} == {
        2: 1,
        3: 2,
        5: 4,
        7: 4,
        9: 8,
        1000: 512,
        10_000_001: 8_388_608,
    }


@settings(max_examples=60, deadline=None)
@given(size=st.integers(1, 300), data=st.data())
def test_every_proof_from_stored_nodes_verifies_and_tampering_does_not(size, data):
    leaves = [merkle.leaf_hash(i.to_bytes(4, "big")) for i in range(size)]
    nodes = stored(leaves)
    index = data.draw(st.integers(0, size - 1))
    first = data.draw(st.integers(0, size))
    root, old_root = merkle.root_of(leaves), merkle.root_of(leaves[:first])
    path = merkle.resolve(merkle.inclusion_ranges(index, size), nodes.__getitem__)
    assert merkle.verify_inclusion(index, size, leaves[index], path, root)
    proof = merkle.resolve(merkle.consistency_ranges(first, size), nodes.__getitem__)
    assert merkle.verify_consistency(first, size, old_root, root, proof)
    # Any wrong index, leaf, root or path element is rejected. (A wrong size may still lead to
    # the same root, e.g. index 0 of 3 and of 4; the signed head binds size and root together.)
    assert not merkle.verify_inclusion(index, size, merkle.leaf_hash(b"x"), path, root)
    assert not merkle.verify_inclusion(index, size, leaves[index], path, merkle.leaf_hash(b"r"))
    if size > 1:
        assert not merkle.verify_inclusion((index + 1) % size, size, leaves[index], path, root)
        bad = list(path)
        bad[data.draw(st.integers(0, len(bad) - 1))] = merkle.leaf_hash(b"y")
        assert not merkle.verify_inclusion(index, size, leaves[index], bad, root)
    if 0 < first < size:
        assert not merkle.verify_consistency(first, size, old_root, merkle.leaf_hash(b"z"), proof)
        assert not merkle.verify_consistency(first, size, merkle.leaf_hash(b"z"), root, proof)
        if proof:
            assert not merkle.verify_consistency(first, size, old_root, root, proof[:-1])


def test_a_large_tree_needs_few_nodes_per_proof():
    """10M leaves: an inclusion or consistency proof touches O(log² n) stored nodes, no scan."""
    rng = random.Random(7)
    for _ in range(50):
        size = rng.randrange(1, 10_000_000)
        index, first = rng.randrange(size), rng.randrange(1, size + 1)
        assert len(merkle.nodes_of(merkle.inclusion_ranges(index, size))) <= 24 * 24
        assert len(merkle.nodes_of(merkle.consistency_ranges(first, size))) <= 24 * 24
