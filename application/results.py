"""What a command answers (命令结果): the one type the engine, the batch and the edges share."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class CommandResult:
    """What a command answers: where it was stored and what it produced."""

    command_id: str
    command_type: str
    positions: list[int] = field(default_factory=list)
    result: dict[str, Any] = field(default_factory=dict)
    duplicate: bool = False

    @property
    def position(self) -> int | None:
        """The last notification-log position written (for read-your-writes waits)."""
        return self.positions[-1] if self.positions else None
