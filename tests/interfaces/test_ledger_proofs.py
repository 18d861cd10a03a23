"""Proofs written to files verify offline with the public key alone; any flipped byte fails."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from application.ledger import documents
from application.ledger.documents import ProofInvalid
from interfaces.cli import cli
from tests import ledger_support as L
from tests.projection_scenarios import issue_many, policy_history
from tests.support import ROOT


def env(app: Any, data_dir: Path | None = None, key: bool = True) -> dict[str, str]:
    values = {
        "POLICYTRAIL_DATABASE_URL": app.database.url,
        "POLICYTRAIL_DATA_DIR": str(data_dir or app.settings.data_dir),
        "POLICYTRAIL_EVENTS_SCHEMA": app.settings.events_schema,
        "POLICYTRAIL_READ_SCHEMA": app.settings.read_schema,
        "POLICYTRAIL_LEDGER_SEAL_EVERY": str(app.settings.ledger_seal_every),
        "COLUMNS": "200",
    }
    if key:
        values["POLICYTRAIL_LEDGER_KEY"] = app.settings.ledger_key.get_secret_value()
    return values


def invoke(app: Any, *args: str, **kwargs: Any) -> Any:
    return CliRunner().invoke(cli, ["ledger", *args], env=env(app, **kwargs))


@pytest.fixture
def sealed(settings, database, clock, actor):
    app = L.ledger_app(settings, database, clock, every=100)
    try:
        policy_history(app, actor)
        issue_many(app, actor, 80)
        result = invoke(app, "seal")
        assert result.exit_code == 0, result.output
        yield app
    finally:
        app.close()


def offline(*args: str, tmp: Path) -> subprocess.CompletedProcess[str]:
    """The CLI in a fresh process that cannot reach any database (no URL that answers)."""
    environment = {
        **os.environ,
        "POLICYTRAIL_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none",
        "POLICYTRAIL_DATA_DIR": str(tmp / "empty"),
    }
    command = [sys.executable, "-m", "interfaces.cli", "ledger", *args]
    return subprocess.run(command, cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120)


def test_proofs_to_files_verify_offline_and_every_flipped_byte_fails(sealed, tmp_path):
    app = sealed
    size = L.ledger(app).latest_head().tree_size
    assert size == app.max_position() > 250
    key_file = tmp_path / "ledger.pub"
    result = invoke(app, "public-key", "--pem")
    assert result.exit_code == 0, result.output
    key_file.write_text(result.stdout)
    inclusion, consistency = tmp_path / "inclusion.json", tmp_path / "consistency.json"
    position = app.max_position() - 7
    for args, out in (
        (("proof", "inclusion", str(position), "--tree-size", str(size)), inclusion),
        (("proof", "consistency", "200", str(size)), consistency),
    ):
        result = invoke(app, *args, "--out", str(out))
        assert result.exit_code == 0, result.output

    for path in (inclusion, consistency):
        done = offline("verify-proof", str(path), "--public-key", str(key_file), tmp=tmp_path)
        assert done.returncode == 0, done.stderr
        assert "valid" in done.stdout
    # The inclusion proof commits to the stored bytes of that event (what an export holds).
    proof = documents.parse(inclusion.read_bytes())
    assert isinstance(proof, documents.InclusionProof)
    (state,) = L.sql(app, f"SELECT state FROM {L.events(app)} WHERE notification_id = %s", position)[0]
    assert proof.leaf.position == position and proof.leaf.state_sha256 == hashlib.sha256(state).digest()

    keys = {L.public_key(app).key_id: L.public_key(app)}
    for path in (inclusion, consistency):
        data = path.read_bytes()
        documents.verify_document(data, keys)
        for i in range(len(data)):
            for mask in (0x01, 0x20, 0x80):
                flipped = bytearray(data)
                flipped[i] ^= mask
                with pytest.raises(ProofInvalid):
                    documents.verify_document(bytes(flipped), keys)
        # A few flips through the offline CLI too: exit 1 and one line saying why.
        for i in (len(data) // 3, len(data) // 2, len(data) - 5):
            flipped = bytearray(data)
            flipped[i] ^= 0x01
            bad = tmp_path / f"bad-{i}.json"
            bad.write_bytes(bytes(flipped))
            done = offline("verify-proof", str(bad), "--public-key", str(key_file), tmp=tmp_path)
            assert done.returncode == 1, done.stdout
            assert done.stderr.count("\n") == 1 and "error:" in done.stderr


def test_a_proof_does_not_verify_with_another_key(sealed, tmp_path, settings, database, clock):
    other = L.ledger_app(settings, database, clock, key="someone else")
    try:
        result = invoke(sealed, "proof", "head", "--out", str(tmp_path / "head.json"))
        assert result.exit_code == 0, result.output
        done = offline(
            "verify-proof",
            str(tmp_path / "head.json"),
            "--public-key",
            L.public_key(other).to_text(),
            tmp=tmp_path,
        )
        assert done.returncode == 1 and "not trusted" in done.stderr
    finally:
        other.close()


def test_cli_verify_heads_and_errors(sealed, actor):
    app = sealed
    result = invoke(app, "verify")
    assert result.exit_code == 0, result.output
    assert "ledger verified" in result.stdout
    result = invoke(app, "heads", "--limit", "3")
    assert result.exit_code == 0 and f"{app.max_position():,}" in result.stdout
    issue_many(app, actor, 2, prefix="N", offset=900)  # stored, not yet sealed
    result = invoke(app, "proof", "inclusion", str(app.max_position()))
    assert result.exit_code == 1 and f"position {app.max_position()} is not sealed" in result.output
    result = invoke(app, "proof", "consistency", "300", "200")
    assert result.exit_code == 1 and "must not be larger" in result.output
    target = app.max_position() - 40
    L.sql(app, f"UPDATE {L.events(app)} SET topic = topic || 'x' WHERE notification_id = %s", target)
    for mode in ("--server-hash", "--client-hash"):
        result = invoke(app, "verify", mode)
        assert result.exit_code == 1
        assert f"position {target}: the row differs from what was sealed" in result.output


def test_rotation_keeps_old_heads_verifiable(sealed, actor, tmp_path):
    app = sealed
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    shutil.copy(Path(app.settings.data_dir) / "cipher.key", data_dir / "cipher.key")  # same events key

    def run(*args: str) -> Any:
        return CliRunner().invoke(cli, ["ledger", *args], env=env(app, data_dir=data_dir, key=False))

    first = run("public-key")
    assert first.exit_code == 0 and (data_dir / "ledger.key").stat().st_mode & 0o777 == 0o600
    issue_many(app, actor, 3, prefix="S", offset=700)
    assert run("seal").exit_code == 0
    rotated = run("rotate-key")
    assert rotated.exit_code == 0, rotated.output
    issue_many(app, actor, 3, prefix="T", offset=800)
    assert run("seal").exit_code == 0
    old, new = first.stdout.strip(), run("public-key").stdout.strip()
    assert old != new
    # Heads by the test key, the file's first key and its successor all verify.
    result = run("verify", "--public-key", L.public_key(app).to_text())
    assert result.exit_code == 0, result.output
    key_ids = {row[0] for row in L.sql(app, f"SELECT DISTINCT key_id FROM {L.heads_table(app)}")}
    assert len(key_ids) == 3
    # Without the retired key the heads it signed fail, naming them.
    shutil.rmtree(data_dir / "ledger-keys")
    result = run("verify", "--public-key", L.public_key(app).to_text())
    assert result.exit_code == 1 and "not trusted" in result.output


def test_verify_on_a_machine_without_a_signing_key_creates_none(sealed, tmp_path):
    data_dir = tmp_path / "auditor"
    data_dir.mkdir()
    shutil.copy(Path(sealed.settings.data_dir) / "cipher.key", data_dir / "cipher.key")
    alone = CliRunner().invoke(cli, ["ledger", "verify"], env=env(sealed, data_dir=data_dir, key=False))
    assert alone.exit_code == 1 and "not trusted" in alone.output
    assert not (data_dir / "ledger.key").exists()
    given = CliRunner().invoke(
        cli,
        ["ledger", "verify", "--public-key", L.public_key(sealed).to_text()],
        env=env(sealed, data_dir=data_dir, key=False),
    )
    assert given.exit_code == 0, given.output
