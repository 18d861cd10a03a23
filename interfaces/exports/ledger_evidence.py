"""The ledger evidence of exports (账本证据): the key that signs manifests, the
manifest's ``ledger`` section, and its offline check.

- One key: manifests are signed with the ledger's Ed25519 key, loaded by the ledger's
  one loader (``application.ledger.keys``: ``POLICYTRAIL_LEDGER_KEY``, else
  ``<data dir>/ledger.key``), so ``policytrail ledger public-key`` verifies both.
- ``ledger_section``: the signed tree head (STH) covering the last exported log
  position — sealed on demand when no head covers it yet — and the inclusion proof of
  that event in that head, as the ledger's own documents (``policytrail-ledger/1``).
- ``check_ledger_section``: offline, with the public key alone — the STH signature,
  the inclusion proof, that the proven event is the one the manifest's range ends at,
  and that it is the last line of ``events.jsonl`` (same aggregate, version, topic).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from application.ledger import InclusionProof, Ledger, LedgerNotStarted, ProofInvalid, documents
from application.ledger.keys import LedgerKeyError, PublicKey, SigningKey, resolve_signing_key
from application.settings import Settings

#: a key that cannot be used (one readable line); the ledger's, there is one loader
ExportKeyError = LedgerKeyError

MANIFEST = "manifest.json"


def signing_key(settings: Settings) -> SigningKey:
    """The ledger's signing key (created once, 0600, when neither the setting nor the
    key file exists)."""
    return resolve_signing_key(settings)


def load_public_key(value: Path | str) -> PublicKey:
    """A public key from a file (PEM or ``ed25519:<base64>``, as ``ledger public-key``
    prints it) or given as that text itself."""
    path = Path(value)
    try:
        is_file = path.is_file()
    except OSError:
        is_file = False
    if not is_file:
        if isinstance(value, Path) or "/" in str(value) or not str(value).strip():
            raise LedgerKeyError(f"public key {value}: no such file")
        return PublicKey.parse(str(value), "--public-key")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise LedgerKeyError(f"public key {path}: cannot read it: {exc}") from None
    return PublicKey.parse(text, f"public key {path}")


def ledger_section(app: Any, position: int | None) -> dict[str, Any] | None:
    """The STH covering ``position`` and the inclusion proof of that event; None only
    when there is nothing to prove (an empty log)."""
    if not position:
        return None
    ledger = Ledger.from_app(app)
    try:
        sth = ledger.head_covering(position)
    except LedgerNotStarted:
        sth = None
    if sth is None or sth.key_id != ledger.config.key.key_id:  # type: ignore[union-attr]
        sth = _seal(app)  # a head by the current key, over a tree that holds `position`
    proof = ledger.inclusion_proof(position, sth.tree_size)
    return {
        "format": documents.FORMAT,
        "position": position,
        "tree_head": documents.sth_dict(proof.sth),
        "inclusion_proof": proof.to_dict(),
    }


def _seal(app: Any) -> Any:
    """Catch the ledger's tree up to the head of the log and sign it (``ledger seal``)."""
    from projections.ledger import seal_now  # the sealer lives on the read side
    from projections.source import ReadSide

    side = ReadSide.from_app(app)
    sth = seal_now(side, side.ledger, reason="export")
    if sth is None:  # pragma: no cover - a position exists, so the log is not empty
        raise LedgerNotStarted("the event log is empty: nothing to seal")
    return sth


def check_ledger_section(
    section: Any, log: dict[str, Any], keys: list[PublicKey], last_event: dict[str, Any] | None
) -> list[str]:
    """Problems with a manifest's ledger evidence (empty: it verifies)."""
    where = f"{MANIFEST}: ledger"
    if not isinstance(section, dict) or not isinstance(section.get("inclusion_proof"), dict):
        return [f"{where}: no inclusion proof"]
    try:
        document = documents.parse(documents.encode(section["inclusion_proof"]))
        if not isinstance(document, InclusionProof):
            raise ProofInvalid(f"expected an inclusion proof, found {document.kind!r}")
        documents.verify(document, {key.key_id: key for key in keys})
    except ProofInvalid as exc:
        return [f"{where}: {exc}"]
    except (TypeError, ValueError) as exc:
        return [f"{where}: unreadable inclusion proof ({exc})"]
    problems: list[str] = []
    sth, leaf = document.sth, document.leaf
    if section.get("tree_head") != documents.sth_dict(sth):
        problems.append(f"{where}: tree_head is not the signed tree head the inclusion proof is in")
    end = log.get("last_position")
    end = log.get("snapshot_position") if end is None else end
    if leaf.position != end or section.get("position") != end:
        problems.append(
            f"{where}: the signed tree head (size {sth.tree_size}) proves position {leaf.position},"
            f" but the manifest's range ends at {end}"
        )
    elif last_event is not None and (
        last_event.get("aggregate_id"),
        last_event.get("aggregate_version"),
        last_event.get("topic"),
    ) != (str(leaf.originator_id), leaf.originator_version, leaf.topic):
        problems.append(
            f"events.jsonl: the event at position {leaf.position} is not the one the ledger sealed"
            " there (aggregate, version or topic differ)"
        )
    return problems
