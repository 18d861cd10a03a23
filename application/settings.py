"""Settings (配置): one validated object, from ``POLICYTRAIL_*`` variables and a TOML file.

Precedence (highest first): explicit arguments, environment variables
(``POLICYTRAIL_DATABASE_URL``, nested with ``__``, e.g.
``POLICYTRAIL_RULES__CALLBACK__ATTEMPTS_PER_CYCLE=4``), the TOML file named by
``POLICYTRAIL_CONFIG`` (default ``policytrail.toml`` in the working directory, if
present), then the defaults, which are the numbers in RULES.md.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import platformdirs
import psycopg
from psycopg.conninfo import conninfo_to_dict
from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from domain.parameters import RuleParameters

_SCHEMA_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,40}$")


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("policytrail", appauthor=False))


class SettingsError(Exception):
    """A setting is invalid; the message names it."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="POLICYTRAIL_",
        env_nested_delimiter="__",
        extra="forbid",
        frozen=True,
    )

    database_url: str | None = Field(
        None, description="PostgreSQL URL; when unset an embedded server (pgserver) is used"
    )
    read_database_url: str | None = Field(
        None,
        description="a hot standby of the primary for read-model GETs and the dashboard (unset: the primary)",
    )
    data_dir: Path = Field(default_factory=default_data_dir, description="where the embedded database lives")
    cipher_key: SecretStr | None = Field(
        None, description="RC-03: base64 AES key for events at rest; default: <data_dir>/cipher.key"
    )
    ledger_key: SecretStr | None = Field(
        None,
        description="Ed25519 key signing tree heads and export manifests; default: <data_dir>/ledger.key",
    )
    events_schema: str = Field("events", description="schema of the event store tables")
    read_schema: str = Field("read", description="schema of the read models")
    pool_size: int = Field(8, ge=1, le=200, description="database connections per process")
    command_retries: int = Field(
        5, ge=0, le=50, description="retries of a command that lost a concurrency race"
    )
    snapshot_interval: int = Field(
        0, ge=0, le=100_000, description="take a Policy snapshot every N events (0: off)"
    )
    projection_batch_size: int = Field(
        2000, ge=1, le=100_000, description="events per projection transaction"
    )
    projection_batch_seconds: float = Field(0.5, gt=0, le=60, description="max seconds per projection batch")
    projection_rebuild_batch_size: int = Field(
        20_000,
        ge=1,
        le=1_000_000,
        description="events per transaction of a rebuild (fresh tables nobody reads: larger batches)",
    )
    max_request_bytes: int = Field(
        1_048_576, ge=1024, le=1_073_741_824, description="HTTP request bodies above this are refused (413)"
    )
    max_future_skew_seconds: int = Field(
        300,
        ge=0,
        le=10 * 366 * 86_400,
        description="RC-01a: business times further ahead of the clock are refused",
    )
    tick_interval_seconds: float = Field(
        60, ge=0, le=86_400, description="serve / projections run tick every N seconds (0: off)"
    )
    late_entry_hours: float = Field(
        24,
        gt=0,
        le=8_760,
        description="an event recorded more than N hours after it happened is a late entry",
    )
    ledger_seal_every: int = Field(10_000, ge=1, le=10_000_000, description="sign a tree head every N events")
    ledger_seal_seconds: float = Field(
        60.0, gt=0, le=86_400, description="sign a tree head when new events waited this long"
    )
    rules: RuleParameters = Field(default_factory=RuleParameters)

    @field_validator("events_schema", "read_schema")
    @classmethod
    def _schema_name(cls, value: str) -> str:
        if not _SCHEMA_NAME.match(value):
            raise ValueError(f"{value!r} is not a plain lower-case schema name")
        return value

    @field_validator("database_url", "read_database_url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            return None
        if value is None:
            return None
        try:
            conninfo_to_dict(value)
        except psycopg.ProgrammingError as exc:
            raise ValueError(
                f"not a PostgreSQL URL or conninfo (e.g. postgresql://user@host:5432/db): {exc}"
            ) from None
        if "://" in value and not value.startswith(("postgresql://", "postgres://")):
            raise ValueError("must start with postgresql:// (e.g. postgresql://user@host:5432/db)")
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml_path = Path(os.environ.get("POLICYTRAIL_CONFIG", "policytrail.toml"))
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        if toml_path.is_file():
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=toml_path))
        return tuple(sources)


def load_settings(**overrides: Any) -> Settings:
    """Load and validate; a bad value raises SettingsError naming the setting."""
    if "POLICYTRAIL_CONFIG" in os.environ and not Path(os.environ["POLICYTRAIL_CONFIG"]).is_file():
        raise SettingsError(f"POLICYTRAIL_CONFIG: no such file {os.environ['POLICYTRAIL_CONFIG']}")
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = ".".join(str(part) for part in err["loc"])
            env_name = "POLICYTRAIL_" + "__".join(str(p).upper() for p in err["loc"] if not str(p).isdigit())
            problems.append(f"{loc} ({env_name}): {err['msg']}")
        raise SettingsError("invalid setting: " + "; ".join(problems)) from None
