"""RC-03: personal fields sealed per data subject, bound to their place; rows sealed.

Non-personal fields are stored in clear JSON; a personal field is a ciphertext under
its subject's data key whose associated data is (originator id, version, field path).
Moving ciphertexts (or whole states) between rows or fields via raw SQL fails on read,
naming the position.
"""

from __future__ import annotations

import json

import psycopg
import pytest

from application.adapters.personal_data.fields import WITHHELD, PersonalFieldError
from application.adapters.personal_data.mapper import SEAL_PREFIX, RowSealError
from domain.policy import Policy
from projections.source import AppEventSource
from tests import factories

HOLDER = factories.person(name="王小明", id_number="110101199001011234", phone="13812346138")
OTHER = factories.person(name="赵六", id_number="310101198202024321", phone="13955557777")


def _row(app, number: str, version: int = 1) -> tuple[int, bytes]:
    with psycopg.connect(app.database.url) as conn:
        return conn.execute(
            f"SELECT notification_id, state FROM {app.events_table} WHERE originator_id = %s "
            "AND originator_version = %s",
            (Policy.id_for(number), version),
        ).fetchone()


def _write(app, number: str, state: bytes, version: int = 1) -> None:
    with psycopg.connect(app.database.url) as conn:
        conn.execute(
            f"UPDATE {app.events_table} SET state = %s WHERE originator_id = %s AND originator_version = %s",
            (state, Policy.id_for(number), version),
        )


def _body(state: bytes) -> dict:
    return json.loads(state)


def test_rc03_personal_fields_sealed_others_in_clear(app, actor):
    app.execute(factories.issue_policy("P2026000001", policyholder=HOLDER, insured=OTHER), actor)
    _, state = _row(app, "P2026000001")
    assert state.startswith(SEAL_PREFIX)
    for secret in ("王小明", "13812346138", "110101199001011234", "赵六", "310101198202024321", "1990-01-01"):
        assert secret.encode() not in state, secret
    facts = _body(state)["facts"]["_data_"]
    assert facts["number"] == "P2026000001" and facts["channel"] == "个险"  # readable without keys
    holder = facts["policyholder"]["_data_"]
    insured = facts["insured"]["_data_"]
    assert set(holder["name"]) == {"_pd_", "_ct_"}
    assert holder["phone"]["_data_"]["kind"] == "mobile"  # usability is not personal
    assert holder["name"]["_pd_"] != insured["name"]["_pd_"]  # one data key per person
    assert holder["name"]["_pd_"] == holder["id_number"]["_pd_"]
    # the application reads everything back
    policy = app.get(Policy, Policy.id_for("P2026000001"))
    assert (
        policy.facts.policyholder.name == "王小明" and policy.facts.insured.id_number == "310101198202024321"
    )


def test_rc03_read_models_without_personal_data_use_no_key(app, actor):
    app.execute(factories.issue_policy("P2026000001", policyholder=HOLDER), actor)
    source = AppEventSource(app)
    entry = source.read(0, 1)[0]
    app.personal.keys.forget_cache()
    app.personal.keys._connect = None  # type: ignore[assignment]  # any key lookup would fail now
    event = source.decode(entry)
    assert event.facts.number == "P2026000001"
    assert event.facts.policyholder.name == WITHHELD and event.facts.policyholder.phone.usable


def test_rc03_a_state_copied_into_another_row_fails_naming_the_row(app, actor):
    app.execute(factories.issue_policy("P2026000001", policyholder=HOLDER), actor)
    app.execute(factories.issue_policy("P2026000002", policyholder=OTHER), actor)
    _, state_one = _row(app, "P2026000001")
    _write(app, "P2026000002", state_one)
    app.repository.cache = None
    with pytest.raises(RowSealError) as err:
        app.get(Policy, Policy.id_for("P2026000002"))
    assert str(Policy.id_for("P2026000002")) in str(err.value) and "version 1" in str(err.value)
    assert "Policy.Issued" in str(err.value)


def _reseal(app, number: str, body: dict, version: int = 1) -> bytes:
    """What an insider holding the row-seal secret (but no data key) could write."""
    mapper = app.mapper
    raw = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    topic = "domain.policy:Policy.Issued"
    mac = mapper._mac(Policy.id_for(number), version, topic, raw)
    return SEAL_PREFIX + mac + b'",' + raw[1:]


@pytest.mark.parametrize("move", ["between rows", "between fields"])
def test_rc03_a_ciphertext_moved_fails_naming_the_field(app, actor, move):
    app.execute(factories.issue_policy("P2026000001", policyholder=HOLDER), actor)
    app.execute(factories.issue_policy("P2026000002", policyholder=HOLDER), actor)  # same person, same key
    one = _body(_row(app, "P2026000001")[1])
    two = _body(_row(app, "P2026000002")[1])
    one.pop("_seal_"), two.pop("_seal_")
    target = two["facts"]["_data_"]["policyholder"]["_data_"]
    if move == "between rows":
        target["name"] = one["facts"]["_data_"]["policyholder"]["_data_"]["name"]
        path = "facts.policyholder.name"
    else:
        target["address"] = target["name"]
        path = "facts.policyholder.address"
    _write(app, "P2026000002", _reseal(app, "P2026000002", two))
    app.repository.cache = None
    with pytest.raises(PersonalFieldError) as err:
        app.get(Policy, Policy.id_for("P2026000002"))
    assert path in str(err.value) and str(Policy.id_for("P2026000002")) in str(err.value)
    # the untouched row still reads
    assert app.get(Policy, Policy.id_for("P2026000001")).facts.policyholder.name == "王小明"


def test_rc03_master_key_rotation_rewraps_keys_and_touches_no_event(app, actor):
    import base64

    from application.adapters.personal_data.keys import KeyMaterialError, KeyStore

    app.execute(factories.issue_policy("P2026000001", policyholder=HOLDER), actor)
    with psycopg.connect(app.database.url) as conn:
        before = conn.execute(f"SELECT state FROM {app.events_table} ORDER BY notification_id").fetchall()
    new_key = b"n" * 32
    assert app.personal.keys.rewrap(new_key) >= 3
    with psycopg.connect(app.database.url) as conn:
        after = conn.execute(f"SELECT state FROM {app.events_table} ORDER BY notification_id").fetchall()
    assert after == before
    rotated = KeyStore(
        new_key, app.settings.events_schema, lambda: psycopg.connect(app.database.url, autocommit=True)
    )
    old = KeyStore(
        base64.b64decode(app.cipher_key.key_b64),
        app.settings.events_schema,
        lambda: psycopg.connect(app.database.url, autocommit=True),
    )
    subject = app.personal.ids.person(HOLDER.id_number)
    assert rotated.data_key(subject, create=False) is not None
    with pytest.raises(KeyMaterialError):
        old.data_key(subject, create=False)


def test_keys_created_in_bulk_open_like_single_ones_and_erased_subjects_stay_erased(app):
    import uuid

    keys = app.mapper.fields.keys
    fresh, erased = uuid.uuid4(), uuid.uuid4()
    keys.destroy([erased])
    keys.create([fresh, erased, fresh])
    keys.forget_cache()  # what another process reads
    key = keys.data_key(fresh, create=False)
    assert key is not None
    nonce = b"\0" * 12
    assert keys.data_key(fresh, create=True).decrypt(nonce, key.encrypt(nonce, b"x", None), None) == b"x"
    assert keys.data_key(erased, create=True) is None
