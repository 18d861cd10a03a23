"""``policytrail subjects erase`` and ``policytrail keys migrate|rotate`` end to end."""

from __future__ import annotations

import base64
from datetime import date
from typing import Any

from pydantic import SecretStr
from typer.testing import CliRunner

from application.adapters.encryption import CipherKeyError
from application.app import PolicyTrail
from domain.policy import Policy
from domain.shared.actor import Actor
from domain.shared.masking import ERASED
from interfaces.cli import cli
from tests import factories

ADMIN = Actor("seed", "admin")


def invoke(app: Any, *args: str, **env: str) -> Any:
    base = {
        "POLICYTRAIL_DATABASE_URL": app.database.url,
        "POLICYTRAIL_DATA_DIR": str(app.settings.data_dir),
        "POLICYTRAIL_EVENTS_SCHEMA": app.settings.events_schema,
        "POLICYTRAIL_READ_SCHEMA": app.settings.read_schema,
        "COLUMNS": "200",
    }
    return CliRunner().invoke(cli, list(args), env={**base, **env})


def test_rc02_cli_erase_refused_inside_retention_then_done_after_it(app):
    inside = factories.person(name="欧阳锋", id_number="110101196001011111", phone="13500001111")
    ended = factories.person(name="黄药师", id_number="110101195501012222", phone="13500002222")
    app.execute(factories.issue_policy("P2026000001", policyholder=inside), ADMIN)
    # a one-year contract that ended in 2016: kept 5 years, erasable today (system clock)
    old = factories.issue_policy(
        "P2015000001", policyholder=ended, term_value=1, underwritten_on=date(2015, 1, 1)
    )
    app.execute(old, ADMIN)

    result = invoke(app, "subjects", "erase", "110101196001011111", "--reason", "客户申请")
    assert result.exit_code == 1
    line = result.output.strip().splitlines()[-1]
    assert "RC-02" in line and "inside retention until 2056-03-01" in line

    result = invoke(app, "subjects", "erase", "110101195501012222", "--reason", "客户申请删除")
    assert result.exit_code == 0, result.output
    assert "retention ended 2021-01-01" in result.output
    app.personal.keys.forget_cache()
    app.repository.cache = None
    assert app.get(Policy, Policy.id_for("P2015000001")).facts.policyholder.name == ERASED
    assert app.get(Policy, Policy.id_for("P2026000001")).facts.policyholder.name == "欧阳锋"

    result = invoke(app, "subjects", "erase", "110101195501012222", "--reason", "again")
    assert result.exit_code == 1 and "already erased" in result.output
    result = invoke(app, "subjects", "erase", "", "--reason", "x")
    assert result.exit_code == 1 and "ID number is required" in result.output


def test_rc03_cli_migrate_and_rotate(app, tmp_path, settings, database, clock):
    app.execute(factories.issue_policy("P2026000001"), ADMIN)
    result = invoke(app, "keys", "migrate")
    assert result.exit_code == 0, result.output
    assert "re-encoded 0 events (3 already sealed)" in result.output.replace("\n", " ")

    bad = tmp_path / "bad.key"
    bad.write_text("not base64!")
    result = invoke(app, "keys", "rotate", "--new-key-file", str(bad))
    assert result.exit_code == 1 and "not valid base64" in result.output

    new_key = base64.b64encode(b"r" * 32).decode()
    good = tmp_path / "new.key"
    good.write_text(new_key + "\n")
    result = invoke(app, "keys", "rotate", "--new-key-file", str(good))
    assert result.exit_code == 0, result.output
    assert "re-wrapped" in result.output

    rotated = PolicyTrail(
        settings=settings.model_copy(update={"cipher_key": SecretStr(new_key)}),
        database=database,
        clock=clock,
    )
    try:
        assert rotated.get(Policy, Policy.id_for("P2026000001")).facts.policyholder.name == "张三"
    finally:
        rotated.close()
    try:
        PolicyTrail(settings=settings, database=database, clock=clock)
        raise AssertionError("the old key must be refused")
    except CipherKeyError as exc:
        assert "encrypted with key" in str(exc)
