"""``policytrail subjects erase`` and ``policytrail keys migrate|rotate`` (个人信息与密钥)."""

from __future__ import annotations

import base64
import getpass
from pathlib import Path

import typer

from application.adapters.encryption import CipherKeyError, validate_key
from application.adapters.personal_data.keys import KeyMaterialError
from application.personal_data.erasure import erase
from application.personal_data.migration import legacy_rows, migrate
from domain.shared.actor import Actor
from interfaces.cli import console, err_console, fail, handle_errors, open_app

subjects = typer.Typer(
    name="subjects", help="Data subjects 数据主体: erase after retention (RC-02).", no_args_is_help=True
)
keys = typer.Typer(
    name="keys", help="Key material 密钥: migrate a store, rotate the master key.", no_args_is_help=True
)


def _operator() -> Actor:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return Actor(id=f"cli:{user}", role="admin")


@subjects.command("erase")
@handle_errors
def erase_subject(
    subject: str = typer.Argument(..., help="ID number 证件号码, or the subject id"),
    reason: str = typer.Option(..., "--reason", help="why 删除原因 (recorded in the erasure event)"),
) -> None:
    """Erase a person's personal data after RC-02 retention: the erasure is stored as an
    event, then the subject's data keys are destroyed. Refused inside retention."""
    with open_app() as app:
        try:
            result, destroyed = erase(app, subject, reason, _operator())
        except (CipherKeyError, KeyMaterialError) as exc:
            raise fail(str(exc)) from None
    r = result.result
    console.print(
        f"erased subject {r['subject_id']} (RC-02 retention ended {r['retention_end']}): "
        f"{destroyed} data keys destroyed, {r['erased_aggregates']} aggregates affected; "
        "rebuild the read models to refresh their masked copies: policytrail projections rebuild",
        highlight=False,
    )


@keys.command("migrate")
@handle_errors
def migrate_store() -> None:
    """Move a store of whole-event encryption to per-subject field sealing (one
    transaction; writers wait). Then rebuild the read models."""
    with open_app() as app:
        try:
            report = migrate(app)
        except (CipherKeyError, KeyMaterialError) as exc:
            raise fail(str(exc)) from None
    console.print(
        f"re-encoded {report.rows:,} events ({report.already_sealed:,} already sealed), "
        f"{report.contact_points_rekeyed:,} ContactPoints moved to keyed ids, "
        f"{report.snapshots_dropped:,} snapshots dropped"
        + ("; now run: policytrail projections rebuild" if report.rows else ""),
        highlight=False,
    )


@keys.command("rotate")
@handle_errors
def rotate(
    new_key_file: Path = typer.Option(
        ..., "--new-key-file", help="file holding the new key (base64, 16/24/32 bytes)"
    ),
) -> None:
    """Re-wrap every data key and store secret with a new master key (events untouched).
    Afterwards configure the new key (POLICYTRAIL_CIPHER_KEY or the key file)."""
    try:
        new = validate_key(new_key_file.read_text().strip(), str(new_key_file))
    except OSError as exc:
        raise fail(f"cannot read {new_key_file}: {exc.strerror}") from None
    except CipherKeyError as exc:
        raise fail(str(exc)) from None
    with open_app() as app:
        left = legacy_rows(app)
        if left:
            raise fail(
                f"{left:,} events still use the former whole-event encryption: "
                "run policytrail keys migrate first"
            )
        table = f'"{app.settings.events_schema}".policytrail_store'
        count = app.personal.keys.rewrap(
            base64.b64decode(new.key_b64),  # the fingerprint changes in the same transaction
            (f"UPDATE {table} SET value = %s WHERE name = 'cipher_key_fingerprint'", (new.fingerprint,)),
        )
        source = app.cipher_key.source
    err_console.print(f"re-wrapped {count:,} keys with key {new.fingerprint}", highlight=False)
    console.print(
        f"now replace the old key ({source}) with the new one before the next command", highlight=False
    )


def register(cli: typer.Typer) -> None:
    cli.add_typer(subjects)
    cli.add_typer(keys)
