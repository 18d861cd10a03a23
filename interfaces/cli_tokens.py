"""``policytrail token create|list|revoke``: API tokens (访问令牌), stored hashed."""

from __future__ import annotations

import getpass
import re
from datetime import UTC, datetime, timedelta

import typer
from rich.table import Table

from application.app import PolicyTrail
from application.branches import known_branches
from application.principals import PrincipalRef, registered_agent
from domain.shared.errors import InvalidInput
from domain.shared.time import SHANGHAI
from interfaces.api.permissions import PERMISSIONS, Scope, ScopeKind
from interfaces.api.tokens import TokenStore
from interfaces.cli import console, err_console, fail, handle_errors, open_app
from interfaces.demo_schemas import demo_option

tokens = typer.Typer(
    name="token",
    help="API tokens 访问令牌: create (shown once), list, revoke.",
    no_args_is_help=True,
)

_ROLES = ", ".join(f"{r} ({'/'.join(sorted(g.scopes))})" for r, g in PERMISSIONS.items())


def _os_user() -> str:
    """Who issued the token, for the record (the operating-system user)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (some containers)
        return "unknown"


_LIFETIME = re.compile(r"^(\d{1,5})([dhm])$")


def parse_lifetime(text: str) -> timedelta | None:
    """``90d`` / ``12h`` / ``30m`` → a lifetime; ``never`` → None (system tokens only)."""
    raw = text.strip().lower()
    if raw == "never":
        return None
    match = _LIFETIME.match(raw)
    if not match or int(match[1]) == 0:
        raise InvalidInput(
            f"invalid --expires-in {text!r}: use e.g. 90d, 12h, 30m or never",
            f"--expires-in {text!r} 无效：应为 90d、12h、30m 或 never",
        )
    unit = {"d": "days", "h": "hours", "m": "minutes"}[match[2]]
    return timedelta(**{unit: int(match[1])})


def _principal(agent: str, branch: str, staff: str, system: str) -> PrincipalRef | None:
    given = [
        (k, v) for k, v in (("agent", agent), ("branch", branch), ("staff", staff), ("system", system)) if v
    ]
    if len(given) > 1:
        raise InvalidInput(
            "name one principal: --agent, --branch, --staff or --system",
            "只能指定一个主体：--agent、--branch、--staff 或 --system",
        )
    return PrincipalRef.of(*given[0]) if given else None


def _default_scope(app: PolicyTrail, role: str, who: PrincipalRef | None) -> Scope:
    """The principal's own data: an agent's policies (a branch-role agent: the agent's
    branch), a branch's branch; everything for staff and systems."""
    if who is not None and who.kind == "branch":
        return Scope(ScopeKind.BRANCH, who.id)
    if who is not None and who.kind == "agent":
        if role in ("agent", "servicer"):
            return Scope(ScopeKind.AGENT, who.id)
        found = registered_agent(app, who.id) if role == "branch" else None
        if found is not None:
            return Scope(ScopeKind.BRANCH, found.branch)
    return Scope(ScopeKind.ALL)


@tokens.command("create")
@handle_errors
def create(
    role: str = typer.Option(..., "--role", help=f"one of: {_ROLES}"),
    scope: str = typer.Option(
        "",
        "--scope",
        help="all | branch:<机构, e.g. 北京分公司> | agent:<工号, e.g. A0001> (default: the principal's)",
    ),
    agent: str = typer.Option("", "--agent", help="the token names this registered agent (工号)"),
    branch: str = typer.Option("", "--branch", help="the token names this branch (机构), one that exists"),
    staff: str = typer.Option("", "--staff", "--name", help="the token names this staff member (员工号)"),
    system: str = typer.Option("", "--system", help="the token names this system (role system only)"),
    expires_in: str = typer.Option(
        "90d", "--expires-in", help="lifetime: 90d, 12h, 30m; never (role system only)"
    ),
    demo: bool = demo_option(),
) -> None:
    """Create a token naming a real principal (the actor of its commands); the secret is
    printed once and only its SHA-256 hash is stored."""
    who = _principal(agent.strip(), branch.strip(), staff.strip(), system.strip())
    lifetime = parse_lifetime(expires_in)
    with open_app(demo) as app:
        the_scope = Scope.parse(scope) if scope.strip() else _default_scope(app, role.strip(), who)
        _require_known_branch(app, the_scope)
        issued = TokenStore.for_app(app).create(
            role.strip(), the_scope, created_by=f"cli:{_os_user()}", principal=who, expires_in=lifetime
        )
    r = issued.record
    expires = f"{r.expires_at.astimezone(SHANGHAI):%Y-%m-%d %H:%M} (+08)" if r.expires_at else "never 永不"
    err_console.print(
        f"token {r.token_id}: role {r.role}, scope {r.scope}, principal {r.principal_ref}, "
        f"expires {expires} — store it now, it is not shown again 请妥善保存，仅显示一次",
        highlight=False,
    )
    # The secret alone on stdout, so scripts can capture it.
    console.print(issued.secret, highlight=False, soft_wrap=True)


def _require_known_branch(app: object, scope: Scope) -> None:
    """A ``branch:`` scope names a registered branch (once the store knows its branches)."""
    if scope.kind != ScopeKind.BRANCH:
        return
    known = known_branches(app)  # type: ignore[arg-type]
    if known is not None and scope.value not in known:
        raise fail(
            f"unknown branch {scope.value!r} in --scope; registered branches 已登记机构: "
            + (", ".join(known) or "-")
        )


@tokens.command("list")
@handle_errors
def list_tokens(
    all_: bool = typer.Option(False, "--all", help="include revoked tokens"),
    demo: bool = demo_option(),
) -> None:
    """List tokens (ids, roles, scopes; never secrets)."""
    with open_app(demo) as app:
        records = TokenStore.for_app(app).list()
    table = Table()
    for header in ("id", "role 角色", "scope 范围", "principal 主体"):
        table.add_column(header, no_wrap=True)
    table.add_column("created 创建 (+08)")
    table.add_column("expires 到期 (+08)")
    table.add_column("status 状态")
    for r in records:
        if not (r.active or all_):
            continue
        revoked = r.revoked_at.astimezone(SHANGHAI) if r.revoked_at else None
        status = f"revoked 已吊销 {revoked:%Y-%m-%d %H:%M}" if revoked else "active 有效"
        if not revoked and r.expires_at is not None and r.expires_at <= datetime.now(UTC):
            status = "expired 已过期"
        created = r.created_at.astimezone(SHANGHAI)
        expires = f"{r.expires_at.astimezone(SHANGHAI):%Y-%m-%d %H:%M}" if r.expires_at else "never 永不"
        table.add_row(
            r.token_id, r.role, str(r.scope), r.principal_ref, f"{created:%Y-%m-%d %H:%M}", expires, status
        )
    console.print(table)


@tokens.command("revoke")
@handle_errors
def revoke(
    token_id: str = typer.Argument(..., help="token id, e.g. tk_1a2b3c4d"),
    demo: bool = demo_option(),
) -> None:
    """Revoke a token: it stops working at once."""
    with open_app(demo) as app:
        if not TokenStore.for_app(app).revoke(token_id):
            raise fail(f"no active token {token_id!r} (see: policytrail token list --all)")
    console.print(f"revoked 已吊销 {token_id}")


def register(cli: typer.Typer) -> None:
    cli.add_typer(tokens, name="token")
