"""Read-ahead for export queries (预取): fetch the next batch while this one is written.

A server-side cursor's fetch waits mostly on PostgreSQL (the query, the network),
with the GIL released; the rows' formatting is Python work. A reader thread that
keeps at most ``depth`` batches ahead lets the two overlap on two cores while memory
stays bounded (``depth`` + 1 batches). The thread owns the cursor from ``execute``
to ``close``; the caller must not use the connection until the iterator is done.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from typing import Any

from psycopg import Connection
from psycopg.sql import Composable

_DONE = object()


def stream(
    conn: Connection[Any], name: str, query: Composable, args: dict[str, Any], batch: int, depth: int = 2
) -> Iterator[tuple[Any, ...]]:
    """The query's rows in order, fetched ``batch`` at a time by a reader thread."""
    batches: queue.Queue[Any] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: Any) -> bool:
        while not stop.is_set():
            try:
                batches.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def read() -> None:
        try:
            with conn.cursor(name=name) as cur:
                cur.execute(query, args)
                while not stop.is_set():
                    rows = cur.fetchmany(batch)
                    if not rows or not put(rows):
                        break
            put(_DONE)
        except BaseException as error:  # handed to the consumer, raised there
            put(error)

    reader = threading.Thread(target=read, name=f"export-{name}", daemon=True)
    reader.start()
    try:
        while True:
            item = batches.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield from item
    finally:  # also when the consumer stops early: let the reader close its cursor
        stop.set()
        reader.join()
