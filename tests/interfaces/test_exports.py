"""Regulator and auditor exports (监管/审计导出): the hand-computed month in three formats,
KPIs equal to /kpis, offline verification and every kind of tampering, reproducibility,
masking (RC-03), scope and path safety over HTTP."""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from application.app import PolicyTrail
from domain.shared.actor import Actor
from interfaces.cli import cli
from interfaces.exports.ledger_evidence import load_public_key, signing_key
from interfaces.exports.manifest import MANIFEST, dumps, sign
from interfaces.exports.package import ExportRequest, build_export
from interfaces.exports.verify import verify_folder
from tests.api_support import auth, client, token
from tests.export_support import csv_rows, jsonl, xlsx_rows
from tests.read_model_steps import ACTOR, catch_up, private_app
from tests.scorecard_month import march_of_agent_a0001

READ_MODELS = ("audit_trail", "timeliness", "scorecards", "worklists")
BJ, SH = "北京分公司", "上海分公司"
REGULATOR = Actor(id="csrc-01", role="regulator")


@pytest.fixture(scope="module")
def march(database) -> Iterator[PolicyTrail]:
    with private_app(database) as app:
        march_of_agent_a0001(app, ACTOR)
        catch_up(app, *READ_MODELS)
        yield app


@pytest.fixture(scope="module")
def package(march, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("export") / "2026-03"
    build_export(march, ExportRequest.of("2026-03"), out, REGULATOR)
    return out


@pytest.fixture(scope="module")
def public_key_file(march, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("key") / "export.pub"
    path.write_text(signing_key(march.settings).public_key.to_pem())
    return path


# ----- the hand-computed month (RULES.md KP-01..KP-04) ---------------------------------------
# March 2026 (tests/scorecard_month.py): 北京 has A0001's 10 callbacks (C10 cancelled within
# cooling-off: out of the count, OC-06) and A0002's C11 (标准件); 上海 has A0002's C12, pending.
#   KP-01  success / due:            北京 (7 of A0001 + C11) 8 / 10,   上海 0 / 1,   total 8 / 11
#   KP-01  within cooling-off:       北京 (C7 was late)      7 / 10,   上海 0 / 1,   total 7 / 11
#   KP-02  problem / success:        北京 (C5 代签字, C6 误导) 2 / 8,  上海 0 / 0 (no rate)
#   KP-03  on time / due:            4 work orders due in March (2 核实件 open past due, the
#          代签字 closed on the 5th, before its deadline; the explanation closed late): 1 / 4
EXPECTED = {  # (dimension, key): (kp01 n, d, kp01c n, d, kp02 n, d, kp03 n, d)
    ("total", "合计"): (8, 11, 7, 11, 2, 8, 1, 4),
    ("branch", BJ): (8, 10, 7, 10, 2, 8, 1, 4),
    ("branch", SH): (0, 1, 0, 1, 0, 0, 0, 0),
    ("channel", "个险"): (8, 10, 7, 10, 2, 8, 1, 4),
    ("channel", "银保"): (0, 1, 0, 1, 0, 0, 0, 0),
    ("product_type", "分红"): (8, 10, 7, 10, 2, 8, 1, 4),
    ("product_type", "万能"): (0, 1, 0, 1, 0, 0, 0, 0),
}
FIGURES = ("kp01", "kp01c", "kp02", "kp03")
DIMENSIONS = {"合计 total": "total", "机构 branch": "branch", "渠道 channel": "channel"}
DIMENSIONS["产品类型 product type"] = "product_type"


def _rate(n: int, d: int) -> Decimal | None:
    return (Decimal(n) / Decimal(d)).quantize(Decimal("0.0001")) if d else None


def _expected_figures(row_get) -> dict[tuple[str, str], tuple[int, ...]]:
    found = {}
    for row in row_get:
        found[(DIMENSIONS[row["dimension"]], row["key"])] = tuple(
            int(row[f"{f}_{part}"]) for f in FIGURES for part in ("numerator", "denominator")
        )
    return found


def test_hand_computed_month_in_all_three_formats(package):
    by_format = {
        "jsonl": jsonl(package / "kpi_report.jsonl"),
        "csv": csv_rows(package / "kpi_report.csv"),
        "xlsx": xlsx_rows(package / "kpi_report.xlsx"),
    }
    # CSV and XLSX carry bilingual headers: map them back to the keys the manifest lists
    manifest = json.loads((package / MANIFEST).read_text())
    columns = manifest["datasets"]["kpi_report"]["columns"]
    header_to_key = {f"{c['zh']} {c['en']}": c["key"] for c in columns}
    for fmt in ("csv", "xlsx"):
        assert set(by_format[fmt][0]) == set(header_to_key), f"{fmt}: headers are '中文 English'"
        by_format[fmt] = [{header_to_key[h]: v for h, v in row.items()} for row in by_format[fmt]]
    for fmt, rows in by_format.items():
        assert _expected_figures(rows) == EXPECTED, fmt
    total = next(r for r in by_format["xlsx"] if r["key"] == "合计")
    assert isinstance(total["kp01_numerator"], int) and isinstance(total["kp01_rate"], float)
    assert total["kp01_rate"] == float(_rate(8, 11)) == 0.7273
    beijing = next(r for r in by_format["jsonl"] if r["key"] == BJ)
    assert (beijing["kp01_rate"], beijing["kp01c_rate"], beijing["kp02_rate"], beijing["kp03_rate"]) == (
        0.8, 0.7, 0.25, 0.25,
    )  # fmt: skip
    shanghai = next(r for r in by_format["csv"] if r["key"] == SH)
    assert shanghai["kp02_rate"] == "" and shanghai["kp01_rate"] == "0.0000"  # 0/0 has no rate


def test_callback_rows_with_dates_as_dates_and_rule_ids(package):
    rows = xlsx_rows(package / "callbacks.xlsx")
    assert len(rows) == 12  # every callback due in March, the cancelled one included (flagged)
    by_policy = {r["保单号 Policy number"]: r for r in rows}
    c7 = by_policy["P2026000007"]  # receipt signed 02-20: cooling-off ended 03-02 (CB-03)
    assert c7["回执签收日 Receipt signed on"].date().isoformat() == "2026-02-20"
    assert c7["犹豫期截止日 Cooling-off end"].date().isoformat() == "2026-03-02"
    assert c7["犹豫期内成功 Succeeded within cooling-off"] is False
    assert c7["时效状态 CB-03 Timeliness CB-03"] == "逾期完成"
    c8 = by_policy["P2026000008"]  # three failed attempts: 核实件/联系不上 (CA-02)
    assert c8["拨打次数 Call attempts"] == 3 and c8["原因 Outcome reason"] == "联系不上"
    assert "CA-02" in c8["决策规则 Rule ids of the decisions"].split(";")
    assert by_policy["P2026000010"]["犹豫期撤单 Cancelled within cooling-off"] is True
    assert by_policy["P2026000001"]["问卷版本 Questionnaire version"] == "A卷"
    work_orders = jsonl(package / "work_orders.jsonl")
    assert sorted(w["work_order_type"] for w in work_orders) == [
        "一次沟通解释件",
        "代签字",
        "核实件",
        "核实件",
    ]
    proxy = next(w for w in work_orders if w["work_order_type"] == "代签字")
    in_excel = next(
        w for w in xlsx_rows(package / "work_orders.xlsx") if w["工单类型 Work order type"] == "代签字"
    )
    assert in_excel["完成时间 Closed at"] == datetime(2026, 3, 5, 10, 0)  # Shanghai wall-clock time
    assert proxy["closed_at"] == "2026-03-05T10:00:00+08:00"
    assert (proxy["resolved_by"], proxy["timeliness"], proxy["timeliness_en"]) == (
        "br-001", "按时完成", "closed on time",
    )  # fmt: skip


def test_verify_passes_offline_and_the_manifest_is_complete(package, public_key_file):
    result = CliRunner().invoke(cli, ["export", "verify", str(package), "--public-key", str(public_key_file)])
    assert result.exit_code == 0, result.output
    manifest = json.loads((package / MANIFEST).read_text())
    names = {f["name"] for f in manifest["files"]}
    assert names == {
        f"{d}.{fmt}"
        for d in ("kpi_report", "callbacks", "work_orders", "service_cases", "complaints_and_slas")
        for fmt in ("xlsx", "csv", "jsonl")
    } | {"events.jsonl"}
    ledger = manifest["ledger"]
    assert ledger["position"] == manifest["log"]["last_position"]
    assert ledger["inclusion_proof"]["leaf"]["position"] == ledger["position"]
    assert ledger["tree_head"] == ledger["inclusion_proof"]["sth"]
    assert ledger["tree_head"]["key_id"] == manifest["signature"]["key_id"]  # one key
    assert manifest["omitted"] == []  # complaints_and_slas is exported since issue #16
    events = jsonl(package / "events.jsonl")
    assert manifest["log"]["first_position"] == events[0]["position"]
    assert manifest["log"]["last_position"] == events[-1]["position"] == manifest["log"]["snapshot_position"]
    assert next(f for f in manifest["files"] if f["name"] == "events.jsonl")["rows"] == len(events)


def _tampered(package: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "copy"
    shutil.copytree(package, copy)
    return copy


def _verify(folder: Path, key_file: Path) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["export", "verify", str(folder), "--public-key", str(key_file)])
    return result.exit_code, result.output


def test_one_changed_byte_is_named(package, public_key_file, tmp_path):
    folder = _tampered(package, tmp_path)
    data = bytearray((folder / "callbacks.csv").read_bytes())
    data[200] = data[200] ^ 0x01
    (folder / "callbacks.csv").write_bytes(bytes(data))
    code, output = _verify(folder, public_key_file)
    assert code == 1 and "callbacks.csv" in output and "SHA-256" in output


def test_missing_and_extra_files_are_named(package, public_key_file, tmp_path):
    folder = _tampered(package, tmp_path)
    (folder / "work_orders.xlsx").unlink()
    (folder / "notes.txt").write_text("added")
    code, output = _verify(folder, public_key_file)
    assert code == 1
    assert "work_orders.xlsx: missing" in output and "notes.txt: extra file" in output


def test_a_changed_manifest_fails_its_signature(package, public_key_file, tmp_path):
    folder = _tampered(package, tmp_path)
    manifest = json.loads((folder / MANIFEST).read_text())
    manifest["files"][0]["rows"] += 1
    (folder / MANIFEST).write_bytes(dumps(manifest))
    problems = verify_folder(folder, signing_key_public(public_key_file))
    assert any("signature does not verify" in p for p in problems)


def test_wrong_public_key_is_refused(package, tmp_path):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from application.ledger import SigningKey

    other = tmp_path / "other.pub"
    other.write_text(SigningKey(Ed25519PrivateKey.generate(), "test").public_key.to_pem())
    code, output = _verify(package, other)
    assert code == 1 and "signed with another key" in output


def test_range_mismatch_and_row_count_are_checked_even_when_re_signed(
    march, package, public_key_file, tmp_path
):
    """A manifest re-signed with the key (an insider) still must match its files."""
    folder = _tampered(package, tmp_path)
    manifest = json.loads((folder / MANIFEST).read_text())
    manifest["log"]["last_position"] += 1  # claims a range the events file does not have
    manifest["files"] = [
        {**f, "rows": f["rows"] + 1} if f["name"] == "kpi_report.csv" else f for f in manifest["files"]
    ]
    (folder / MANIFEST).write_bytes(dumps(sign(manifest, signing_key(march.settings))))
    problems = verify_folder(folder, signing_key_public(public_key_file))
    assert any(p.startswith("events.jsonl: positions") and "do not match" in p for p in problems), problems
    assert any(p.startswith("kpi_report.csv:") and "rows" in p for p in problems), problems
    assert not any("signature" in p for p in problems)


def signing_key_public(path: Path):
    return load_public_key(path)


def test_same_parameters_same_position_give_byte_identical_files(march, package, tmp_path):
    time.sleep(1.1)  # a writer that stamped the time would now differ
    again = tmp_path / "again"
    build_export(march, ExportRequest.of("2026-03"), again, REGULATOR)
    first = {p.name: p.read_bytes() for p in package.iterdir()}
    second = {p.name: p.read_bytes() for p in again.iterdir()}
    assert first.keys() == second.keys()
    differing = [name for name in first if first[name] != second[name]]
    assert differing == [], differing


def test_personal_data_masked_by_default(package):
    text = (package / "events.jsonl").read_text(encoding="utf-8")
    # the March holders' phones 1381234nnnn and ID numbers 11010119900101nnnn (tests' factories)
    assert "13812340001" not in text and "110101199001010001" not in text
    assert "138****0001" in text
    for name in ("callbacks.csv", "work_orders.csv", "service_cases.csv", "kpi_report.csv"):
        assert "1381234" not in (package / name).read_text(encoding="utf-8-sig")


# ----- HTTP: roles, scope, unmasked, path safety ---------------------------------------------
def _wait(http, job_id: str, secret: str) -> dict[str, Any]:
    for _ in range(600):
        answer = http.get(f"/exports/{job_id}", headers=auth(secret))
        assert answer.status_code == 200, answer.text
        if answer.json()["status"] in ("done", "failed"):
            return answer.json()
        time.sleep(0.05)
    raise AssertionError("export job did not finish")


@pytest.fixture
def http(march, tmp_path):
    from interfaces.exports.jobs import ExportJobs, catch_up_in_thread

    test_client = client(march)
    jobs = ExportJobs(march, tmp_path / "jobs", catch_up=catch_up_in_thread(march))
    test_client.app.state.export_jobs = jobs  # type: ignore[attr-defined]
    with test_client:
        yield test_client
    jobs.close()


def test_kpi_report_equals_the_api_kpis_for_the_same_month_and_scope(march, http):
    secret = token(march, "regulator", f"branch:{BJ}")
    started = http.post("/exports", json={"month": "2026-03", "formats": ["jsonl"]}, headers=auth(secret))
    assert started.status_code == 202 and started.headers["location"] == f"/exports/{started.json()['id']}"
    job = _wait(http, started.json()["id"], secret)
    assert job["status"] == "done" and job["branch"] == BJ  # narrowed to the token's branch
    report = http.get(f"/exports/{job['id']}/files/kpi_report.jsonl", headers=auth(secret))
    assert report.status_code == 200
    rows = [json.loads(line) for line in report.text.splitlines()]
    for dimension, label in (("channel", "渠道 channel"), ("product_type", "产品类型 product type")):
        api = http.get(f"/kpis?by={dimension}&month_from=2026-03", headers=auth(secret)).json()["items"]
        assert api, dimension
        exported = {r["key"]: r for r in rows if r["dimension"] == label}
        assert set(exported) == {c["key"] for c in api}
        for card in api:
            row = exported[card["key"]]
            cb, wo = card["callbacks"], card["work_orders"]
            for name, rate in (
                ("kp01", cb["success_rate"]),
                ("kp01c", cb["success_rate_within_cooling_off"]),
                ("kp02", cb["problem_ratio"]),
                ("kp03", wo["handling_rate"]),
            ):
                assert (row[f"{name}_numerator"], row[f"{name}_denominator"]) == (
                    rate["numerator"], rate["denominator"],
                )  # fmt: skip
                expected = None if rate["value"] is None else float(Decimal(str(rate["value"])))
                assert row[f"{name}_rate"] == expected
    callbacks = http.get(f"/exports/{job['id']}/files/callbacks.jsonl", headers=auth(secret))
    assert {r["branch"] for r in map(json.loads, callbacks.text.splitlines())} == {BJ}


def test_regulator_token_cannot_export_another_scope(march, http):
    secret = token(march, "regulator", f"branch:{BJ}")
    refused = http.post("/exports", json={"month": "2026-03", "branch": SH}, headers=auth(secret))
    assert refused.status_code == 403 and refused.headers["content-type"] == "application/problem+json"
    assert SH in refused.json()["detail"]
    for role in ("branch", "manager", "agent"):
        scope = "agent:A0001" if role == "agent" else f"branch:{BJ}"
        answer = http.post("/exports", json={"month": "2026-03"}, headers=auth(token(march, role, scope)))
        assert answer.status_code == 403, role


def test_jobs_and_files_are_private_and_names_cannot_escape(march, http):
    owner = token(march, "auditor")
    job = _wait(http, http.post("/exports", json={"month": "2026-03", "formats": ["csv"]},
                                headers=auth(owner)).json()["id"], owner)  # fmt: skip
    other = token(march, "auditor")
    assert http.get(f"/exports/{job['id']}", headers=auth(other)).status_code == 404
    assert http.get(f"/exports/{job['id']}/files/callbacks.csv", headers=auth(other)).status_code == 404
    assert http.get(f"/exports/{job['id']}/files/callbacks.csv", headers=auth(owner)).status_code == 200
    for name in ("..%2F..%2Fcipher.key", "..%2Fmanifest.json", "%2Fetc%2Fpasswd", "callbacks.xlsx", "%2E%2E"):
        answer = http.get(f"/exports/{job['id']}/files/{name}", headers=auth(owner))
        assert answer.status_code == 404, name
    assert http.get("/exports/0123456789abcdef/files/manifest.json", headers=auth(owner)).status_code == 404


def test_a_token_cannot_queue_jobs_without_bound(march, tmp_path):
    from interfaces.exports.jobs import ExportJobs

    gate = __import__("threading").Event()
    jobs = ExportJobs(march, tmp_path / "jobs", catch_up=lambda: gate.wait(30))  # jobs stay unfinished
    test_client = client(march)
    test_client.app.state.export_jobs = jobs  # type: ignore[attr-defined]
    secret = token(march, "auditor")
    answers = [
        test_client.post(
            "/exports", json={"month": "2026-03", "formats": ["csv"]}, headers=auth(secret)
        ).status_code
        for _ in range(3)
    ]
    other = test_client.post("/exports", json={"month": "2026-03"}, headers=auth(token(march, "regulator")))
    gate.set()
    jobs.close()
    assert answers == [202, 202, 429] and other.status_code == 202


def test_unmasked_only_for_an_auditor_with_a_reason_and_recorded(march, http):
    body = {
        "month": "2026-03",
        "formats": ["jsonl"],
        "unmasked": True,
        "reason": "投诉调查 complaint case 42",
    }
    refused = http.post("/exports", json=body, headers=auth(token(march, "regulator")))
    assert refused.status_code == 403 and refused.json()["rule"] == "RC-03"
    no_reason = http.post("/exports", json={**body, "reason": ""}, headers=auth(token(march, "auditor")))
    assert no_reason.status_code == 400
    secret = token(march, "auditor", name="aud-007")
    job = _wait(http, http.post("/exports", json=body, headers=auth(secret)).json()["id"], secret)
    assert job["status"] == "done" and job["personal_data"] == "unmasked", job
    events = http.get(f"/exports/{job['id']}/files/events.jsonl", headers=auth(secret)).text
    assert "13812340001" in events  # in clear for the auditor
    access = [json.loads(line) for line in events.splitlines() if '"UnmaskedExportGranted"' in line]
    assert len(access) == 1, "the access itself is an event of the exported trail"
    assert access[0]["actor_id"] == "aud-007" and access[0]["rule_ids"] == ["RC-03"]
    assert access[0]["data"]["reason"] == body["reason"]
    manifest = http.get(f"/exports/{job['id']}/files/manifest.json", headers=auth(secret)).json()
    assert manifest["parameters"]["unmasked_access_position"] == access[0]["position"]


def test_cli_export_of_the_month_then_verify(march, tmp_path, monkeypatch, public_key_file):
    for name, value in (
        ("POLICYTRAIL_DATABASE_URL", march.settings.database_url),
        ("POLICYTRAIL_EVENTS_SCHEMA", march.settings.events_schema),
        ("POLICYTRAIL_READ_SCHEMA", march.settings.read_schema),
    ):
        monkeypatch.setenv(name, str(value))
    out = tmp_path / "cli-export"
    runner = CliRunner()
    built = runner.invoke(
        cli, ["export", "--month", "2026-03", "--branch", SH, "--format", "csv,xlsx", "--out", str(out)]
    )
    assert built.exit_code == 0, built.output
    assert sorted(p.suffix for p in out.iterdir()).count(".jsonl") == 1  # events.jsonl only
    assert [r["机构 Branch"] for r in csv_rows(out / "callbacks.csv")] == [SH]
    assert _verify(out, public_key_file)[0] == 0
    refused = runner.invoke(cli, ["export", "--month", "2026-03", "--out", str(tmp_path / "x"), "--unmasked",
                                  "--reason", "looking around"])  # fmt: skip
    assert refused.exit_code == 1 and "auditor token" in refused.output
    bad = runner.invoke(cli, ["export", "--month", "2026-13", "--out", str(tmp_path / "y")])
    assert bad.exit_code != 0 and "2026-13" in bad.output
    again = runner.invoke(cli, ["export", "--month", "2026-03", "--out", str(out)])
    assert again.exit_code == 1 and "not an empty folder" in again.output


def test_signing_key_file_is_created_once_private(tmp_path):
    from application.settings import load_settings

    settings = load_settings(data_dir=tmp_path)
    first = signing_key(settings)
    assert (tmp_path / "ledger.key").stat().st_mode & 0o777 == 0o600
    assert signing_key(settings).public_key == first.public_key
