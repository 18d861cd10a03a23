"""Request bodies over POLICYTRAIL_MAX_REQUEST_BYTES: 413 problem+json before parsing,
with or without Content-Length (chunked), nothing stored; smaller bodies unaffected."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator

import pytest

from application.app import PolicyTrail
from tests import factories
from tests.api_support import auth, body, client, token
from tests.support import serving

LIMIT = 64 * 1024


@pytest.fixture
def limited(settings, database, clock) -> Iterator[PolicyTrail]:
    application = PolicyTrail(
        settings=settings.model_copy(update={"max_request_bytes": LIMIT}), database=database, clock=clock
    )
    yield application
    application.close()


def padded_agent(size: int) -> bytes:
    """A RegisterAgent body of exactly ``size`` bytes (padding in the JSON whitespace)."""
    raw = json.dumps(body(factories.register_agent()), ensure_ascii=False).encode()
    assert len(raw) < size
    return raw[:-1] + b" " * (size - len(raw)) + raw[-1:]


def test_the_default_limit_is_one_megabyte(settings):
    assert type(settings).model_fields["max_request_bytes"].default == 1_048_576


def test_a_declared_length_over_the_limit_is_413_problem_and_nothing_is_stored(limited):
    c, h = client(limited), auth(token(limited, "admin"))
    before = limited.max_position()
    r = c.post("/agents", content=padded_agent(LIMIT + 1), headers={**h, "Content-Type": "application/json"})
    assert r.status_code == 413 and r.headers["content-type"] == "application/problem+json"
    problem = r.json()
    assert problem["type"].endswith(":payload-too-large") and problem["max_bytes"] == LIMIT
    assert "POLICYTRAIL_MAX_REQUEST_BYTES" in problem["detail"]
    assert limited.max_position() == before
    # exactly at the limit: parsed and executed as usual
    r = c.post("/agents", content=padded_agent(LIMIT), headers={**h, "Content-Type": "application/json"})
    assert r.status_code == 200, r.text
    assert limited.max_position() > before


def test_the_limit_holds_before_authentication_too(limited):
    """An anonymous caller cannot make the server buffer a huge body."""
    r = client(limited).post("/agents", content=b"x" * (LIMIT + 1))
    assert r.status_code == 413


def test_a_chunked_body_without_length_is_cut_off_at_the_limit(limited):
    c, h = client(limited), auth(token(limited, "admin"))
    sent = {"bytes": 0}

    def chunks() -> Iterator[bytes]:
        for _ in range(1000):  # 16 MB offered; the server stops reading after 64 KB
            sent["bytes"] += 16 * 1024
            yield b" " * (16 * 1024)

    r = c.post("/agents", content=chunks(), headers={**h, "Content-Type": "application/json"})
    assert "content-length" not in {k.lower() for k in r.request.headers}
    assert r.status_code == 413 and r.json()["max_bytes"] == LIMIT


@pytest.mark.timeout(60)
def test_a_real_server_answers_413_to_chunked_upload_over_a_socket(limited):
    """Through uvicorn: Transfer-Encoding chunked, no Content-Length, answered 413 long
    before the client finished sending (it never has to send the whole body)."""
    with serving(limited) as url:
        port = int(url.rsplit(":", 1)[1])
        secret = token(limited, "admin")
        with socket.create_connection(("127.0.0.1", port), timeout=20) as sock:
            sock.sendall(
                (
                    "POST /agents HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    f"Authorization: Bearer {secret}\r\nTransfer-Encoding: chunked\r\n\r\n"
                ).encode()
            )
            chunk = b" " * 8192
            for _ in range(LIMIT // len(chunk) + 2):  # just over the limit
                sock.sendall(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
            answer = b""
            while b"\r\n\r\n" not in answer:
                part = sock.recv(65536)
                if not part:
                    break
                answer += part
        status_line = answer.split(b"\r\n", 1)[0]
        assert b" 413 " in status_line, answer[:500]
        assert b"application/problem+json" in answer


def test_docs_and_json_reads_are_unaffected(limited):
    c = client(limited)
    assert c.get("/openapi.json").status_code == 200
