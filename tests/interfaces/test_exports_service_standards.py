"""The ``complaints_and_slas`` export file (SL-01..SL-04): every service-standard obligation
due in the month, with its status, in three formats; expectations from the rules."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from application.app import PolicyTrail
from application.complaints import AcknowledgeComplaint, DecideComplaint, ReceiveComplaint
from domain.shared.actor import Actor
from domain.shared.time import SHANGHAI
from interfaces.exports.package import ExportRequest, build_export
from tests.export_support import csv_rows, jsonl, xlsx_rows
from tests.read_model_steps import ACTOR, catch_up, private_app

REGULATOR = Actor(id="csrc-01", role="regulator")


def _at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture(scope="module")
def march(database) -> Iterator[PolicyTrail]:
    with private_app(database) as app:
        # TS-1: received 03-02 10:00, acknowledged 03-03 10:01 — one minute after SL-01b's 24 h
        # (逾期完成); decided 03-10, inside SL-01c's 15 days (due 03-17 end of day: 按时完成).
        app.execute(
            ReceiveComplaint(
                complaint_no="TS-1", channel="电话", category="服务", customer="张三", branch="北京分公司",
                summary="服务态度差", occurred_at=_at(2, 10),
            ),
            ACTOR,
        )  # fmt: skip
        app.execute(AcknowledgeComplaint(complaint_no="TS-1", occurred_at=_at(3, 10, 1)), ACTOR)
        app.execute(
            DecideComplaint(complaint_no="TS-1", outcome="支持", summary="已致歉", occurred_at=_at(10, 9)),
            ACTOR,
        )
        # TS-2: received 03-20 09:00, never acknowledged (SL-01b due 03-21 09:00)
        app.execute(
            ReceiveComplaint(
                complaint_no="TS-2", channel="网络", category="其他", customer="李四", branch="上海分公司",
                summary="咨询", occurred_at=_at(20, 9),
            ),
            ACTOR,
        )  # fmt: skip
        # TS-3: received 03-25 10:00, the snapshot's latest business time (statuses are taken
        # there): TS-3's acknowledgement (due 03-26 10:00) is still 正常, TS-2's is 超时
        app.execute(
            ReceiveComplaint(
                complaint_no="TS-3", channel="柜面", category="理赔", customer="王五", branch="广东分公司",
                summary="理赔进度", occurred_at=_at(25, 10),
            ),
            ACTOR,
        )  # fmt: skip
        catch_up(app, "audit_trail", "timeliness", "scorecards", "worklists")
        yield app


@pytest.fixture(scope="module")
def package(march, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("export-sl") / "2026-03"
    build_export(march, ExportRequest.of("2026-03"), out, REGULATOR)
    return out


def test_sl_obligations_of_the_month_with_their_statuses_in_three_formats(package):
    rows = jsonl(package / "complaints_and_slas.jsonl")
    by = {(r["policy_number"] or r["subject_id"], r["rule_id"]): r for r in rows}
    assert len(rows) == 4  # TS-1: ack + decision; TS-2, TS-3: ack (their decisions are due in April)
    statuses = sorted((r["rule_id"], r["branch"], r["status"]) for r in rows)
    assert statuses == [
        ("SL-01b", "上海分公司", "超时"),
        ("SL-01b", "北京分公司", "逾期完成"),
        ("SL-01b", "广东分公司", "正常"),
        ("SL-01c", "北京分公司", "按时完成"),
    ], by
    ack = next(r for r in rows if r["rule_id"] == "SL-01b" and r["branch"] == "北京分公司")
    assert ack["due_at"] == "2026-03-03T10:00:00+08:00" and ack["done_at"] == "2026-03-03T10:01:00+08:00"
    csv_back = csv_rows(package / "complaints_and_slas.csv")
    assert sorted(r["时效状态 Timeliness status"] for r in csv_back) == sorted(s for *_, s in statuses)
    excel = xlsx_rows(package / "complaints_and_slas.xlsx")
    assert {r["期限 Due at"] for r in excel} >= {datetime(2026, 3, 3, 10, 0)}  # a date cell, Shanghai time
    assert "张三" not in (package / "complaints_and_slas.csv").read_text(encoding="utf-8-sig")


def test_a_branch_export_holds_that_branch_only(march, tmp_path):
    out = tmp_path / "sh"
    build_export(march, ExportRequest.of("2026-03", branch="上海分公司"), out, REGULATOR)
    rows = jsonl(out / "complaints_and_slas.jsonl")
    assert [(r["rule_id"], r["branch"]) for r in rows] == [("SL-01b", "上海分公司")]
