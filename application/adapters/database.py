"""Which PostgreSQL to use (数据库).

``POLICYTRAIL_DATABASE_URL`` always wins. Otherwise an embedded PostgreSQL is
started (or reused, if already running) with ``pgserver`` — PostgreSQL binaries
shipped in a PyPI wheel — in ``<data_dir>/pgdata``, so a new user needs no
database set-up. The embedded server keeps running after the process exits so the
next command reuses it quickly; ``policytrail db --stop`` stops it.
"""

from __future__ import annotations

import json
import logging
import os
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


@dataclass(frozen=True)
class StopOutcome:
    """What ``stop_embedded`` did: ``users`` are the other live processes that opened the
    server (pgserver's handle list), ``sessions`` the other open connections."""

    running: bool
    stopped: bool
    users: tuple[int, ...] = ()
    sessions: int = 0


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def embedded_users(pgdata: Path) -> tuple[int, ...]:
    """Live processes other than this one that opened the embedded server. pgserver lists
    every process that opened it; one killed hard stays listed, so only live ones count."""
    try:
        pids = json.loads((pgdata / ".handle_pids.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ()
    return tuple(sorted({int(p) for p in pids if int(p) != os.getpid() and _alive(int(p))}))


def stop_embedded(settings: Settings, *, force: bool = False) -> StopOutcome:
    """Stop the embedded server unless other processes or connections still use it
    (then say so and leave it running); ``force`` stops it anyway (their sessions end)."""
    pgdata = settings.data_dir / "pgdata"
    pid_file = pgdata / "postmaster.pid"
    try:
        postmaster = int(pid_file.read_text(encoding="utf-8").splitlines()[0])
    except (OSError, ValueError, IndexError):
        return StopOutcome(running=False, stopped=False)
    if not _alive(postmaster):
        return StopOutcome(running=False, stopped=False)
    users = embedded_users(pgdata)
    url = make_conninfo(user="postgres", dbname="postgres", host=str(pgdata))
    try:
        with psycopg.connect(url, connect_timeout=5) as conn:
            sessions = conn.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()"
            ).fetchone()[0]
    except psycopg.OperationalError:
        sessions = 0  # starting or stopping: nobody is connected
    if (users or sessions) and not force:
        return StopOutcome(running=True, stopped=False, users=users, sessions=sessions)
    _import_pgserver()
    from pgserver._commands import pg_ctl  # the wheel's own pg_ctl, run as its server user

    system_user = "pgserver" if hasattr(os, "geteuid") and os.geteuid() == 0 else None
    try:
        # fast: roll back open transactions and close sessions (stored data is safe)
        pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata, user=system_user, timeout=60)
    except Exception as exc:
        raise DatabaseUnavailable(f"could not stop the embedded PostgreSQL in {pgdata}: {exc}") from exc
    return StopOutcome(running=True, stopped=True, users=users, sessions=sessions)
