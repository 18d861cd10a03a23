"""A real PostgreSQL primary and hot standby for tests, built with the server binaries the
``pgserver`` wheel ships (the embedded database's own): the primary is an embedded server
in its own data folder, the standby a ``pg_basebackup -R`` of it started on another port.

As root, pgserver runs PostgreSQL as the unprivileged user ``pgserver`` (PostgreSQL refuses
to run as root); the standby's folder is handed to that user and its commands run as it.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import warnings
from dataclasses import dataclass
from pathlib import Path

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # platformdirs warns about XDG_RUNTIME_DIR on servers
    import pgserver
    from pgserver._commands import POSTGRES_BIN_PATH


def _system_user() -> str | None:
    """The user PostgreSQL runs as: pgserver's unprivileged user when we are root."""
    return "pgserver" if os.geteuid() == 0 else None


def _run(*args: str, user: str | None) -> None:
    result = subprocess.run(
        [str(POSTGRES_BIN_PATH / args[0]), *args[1:]], user=user, capture_output=True, text=True, timeout=60
    )
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed: {result.stderr or result.stdout}")


@dataclass
class Standby:
    """A hot standby of ``primary``: Unix socket only, in its own folder, on ``port``."""

    pgdata: Path
    port: int
    user: str | None

    @property
    def url(self) -> str:
        return f"postgresql://postgres@/postgres?host={self.pgdata}&port={self.port}"

    def start(self) -> None:
        options = f"-h '' -k {self.pgdata} -p {self.port}"
        _run(
            "pg_ctl",
            "-D",
            str(self.pgdata),
            "-w",
            "-l",
            str(self.pgdata / "log"),
            "-o",
            options,
            "start",
            user=self.user,
        )

    def stop(self) -> None:
        _run("pg_ctl", "-D", str(self.pgdata), "-w", "-m", "fast", "stop", user=self.user)

    def running(self) -> bool:
        return (self.pgdata / "postmaster.pid").exists()


@dataclass
class Replication:
    primary: pgserver.PostgresServer
    standby: Standby

    @property
    def primary_url(self) -> str:
        return str(self.primary.get_uri())

    def close(self) -> None:
        if self.standby.running():
            self.standby.stop()
        self.primary.cleanup()


def build_replication(folder: Path, port: int) -> Replication:
    """An embedded primary in ``folder/primary`` and its streaming standby in ``folder/standby``."""
    user = _system_user()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        primary = pgserver.get_server(folder / "primary", cleanup_mode="stop")
    info = primary.get_postmaster_info()
    standby_dir = folder / "standby"
    standby_dir.mkdir(mode=0o700)
    if user is not None:
        entry = pwd.getpwnam(user)
        shutil.chown(standby_dir, entry.pw_uid, entry.pw_gid)
    # -R writes standby.signal and primary_conninfo (the primary's socket), -X stream the WAL.
    _run(
        "pg_basebackup",
        *("-D", str(standby_dir), "-h", str(info.socket_dir), "-p", str(info.port), "-U", "postgres"),
        *("-R", "-X", "stream", "--checkpoint=fast"),
        user=user,
    )
    standby = Standby(standby_dir, port, user)
    standby.start()
    return Replication(primary, standby)
