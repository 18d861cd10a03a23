"""Tamper evidence (防篡改账本): an RFC 9162 Merkle ledger over the event log.

One leaf per stored event, in notification-log order (``heads.Leaf``: position,
originator id and version, topic, SHA-256 of the state bytes exactly as stored);
Ed25519-signed tree heads (STH) every N events, after T seconds and on demand;
inclusion and consistency proofs that verify offline with the public key alone.

Modules: ``merkle`` (RFC 9162 arithmetic), ``heads`` (canonical leaf and STH bytes),
``keys`` (signing key, key ids, rotation), ``documents`` (the JSON documents and
their offline verification), ``store`` (tables and SQL), ``service`` (this API),
``verify`` (recompute from the event table). The sealer that appends the tree is
``projections.ledger``.

API for other parts of the application (e.g. regulator exports)::

    from application.ledger import Ledger, documents

    ledger = Ledger.from_app(app)                  # on the app's connection pool
    sth = ledger.head_covering(position)           # latest STH whose tree holds the event
                                                   #   at `position`; None: not sealed yet
    sth = ledger.latest_head()                     # or ledger.head(tree_size)
    proof = ledger.inclusion_proof(position, sth.tree_size)   # documents.InclusionProof
    step = ledger.consistency_proof(old_size, sth.tree_size)  # documents.ConsistencyProof
    ledger.seal()                                  # sign the tree as far as it is built now
    data = documents.encode(proof)                 # canonical JSON bytes, e.g. a file
    documents.verify_document(data, {key.key_id: key})        # offline; raises ProofInvalid

    # documents.TreeHeadDocument(sth) wraps a bare STH the same way.
    # keys.resolve_signing_key(settings).public_key  -> the PublicKey to ship with an export.

``policytrail ledger verify-proof FILE --public-key KEY`` checks any of these files.
Errors: ``domain.shared.errors.NotFound`` (no such head, position not sealed),
``InvalidInput`` (a position outside the given tree), ``store.LedgerNotStarted``.
"""

from application.ledger import documents
from application.ledger.documents import ConsistencyProof, InclusionProof, ProofInvalid, TreeHeadDocument
from application.ledger.heads import Leaf, SignedTreeHead
from application.ledger.keys import PublicKey, SigningKey, resolve_signing_key, trusted_public_keys
from application.ledger.service import Ledger, SealConfig
from application.ledger.store import LedgerNotStarted

__all__ = [
    "ConsistencyProof",
    "InclusionProof",
    "Leaf",
    "Ledger",
    "LedgerNotStarted",
    "ProofInvalid",
    "PublicKey",
    "SealConfig",
    "SignedTreeHead",
    "SigningKey",
    "TreeHeadDocument",
    "documents",
    "resolve_signing_key",
    "trusted_public_keys",
]
