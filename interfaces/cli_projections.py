"""``policytrail projections run|rebuild|status`` (投影/读模型) from the command line."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import Any, TypeVar

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from interfaces.cli import console, fail, handle_errors, open_app
from interfaces.demo_schemas import demo_option
from interfaces.scheduling import scheduler_for
from projections import registry
from projections.errors import ProjectionError
from projections.live import ProjectionService
from projections.parallel import groups_for, rebuild_in_processes
from projections.rebuild import rebuild as rebuild_projection
from projections.runtime import Progress as BatchProgress
from projections.source import ReadSide
from projections.status import status as projection_status
from projections.together import Together

projections_cli = typer.Typer(
    name="projections",
    help="Read models 读模型: run (catch up, then live), rebuild (blue-green), status.",
    no_args_is_help=True,
)

F = TypeVar("F", bound=Callable[..., Any])


def register(cli: typer.Typer) -> None:
    cli.add_typer(projections_cli, name="projections")


def read_side_errors(fn: F) -> F:
    """A projection error (unknown name, poison event…) is one readable line, exit 1."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except ProjectionError as exc:
            raise fail(str(exc), 1) from None

    return wrapper  # type: ignore[return-value]


@contextmanager
def _progress() -> Iterator[Progress]:
    with Progress(
        TextColumn("[bold]{task.description:<12}"),
        BarColumn(bar_width=24),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]:>9,.0f} events/s"),
        TimeElapsedColumn(),
        TextColumn("{task.fields[state]}"),
        console=console,
        transient=False,
    ) as progress:
        yield progress


@projections_cli.command("run")
@handle_errors
@read_side_errors
def run(
    names: list[str] = typer.Argument(None, help="projections to run (default: all)"),
    catch_up_only: bool = typer.Option(
        False, "--catch-up-only", help="exit once caught up instead of following live"
    ),
    demo: bool = demo_option(),
    tick: bool = typer.Option(
        True, "--tick/--no-tick", help="also run the time-driven commands (one leader across processes)"
    ),
) -> None:
    """Catch up with progress, then follow new events live (Ctrl-C stops) 追赶后实时运行."""
    with open_app(demo) as app:
        side = ReadSide.from_app(app)
        chosen = [p.name for p in registry.resolve(names)]
        start = {s.name: s.position or 0 for s in projection_status(side, chosen)}
        head = side.source.head()
        with _progress() as progress:
            tasks = {
                n: progress.add_task(
                    n,
                    total=max(head - start[n], 1),
                    completed=0 if head > start[n] else 1,  # already caught up: a full bar
                    rate=0.0,
                    state="starting",
                )
                for n in chosen
            }
            service = ProjectionService(
                side,
                chosen,
                on_progress=_bar(progress, tasks, start),
                on_state=lambda n, state: progress.update(tasks[n], state=state),
                ledger=not names,  # all read models: the ledger's sealer too
            )
            service.start(catch_up_only=catch_up_only)
            scheduler = scheduler_for(app) if tick and not catch_up_only else None
            if scheduler is not None:
                scheduler.start()
            try:
                while service.alive:
                    service.join(timeout=0.2)
            except KeyboardInterrupt:
                progress.update(next(iter(tasks.values())), state="stopping 停止中")
                service.stop()
            finally:
                if scheduler is not None:
                    scheduler.stop()
                service.stop()
        errors = service.errors()
        if errors:
            raise fail(str(errors[0]), 1)


def _bar(
    progress: Progress, tasks: dict[str, TaskID], start: dict[str, int]
) -> Callable[[BatchProgress], None]:
    lock = threading.Lock()

    def update(p: BatchProgress) -> None:
        task = tasks[p.projection]
        done = p.position - start[p.projection]
        with lock:
            total = max(progress.tasks[task].total or 0, done)
            progress.update(task, completed=done, total=total, rate=p.rate)

    return update


@projections_cli.command("rebuild")
@handle_errors
@read_side_errors
def rebuild(
    names: list[str] = typer.Argument(
        ..., help=f"projections to rebuild, or all ({', '.join(registry.names())})", metavar="NAME...|all"
    ),
    processes: int = typer.Option(
        1, "--processes", min=1, max=8, help="rebuild groups of projections side by side 多进程"
    ),
    demo: bool = demo_option(),
) -> None:
    """Rebuild from position 0 into fresh tables, swapped in when caught up 零停机重建.
    Several projections are built in one pass over the log (or, with --processes,
    in groups side by side, each group one pass)."""
    chosen = registry.names() if [n.strip().lower() for n in names] == ["all"] else names
    projections = [registry.get(name) for name in chosen]  # an unknown name fails before any work
    with open_app(demo) as app:
        groups = groups_for(chosen, processes)
        if len(groups) > 1:
            console.print(
                f"rebuilding in {len(groups)} processes: " + " | ".join("+".join(g) for g in groups)
            )
            positions = rebuild_in_processes(app.settings, app.database.url, groups)
            for group, position in zip(groups, positions, strict=True):
                for name in group:
                    console.print(f"{name}: rebuilt and swapped in at position {position:,} 重建完成")
            return
        side = ReadSide.from_app(app)
        _rebuild(side, projections[0] if len(projections) == 1 else Together(projections))


def _rebuild(side: ReadSide, projection: Any) -> None:
    head = side.source.head()
    name = projection.name
    with _progress() as progress:
        task = progress.add_task(name, total=max(head, 1), rate=0.0, state="rebuilding 重建中")

        def on_progress(p: BatchProgress) -> None:
            total = max(progress.tasks[task].total or 0, p.position)
            progress.update(task, completed=p.position, total=total, rate=p.rate)

        position = rebuild_projection(side, projection, on_progress=on_progress)
        progress.update(task, state="swapped in 已切换")
    for part in getattr(projection, "parts", (projection,)):
        console.print(f"{part.name}: rebuilt and swapped in at position {position:,} 重建完成")


@projections_cli.command("status")
@handle_errors
@read_side_errors
def status(
    names: list[str] = typer.Argument(None, help="projections to show (default: all)"),
    demo: bool = demo_option(),
) -> None:
    """Position, lag, events/s and state of each projection 投影状态."""
    with open_app(demo) as app:
        rows = projection_status(ReadSide.from_app(app), names or None)
    table = Table(title="projections 投影")
    for column in ("name 名称", "position 位置", "head 最新", "lag 落后", "events/s", "state 状态"):
        table.add_column(column, justify="right" if column[0] in "phle" else "left")
    for row in rows:
        table.add_row(
            f"{row.name}\n[dim]{row.title}[/]",
            "-" if row.position is None else f"{row.position:,}",
            f"{row.head:,}",
            "-" if row.lag is None else f"{row.lag:,}",
            "-" if row.rate is None else f"{row.rate:,.0f}",
            row.state
            + (f"\nrebuild at {row.rebuild_position:,}" if row.rebuild_position is not None else ""),
        )
    console.print(table)
    for row in rows:
        if row.error:
            console.print(f"[red]{row.name}[/]: {row.error}", highlight=False, soft_wrap=True)
