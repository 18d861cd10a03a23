"""Who did it (操作人): every event records the actor's id and role (RC-01)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    """Roles of the people and systems that issue commands (角色)."""

    CALLCENTRE = "callcentre"
    BRANCH = "branch"
    AGENT = "agent"
    SERVICER = "servicer"
    MANAGER = "manager"
    AUDITOR = "auditor"
    REGULATOR = "regulator"
    ADMIN = "admin"
    SYSTEM = "system"  # upstream imports, the scheduler (tick), reactions


@dataclass(frozen=True)
class Actor:
    id: str
    role: str

    @classmethod
    def system(cls, name: str = "policytrail") -> Actor:
        return cls(id=name, role=Role.SYSTEM)
