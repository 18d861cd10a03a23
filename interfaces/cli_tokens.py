"""``policytrail token create|list|revoke``: API tokens (访问令牌), stored hashed."""

from __future__ import annotations

import getpass

import typer
from rich.table import Table

from application.branches import known_branches
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


@tokens.command("create")
@handle_errors
def create(
    role: str = typer.Option(..., "--role", help=f"one of: {_ROLES}"),
    scope: str = typer.Option(
        "all", "--scope", help="all | branch:<机构, e.g. 北京分公司> | agent:<工号, e.g. A0001>"
    ),
    name: str = typer.Option(
        "", "--name", help="actor id recorded on the token's commands (e.g. a staff number)"
    ),
    demo: bool = demo_option(),
) -> None:
    """Create a token; the secret is printed once and only its SHA-256 hash is stored."""
    parsed = Scope.parse(scope)
    with open_app(demo) as app:
        _require_known_branch(app, parsed)
        issued = TokenStore.for_app(app).create(
            role.strip(), parsed, name=name, created_by=f"cli:{_os_user()}"
        )
    r = issued.record
    err_console.print(
        f"token {r.token_id}: role {r.role}, scope {r.scope}, actor {r.name} "
        "— store it now, it is not shown again 请妥善保存，仅显示一次",
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
    for header in ("id", "role 角色", "scope 范围", "actor 操作人"):
        table.add_column(header, no_wrap=True)
    table.add_column("created 创建 (+08)")
    table.add_column("status 状态")
    for r in records:
        if not (r.active or all_):
            continue
        revoked = r.revoked_at.astimezone(SHANGHAI) if r.revoked_at else None
        status = f"revoked 已吊销 {revoked:%Y-%m-%d %H:%M}" if revoked else "active 有效"
        created = r.created_at.astimezone(SHANGHAI)
        table.add_row(r.token_id, r.role, str(r.scope), r.name, f"{created:%Y-%m-%d %H:%M}", status)
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
