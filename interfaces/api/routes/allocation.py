"""客户资源分配 Allocation rounds: the command route table (key: branch + month)."""

from __future__ import annotations

from application.allocation import AllocateResources, ReallocateResources, RegisterCustomerResources
from interfaces.api.commands import CommandRoute
from interfaces.api.owners import from_body
from interfaces.api.permissions import Capability as C

TAG = "allocation 资源分配"

_P = "/allocation-rounds/{branch}/{month}"
_BRANCH = from_body(branch="branch")

COMMANDS: list[CommandRoute] = [
    CommandRoute(
        f"{_P}/resources",
        RegisterCustomerResources,
        C.ALLOCATE_RESOURCES,
        _BRANCH,
        example={
            "resources": [
                {
                    "resource_id": "R-BJ-202603-0001",
                    "resource_class": "续期",
                    "policy_number": "P2024011501",
                    "amount": "6800.00",
                    "key_date": "2026-03-20",
                },
                {
                    "resource_id": "R-BJ-202603-0002",
                    "resource_class": "老客户",
                    "policy_number": "P2026020002",
                    "amount": "50000.00",
                },
            ]
        },
    ),
    CommandRoute(
        f"{_P}/allocation",
        AllocateResources,
        C.ALLOCATE_RESOURCES,
        _BRANCH,
        example={"planner_codes": ["A0001", "A0002"]},
    ),
    CommandRoute(
        f"{_P}/reallocation",
        ReallocateResources,
        C.ALLOCATE_RESOURCES,
        _BRANCH,
        example={"planner_codes": ["A0001", "A0002"], "reason": "规划师名单更正"},
    ),
]
