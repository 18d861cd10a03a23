"""Where ``policytrail demo`` keeps its month (演示数据), and the ``--demo`` switch that
points ``token create``, ``serve``, ``projections …`` at it.

The demo lives in its own pair of schemas so that it never mixes with real data. A
newcomer who follows the README after the demo must not land on the empty default
schemas by surprise: those commands take ``--demo``, and say so when they find the
default store empty while a demo month exists.
"""

from __future__ import annotations

from typing import Any

import typer

DEMO_EVENTS_SCHEMA = "demo_events"
DEMO_READ_SCHEMA = "demo_read"
DEMO_SCHEMAS = {"events_schema": DEMO_EVENTS_SCHEMA, "read_schema": DEMO_READ_SCHEMA}


def demo_option() -> Any:
    return typer.Option(
        False,
        "--demo",
        help=f"the data of `policytrail demo` (schemas {DEMO_EVENTS_SCHEMA}/{DEMO_READ_SCHEMA}) 演示数据",
    )


def demo_has_events(conn: Any, events_table_name: str) -> bool:
    """Whether the demo's event table exists and holds an event."""
    table = f'"{DEMO_EVENTS_SCHEMA}"."{events_table_name}"'
    if conn.execute("SELECT to_regclass(%s)", (table,)).fetchone()[0] is None:
        return False
    return bool(conn.execute(f"SELECT EXISTS (SELECT 1 FROM {table})").fetchone()[0])


def next_commands(host: str, port: int) -> list[str]:
    """The README's next commands, pointed at the demo's data (printed by ``demo``)."""
    where = "" if (host, port) == ("127.0.0.1", 8000) else f" --host {host} --port {port}"
    return [
        "policytrail token create --demo --role manager --staff BJ-MGR-01 --scope branch:北京分公司",
        f"policytrail serve --demo{where}",
        "policytrail projections status --demo",
    ]
