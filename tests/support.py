"""Small helpers every kind of test uses: refusals, waiting on a condition, replayable seeds."""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import pytest
import uvicorn

from application.app import PolicyTrail
from domain.shared.errors import RuleViolation
from interfaces.api import create_api

T = TypeVar("T")

#: the repository's root (tests live in folders below ``tests/``: paths start here, not at a test file)
ROOT = Path(__file__).resolve().parents[1]
#: the sample file of ``policytrail import`` (docs/import-format.md)
IMPORT_SAMPLE = ROOT / "samples" / "import-sample.jsonl"


def sample_lines() -> list[str]:
    return IMPORT_SAMPLE.read_text(encoding="utf-8").splitlines()


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def refused(rule_id: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> RuleViolation:
    """``fn(*args, **kwargs)`` is refused by rule ``rule_id`` (e.g. ``refused("SP-02", app.execute,
    command, actor)``); returns the violation for further checks."""
    with pytest.raises(RuleViolation) as err:
        fn(*args, **kwargs)
    assert err.value.rule_id == rule_id, str(err.value)
    return err.value


#: how long a test waits for PostgreSQL to publish table statistics (it does within about a
#: second; a loaded machine takes longer)
STATISTICS_SECONDS = 20.0


def wait_until(predicate: Callable[[], T], timeout: float, interval: float = 0.1, what: str = "") -> T:
    """Call ``predicate`` every ``interval`` seconds until it returns something truthy (which is
    returned); fail once ``timeout`` seconds have passed. For conditions the server makes true on
    its own time, e.g. statistics it publishes within about a second."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            pytest.fail(f"waited {timeout:g} s for {what or predicate.__name__}; last value {value!r}")
        time.sleep(interval)


#: the environment variable that replays a randomised test with a given seed
SEED_VARIABLE = "POLICYTRAIL_TEST_SEED"


def replay_seed(default: int) -> int:
    """The seed of a randomised test: ``default`` unless ``POLICYTRAIL_TEST_SEED`` says otherwise.
    Printed, so a failure's captured output tells how to replay it."""
    seed = int(os.environ.get(SEED_VARIABLE, default))
    print(f"random seed {seed} (replay: {SEED_VARIABLE}={seed})")
    return seed


def kill_at_seeded_points(
    start: Callable[[], subprocess.Popen[bytes]],
    position: Callable[[], int],
    head: int,
    kills: int,
    seed: int,
    timeout: float,
) -> list[int]:
    """Start a process ``kills`` times and SIGKILL it each time once ``position()`` reached a
    seeded target between 5 and ``head - 5`` (and a seeded instant of up to 4 ms later).
    Returns the positions committed when each process died."""
    rng = random.Random(seed)
    targets = sorted(rng.sample(range(5, head - 5), kills))
    killed_at: list[int] = []
    for target in targets:
        process = start()
        try:
            deadline = time.monotonic() + timeout
            while position() < target:  # tight: the kill should land inside a batch
                assert process.poll() is None, process.stderr.read().decode()  # type: ignore[union-attr]
                assert time.monotonic() < deadline, f"no progress to {target} (seed {seed})"
                time.sleep(0.0005)
            time.sleep(rng.uniform(0, 0.004))
            process.send_signal(signal.SIGKILL)
        finally:
            process.wait()
            if process.stderr:
                process.stderr.close()
        killed_at.append(position())
    return killed_at


@contextmanager
def serving(app: PolicyTrail) -> Iterator[str]:
    """The app's API served by uvicorn in a thread on a free local port; yields its base URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_api(app), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    wait_until(lambda: server.started or not thread.is_alive(), timeout=30, interval=0.05, what="uvicorn")
    assert server.started, "uvicorn did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
