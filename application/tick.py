"""The time-driven scheduler (定时任务, ``policytrail tick``): expired call cycles.

Time alone never changes an aggregate (DESIGN: time-driven transitions are explicit
commands). A tick asks a finder which callbacks' call cycle ran out by ``at``
(the CLI passes the worklists read model's ``expired_cycles``) and sends each the
explicit ``CloseExpiredCycle`` command (CA-02 → 核实件/联系不上).

Idempotent: the command id is derived from the policy and the cycle number, so a
repeated or concurrent tick has the effect of one, and a finder that is a little
behind is harmless (the aggregate itself re-checks the expiry; a cycle that has not
run out is left alone and nothing is recorded).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from application.callbacks import CloseExpiredCycle
from domain.shared.actor import Actor
from domain.shared.errors import DomainError
from domain.shared.time import require_aware

if TYPE_CHECKING:
    from application.app import PolicyTrail

SCHEDULER = Actor.system("scheduler")


class DueCycle(Protocol):
    """What the finder reports per callback: its policy and the cycle that ran out."""

    @property
    def policy_number(self) -> str: ...

    @property
    def cycle(self) -> int: ...


Finder = Callable[[datetime], Iterable[DueCycle]]


@dataclass(frozen=True)
class TickAction:
    """What the tick did for one callback."""

    policy_number: str
    cycle: int
    command_id: str
    closed: bool  # this command closed the cycle (now, or the first time it ran)
    repeated: bool  # the same command had already been executed (idempotent answer)
    outcome: str  # the callback's outcome after it, e.g. 核实件/联系不上
    positions: tuple[int, ...]
    error: str | None = None


def close_cycle_command_id(policy_number: str, cycle: int) -> str:
    return f"tick:close-cycle:{policy_number}:{cycle}"


def close_expired_cycles(
    app: PolicyTrail, at: datetime, find: Finder, actor: Actor = SCHEDULER
) -> list[TickAction]:
    """CA-02: send ``CloseExpiredCycle`` to every callback ``find(at)`` reports.

    A refusal of one callback is reported in its action and does not stop the others.
    """
    require_aware(at, "at")
    actions: list[TickAction] = []
    for due in find(at):
        command_id = close_cycle_command_id(due.policy_number, due.cycle)
        command = CloseExpiredCycle(command_id=command_id, occurred_at=at, policy_number=due.policy_number)
        try:
            result = app.execute(command, actor)
        except DomainError as exc:
            actions.append(
                TickAction(due.policy_number, due.cycle, command_id, False, False, "", (), str(exc))
            )
            continue
        answer = result.result
        outcome = "/".join(p for p in (answer.get("outcome_class"), answer.get("outcome_subtype")) if p)
        actions.append(
            TickAction(
                policy_number=due.policy_number,
                cycle=due.cycle,
                command_id=command_id,
                closed=bool(answer.get("closed")),
                repeated=result.duplicate,
                outcome=outcome,
                positions=tuple(result.positions),
            )
        )
    return actions
