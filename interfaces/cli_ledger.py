"""``policytrail ledger …`` (防篡改账本): seal, verify, proofs, keys — and the offline checker."""

from __future__ import annotations

import signal
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from application.ledger import documents
from application.ledger.documents import ProofInvalid
from application.ledger.heads import SignedTreeHead
from application.ledger.keys import (
    LedgerKeyError,
    PublicKey,
    resolve_signing_key,
    rotate_key_file,
    trusted_public_keys,
)
from application.ledger.service import Ledger, events_table
from application.ledger.store import LedgerNotStarted, LedgerStore
from application.ledger.verify import verify_ledger
from application.settings import load_settings
from interfaces.cli import console, err_console, fail, handle_errors, open_app
from projections.ledger import LedgerSealer, seal_now
from projections.source import ReadSide

ledger_cli = typer.Typer(
    name="ledger",
    help="Tamper-evident ledger 防篡改账本: RFC 9162 Merkle tree, signed tree heads, proofs.",
    no_args_is_help=True,
)
proof_cli = typer.Typer(help="Write a proof or tree head as JSON 导出证明 (checked by verify-proof).")
ledger_cli.add_typer(proof_cli, name="proof")

F = TypeVar("F", bound=Callable[..., Any])
KeyOption = typer.Option(
    None, "--public-key", help="trusted public key: a file (PEM or ed25519:<base64>) or the text itself"
)


def register(cli: typer.Typer) -> None:
    cli.add_typer(ledger_cli, name="ledger")


def ledger_errors(fn: F) -> F:
    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except LedgerKeyError as exc:
            raise fail(str(exc), 2) from None
        except (LedgerNotStarted, ProofInvalid) as exc:
            raise fail(str(exc), 1) from None

    return wrapper  # type: ignore[return-value]


def _public_keys(values: list[str] | None) -> list[PublicKey]:
    keys = []
    for value in values or []:
        path = Path(value)
        try:
            is_file = path.is_file()
        except OSError:  # e.g. a name too long: it is the key text
            is_file = False
        keys.append(
            PublicKey.parse(path.read_text() if is_file else value, value if is_file else "--public-key")
        )
    return keys


def _when(sth: SignedTreeHead) -> str:
    return sth.signed_at.isoformat(timespec="milliseconds")


def _write(data: bytes, out: Path | None) -> None:
    if out is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    out.write_bytes(data)
    err_console.print(f"written 已写入: {out} ({len(data):,} bytes)", highlight=False)


@ledger_cli.command("run")
@handle_errors
@ledger_errors
def run(
    catch_up_only: bool = typer.Option(False, "--catch-up-only", help="exit once the tree is caught up"),
) -> None:
    """Run the sealer alone: append events to the tree, sign heads (Ctrl-C stops) 运行封存器."""
    with open_app() as app:
        side = ReadSide.from_app(app)
        sealer = LedgerSealer(side, side.ledger, on_state=lambda _n, s: err_console.print(f"ledger: {s}"))
        signal.signal(signal.SIGTERM, lambda *_: sealer.stop.set())
        thread = sealer.run_in_thread(catch_up_only=catch_up_only)
        try:
            while thread.is_alive():
                thread.join(0.2)
        except KeyboardInterrupt:
            sealer.stop.set()
            thread.join()
        if sealer.error is not None:
            raise fail(str(sealer.error), 1)


@ledger_cli.command("seal")
@handle_errors
@ledger_errors
def seal() -> None:
    """Append everything stored so far and sign a tree head now 立即封存."""
    with open_app() as app:
        side = ReadSide.from_app(app)
        sth = seal_now(side, side.ledger)
    if sth is None:
        console.print("nothing to seal: the event log is empty 事件日志为空")
        return
    console.print(
        f"tree head 树头: size {sth.tree_size:,}  root {sth.root_hash.hex()}  "
        f"key {sth.key_id}  at {_when(sth)}",
        highlight=False,
    )


@ledger_cli.command("verify")
@handle_errors
@ledger_errors
def verify(
    public_key: list[str] = KeyOption,
    server_hash: bool | None = typer.Option(
        None,
        "--server-hash/--client-hash",
        help="who hashes the leaves: by default PostgreSQL on three connections and this process "
        "on a fourth, whichever is free; --client-hash: every stored byte here (strict); --server-hash: "
        "PostgreSQL only (the server is trusted for the bytes either way)",
    ),
) -> None:
    """Recompute the tree from the event table; check every head (exit 1 on any difference) 校验."""
    settings = load_settings()
    keys = trusted_public_keys(settings, _public_keys(public_key))
    with open_app() as app:
        store = LedgerStore(app.settings.read_schema)
        with app.database.connect() as conn, conn.cursor() as cur:
            if not store.exists(cur):
                raise LedgerNotStarted(
                    "the ledger has not started on this database (run policytrail ledger run)"
                )
        with Progress(
            TextColumn("verifying 校验中"),
            BarColumn(bar_width=24),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err_console,
            transient=True,
        ) as progress:
            task = progress.add_task("verify", total=None)
            report = verify_ledger(
                app.database.url,
                store,
                events_table(app),
                keys,
                on_progress=lambda done, total: progress.update(task, completed=done, total=total),
                client_hash=None if server_hash is None else not server_hash,
            )
    console.print(
        f"events 事件 {report.events:,} · sealed 已封存 {report.sealed:,} · not yet sealed 未封存 "
        f"{report.unsealed:,} · tree heads 树头 {report.heads:,} · {report.seconds:.1f} s "
        f"({report.rate:,.0f} events/s)",
        highlight=False,
    )
    if report.ok:
        console.print("[green]ledger verified 账本校验通过[/]")
        return
    for finding in report.findings:
        err_console.print(f"[red]{finding.kind}[/]: {finding.message}", highlight=False, soft_wrap=True)
    raise fail(f"ledger verification failed 账本校验失败: {report.findings[0].message}", 1)


@ledger_cli.command("verify-proof")
@ledger_errors
def verify_proof(
    file: Path = typer.Argument(..., help="a proof or tree-head JSON file", exists=True, dir_okay=False),
    public_key: list[str] = typer.Option(..., "--public-key", help="trusted public key (file or text)"),
) -> None:
    """Check a proof or tree head offline, with the public key only (no database) 离线验证."""
    keys = {k.key_id: k for k in _public_keys(public_key)}
    summary = documents.verify_document(file.read_bytes(), keys)
    console.print(f"valid 有效: {summary}", highlight=False)


@ledger_cli.command("public-key")
@handle_errors
@ledger_errors
def public_key(
    pem: bool = typer.Option(False, "--pem", help="print PEM (SubjectPublicKeyInfo) instead of one line"),
) -> None:
    """Print the signing key's public key and key id (no database needed) 公钥."""
    key = resolve_signing_key(load_settings()).public_key
    err_console.print(f"key id 密钥标识: {key.key_id}", highlight=False)
    console.print(key.to_pem().rstrip() if pem else key.to_text(), highlight=False, soft_wrap=True)


@ledger_cli.command("rotate-key")
@handle_errors
@ledger_errors
def rotate_key() -> None:
    """New signing key for new heads; the old public key is kept so old heads still verify 轮换密钥."""
    old, new = rotate_key_file(load_settings())
    console.print(f"retired 已停用 {old.key_id}; new signing key 新密钥 {new.key_id}", highlight=False)


@ledger_cli.command("heads")
@handle_errors
@ledger_errors
def heads(
    limit: int = typer.Option(20, "--limit", min=1, max=100_000, help="newest first"),
) -> None:
    """Signed tree heads, newest first 签名树头."""
    with open_app() as app:
        rows = Ledger.from_app(app, signing=False).heads(limit)
    table = Table(title="signed tree heads 签名树头")
    for column in ("tree size 大小", "root 根哈希", "signed at 签名时间", "key 密钥"):
        table.add_column(column, justify="right" if column.startswith("tree") else "left")
    for sth in rows:
        table.add_row(f"{sth.tree_size:,}", sth.root_hash.hex(), _when(sth), sth.key_id)
    console.print(table)


OutOption = typer.Option(None, "--out", "-o", help="write to this file (default: stdout)")


@proof_cli.command("head")
@handle_errors
@ledger_errors
def proof_head(
    tree_size: int = typer.Option(None, "--tree-size", min=1, help="default: the latest head"),
    out: Path = OutOption,
) -> None:
    """A signed tree head as JSON 树头."""
    with open_app() as app:
        ledger = Ledger.from_app(app, signing=False)
        sth = ledger.head(tree_size) if tree_size else ledger.latest_head()
    if sth is None:
        raise fail("no signed tree head yet (policytrail ledger seal)", 1)
    _write(documents.encode(documents.TreeHeadDocument(sth)), out)


@proof_cli.command("inclusion")
@handle_errors
@ledger_errors
def proof_inclusion(
    position: int = typer.Argument(..., min=1, help="the event's position in the log"),
    tree_size: int = typer.Option(None, "--tree-size", min=1, help="default: the latest head"),
    out: Path = OutOption,
) -> None:
    """Proof that an event is in a signed tree 包含证明."""
    with open_app() as app:
        proof = Ledger.from_app(app, signing=False).inclusion_proof(position, tree_size)
    _write(documents.encode(proof), out)


@proof_cli.command("consistency")
@handle_errors
@ledger_errors
def proof_consistency(
    first: int = typer.Argument(..., min=1, help="size of the older signed tree"),
    second: int = typer.Argument(..., min=1, help="size of the newer signed tree"),
    out: Path = OutOption,
) -> None:
    """Proof that a signed tree extends an older one unchanged 一致性证明."""
    with open_app() as app:
        proof = Ledger.from_app(app, signing=False).consistency_proof(first, second)
    _write(documents.encode(proof), out)
