"""Command models (命令): pydantic v2, validated at the edge, one class per use case."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import ClassVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


def new_command_id() -> str:
    return str(uuid.uuid4())


class Command(BaseModel):
    """Base of every command.

    ``command_id`` is the idempotency key: the same id applied twice has the effect of
    one and returns the first answer. ``occurred_at`` is the business time (when it
    happened in the world); left out, it is "now" by the application's clock.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    #: stable name of the command, stored in the command log
    command_type: ClassVar[str] = ""
    #: fields a repeat may change without being another command (``application/idempotency.py``)
    idempotency_ignores: ClassVar[frozenset[str]] = frozenset()

    #: whether ``policytrail import`` may carry it (not: commands whose effect needs
    #: more than the stored event, or that only the API itself records)
    importable: ClassVar[bool] = True
    command_id: str = Field(default_factory=new_command_id, min_length=1, max_length=200)
    occurred_at: AwareDatetime | None = Field(
        None, description="business time 业务发生时间 (timezone-aware); default: now"
    )

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if not cls.__dict__.get("command_type"):
            cls.command_type = cls.__name__

    def business_time(self, now: datetime) -> datetime:
        return self.occurred_at or now
