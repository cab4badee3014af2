"""Configuration from ``ASTERI_*`` environment variables, validated once at start-up."""

from __future__ import annotations

import hashlib
import hmac
from enum import StrEnum
from typing import Literal, Self

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

DEVELOPMENT_SECRET = "asteri-development-secret-do-not-use-in-production"
MIN_SECRET_LENGTH = 32


class ConfigurationError(Exception):
    """The configuration cannot work; the message is one sentence saying what to fix."""


class Mode(StrEnum):
    """``development`` allows the placeholder secret; ``production`` refuses it."""

    DEVELOPMENT = "development"
    PRODUCTION = "production"


class Settings(BaseSettings):
    """Everything the server reads from its environment.

    Attributes:
        mode: ``development`` or ``production``.
        database_url: SQLAlchemy URL; SQLite file by default, PostgreSQL with ``postgresql+psycopg://``.
        secret_key: Server secret; the API key pepper and the default token secret derive from it.
        redis_url: Rate-limit storage shared by several processes; in-process memory when unset.
        rate_limit_failure: When Redis cannot be reached: ``open`` lets requests through (a warning is
            logged), ``closed`` answers 503 with ``Retry-After`` (ADR 0811).
        jwt_algorithm: ``HS256`` (shared secret) or ``RS256`` (public key of the internal app).
        jwt_secret: HS256 secret of bearer tokens; derived from ``secret_key`` when unset.
        jwt_public_key: RS256 public key (PEM) of bearer tokens.
        jwt_audience: Expected ``aud`` of bearer tokens, if any.
        max_body_bytes: Largest accepted request body.
        max_upload_bytes: Largest accepted file upload (25 MiB by default); its body is streamed, not buffered.
        files_dir: The directory of the local file storage (``bucket`` ``local``).
        default_per_minute: Per-minute limit of bearer sessions and new keys.
        default_per_day: Per-day limit of bearer sessions and new keys.
        unauthenticated_per_minute: API failures answered before any credential was accepted, allowed
            per client address per minute (then 429; ``web/address_quota.py``).
        unauthenticated_per_day: The same, per client address per day.
        docs_base_url: Base of the problem ``type`` URIs.
        spec_path: The bundled contract served at ``/api/public/v1/openapi.json``; the repo's spec when unset.
        key_cache_seconds: How long a process keeps an authenticated API key before reading it again
            (0 disables); revocations by another process take effect within this delay.
        webhooks_allow_private: Let webhook endpoints target loopback and private addresses (tests, demo).
        webhook_timeout_seconds: How long one delivery attempt waits for the receiver.
        webhook_disable_after_hours: An endpoint failing continuously this long is disabled (default 5 days).
        worker_in_process: Run the delivery worker inside the server process (``asteri serve`` turns it on).
        worker_poll_seconds: How long an idle worker sleeps before looking for work again.
    """

    model_config = SettingsConfigDict(env_prefix="ASTERI_", extra="ignore", frozen=True)

    mode: Mode = Mode.DEVELOPMENT
    database_url: str = "sqlite:///./asteri.db"
    secret_key: str = DEVELOPMENT_SECRET
    redis_url: str | None = None
    rate_limit_failure: Literal["open", "closed"] = "open"
    jwt_algorithm: str = "HS256"
    jwt_secret: str | None = None
    jwt_public_key: str | None = None
    jwt_audience: str | None = None
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    max_upload_bytes: int = Field(default=25 * 1024 * 1024, ge=1)
    files_dir: str = "./asteri-files"
    default_per_minute: int = Field(default=600, ge=1)
    default_per_day: int = Field(default=50_000, ge=1)
    unauthenticated_per_minute: int = Field(default=120, ge=1)
    unauthenticated_per_day: int = Field(default=5_000, ge=1)
    docs_base_url: str = "https://docs.asteri.example"
    spec_path: str | None = None
    key_cache_seconds: float = Field(default=2.0, ge=0, le=60)
    webhooks_allow_private: bool = False
    webhook_timeout_seconds: float = Field(default=10.0, gt=0, le=60)
    webhook_disable_after_hours: float = Field(default=120.0, gt=0)
    worker_in_process: bool = False
    worker_poll_seconds: float = Field(default=0.5, gt=0, le=60)

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        try:
            make_url(value)
        except ArgumentError:
            raise ValueError(f"ASTERI_DATABASE_URL {value!r} is not a database URL") from None
        return value

    @field_validator("redis_url")
    @classmethod
    def _redis_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError(f"ASTERI_REDIS_URL {value!r} must start with redis://, rediss:// or unix://")
        return value or None

    @field_validator("jwt_algorithm")
    @classmethod
    def _jwt_algorithm(cls, value: str) -> str:
        if value not in ("HS256", "RS256"):
            raise ValueError("ASTERI_JWT_ALGORITHM must be HS256 or RS256")
        return value

    @model_validator(mode="after")
    def _production_secrets(self) -> Self:
        if self.mode is Mode.PRODUCTION and (
            self.secret_key == DEVELOPMENT_SECRET or len(self.secret_key) < MIN_SECRET_LENGTH
        ):
            raise ValueError(
                f"ASTERI_SECRET_KEY must be set to a random value of at least {MIN_SECRET_LENGTH} characters "
                "in production mode"
            )
        if self.jwt_algorithm == "RS256" and not self.jwt_public_key:
            raise ValueError("ASTERI_JWT_PUBLIC_KEY must hold a PEM public key when ASTERI_JWT_ALGORITHM is RS256")
        return self

    def derived_key(self, purpose: str) -> bytes:
        """Return a key for one purpose derived from ``secret_key`` (HMAC-SHA256).

        Args:
            purpose: Such as ``api-key-pepper``.

        Returns:
            32 bytes.
        """
        return hmac.new(self.secret_key.encode(), purpose.encode(), hashlib.sha256).digest()

    @property
    def api_key_pepper(self) -> bytes:
        """The HMAC pepper of stored API keys."""
        return self.derived_key("api-key-pepper")

    @property
    def token_secret(self) -> str:
        """The HS256 secret of bearer tokens."""
        return self.jwt_secret or self.derived_key("bearer-token").hex()


def load_settings(**overrides: object) -> Settings:
    """Read the settings from the environment, with overrides.

    Args:
        **overrides: Values that win over the environment.

    Returns:
        The settings.

    Raises:
        ConfigurationError: With one sentence naming the first problem.
    """
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        first = error.errors()[0]
        message = str(first.get("msg", "invalid configuration")).removeprefix("Value error, ")
        if not message.startswith("ASTERI_"):
            field = ".".join(str(part) for part in first.get("loc", ())) or "configuration"
            message = f"ASTERI_{field.upper()}: {message}"
        raise ConfigurationError(message.rstrip(".") + ".") from None
