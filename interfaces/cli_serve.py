"""``policytrail serve``: the HTTP API with uvicorn (OpenAPI at /docs)."""

from __future__ import annotations

import typer
import uvicorn

from interfaces.api import create_api
from interfaces.api.read_side import ReadModelHooks
from interfaces.api.tokens import TokenStore
from interfaces.cli import err_console, handle_errors, open_app
from interfaces.demo_schemas import demo_option
from interfaces.scheduling import running, scheduler_for


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
) -> None:
    """服务 Serve the HTTP API (commands, reads, /health, /docs) until interrupted."""
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
        if not any(t.active for t in TokenStore.for_app(app).list()):
            err_console.print(
                "[yellow]no API token yet 尚无访问令牌:[/] policytrail token create"
                + (" --demo" if demo else "")
                + " --role admin --staff <员工号>",
                highlight=False,
            )
        err_console.print(f"API: http://{host}:{port}  docs 文档: http://{host}:{port}/docs")
        uvicorn.run(api, host=host, port=port, log_level=log_level)


def register(cli: typer.Typer) -> None:
    cli.command(name="serve")(serve)
