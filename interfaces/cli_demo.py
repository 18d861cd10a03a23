"""``policytrail demo``: a realistic synthetic month on the (embedded) database, the read
models caught up, the KPIs printed, then the API and dashboard served.

The demo lives in its own pair of schemas (``demo_events`` / ``demo_read``), so it never
mixes with real data and ``--fresh`` drops only what the demo created. A second run
reuses the month already stored (its command ids are deterministic); an interrupted
run resumes where it stopped.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import psycopg
import typer
from rich import box
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from application.adapters.database import Database, resolve_database
from application.adapters.encryption import CipherKeyError
from application.app import PolicyTrail
from application.settings import load_settings
from domain.shared.time import SHANGHAI
from interfaces.cli import console, err_console, fail, handle_errors
from interfaces.demo import DemoConfig, Plan, build_month, default_month
from interfaces.demo.plan import MAX_POLICIES, MIN_POLICIES
from interfaces.demo.runner import DemoStepFailed, run_plan, stored_demos
from interfaces.demo.summary import SOURCE, KpiRow, kpi_summary
from interfaces.demo.timeline import at_time
from interfaces.demo_schemas import DEMO_EVENTS_SCHEMA, DEMO_READ_SCHEMA, next_commands


@handle_errors
def demo(
    seed: int = typer.Option(2026, "--seed", help="random seed: the same seed gives the same month"),
    policies: int = typer.Option(
        3000, "--policies", min=MIN_POLICIES, max=MAX_POLICIES, help="new policies in the month"
    ),
    month: str = typer.Option("", "--month", help="YYYY-MM (default: the last complete month)"),
    fresh: bool = typer.Option(False, "--fresh", help="drop the demo schemas and generate again"),
    no_serve: bool = typer.Option(False, "--no-serve", help="stop after printing the summary"),
    host: str = typer.Option("127.0.0.1", "--host", help="interface to serve on"),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="TCP port to serve on"),
    workers: int = typer.Option(4, "--workers", min=1, max=16, help="threads executing commands"),
) -> None:
    """演示 Generate a realistic month (Faker zh_CN) through the commands, then serve it."""
    today = datetime.now(SHANGHAI).date()
    config = DemoConfig(seed=seed, policies=policies, month=month.strip() or default_month(today))
    config.require_complete(today)
    settings = load_settings(events_schema=DEMO_EVENTS_SCHEMA, read_schema=DEMO_READ_SCHEMA)
    database = resolve_database(settings)
    err_console.print(
        f"[dim]database: {database.describe()} · schemas {DEMO_EVENTS_SCHEMA}/{DEMO_READ_SCHEMA}[/]",
        highlight=False,
    )
    if fresh:
        drop_demo_schemas(database)
    started = time.perf_counter()
    with _app(settings, database) as app:
        with console.status("planning the month 生成业务计划…"):
            plan = build_month(config, settings.rules, app.calendar)
        generate(app, plan, workers)
        catch_up_read_models(app)
        print_summary(app, plan)
        console.print(f"[dim]ready in {time.perf_counter() - started:,.0f} s 用时[/]", highlight=False)
        secret = create_admin_token(app)
        url = f"http://{host}:{port}"
        console.print(
            f"\n[bold]dashboard 看板[/] {url}/   [bold]API docs 文档[/] {url}/docs", highlight=False
        )
        console.print(f"[bold]admin token 管理员令牌[/] {secret}", highlight=False, soft_wrap=True)
        console.print(
            f"[dim]open the dashboard once with {url}/?token=<token> (kept in a cookie), "
            "or paste the token into its login form 首次用 ?token= 或登录表单输入令牌[/]",
            highlight=False,
            soft_wrap=True,
        )
        console.print(
            "[bold]next 下一步[/] (the demo's data needs --demo 演示数据需加 --demo):", highlight=False
        )
        for command in next_commands(host, port):
            console.print(f"  {command}", highlight=False, soft_wrap=True)
        if no_serve:
            return
        serve_demo(app, host, port)


def register(cli: typer.Typer) -> None:
    cli.command(name="demo")(demo)


@contextmanager
def _app(settings: object, database: Database) -> Iterator[PolicyTrail]:
    try:
        app = PolicyTrail(settings=settings, database=database)  # type: ignore[arg-type]
    except CipherKeyError as exc:
        raise fail(f"{exc}; or run with --fresh to generate the demo again") from None
    try:
        yield app
    finally:
        app.close()


def drop_demo_schemas(database: Database) -> None:
    """``--fresh``: drop only the demo's schemas (never a user's data)."""
    try:
        with database.connect(autocommit=True) as conn:
            conn.execute("SET lock_timeout = '10s'")
            for schema in (DEMO_EVENTS_SCHEMA, DEMO_READ_SCHEMA):
                conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    except psycopg.errors.LockNotAvailable:
        raise fail(
            "the demo data is in use (is a `policytrail demo` server still running?); stop it and retry"
        ) from None
    err_console.print(f"[dim]dropped schemas {DEMO_EVENTS_SCHEMA}, {DEMO_READ_SCHEMA} (--fresh)[/]")


# ----- generating ---------------------------------------------------------------------------
def generate(app: PolicyTrail, plan: Plan, workers: int) -> None:
    """Run the plan unless it is stored already; another demo in the schemas is an error."""
    stored = stored_demos(app)
    others = sorted(p for p in stored if p != plan.config.prefix)
    if others:
        raise fail(
            f"the demo schemas hold another demo ({', '.join(others)}); "
            "run with the same --seed/--policies/--month, or add --fresh to replace it"
        )
    done = stored.get(plan.config.prefix, 0)
    if done >= len(plan.steps):
        console.print(
            f"reusing the demo month 复用已生成的演示数据 ({plan.config.prefix}, {done:,} commands); "
            "--fresh regenerates it",
            highlight=False,
        )
        return
    if done:
        console.print(f"resuming 继续生成: {done:,} of {len(plan.steps):,} commands already stored")
    started = time.perf_counter()
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]:>5,.0f} cmd/s"),
        TimeElapsedColumn(),
        console=console,
    ) as progress:
        task = progress.add_task("commands 命令", total=len(plan.steps), rate=0.0)

        def on_phase(phase: str) -> None:
            progress.update(task, description=f"business day 业务日 {phase:>10}")

        def on_step(*_: object) -> None:
            elapsed = time.perf_counter() - started
            done_now = progress.tasks[task].completed + 1
            progress.update(task, advance=1, rate=done_now / elapsed if elapsed else 0.0)

        try:
            report = run_plan(app, plan, workers=workers, on_step=on_step, on_phase=on_phase)
        except DemoStepFailed as exc:
            raise fail(f"{exc} (stored by another version of the demo? run with --fresh)") from None
        progress.update(task, description="commands 命令 done 完成")
    console.print(
        f"stored {report.executed:,} commands, {report.events:,} events 已写入"
        + (f" ({report.repeated:,} already there)" if report.repeated else "")
        + f" in {time.perf_counter() - started:,.0f} s",
        highlight=False,
    )


# ----- read models ----------------------------------------------------------------------------
def catch_up_read_models(app: PolicyTrail) -> None:
    """Bring every registered projection up to the head of the log, with a bar each."""
    from projections import registry
    from projections.errors import ProjectionError
    from projections.live import ProjectionService
    from projections.runtime import Progress as BatchProgress
    from projections.source import ReadSide
    from projections.status import status

    side = ReadSide.from_app(app)
    names = registry.names()
    try:
        start = {s.name: s.position or 0 for s in status(side, names)}
    except ProjectionError as exc:
        raise fail(str(exc)) from None
    head = side.source.head()
    with Progress(
        TextColumn("[bold]{task.description:<22}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[state]}"),
        TimeElapsedColumn(),
        console=console,
    ) as progress:
        tasks = {
            n: progress.add_task(f"read model 读模型 {n}", total=max(head - start[n], 1), state="")
            for n in names
        }

        def on_progress(p: BatchProgress) -> None:
            progress.update(tasks[p.projection], completed=p.position - start[p.projection])

        def on_state(name: str, state: str) -> None:
            progress.update(tasks[name], state=state)

        service = ProjectionService(side, names, on_progress=on_progress, on_state=on_state)
        service.start(catch_up_only=True)
        try:
            while service.alive:
                service.join(timeout=0.2)
        finally:
            service.stop()
        for task in tasks.values():
            progress.update(task, completed=progress.tasks[task].total)
    errors = service.errors()
    if errors:
        raise fail(str(errors[0]))


# ----- the summary ------------------------------------------------------------------------------
def _rate(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


SUMMARY_SOURCE = (
    "success rate OC-06 (标准件+次标准件+问题件) / due; open/closed/late: work orders (工单), late = 超时 or "
    "closed after the deadline (PC-03). "
    "Callbacks by the month they became due, work orders by the month of their deadline: scorecards "
    "read model (KP-01, KP-03) 回访按应回访月、工单按时限月统计；policies, service cases 保单、服务件: "
    + SOURCE
)


def summary_rows(app: PolicyTrail, month: str, as_of: datetime) -> list[KpiRow]:
    """KPI rows per branch and channel, then per branch and a total.

    Callback and work-order KPIs come from the scorecards read model (what the API and the
    dashboard show); policies issued and service cases opened from the events.
    """
    from projections.scorecards.queries import ScorecardFilters, scorecards

    from_events = {(r.branch, r.channel): r for r in kpi_summary(app, as_of) if r.channel}
    rows: dict[tuple[str, str], KpiRow] = {}
    schema = app.settings.read_schema

    def fill(row: KpiRow, card: Any) -> None:
        cb, wo = card.callbacks, card.work_orders
        row.callbacks_due, row.successful = cb.due, cb.successful
        row.successful_in_cooling_off = cb.successful_within_cooling_off
        row.work_orders_open, row.work_orders_closed = wo.open, wo.closed
        row.work_orders_overdue = wo.overdue + wo.closed_late

    def cards(dimension: str, branch: str | None = None) -> list[Any]:
        filters = ScorecardFilters(branch=branch)
        return scorecards(
            conn, schema, dimension=dimension, month_from=month, now=as_of, filters=filters, limit=100
        ).items  # type: ignore[arg-type]

    with app.database.connect() as conn:
        for b in cards("branch"):
            for card in cards("channel", b.key):
                fill(rows.setdefault((b.key, card.key), KpiRow(b.key, card.key)), card)
            fill(rows.setdefault((b.key, ""), KpiRow(b.key, "")), b)
    for (branch, channel), r in from_events.items():
        for key in ((branch, channel), (branch, "")):
            row = rows.setdefault(key, KpiRow(*key))
            row.policies += r.policies
            row.service_cases += r.service_cases
    ordered = [rows[k] for k in sorted(rows, key=lambda k: (k[0], k[1] == "", k[1]))]
    # branch subtotal rows (no channel) add up to the grand total
    return [*ordered, KpiRow.total_of([r for r in ordered if not r.channel], "合计")]


def print_summary(app: PolicyTrail, plan: Plan) -> None:
    """KPIs by branch and channel (OC-06 success rate, PC-03 overdue), as of month end."""
    as_of = at_time(plan.config.last_day, datetime.max.time()).replace(microsecond=0)
    rows = summary_rows(app, plan.config.month, as_of)
    table = Table(
        title=f"{plan.config.month} 月度概况 month at a glance (seed {plan.config.seed})",
        caption=f"as of 截至 {as_of:%Y-%m-%d %H:%M}. {SUMMARY_SOURCE}",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        padding=(0, 0, 0, 1),
    )
    headers = (
        "机构\nbranch", "渠道\nchan.", "保单\npolicy", "应回访\ndue", "成功\nsucc.", "成功率\nrate",
        "犹豫期\nin c-o", "未结\nopen", "已结\ndone", "逾期\nlate", "服务\ncases",
    )  # fmt: skip
    for n, header in enumerate(headers):
        table.add_column(header, justify="left" if n < 2 else "right", no_wrap=True)
    for r in rows:
        table.add_row(
            r.branch.removesuffix("分公司"),  # 北京分公司 → 北京: the table fits 80 columns
            r.channel or ("total" if r.branch == "合计" else "小计"),
            f"{r.policies:,}",
            f"{r.callbacks_due:,}",
            f"{r.successful:,}",
            _rate(r.success_rate),
            _rate(r.success_rate_in_cooling_off),
            f"{r.work_orders_open:,}",
            f"{r.work_orders_closed:,}",
            f"{r.work_orders_overdue:,}",
            f"{r.service_cases:,}",
            style=None if r.channel else "bold",
            end_section=not r.channel,
        )
    console.print(table)
    ingredients = Table(
        title="what the month contains 本月数据构成 (as planned)", show_header=False, box=None
    )
    for _ in range(2):
        ingredients.add_column(justify="right")
        ingredients.add_column()
    items = sorted(plan.ingredients.items())
    half = -(-len(items) // 2)
    for i in range(half):
        cells: list[str] = []
        for k in (i, i + half):
            cells += [f"{items[k][1]:,}", items[k][0]] if k < len(items) else ["", ""]
        ingredients.add_row(*cells)
    console.print(ingredients)


# ----- serving ------------------------------------------------------------------------------------
DEMO_TOKEN_NAME = "demo-admin"


def create_admin_token(app: PolicyTrail) -> str:
    from interfaces.api.permissions import Scope
    from interfaces.api.tokens import TokenStore

    store = TokenStore.for_app(app)
    # One demo token at a time: the secret is shown once per run, so the token of an
    # earlier run is revoked rather than left valid and forgotten.
    for earlier in store.list():
        if earlier.active and earlier.created_by == "demo" and earlier.name == DEMO_TOKEN_NAME:
            store.revoke(earlier.token_id)
    issued = store.create("admin", Scope.parse("all"), name=DEMO_TOKEN_NAME, created_by="demo")
    return issued.secret


def serve_demo(app: PolicyTrail, host: str, port: int) -> None:
    """The API and the dashboard (mounted by ``create_api``) with the read models kept live."""
    import uvicorn

    from interfaces.api import create_api
    from interfaces.api.read_models.hooks import ReadModelHooks

    with ReadModelHooks(app, run_projections=True) as hooks:
        api = create_api(app, wait_for=hooks.wait_for, projection_status=hooks.projection_status)
        err_console.print(f"serving 服务中 on http://{host}:{port} (Ctrl-C stops)", highlight=False)
        uvicorn.run(api, host=host, port=port, log_level="warning")
