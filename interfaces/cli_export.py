"""``policytrail export``: the monthly regulator/auditor package, ``export verify`` offline,
``export public-key`` for whoever verifies."""

from __future__ import annotations

import getpass
from pathlib import Path

import typer

from interfaces.cli import console, err_console, fail, handle_errors, open_app
from interfaces.demo_schemas import demo_option
from interfaces.exports.ledger_evidence import ExportKeyError, load_public_key, signing_key

export_cli = typer.Typer(
    help="监管/审计导出 Regulator and auditor exports: build (--month … --out DIR), verify, public-key.",
    invoke_without_command=True,
    no_args_is_help=False,
)


@export_cli.callback()
@handle_errors
def export(
    ctx: typer.Context,
    month: str = typer.Option(None, "--month", help="YYYY-MM 月份"),
    branch: str = typer.Option(
        None, "--branch", help="one branch 机构 (default: every branch the token covers)"
    ),
    formats: str = typer.Option("xlsx,csv,jsonl", "--format", help="comma-separated: xlsx,csv,jsonl"),
    out: Path = typer.Option(None, "--out", help="new or empty folder for the package"),
    unmasked: bool = typer.Option(
        False, "--unmasked", help="personal data in clear (auditor token + --reason)"
    ),
    reason: str = typer.Option("", "--reason", help="why the auditor needs personal data in clear (RC-03)"),
    token: str = typer.Option(
        None, "--token", envvar="POLICYTRAIL_TOKEN", help="bearer token: its role and scope apply"
    ),
    demo: bool = demo_option(),
) -> None:
    """Build the export folder: kpi_report, callbacks, work_orders, service_cases, events, manifest."""
    if ctx.invoked_subcommand is not None:
        return
    if not month or out is None:
        raise fail("export needs --month YYYY-MM and --out DIR (or: export verify DIR --public-key KEY)", 2)
    if reason and not unmasked:
        raise fail("--reason only applies with --unmasked", 2)
    from interfaces.cli_demo import catch_up_read_models
    from interfaces.exports.access import ExportRefused, authorise
    from interfaces.exports.package import ExportError, ExportRequest, build_export

    with open_app(demo=demo) as app:
        try:
            request, actor = authorise(
                app,
                ExportRequest.of(month, branch, formats, reason if unmasked else None),
                token,
                default_actor=f"cli:{getpass.getuser()}",
            )
        except ExportRefused as exc:
            raise fail(str(exc)) from None
        try:
            result = build_export(
                app,
                request,
                out,
                actor,
                progress=lambda name: err_console.print(f"[dim]writing {name}[/]"),
                catch_up=lambda: catch_up_read_models(app),
            )
        except (ExportError, ExportKeyError) as exc:
            raise fail(str(exc)) from None
    log = result.manifest["log"]
    personal = result.manifest["parameters"]["personal_data"]
    console.print(
        f"export {request.month} {request.branch or '(all branches 全部机构)'} → {result.folder}: "
        f"{len(result.files)} files, log positions {log['first_position']}..{log['last_position']}"
        f" (snapshot {log['snapshot_position']}), personal data {personal}",
        highlight=False,
    )
    for f in result.files:
        console.print(f"  {f.name:<22} {f.rows:>10,} rows  {f.sha256[:16]}…", highlight=False)


@export_cli.command("verify")
def verify(
    folder: Path = typer.Argument(..., help="the export folder"),
    public_key: list[Path] = typer.Option(
        ...,
        "--public-key",
        help="the ledger's Ed25519 public key file (PEM or ed25519:<base64>); repeat it for"
        " retired keys (a tree head signed before a key rotation)",
    ),
) -> None:
    """Check an export offline (no database): signature, file set, hashes, row counts, log
    range, and the ledger evidence (signed tree head, inclusion proof of the last event)."""
    from interfaces.exports.verify import verify_folder

    try:
        keys = [load_public_key(path) for path in public_key]
    except ExportKeyError as exc:
        raise fail(str(exc), 2) from None
    problems = verify_folder(folder, keys)
    if problems:
        for problem in problems:
            err_console.print(f"[bold red]FAIL[/] {problem}", highlight=False, soft_wrap=True)
        raise typer.Exit(1)
    console.print(
        f"OK {folder}: signature, files, SHA-256, row counts, log range, signed tree head and"
        " inclusion proof verify 校验通过",
        highlight=False,
    )


@export_cli.command("public-key")
@handle_errors
def public_key(
    out: Path = typer.Option(None, "--out", help="write the PEM here (default: print it)"),
) -> None:
    """The ledger's public key (PEM), which verifies manifests and tree heads alike: the
    same key ``policytrail ledger public-key --pem`` prints (give it to regulators)."""
    from application.settings import load_settings

    try:
        key = signing_key(load_settings()).public_key
    except ExportKeyError as exc:
        raise fail(str(exc), 2) from None
    err_console.print(f"key id 密钥标识: {key.key_id}", highlight=False)
    pem = key.to_pem()
    if out is None:
        console.print(pem, end="", highlight=False)
    else:
        out.write_text(pem, encoding="utf-8")
        err_console.print(f"public key written to {out}")


def register(cli: typer.Typer) -> None:
    cli.add_typer(export_cli, name="export")
