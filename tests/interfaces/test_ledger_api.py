"""Ledger GETs: who may read them, what the bodies prove offline, errors as problem+json."""

from __future__ import annotations

import pytest

from application.ledger import documents
from tests import ledger_support as L
from tests.api_support import auth, client, token
from tests.projection_scenarios import issue_many, policy_history


@pytest.fixture
def sealed(settings, database, clock, actor):
    app = L.ledger_app(settings, database, clock, every=40)
    try:
        policy_history(app, actor)
        issue_many(app, actor, 30)
        L.seal(app)
        yield app
    finally:
        app.close()


def test_auditors_regulators_and_admins_get_heads_and_proofs_that_verify_offline(sealed):
    app = sealed
    api = client(app)
    keys = {L.public_key(app).key_id: L.public_key(app)}
    size = app.max_position()
    for role in ("auditor", "regulator", "admin"):
        h = auth(token(app, role))
        latest = api.get("/ledger/heads/latest", headers=h)
        assert latest.status_code == 200, latest.text
        assert latest.json()["sth"]["tree_size"] == size
        documents.verify_document(documents.encode(latest.json()), keys)
        heads = api.get("/ledger/heads", params={"limit": 2}, headers=h).json()
        assert [x["tree_size"] for x in heads] == [size, size // 40 * 40]
        older = api.get("/ledger/heads", params={"before": heads[-1]["tree_size"]}, headers=h).json()
        assert [x["tree_size"] for x in older] == list(range(size // 40 * 40 - 40, 0, -40))
        inclusion = api.get("/ledger/proofs/inclusion", params={"position": 17, "tree_size": 40}, headers=h)
        assert inclusion.status_code == 200, inclusion.text
        assert "is leaf 16" in documents.verify_document(documents.encode(inclusion.json()), keys)
        consistency = api.get("/ledger/proofs/consistency", params={"first": 40, "second": size}, headers=h)
        assert consistency.status_code == 200, consistency.text
        documents.verify_document(documents.encode(consistency.json()), keys)
        listed = api.get("/ledger/keys", headers=h).json()
        assert listed == [{"key_id": L.public_key(app).key_id, "public_key": L.public_key(app).to_text()}]


@pytest.mark.parametrize("role", ["manager", "callcentre", "servicer"])
def test_other_roles_are_refused(sealed, role):
    api = client(sealed)
    response = api.get("/ledger/heads/latest", headers=auth(token(sealed, role)))
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("application/problem+json")
    assert api.get("/ledger/proofs/inclusion", params={"position": 1}).status_code == 401


def test_errors_are_problems_and_reveal_nothing_more(sealed, actor):
    app = sealed
    api, h = client(app), auth(token(app, "auditor"))
    issue_many(app, actor, 1, prefix="U", offset=600)  # stored but not sealed
    unsealed = api.get("/ledger/proofs/inclusion", params={"position": app.max_position()}, headers=h)
    nowhere = api.get("/ledger/proofs/inclusion", params={"position": 10**12}, headers=h)
    for response in (unsealed, nowhere):
        assert response.status_code == 404
        assert response.headers["content-type"].startswith("application/problem+json")
    # An unsealed event and a position that never existed answer alike.
    assert unsealed.json()["detail"].replace(str(app.max_position()), "P") == nowhere.json()[
        "detail"
    ].replace(str(10**12), "P")
    cases = [
        ("/ledger/proofs/consistency", {"first": 80, "second": 40}, 400),
        ("/ledger/proofs/consistency", {"first": 40, "second": 41}, 404),
        ("/ledger/proofs/inclusion", {"position": app.max_position() - 5, "tree_size": 40}, 400),
        ("/ledger/proofs/inclusion", {"position": 2**63}, 400),
        ("/ledger/proofs/inclusion", {"position": "x"}, 400),
        ("/ledger/heads", {"limit": 0}, 400),
    ]
    for path, params, status in cases:
        response = api.get(path, params=params, headers=h)
        assert response.status_code == status, (path, params, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")


def test_before_the_ledger_starts_the_answer_is_503(app):
    response = client(app).get("/ledger/heads/latest", headers=auth(token(app, "auditor")))
    assert response.status_code == 503
    assert "policytrail ledger run" in response.json()["detail"]
