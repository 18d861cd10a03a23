"""Read-your-writes (读己之写): wait until projections have reached a log position.

Event-driven: a ``PositionWatcher`` keeps one connection LISTENing on the read
schema's progress channel, which every committed batch NOTIFYs (at commit, so a
notified position is visible to readers). Waiters block on a condition variable,
no polling. A process that waits often (the HTTP API) keeps one watcher; the
module-level ``wait_for`` opens one for a single wait.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable
from typing import Any

import psycopg
from psycopg.sql import SQL, Identifier

from projections.tracking import TABLE, progress_channel

log = logging.getLogger(__name__)


class PositionWatcher:
    """Known positions of every projection of one read schema, kept current by NOTIFY."""

    def __init__(self, url: str, schema: str) -> None:
        self.url = url
        self.schema = schema
        self._known: dict[str, int] = {}
        self._changed = threading.Condition()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._listen, name=f"position-watcher-{schema}", daemon=True)
        self._thread.start()

    def position(self, name: str) -> int | None:
        with self._changed:
            return self._known.get(name)

    def wait_for(self, names: str | Iterable[str], position: int, timeout: float) -> bool:
        """Block until every named projection has committed ``position`` (or beyond).

        Returns False when ``timeout`` seconds pass first.
        """
        wanted = [names] if isinstance(names, str) else list(names)

        def reached() -> bool:
            return all(self._known.get(n, -1) >= position for n in wanted)

        with self._changed:
            return self._changed.wait_for(reached, timeout)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def __enter__(self) -> PositionWatcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ----- the listening thread ---------------------------------------------------------
    def _listen(self) -> None:
        backoff = 0.1
        while not self._stop.is_set():
            try:
                with psycopg.connect(self.url, autocommit=True) as conn:
                    # LISTEN before reading the table: nothing committed in between is missed.
                    conn.execute(SQL("LISTEN {}").format(Identifier(progress_channel(self.schema))))
                    self._update(self._snapshot(conn))
                    backoff = 0.1
                    while not self._stop.is_set():
                        for note in conn.notifies(timeout=0.5):
                            key, _, pos = note.payload.rpartition(" ")
                            self._update({key: int(pos)})
            except psycopg.Error as exc:
                log.warning("position watcher: %s; reconnecting", exc)
                time.sleep(backoff)
                backoff = min(backoff * 2, 5.0)

    def _snapshot(self, conn: psycopg.Connection[Any]) -> dict[str, int]:
        exists = conn.execute(
            "SELECT to_regclass(%s) IS NOT NULL", (f'"{self.schema}"."{TABLE}"',)
        ).fetchone()
        if not (exists and exists[0]):
            return {}
        query = SQL("SELECT name, position FROM {}.{}").format(Identifier(self.schema), Identifier(TABLE))
        return {name: pos for name, pos in conn.execute(query).fetchall()}

    def _update(self, positions: dict[str, int]) -> None:
        with self._changed:
            for key, pos in positions.items():
                # Max: a snapshot may be newer than notifications queued before it.
                self._known[key] = max(pos, self._known.get(key, -1))
            self._changed.notify_all()


def wait_for(url: str, schema: str, names: str | Iterable[str], position: int, timeout: float) -> bool:
    """One wait with a short-lived watcher (prefer a long-lived ``PositionWatcher``)."""
    with PositionWatcher(url, schema) as watcher:
        return watcher.wait_for(names, position, timeout)
