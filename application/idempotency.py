"""Idempotency keys (幂等键): one namespace per principal, compared by content.

A command id is the key its sender chose, so it only means something together with
that sender: the command log is keyed by (principal, command id). A repeat by the same
principal with the same canonical body answers the first result again; the same key
with another body is refused without saying anything about the first command.
Another principal's identical key is simply another row.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime, time
from decimal import Decimal
from enum import Enum
from typing import Any

from application.messages import Command
from domain.shared.actor import Actor

#: the sending system of imports that name none (``policytrail import --source``)
DEFAULT_IMPORT_SOURCE = "upstream"


def principal_key(actor: Actor) -> str:
    """The namespace of an actor's command ids: ``role:id``."""
    return f"{actor.role}:{actor.id}"


def import_principal(source: str = DEFAULT_IMPORT_SOURCE) -> str:
    """The namespace of imported lines: their source system, whatever file carried them
    (a line re-delivered in another file is the same line)."""
    return f"import:{source.strip() or DEFAULT_IMPORT_SOURCE}"


def legacy_principal(actor: Actor) -> str:
    """The namespace of a command stored before namespaces existed, from its actor.

    Imports then shared one namespace whatever their file (actor ``importer:<file>``):
    they join the default import source, so re-importing an old file stays a repeat.
    """
    if actor.role == "system" and actor.id.startswith("importer:"):
        return import_principal()
    return principal_key(actor)


def body_digest(command: Command) -> str:
    """SHA-256 of the command's canonical body: its type and every field but the id (and
    those the command declares a repeat may change, ``idempotency_ignores``).

    Canonical: keys sorted, the validated values (whitespace already stripped),
    instants in UTC (the same instant written with another offset is the same body),
    decimals without trailing zeros.
    """
    body = command.model_dump(mode="python", exclude={"command_id", *command.idempotency_ignores})
    text = json.dumps(
        {"type": command.command_type, "body": body},
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
        default=_canonical,
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _canonical(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat() if value.tzinfo else value.isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        normalized = value.normalize()
        return format(normalized, "f") if normalized == normalized.to_integral() else str(normalized)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, set | frozenset):
        return sorted(value, key=str)
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="python")
    return str(value)
