"""One settings object for the whole app, read from the environment (pydantic-settings).

Tests build a `Settings(...)` and hand it to `create_app`; nothing reads the environment
at import time.
"""

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from app.core.paths import data_dir, default_database_url


class Settings(BaseSettings):
    """Configuration; every field is an environment variable (see the README table)."""

    model_config = SettingsConfigDict(env_prefix="PEILIAN_", extra="ignore")

    database_url: str = Field(
        default_factory=default_database_url,
        validation_alias="DATABASE_URL",
        description="SQLAlchemy URL of the database; by default a SQLite file in a fixed place, whatever the "
        "working folder, so the server and the CLI open the same one.",
    )
    personas_dir: Path = Field(default_factory=lambda: data_dir("personas"))
    prompts_dir: Path = Field(default_factory=lambda: data_dir("prompts"))
    customer_delay_scale: float = Field(
        default=1.0, ge=0.0, description="Scales the customer's think and typing delay; 0 turns it off."
    )
    max_message_chars: int = Field(default=2000, ge=1, description="longest trainee line accepted")
    max_frame_bytes: int = Field(default=65536, ge=1024, description="larger WebSocket frames close the socket")
    rate_limit_per_s: float = Field(default=5.0, gt=0, description="frames per second a connection may send")
    rate_burst: int = Field(default=30, ge=1, description="frames a connection may send at once")
    reply_lease_s: float = Field(
        default=5.0, gt=0,
        description="seconds a reply's lease holds unrenewed: a server killed mid-reply delays that reply this long",
    )
    idle_close_s: float = Field(
        default=1800.0, gt=0,
        description="seconds a practice session may sit untouched before it is closed (and graded when the "
                    "trainee said anything)",
    )
    idle_sweep_s: float = Field(default=60.0, gt=0, description="how often the server looks for idle practice sessions")
    log_format: str = Field(
        default="auto", pattern="^(auto|json|text)$",
        description="auto (readable text on a terminal, JSON lines otherwise), json or text")
    log_level: str = "INFO"
    db_concurrency: int = Field(
        default=8, ge=1, description="database calls one process runs at once on PostgreSQL (SQLite: always one)"
    )
    workers: int = Field(default=1, ge=1, description="worker processes of `peilian serve`; more than one needs PostgreSQL")
    bench_echo: bool = Field(default=False, description="serve /ws/echo, the load benchmark's baseline")
    rubric: str = "default"
    login_failures_per_account: int = Field(
        default=5, ge=1, description="wrong passwords for one account within login_window_s before sign-in pauses")
    login_failures_per_client: int = Field(
        default=20, ge=1, description="wrong passwords from one client address within login_window_s before it pauses")
    argon2_time_cost: int = Field(default=3, ge=1, description="Argon2 passes per password hash (argon2-cffi's default)")
    argon2_memory_kib: int = Field(default=65536, ge=32, description="Argon2 memory per password hash, in KiB")
    login_window_s: float = Field(default=900.0, gt=0, description="seconds over which failed sign-ins are counted")
    cookie_secure: bool | None = Field(
        default=None, description="the Secure flag of the cookies: unset means set when the request came over HTTPS")
    default_language: str = "zh"
    llm_base_url: str | None = Field(
        default=None, description="OpenAI-compatible endpoint for the LLM renderer; unset means the template renderer."
    )
    llm_model: str = "gpt-4o-mini"
    llm_api_key: str = "not-needed"
    llm_timeout_s: float = Field(default=8.0, gt=0)
    llm_stream: bool = True
    certificate_key: SecretStr | None = Field(
        default=None, min_length=32,
        description="secret that signs certificates (HMAC); unset means one generated on first run and kept in "
                    "certificate_key_file. Every worker and host must share it.",
    )
    certificate_key_file: Path | None = Field(
        default=None,
        description="where the generated certificate key is kept; default: beside the SQLite database, "
                    "else $XDG_DATA_HOME/peilian/certificate.key",
    )

    @field_validator("database_url")
    @classmethod
    def _use_psycopg3(cls, url: str) -> str:
        """Plain postgres URLs get the installed driver (psycopg 3), not psycopg2."""
        for prefix in ("postgresql://", "postgres://"):
            if url.startswith(prefix):
                return "postgresql+psycopg://" + url[len(prefix):]
        return url

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    return Settings()
