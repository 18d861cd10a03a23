"""The ``policytrail`` command line (typer + rich).

Every command prints which database it uses. Errors are one readable line on
stderr and a non-zero exit code; nothing already stored is lost.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from application.adapters.database import Database, DatabaseUnavailable, resolve_database, stop_embedded
from application.adapters.encryption import CipherKeyError
from application.settings import Settings, SettingsError, load_settings
from domain.shared.errors import DomainError
from interfaces.demo_schemas import DEMO_EVENTS_SCHEMA, DEMO_READ_SCHEMA, DEMO_SCHEMAS, demo_has_events

console = Console()
err_console = Console(stderr=True)


def _flags_print_as_flags() -> None:
    """Help shows ``--fresh``, not ``--fresh <bool>``: typer 0.29's rich help prints a
    type for every option, flags (even ``--help``) included; a flag takes no value."""
    from typer.core import TyperOption

    shows_type = TyperOption.display_type_rich
    if getattr(shows_type, "flags_as_flags", False):
        return

    def display_type_rich(self: TyperOption, ctx: Any) -> str | None:
        if self.is_flag and self.metavar is None:
            return None
        return shows_type(self, ctx)

    display_type_rich.flags_as_flags = True  # type: ignore[attr-defined]
    TyperOption.display_type_rich = display_type_rich  # type: ignore[method-assign]


_flags_print_as_flags()

cli = typer.Typer(
    name="policytrail",
    help="PolicyTrail — event-sourced customer-service core (新契约回访/问题件/保单服务/资源分配).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

F = TypeVar("F", bound=Callable[..., Any])


@cli.callback()
def _root() -> None:
    """PolicyTrail — event-sourced customer-service core."""


def fail(message: str, code: int = 1) -> typer.Exit:
    err_console.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


def handle_errors(fn: F) -> F:
    """Turn expected failures into one readable line and a non-zero exit."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except (SettingsError, DatabaseUnavailable, CipherKeyError) as exc:
            raise fail(str(exc), 2) from None
        except DomainError as exc:
            raise fail(str(exc), 1) from None
        except KeyboardInterrupt:
            raise fail("interrupted", 130) from None

    return wrapper  # type: ignore[return-value]


def settings_and_database(demo: bool = False) -> tuple[Settings, Database]:
    settings = load_settings(**(DEMO_SCHEMAS if demo else {}))
    database = resolve_database(settings)
    where = f" · schemas {settings.events_schema}/{settings.read_schema} (--demo)" if demo else ""
    err_console.print(f"[dim]database: {database.describe()}{where}[/]", highlight=False)
    return settings, database


@contextmanager
def open_app(demo: bool | None = None, **kwargs: Any) -> Iterator[Any]:
    """The application on the configured (or embedded) database, closed afterwards;
    ``demo``: on the schemas of ``policytrail demo`` (None: the command has no --demo)."""
    from application.app import PolicyTrail

    settings, database = settings_and_database(bool(demo))
    app = PolicyTrail(settings=settings, database=database, **kwargs)
    try:
        if demo is False:
            _hint_at_the_demo(app)
        yield app
    finally:
        app.close()


def _hint_at_the_demo(app: Any) -> None:
    """An empty store beside a stored demo month: say where the data is (no surprise)."""
    if app.max_position():
        return
    with app.database.connect() as conn:
        if demo_has_events(conn, app.trail_recorder.events_table_name):
            err_console.print(
                "[yellow]note:[/] this store is empty; the data of `policytrail demo` is in "
                f"schemas {DEMO_EVENTS_SCHEMA}/{DEMO_READ_SCHEMA}: add --demo 演示数据请加 --demo",
                highlight=False,
                soft_wrap=True,
            )


@cli.command()
@handle_errors
def db(
    stop: bool = typer.Option(False, "--stop", help="stop the embedded server (unless others use it)"),
    force: bool = typer.Option(False, "--force", help="with --stop: stop it even while others use it"),
) -> None:
    """Which database is used (数据库): URL (password hidden), event count, last position."""
    settings = load_settings()
    if stop:
        if settings.database_url:
            raise fail("--stop only applies to the embedded database", 2)
        from interfaces.cli_db_stop import report_stop  # one module per reason to change

        report_stop(stop_embedded(settings, force=force))
        return
    with open_app() as app:
        with app.database.connect() as conn:
            version = conn.execute("SHOW server_version").fetchone()[0]
            count = conn.execute(f"SELECT count(*) FROM {app.events_table}").fetchone()[0]
        table = Table(show_header=False, box=None)
        table.add_column(no_wrap=True)
        table.add_column(overflow="fold")
        table.add_row("kind 类型", "embedded (pgserver)" if app.database.embedded else "configured")
        table.add_row("url 地址", app.database.display_url)
        if app.database.data_dir:
            table.add_row("data dir 数据目录", str(app.database.data_dir))
        table.add_row("server 版本", f"PostgreSQL {version}")
        table.add_row(
            "encryption 加密", f"AES-GCM, key {app.cipher_key.fingerprint} ({app.cipher_key.source})"
        )
        table.add_row("events schema", settings.events_schema)
        table.add_row("read schema", settings.read_schema)
        table.add_row("events 事件数", f"{count:,}")
        table.add_row("last position 最新位置", f"{app.max_position():,}")
        console.print(table)


# Sub-command groups from other modules register here (one line each).
def _register_subcommands() -> None:
    from interfaces import (  # they import this module
        cli_bench,
        cli_demo,
        cli_export,
        cli_import,
        cli_ledger,
        cli_personal_data,
        cli_projections,
        cli_serve,
        cli_tick,
        cli_tokens,
    )

    cli_serve.register(cli)
    cli_tokens.register(cli)
    cli_import.register(cli)
    cli_bench.register(cli)
    cli_projections.register(cli)
    cli_ledger.register(cli)
    cli_tick.register(cli)
    cli_demo.register(cli)
    cli_export.register(cli)
    cli_personal_data.register(cli)


if __name__ != "__main__":  # run as a script, the real module registers (below)
    _register_subcommands()


def main() -> None:
    try:
        cli()
    except DomainError as exc:  # pragma: no cover - safety net
        err_console.print(f"error: {exc}")
        sys.exit(1)
    except (SettingsError, CipherKeyError) as exc:  # a command without handle_errors
        err_console.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        sys.exit(2)


if __name__ == "__main__":
    # ``python -m interfaces.cli``: this file runs as __main__, while the sub-command
    # modules import ``interfaces.cli``; use that one module, fully registered.
    from interfaces.cli import main as registered_main

    registered_main()
