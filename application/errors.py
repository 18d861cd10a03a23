"""Application-level errors (the domain's errors pass through unchanged)."""

from __future__ import annotations

from domain.shared.errors import DomainError


class ConcurrencyConflict(DomainError):
    """A command kept losing optimistic-concurrency races (并发冲突); try again later."""

    kind = "conflict"


class CommandIdReused(DomainError):
    """The same command id was sent with a different command (幂等键重复使用)."""

    kind = "command-id-reused"
