"""Which PostgreSQL to use (数据库).

``POLICYTRAIL_DATABASE_URL`` always wins. Otherwise an embedded PostgreSQL is
started (or reused, if already running) with ``pgserver`` — PostgreSQL binaries
shipped in a PyPI wheel — in ``<data_dir>/pgdata``, so a new user needs no
database set-up. The embedded server keeps running after the process exits so the
next command reuses it quickly; ``policytrail db --stop`` stops it.
"""

from __future__ import annotations

import contextlib
import logging
import warnings
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from application.settings import Settings

log = logging.getLogger(__name__)


class DatabaseUnavailable(Exception):
    """The configured database cannot be reached or started."""


@dataclass(frozen=True)
class Database:
    """A resolved database: its URL and whether it is the embedded server."""

    url: str
    embedded: bool
    data_dir: Path | None = None

    def params(self) -> dict[str, str]:
        return {k: str(v) for k, v in conninfo_to_dict(self.url).items() if v is not None}

    @property
    def display_url(self) -> str:
        """The URL with any password hidden (safe to print)."""
        params = self.params()
        if params.get("password"):
            params["password"] = "****"
        user = params.get("user", "")
        host = params.get("host", "")
        port = params.get("port", "")
        dbname = params.get("dbname", "")
        auth = f"{quote(user)}{':****' if 'password' in params else ''}@" if user else ""
        where = f"{host}:{port}" if port and not host.startswith("/") else ""
        if host.startswith("/"):
            return f"postgresql://{auth}/{dbname}?host={host}"
        return f"postgresql://{auth}{where or host}/{dbname}"

    def describe(self) -> str:
        kind = "embedded (pgserver)" if self.embedded else "configured (POLICYTRAIL_DATABASE_URL)"
        return f"{kind}: {self.display_url}"

    def with_dbname(self, dbname: str) -> Database:
        params = self.params()
        params["dbname"] = dbname
        return Database(url=make_conninfo(**params), embedded=self.embedded, data_dir=self.data_dir)

    def connect(self, **kwargs: object) -> psycopg.Connection:
        try:
            return psycopg.connect(self.url, **kwargs)  # type: ignore[arg-type]
        except psycopg.OperationalError as exc:
            first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else repr(exc)
            raise DatabaseUnavailable(f"cannot connect to {self.describe()}: {first_line}") from exc


def _import_pgserver():  # type: ignore[no-untyped-def]
    # pgserver asks platformdirs for a runtime dir at import; on servers without
    # XDG_RUNTIME_DIR that only warns and falls back to /tmp.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            import pgserver
        except ImportError as exc:  # pragma: no cover - dependency of the distribution
            raise DatabaseUnavailable("pgserver is not installed; set POLICYTRAIL_DATABASE_URL") from exc
    return pgserver


def _embedded(data_dir: Path) -> Database:
    pgdata = data_dir / "pgdata"
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    pgserver = _import_pgserver()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # see _import_pgserver
            # cleanup_mode=None: leave the server running for the next command.
            server = pgserver.get_server(str(pgdata), cleanup_mode=None)
    except Exception as exc:
        raise DatabaseUnavailable(f"cannot start the embedded PostgreSQL in {pgdata}: {exc}") from exc
    return Database(url=server.get_uri(), embedded=True, data_dir=pgdata)


def resolve_database(settings: Settings) -> Database:
    """The configured DSN, else the embedded server (started if needed)."""
    if settings.database_url:
        return Database(url=settings.database_url, embedded=False)
    return _embedded(settings.data_dir)


def stop_embedded(settings: Settings) -> bool:
    """Stop the embedded server if it runs. Returns whether one was stopped."""
    pgdata = settings.data_dir / "pgdata"
    if not (pgdata / "postmaster.pid").exists():
        return False
    pgserver = _import_pgserver()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        server = pgserver.get_server(str(pgdata), cleanup_mode="stop")
    with contextlib.suppress(Exception):
        server.cleanup()
    return True
