"""Two-axis reads of any aggregate (issue 15 point 1): business time, record time, version."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.api_support import auth, client, seed_two_branches, token
from tests.callback_steps import at, attempt, open_callback


def _now() -> str:
    return datetime.now(UTC).isoformat()


@pytest.fixture
def late_callback(app, actor):
    """A callback whose first call attempt (03-03) is entered after the second (03-04)."""
    seed_two_branches(app)
    open_callback(app, actor, number="P2026000009")
    before_attempts = _now()
    attempt(app, at(4, 10), number="P2026000009")
    between = _now()
    attempt(app, at(3, 10), number="P2026000009")  # the late entry 补录
    return {"before_attempts": before_attempts, "between": between}


def test_smoke(app, late_callback):
    c, h = client(app), auth(token(app, "auditor"))
    r = c.get("/callbacks/P2026000009", headers=h)
    print(r.json())
    r = c.get("/callbacks/P2026000009/history", headers=h)
    print(r.json())
    r = c.get("/callbacks/P2026000009/decisions", headers=h)
    print(r.json())
    r = c.get("/callbacks/P2026000009", params={"as_of": "2026-03-03T12:00:00+08:00"}, headers=h)
    print(r.status_code, r.json())
    assert False
