"""Content checksum of a projection's tables (校验和): proves a rebuild equals the live run."""

from __future__ import annotations

import hashlib
from typing import Any

from psycopg import Connection
from psycopg.sql import SQL, Identifier

from projections.base import Projection


def checksum(conn: Connection[Any], schema: str, projection: Projection) -> str:
    """SHA-256 over every row of every table, in a canonical order (row text)."""
    digest = hashlib.sha256()
    for table in projection.tables:
        query = SQL(
            "SELECT count(*), coalesce(md5(string_agg(t::text, E'\\n' ORDER BY t::text)), '') FROM {}.{} AS t"
        ).format(Identifier(schema), Identifier(table))
        row = conn.execute(query).fetchone()
        assert row is not None
        digest.update(f"{table}:{row[0]}:{row[1]}\n".encode())
    return digest.hexdigest()
