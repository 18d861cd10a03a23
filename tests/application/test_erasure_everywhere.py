"""Erasure everywhere (issue #12 acceptance, RC-02/RC-03): after a subject is erased
(after retention, fixed clock) the LIVE audit trail keeps no masked copy of its data —
it equals a rebuild — and an export contains no trace of it, masked or in clear."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import psycopg
import pytest

from application.personal_data.erasure import EraseSubject, destroy_keys
from domain.shared.actor import Actor
from domain.shared.masking import ERASED, mask_address, mask_id_number, mask_name, mask_phone
from domain.shared.time import SHANGHAI
from interfaces.exports.package import ExportRequest, build_export
from projections import registry
from projections.rebuild import rebuild
from tests.api_support import token
from tests.personal_data_support import ADMIN, ID_NUMBER, NAME, NEW_PHONE, PHONE, history
from tests.projection_scenarios import table_checksum
from tests.read_model_steps import catch_up, read_side

ADDRESS = "四川省成都市锦江区琴台路1号"
#: what the subject's data looks like in clear and masked (RC-03): neither may remain
TRACES = (NAME, ID_NUMBER, PHONE, NEW_PHONE, ADDRESS, mask_name(NAME), mask_id_number(ID_NUMBER),
          mask_phone(PHONE), mask_phone(NEW_PHONE), mask_address(ADDRESS))  # fmt: skip
READ_MODELS = ("audit_trail", "timeliness", "scorecards")


def _audit_text(app, policy_number: str) -> str:
    with psycopg.connect(app.database.url) as conn:
        rows = conn.execute(
            "SELECT business_key, summary_zh, summary_en, data::text"
            f' FROM "{app.settings.read_schema}".audit_trail'
            " WHERE %s = ANY(policy_numbers) OR aggregate_type = 'ContactPoint'",
            (policy_number,),
        ).fetchall()
    return "\n".join(str(v) for row in rows for v in row)


def _erased_after_retention(app, clock) -> None:
    history(app, clock)
    catch_up(app, *READ_MODELS)
    assert mask_phone(PHONE) in _audit_text(app, "P2026000001")  # masked copies before the erasure
    clock.set(datetime(2056, 3, 2, 10, 0, tzinfo=SHANGHAI))  # ended 2046-03-01, kept 10 years


@pytest.mark.timeout(300)
def test_live_audit_trail_forgets_an_erased_subject_and_equals_a_rebuild(app, clock):
    _erased_after_retention(app, clock)
    # The erasure is stored first and its keys destroyed after: the live projection may
    # see the event while the keys still exist, and must forget the data all the same.
    app.execute(EraseSubject(subject=ID_NUMBER, reason="客户申请删除（PIPL 第47条）"), ADMIN)
    catch_up(app, "audit_trail")
    live = _audit_text(app, "P2026000001")
    assert ERASED in live
    found = [t for t in TRACES if t in live]
    assert found == [], found
    assert "卓" in _audit_text(app, "P2026000002")  # another subject keeps its (masked) data

    assert destroy_keys(app, app.personal.ids.person(ID_NUMBER)) >= 4
    live_sum = table_checksum(app)
    rebuild(read_side(app, batch_size=5000), registry.get("audit_trail"))
    assert table_checksum(app) == live_sum, "live audit trail differs from its rebuild after the erasure"


@pytest.mark.timeout(300)
def test_an_export_after_erasure_holds_no_trace_of_the_subject(app, clock, tmp_path):
    from application.personal_data.erasure import erase

    _erased_after_retention(app, clock)
    erase(app, ID_NUMBER, "客户申请删除（PIPL 第47条）", ADMIN)
    catch_up(app, *READ_MODELS)
    masked = tmp_path / "masked"
    build_export(app, ExportRequest.of("2026-03"), masked, Actor("csrc-01", "regulator"))
    token(app, "auditor", name="aud-1")
    unmasked = tmp_path / "unmasked"
    build_export(
        app, ExportRequest.of("2026-03", unmasked_reason="erasure audit 删除核查"), unmasked,
        Actor("aud-1", "auditor"), catch_up=lambda: catch_up(app, *READ_MODELS),
    )  # fmt: skip
    for folder in (masked, unmasked):
        files = sorted(folder.iterdir())
        assert len(files) >= 10
        events = (folder / "events.jsonl").read_text(encoding="utf-8")
        assert "P2026000001" in events and ERASED in events  # the events are there, the data is not
        for path in files:
            text = _text_of(path)
            found = [t for t in TRACES if t in text]
            assert found == [], (path.name, found)
    assert "卓文君" in (unmasked / "events.jsonl").read_text(encoding="utf-8")  # others stay readable


def _text_of(path: Path) -> str:
    """A file's text; an XLSX's every part (shared strings, sheets) unzipped."""
    if path.suffix == ".xlsx":
        import zipfile

        with zipfile.ZipFile(path) as book:
            return "\n".join(book.read(n).decode("utf-8", "replace") for n in book.namelist())
    return path.read_text(encoding="utf-8-sig")
