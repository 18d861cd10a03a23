"""What ``policytrail db --stop`` says: the truth about who still uses the embedded server."""

from __future__ import annotations

from application.adapters.database import StopOutcome
from interfaces.cli import console, fail


def report_stop(outcome: StopOutcome) -> None:
    """Print the outcome; exit 1 when the server was left running for its users."""
    if not outcome.running:
        console.print("embedded database not running 内置数据库未运行")
        return
    others = _others(outcome)
    if outcome.stopped:
        tail = f" (ended the sessions of {others})" if others else ""
        console.print(f"embedded database stopped 内置数据库已停止{tail}", highlight=False)
        return
    raise fail(
        f"embedded database NOT stopped 未停止: still used by {others}; stop them first, "
        "or run `policytrail db --stop --force` (their sessions end)",
        1,
    )


def _others(outcome: StopOutcome) -> str:
    parts = []
    if outcome.users:
        n = len(outcome.users)
        pids = ", ".join(str(p) for p in outcome.users)
        parts.append(f"{n} other process{'es' if n > 1 else ''} (pid {pids})")
    if outcome.sessions:
        parts.append(f"{outcome.sessions} open connection{'s' if outcome.sessions > 1 else ''}")
    return " and ".join(parts)
