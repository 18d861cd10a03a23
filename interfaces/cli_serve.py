"""``policytrail serve``: the HTTP API with uvicorn (OpenAPI at /docs).

``--workers N`` runs N server processes (uvicorn's supervisor spawns them; each builds
its API with ``interfaces.api.worker.create_worker_api``). They share nothing but
PostgreSQL. The projections run once, in this supervising process, never in the
workers; every projection also holds an advisory lock, so a second ``serve`` or
``projections run`` elsewhere only stands by.
"""

from __future__ import annotations

import os

import typer
import uvicorn

from interfaces.api import create_api
from interfaces.api.read_models.hooks import ReadModelHooks
from interfaces.api.tokens import TokenStore
from interfaces.api.worker import OPTIONS_ENV, worker_options
from interfaces.cli import err_console, handle_errors, open_app
from interfaces.demo_schemas import DEMO_EVENTS_SCHEMA, DEMO_READ_SCHEMA, demo_option
from interfaces.scheduling import running, scheduler_for
from projections.live import ProjectionService


@handle_errors
def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="interface to listen on"),
    port: int = typer.Option(8000, "--port", min=0, max=65535, help="TCP port"),
    log_level: str = typer.Option("info", "--log-level", help="uvicorn log level"),
    projections: bool = typer.Option(
        True,
        "--projections/--no-projections",
        help="keep the read models current in this process (else: policytrail projections run)",
    ),
    wait_timeout: float = typer.Option(
        5.0, "--wait-timeout", min=0.1, max=60, help="seconds ?consistency=wait waits before 202"
    ),
    demo: bool = demo_option(),
    tick: bool = typer.Option(
        True, "--tick/--no-tick", help="run the time-driven commands every tick_interval_seconds (one leader)"
    ),
    workers: int = typer.Option(
        1,
        "--workers",
        min=1,
        max=64,
        help="server processes (sharing only PostgreSQL; projections and scheduler run once, here)",
    ),
) -> None:
    """服务 Serve the HTTP API (commands, reads, /health, /docs) until interrupted."""
    if workers > 1:
        serve_workers(host, port, log_level, projections, wait_timeout, workers, demo=demo, tick=tick)
        return
    with (
        open_app(demo) as app,
        ReadModelHooks(app, run_projections=projections) as hooks,
        running(scheduler_for(app) if tick else None),
    ):
        api = create_api(
            app,
            wait_for=hooks.wait_for,
            projection_status=hooks.projection_status,
            wait_timeout=wait_timeout,
        )
        _hint_token(app, demo)
        err_console.print(f"API: http://{host}:{port}  docs 文档: http://{host}:{port}/docs")
        uvicorn.run(api, host=host, port=port, log_level=log_level)


def _hint_token(app: object, demo: bool = False) -> None:
    if not any(t.active for t in TokenStore.for_app(app).list()):  # type: ignore[arg-type]
        err_console.print(
            "[yellow]no API token yet 尚无访问令牌:[/] policytrail token create"
            + (" --demo" if demo else "")
            + " --role admin --staff <员工号>",
            highlight=False,
        )


def serve_workers(
    host: str,
    port: int,
    log_level: str,
    projections: bool,
    wait_timeout: float,
    workers: int,
    *,
    demo: bool = False,
    tick: bool = True,
) -> None:
    """N worker processes behind one socket; the projections and the scheduler run here, once."""
    if demo:  # spawned workers build their settings from the environment: the demo's schemas
        os.environ["POLICYTRAIL_EVENTS_SCHEMA"] = DEMO_EVENTS_SCHEMA
        os.environ["POLICYTRAIL_READ_SCHEMA"] = DEMO_READ_SCHEMA
    # resolves (or starts) the database before the workers need it
    with open_app(demo) as app, running(scheduler_for(app) if tick else None):
        _hint_token(app, demo)
        service = ProjectionService.from_app(app).start() if projections else None
        try:
            where = "this process 本进程" if service is not None else "elsewhere 其他进程 (projections run)"
            err_console.print(
                f"API: http://{host}:{port}  docs 文档: http://{host}:{port}/docs  "
                f"workers 进程: {workers}, projections 投影: {where}",
                highlight=False,
                soft_wrap=True,
            )
            os.environ[OPTIONS_ENV] = worker_options(wait_timeout=wait_timeout)  # spawned workers inherit it
            uvicorn.run(
                "interfaces.api.worker:create_worker_api",
                factory=True,
                host=host,
                port=port,
                workers=workers,
                log_level=log_level,
            )
        finally:
            if service is not None:
                service.stop()


def register(cli: typer.Typer) -> None:
    cli.command(name="serve")(serve)
