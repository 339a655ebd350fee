"""Typed, validated configuration for the backend, read from the environment and an optional TOML file."""

from __future__ import annotations

import ipaddress
import os
import secrets
import tempfile
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AnyHttpUrl, Field, SecretStr, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

SECRET_KEY_FILE = "secret.key"  # noqa: S105 - a file name, not a secret


def default_data_dir() -> Path:
    """Return the XDG data directory for Tandem (``$XDG_DATA_HOME/tandem``)."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "tandem"


class Settings(BaseSettings):
    """Everything the backend needs to start; unknown ``TANDEM_*`` variables are ignored."""

    model_config = SettingsConfigDict(
        env_prefix="TANDEM_",
        extra="forbid",
        frozen=True,
    )

    data_dir: Path = Field(default_factory=default_data_dir)
    database_url: str | None = None
    """``sqlite+aiosqlite:///path`` or ``postgresql+asyncpg://…``; default: SQLite in the data directory."""
    redis_url: str | None = None
    """Set it to run in scale-out mode (Redis event bus, presence and rate limits)."""
    secret_key: SecretStr | None = None
    """Signs tokens. Default: generated on first start and kept in the data directory (0600)."""
    host: str = "127.0.0.1"
    port: int = Field(default=8400, ge=0, le=65535)
    public_url: AnyHttpUrl | None = None
    allowed_origins: Annotated[tuple[str, ...], NoDecode] = ()  # comma-separated in the environment
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["json", "text"] = "json"
    event_loop: Literal["auto", "uvloop", "asyncio"] = "auto"
    listen_backlog: int = Field(default=1024, ge=16, le=65_535)
    """Connections the kernel queues before they are accepted (aiohttp's default, 128, overflows when a
    thousand agents reconnect at once after a restart; the kernel caps it at net.core.somaxconn)."""
    """``auto``: uvloop where installed (Linux, macOS), else asyncio's loop."""

    access_token_ttl: int = Field(default=900, ge=30, le=86_400)
    """Seconds an access token lives."""
    refresh_token_ttl: int = Field(default=30 * 86_400, ge=300)
    session_cache_ttl: float = Field(default=30.0, ge=0, le=300)
    """Seconds a session confirmed live is trusted without asking the database (0: ask every time).
    Revocation reaches every process at once through the bus; this bounds a revocation event lost on the way."""
    invitation_ttl: int = Field(default=7 * 86_400, ge=60)
    sqlite_busy_timeout_ms: int = Field(default=5000, ge=0, le=600_000)
    """Embedded mode: how long a write waits for SQLite's lock before the request answers 503."""
    max_body_bytes: int = Field(default=1 << 20, ge=1024)
    login_max_failures: int = Field(default=5, ge=1)
    """Failed sign-ins allowed per account and window before 429."""
    login_max_failures_per_address: int = Field(default=20, ge=1)
    login_window: int = Field(default=300, ge=1)
    """Seconds over which failed sign-ins are counted."""
    trusted_proxies: Annotated[tuple[str, ...], NoDecode] = ()
    """Peers (IPs or networks) whose ``X-Forwarded-For`` is believed when finding a client's address."""
    password_hash_memory_kib: int = Field(default=65_536, ge=8)
    """Argon2id memory cost; the defaults follow RFC 9106's second recommended option. Lower only in tests."""
    password_hash_time_cost: int = Field(default=3, ge=1)
    password_hash_parallelism: int = Field(default=4, ge=1, le=16)

    # -- real-time hub --------------------------------------------------------------------------
    ws_auth_timeout: float = Field(default=5.0, gt=0, le=60)
    """Seconds a WebSocket has to authenticate (``hello``) before it is closed with 4001."""
    ws_max_message_bytes: int = Field(default=1 << 20, ge=1024)
    """A larger frame gets an error reply; one over 4x this closes the connection (1009)."""
    ws_send_buffer_bytes: int = Field(default=1 << 20, ge=4096)
    """Unsent bytes a client may fall behind by before it is closed with 4009 and told to resync."""
    ws_rate: float = Field(default=200.0, gt=0)
    """Messages a second a connection may send, sustained."""
    ws_burst: int = Field(default=1000, ge=1)
    """Messages a connection may send at once above the sustained rate."""
    ws_flood_limit: int = Field(default=1000, ge=1)
    """Rejected (rate-limited) messages after which a flooding connection is closed with 4008."""
    heartbeat_interval: float = Field(default=20.0, gt=0)
    """Seconds between client heartbeats, told to clients in the ``hello`` reply; also the hub's keep-alive round."""
    presence_idle_after: float = Field(default=300.0, gt=0)
    presence_offline_after: float = Field(default=60.0, gt=0)
    presence_sweep_interval: float = Field(default=5.0, gt=0)
    workcopy_grace: float = Field(default=600.0, ge=0)
    """Seconds a disconnected working copy's activity still counts (its agent may be reconnecting)."""

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if value.startswith(("postgresql://", "postgres://")):
            # Accept the plain libpq form people copy from their provider.
            return "postgresql+asyncpg://" + value.split("://", 1)[1]
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("must start with sqlite+aiosqlite:// or postgresql+asyncpg:// (or postgresql://)")
        return value

    @field_validator("redis_url")
    @classmethod
    def _known_redis(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must start with redis://, rediss:// or unix://")
        return value or None

    @field_validator("allowed_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(part.strip().rstrip("/") for part in value.split(",") if part.strip())
        return value

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _split_proxies(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = tuple(part.strip() for part in value.split(",") if part.strip())
        for item in value:
            ipaddress.ip_network(item, strict=False)  # raises ValueError, which pydantic reports
        return value

    @model_validator(mode="after")
    def _key_length(self) -> Settings:
        if self.secret_key is not None and len(self.secret_key.get_secret_value()) < 32:
            raise ValueError("TANDEM_SECRET_KEY must be at least 32 characters")
        return self

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        config_file = os.environ.get("TANDEM_CONFIG_FILE")
        if config_file:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=config_file))
        return tuple(sources)

    # -- derived values -------------------------------------------------------------------------

    @property
    def embedded(self) -> bool:
        """True when running on SQLite with the in-process bus (no Redis configured)."""
        return self.redis_url is None

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite+aiosqlite:///{self.data_dir / 'tandem.db'}"

    @property
    def effective_public_url(self) -> str:
        if self.public_url is not None:
            return str(self.public_url).rstrip("/")
        return f"http://{self.host}:{self.port}"

    def signing_key(self) -> str:
        """Return the token signing key, creating and keeping one in the data directory if none is set."""
        if self.secret_key is not None:
            return self.secret_key.get_secret_value()
        path = self.data_dir / SECRET_KEY_FILE
        if path.exists():
            return path.read_text().strip()
        self.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        key = secrets.token_urlsafe(48)
        # Write a private temporary file, then link it into place: the key file appears whole or not at
        # all, and when two processes start at once exactly one link wins and both use its key.
        fd, tmp = tempfile.mkstemp(prefix=".secret-", dir=self.data_dir)
        try:
            with os.fdopen(fd, "w") as handle:
                handle.write(key + "\n")
            os.link(tmp, path)
        except FileExistsError:
            return path.read_text().strip()
        finally:
            os.unlink(tmp)
        return key
