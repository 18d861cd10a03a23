"""``policytrail tick [--at ISO-TIME]`` (定时任务): issue the time-driven commands that are due.

Composes the pieces: the worklists read model is brought up to date (caught up
here, or by the live runner elsewhere), its ``expired_cycles`` are the finder,
and ``application.tick.close_expired_cycles`` sends one idempotent
``CloseExpiredCycle`` per callback (CA-02). Run it from cron as often as you like.
"""

from __future__ import annotations

import threading
from datetime import datetime

import typer
from rich.table import Table

from application.tick import TickAction, close_expired_cycles
from domain.shared.time import SHANGHAI
from interfaces.cli import console, err_console, fail, handle_errors, open_app
from projections import registry
from projections.errors import ProjectionError
from projections.live import LiveRunner
from projections.runtime import connect
from projections.source import ReadSide
from projections.waiting import PositionWatcher
from projections.worklists.queries import expired_cycles


def register(cli: typer.Typer) -> None:
    cli.command("tick")(tick)


def parse_at(raw: str) -> datetime:
    """An ISO time; without an offset it is Shanghai time (business time, RULES.md)."""
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise fail(f"--at {raw!r} is not an ISO time (e.g. 2026-03-09T10:00:00+08:00)", 2) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=SHANGHAI)


def bring_worklists_up_to_date(side: ReadSide, head: int, timeout: float) -> bool:
    """Catch the worklists projection up to ``head`` (or wait for the live runner that
    holds it elsewhere); False when ``timeout`` seconds were not enough."""
    if head == 0:
        return True
    stop = threading.Event()
    with PositionWatcher(side.url, side.schema) as watcher:
        runner = LiveRunner(side, registry.get("worklists"), stop=stop)
        thread = runner.run_in_thread(catch_up_only=True)
        try:
            reached = watcher.wait_for("worklists", head, timeout)
        finally:
            stop.set()
            thread.join()
    if isinstance(runner.error, ProjectionError):  # e.g. a poison event stopped it
        raise fail(f"worklists read model: {runner.error}", 1)
    if runner.error is not None:
        raise runner.error
    return reached


@handle_errors
def tick(
    at: str = typer.Option(None, "--at", help="the scheduler's 'now' (ISO time; default: now)"),
    wait: float = typer.Option(
        30.0, "--wait", min=0, help="seconds to wait for the worklists read model to catch up"
    ),
    limit: int = typer.Option(10_000, "--limit", min=1, help="at most this many callbacks per tick"),
) -> None:
    """Time-driven commands 定时任务: close call cycles that ran out (CA-02 → 核实件/联系不上)."""
    with open_app() as app:
        moment = parse_at(at) if at else app.clock.now()
        side = ReadSide.from_app(app)
        if not bring_worklists_up_to_date(side, app.max_position(), wait):
            err_console.print(
                f"[yellow]worklists read model still behind after {wait:g}s; "
                "cycles it has not seen yet are left to the next tick[/]"
            )
        with connect(side.url) as conn:
            actions = close_expired_cycles(
                app, moment, lambda when: expired_cycles(conn, side.schema, at=when, limit=limit)
            )
    _report(moment, actions)
    if any(a.error for a in actions):
        raise typer.Exit(1)


def _report(moment: datetime, actions: list[TickAction]) -> None:
    if actions:
        table = Table(title=f"tick {moment.isoformat()}")
        for column in ("policy 保单", "cycle 周期", "result 结果", "command id"):
            table.add_column(column)
        for a in actions:
            table.add_row(a.policy_number, str(a.cycle), _result(a), a.command_id)
        console.print(table)
    closed = sum(a.closed and not a.repeated for a in actions)
    repeated = sum(a.repeated for a in actions)
    errors = sum(a.error is not None for a in actions)
    console.print(
        f"tick at {moment.isoformat()}: {closed} expired call cycle(s) closed 已关闭, "
        f"{repeated} already closed 已处理, {len(actions) - closed - repeated - errors} not expired 未到期, "
        f"{errors} error(s) 错误",
        highlight=False,
    )


def _result(a: TickAction) -> str:
    if a.error is not None:
        return f"[red]error 错误: {a.error}[/]"
    if a.repeated:
        return f"already closed 已处理 ({a.outcome})" if a.outcome else "already closed 已处理"
    if a.closed:
        return f"closed 已关闭 → {a.outcome}"
    return "not expired 未到期"
