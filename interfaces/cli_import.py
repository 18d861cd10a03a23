"""``policytrail import FILE``: upstream facts from JSON Lines (docs/import-format.md)."""

from __future__ import annotations

import json
from contextlib import ExitStack
from pathlib import Path
from typing import IO

import typer
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from application.idempotency import DEFAULT_IMPORT_SOURCE
from interfaces.cli import console, err_console, fail, handle_errors, open_app
from interfaces.importer import DEFAULT_BATCH_SIZE, Rejection, import_file

#: rejected lines printed on the terminal; the rest only go to --rejects
PRINTED_REJECTIONS = 50


def import_command(
    file: Path = typer.Argument(..., help="JSON Lines file, one command per line"),
    rejects: Path | None = typer.Option(
        None, "--rejects", help="write rejected lines (with line number and reason) to this file"
    ),
    batch_size: int = typer.Option(
        DEFAULT_BATCH_SIZE,
        "--batch-size",
        min=1,
        max=10_000,
        help="lines stored per transaction (each line still succeeds or fails on its own)",
    ),
    source: str = typer.Option(
        DEFAULT_IMPORT_SOURCE,
        "--source",
        help="the sending system 来源系统: its line ids are its own (another source's id is another line)",
    ),
) -> None:
    """导入 Import upstream facts (JSON Lines, one command per line); re-importing changes nothing.

    Exit code: 0 all lines applied or already there, 1 some lines rejected, 2 cannot start.
    """
    if not file.is_file():
        raise fail(f"no such file: {file}", 2)
    total = file.stat().st_size
    printed = 0

    with ExitStack() as stack:
        app = stack.enter_context(open_app())
        rejects_out: IO[str] | None = (
            stack.enter_context(rejects.open("w", encoding="utf-8")) if rejects else None
        )
        progress = stack.enter_context(
            Progress(
                TextColumn("[bold]导入 importing[/] {task.fields[name]}"),
                BarColumn(),
                DownloadColumn(),
                TextColumn("{task.fields[lines]:,} lines"),
                TimeElapsedColumn(),
                TimeRemainingColumn(),
                console=err_console,
                transient=True,
            )
        )
        task = progress.add_task("import", total=total, name=file.name, lines=0)

        def on_line(line_no: int, size: int) -> None:
            progress.update(task, advance=size, lines=line_no)

        def on_rejected(rejection: Rejection) -> None:
            nonlocal printed
            if printed < PRINTED_REJECTIONS:
                who = f" ({rejection.line_id})" if rejection.line_id else ""
                progress.console.print(
                    f"[red]line {rejection.line_no}{who}:[/] {rejection.reason}",
                    highlight=False,
                    soft_wrap=True,
                )
            printed += 1
            if rejects_out is not None:
                record = {
                    "line": rejection.line_no,
                    "line_id": rejection.line_id,
                    "reason": rejection.reason,
                    "text": rejection.text,
                }
                rejects_out.write(json.dumps(record, ensure_ascii=False) + "\n")

        summary = import_file(
            app, file, on_rejected=on_rejected, on_line=on_line, batch_size=batch_size, source=source
        )

    if printed > PRINTED_REJECTIONS:
        more = printed - PRINTED_REJECTIONS
        hint = f"; all are in {rejects}" if rejects else "; use --rejects FILE to keep them all"
        err_console.print(f"… {more} more rejected lines not shown{hint}", highlight=False)
    table = Table(title=f"{file.name}", show_header=False, box=None)
    table.add_row("applied 已导入", f"{summary.applied:,}")
    table.add_row("duplicate 已存在（跳过）", f"{summary.duplicate:,}")
    table.add_row("rejected 拒绝", f"{summary.rejected:,}")
    console.print(table)
    if summary.rejected:
        raise typer.Exit(1)


def register(cli: typer.Typer) -> None:
    cli.command(name="import")(handle_errors(import_command))
