"""Ledger evidence in exports (导出中的账本证据, issues #13/#14): the manifest carries the
signed tree head covering the last exported position (sealed on demand) and the inclusion
proof of that event; ``export verify`` checks both offline and names what is wrong —
tampering with the ledger section, a wrong key, a range that does not match its STH."""

from __future__ import annotations

import base64
import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from typer.testing import CliRunner

from application.app import PolicyTrail
from application.ledger import Ledger, SigningKey, documents
from domain.shared.actor import Actor
from interfaces.cli import cli
from interfaces.exports.ledger_evidence import signing_key
from interfaces.exports.manifest import MANIFEST, dumps, sign
from interfaces.exports.package import ExportRequest, build_export
from interfaces.exports.verify import verify_folder
from interfaces.exports.writers import sha256_of
from tests.read_model_steps import ACTOR, catch_up, private_app
from tests.scorecard_month import march_of_agent_a0001

REGULATOR = Actor(id="csrc-02", role="regulator")


@pytest.fixture(scope="module")
def march(database) -> Iterator[PolicyTrail]:
    with private_app(database) as app:
        march_of_agent_a0001(app, ACTOR)
        catch_up(app, "audit_trail", "timeliness", "scorecards")
        yield app


@pytest.fixture(scope="module")
def package(march, tmp_path_factory) -> Path:
    """Exported before the ledger's sealer ever ran: the head is sealed on demand."""
    out = tmp_path_factory.mktemp("export") / "2026-03"
    build_export(march, ExportRequest.of("2026-03", formats="jsonl"), out, REGULATOR)
    return out


@pytest.fixture(scope="module")
def key_file(march, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("key") / "ledger.pub"
    path.write_text(signing_key(march.settings).public_key.to_pem())
    return path


def manifest_of(folder: Path) -> dict[str, Any]:
    return json.loads((folder / MANIFEST).read_text())


def resigned(march, package: Path, tmp_path: Path, change: Callable[[dict[str, Any]], None]) -> Path:
    """A copy whose manifest was changed, then signed again with the key: only the ledger
    evidence itself can tell what is wrong."""
    folder = tmp_path / "copy"
    shutil.copytree(package, folder)
    manifest = manifest_of(folder)
    change(manifest)
    (folder / MANIFEST).write_bytes(dumps(sign(manifest, signing_key(march.settings))))
    return folder


def test_the_head_covers_the_last_exported_event_and_verifies(march, package, key_file, tmp_path):
    manifest = manifest_of(package)
    ledger, log = manifest["ledger"], manifest["log"]
    proof = ledger["inclusion_proof"]
    assert ledger["position"] == log["last_position"] == proof["leaf"]["position"]
    assert proof["leaf_index"] < ledger["tree_head"]["tree_size"]
    assert Ledger.from_app(march).head_covering(log["last_position"]) is not None  # sealed on demand
    last = json.loads((package / "events.jsonl").read_text(encoding="utf-8").splitlines()[-1])
    assert (last["aggregate_id"], last["aggregate_version"], last["topic"]) == (
        proof["leaf"]["originator_id"], proof["leaf"]["originator_version"], proof["leaf"]["topic"]
    )  # fmt: skip
    assert verify_folder(package, signing_key(march.settings).public_key) == []
    # the proof is the ledger's own document: `ledger verify-proof` checks it as it is
    proof_file = tmp_path / "inclusion.json"
    proof_file.write_bytes(documents.encode(proof))
    checked = CliRunner().invoke(
        cli, ["ledger", "verify-proof", str(proof_file), "--public-key", str(key_file)]
    )
    assert checked.exit_code == 0, checked.output


def test_export_and_ledger_print_the_same_public_key(march, monkeypatch, tmp_path):
    monkeypatch.setenv("POLICYTRAIL_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("POLICYTRAIL_LEDGER_KEY", raising=False)
    runner = CliRunner()
    exported = runner.invoke(cli, ["export", "public-key"])
    ledger = runner.invoke(cli, ["ledger", "public-key", "--pem"])
    assert exported.exit_code == ledger.exit_code == 0, exported.output + ledger.output
    pem = exported.stdout.strip()
    assert pem.startswith("-----BEGIN PUBLIC KEY-----") and pem in ledger.stdout
    assert (tmp_path / "ledger.key").stat().st_mode & 0o777 == 0o600  # one key file, the ledger's


def _flip_hex(value: str) -> str:
    return ("1" if value[0] == "0" else "0") + value[1:]


def _flip_b64(value: str) -> str:
    raw = bytearray(base64.b64decode(value))
    raw[0] ^= 0x01
    return base64.b64encode(bytes(raw)).decode()


def _both_heads(change: Callable[[dict[str, Any]], None]) -> Callable[[dict[str, Any]], None]:
    def apply(manifest: dict[str, Any]) -> None:
        change(manifest["ledger"]["tree_head"])
        change(manifest["ledger"]["inclusion_proof"]["sth"])

    return apply


TAMPERING: dict[str, tuple[Callable[[dict[str, Any]], None], str]] = {
    "audit path": (
        lambda m: m["ledger"]["inclusion_proof"]["audit_path"].__setitem__(
            0, _flip_hex(m["ledger"]["inclusion_proof"]["audit_path"][0])
        ),
        "is not leaf",
    ),
    "leaf hash": (
        lambda m: m["ledger"]["inclusion_proof"]["leaf"].__setitem__(
            "state_sha256", _flip_hex(m["ledger"]["inclusion_proof"]["leaf"]["state_sha256"])
        ),
        "is not leaf",
    ),
    "root hash": (
        _both_heads(lambda h: h.__setitem__("root_hash", _flip_hex(h["root_hash"]))),
        "signature does not verify",
    ),
    "tree size": (
        _both_heads(lambda h: h.__setitem__("tree_size", h["tree_size"] + 1)),
        "signature does not verify",
    ),
    "STH signature": (
        _both_heads(lambda h: h.__setitem__("signature", _flip_b64(h["signature"]))),
        "signature does not verify",
    ),
    "tree head only": (
        lambda m: m["ledger"]["tree_head"].__setitem__(
            "timestamp_ms", m["ledger"]["tree_head"]["timestamp_ms"] + 1
        ),
        "tree_head is not the signed tree head the inclusion proof is in",
    ),
    "section removed": (lambda m: m.__setitem__("ledger", None), "no ledger evidence"),
}


@pytest.mark.parametrize("what", sorted(TAMPERING))
def test_tampering_with_the_ledger_section_is_named(march, package, tmp_path, what):
    change, expected = TAMPERING[what]
    folder = resigned(march, package, tmp_path, change)
    problems = verify_folder(folder, signing_key(march.settings).public_key)
    assert any(p.startswith("manifest.json: ledger") or "no ledger evidence" in p for p in problems), problems
    assert any(expected in p for p in problems), problems
    assert not any("manifest.json: signature" in p or "another key" in p for p in problems)


def test_a_changed_ledger_section_fails_on_the_command_line(march, package, key_file, tmp_path):
    folder = tmp_path / "copy"
    shutil.copytree(package, folder)
    manifest = manifest_of(folder)
    manifest["ledger"]["inclusion_proof"]["leaf_index"] += 1  # not re-signed: both checks fail
    (folder / MANIFEST).write_bytes(dumps(manifest))
    result = CliRunner().invoke(cli, ["export", "verify", str(folder), "--public-key", str(key_file)])
    assert result.exit_code == 1
    assert "signature does not verify" in result.output and "manifest.json: ledger" in result.output


def test_a_wrong_key_fails_the_manifest_and_the_tree_head(package, tmp_path):
    other = SigningKey(Ed25519PrivateKey.generate(), "test").public_key
    problems = verify_folder(package, other)
    assert any("signed with another key" in p for p in problems), problems
    assert any(p.startswith("manifest.json: ledger") and "not trusted" in p for p in problems), problems


def test_a_range_that_does_not_match_its_tree_head_is_named(march, package, tmp_path):
    manifest = manifest_of(package)
    first, last = manifest["log"]["first_position"], manifest["log"]["last_position"]
    size = manifest["ledger"]["tree_head"]["tree_size"]
    earlier = Ledger.from_app(march).inclusion_proof(first, size)  # a valid proof, of another event

    def swap(m: dict[str, Any]) -> None:
        m["ledger"]["inclusion_proof"] = earlier.to_dict()
        m["ledger"]["position"] = first

    problems = verify_folder(resigned(march, package, tmp_path, swap), signing_key(march.settings).public_key)
    assert any(f"proves position {first}, but the manifest's range ends at {last}" in p for p in problems), (
        problems
    )


def test_an_events_file_that_differs_from_the_sealed_event_is_named(march, package, tmp_path):
    """The last exported event must be the one the ledger sealed at that position, even
    when the file and the manifest were made to agree again."""
    folder = tmp_path / "copy"
    shutil.copytree(package, folder)
    events = folder / "events.jsonl"
    lines = events.read_text(encoding="utf-8").splitlines(keepends=True)
    last = json.loads(lines[-1])
    last["aggregate_version"] += 1
    lines[-1] = json.dumps(last, ensure_ascii=False) + "\n"
    events.write_text("".join(lines), encoding="utf-8")

    def rehash(m: dict[str, Any]) -> None:
        entry = next(f for f in m["files"] if f["name"] == "events.jsonl")
        entry.update(sha256=sha256_of(events), bytes=events.stat().st_size)

    problems = verify_folder(
        resigned(march, folder, tmp_path / "again", rehash), signing_key(march.settings).public_key
    )
    assert problems == [
        f"events.jsonl: the event at position {last['position']} is not the one the ledger sealed there"
        " (aggregate, version or topic differ)"
    ]


def test_a_tree_head_signed_before_a_key_rotation_verifies_with_the_retired_key(march, package, tmp_path):
    """After a rotation the manifest is signed by the new key while the covering head may
    be an older one: verify takes the retired key too (``--public-key`` repeated)."""
    new = SigningKey(Ed25519PrivateKey.generate(), "rotated")
    folder = tmp_path / "copy"
    shutil.copytree(package, folder)
    (folder / MANIFEST).write_bytes(dumps(sign(manifest_of(folder), new)))
    retired = signing_key(march.settings).public_key
    only_new = verify_folder(folder, new.public_key)
    assert len(only_new) == 1 and "not trusted" in only_new[0], only_new
    assert verify_folder(folder, [new.public_key, retired]) == []
    new_file, retired_file = tmp_path / "new.pub", tmp_path / "retired.pub"
    new_file.write_text(new.public_key.to_text())
    retired_file.write_text(retired.to_pem())
    args = ["export", "verify", str(folder), "--public-key", str(new_file), "--public-key", str(retired_file)]
    assert CliRunner().invoke(cli, args).exit_code == 0
