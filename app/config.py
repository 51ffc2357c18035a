"""Settings, read once from the environment (prefix BACKLOT_, plus DATABASE_URL)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import AliasChoices, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Every knob an operator may turn; defaults are safe for a laptop."""

    model_config = SettingsConfigDict(env_prefix="BACKLOT_", extra="ignore")

    database_url: str = Field(
        default=f"sqlite:///{PROJECT_ROOT / 'var' / 'backlot.db'}",
        validation_alias=AliasChoices("DATABASE_URL", "BACKLOT_DATABASE_URL"),
    )
    # Longest booking or hold, in days (a crew's whole shoot rarely exceeds four months).
    max_booking_days: int = Field(default=120, ge=1, le=3660)
    # A crew may not hoard a base: at most this many active holds on one base's sets.
    max_active_holds_per_base: int = Field(default=30, ge=1)
    # Requests per user per minute, across all app servers and whichever way they come (API
    # key, pages, downloads); 0 turns the limit off.
    rate_limit_per_minute: int = Field(default=600, ge=0)
    # Page sizes are bounded so one request cannot ask for the whole table.
    max_page_size: int = Field(default=200, ge=1, le=1000)
    default_page_size: int = Field(default=50, ge=1, le=1000)
    # Largest accepted request body in bytes.
    max_body_bytes: int = Field(default=1_000_000, ge=1024)
    # Imports (a crew's breakdown or screenplay): the largest file and the most scenes. A
    # feature's Final Draft file is often past the general body limit, hence its own.
    max_import_bytes: int = Field(default=5_000_000, ge=1024)
    max_import_rows: int = Field(default=2000, ge=1, le=20_000)
    # The extras office's register is its whole sheet: a base's office keeps thousands of
    # performers (the town's guild about 140,000), so its import takes more rows, and the
    # bytes such a sheet needs (20,000 rows: about 1.5 MB as .xlsx, 2-4 MB as CSV), with room.
    max_register_import_bytes: int = Field(default=20_000_000, ge=1024)
    max_register_import_rows: int = Field(default=20_000, ge=1, le=100_000)
    timezone: str = "Asia/Shanghai"
    # Planning: cost of moving between two sets of one base, and of leaving a scene out.
    same_base_move_cost: int = Field(default=2000, ge=0)
    unscheduled_penalty: int = Field(default=10_000_000, ge=0)
    plan_horizon_days: int = Field(default=60, ge=1, le=366)
    plan_time_limit: float = Field(default=60.0, gt=0, le=3600)
    plan_workers: int = Field(default=2, ge=1, le=64)
    # A plan or dispatch run's worker shows it is alive at least this often (seconds), and
    # at most twice as often: a cheap write even through a silent phase of the solve.
    run_heartbeat_seconds: float = Field(default=10.0, gt=0, le=600)
    # A running run whose worker has not shown it is alive for this long (killed, out of
    # memory, machine restarted) is recorded failed, and the next run may start.
    run_dead_after_seconds: float = Field(default=60.0, gt=0)
    db_pool_size: int = Field(default=10, ge=1)
    # Signs the pages' session cookies. Unset: a random key kept in var/secret-key (dev);
    # production sets BACKLOT_SECRET_KEY so that every worker and restart agrees.
    secret_key: str | None = Field(default=None, min_length=32)
    secret_key_file: Path = PROJECT_ROOT / "var" / "secret-key"
    # A page session lasts this long from sign-in, however busy (never extended); then the
    # API key is asked for again.
    session_hours: int = Field(default=12, ge=1, le=24 * 30)
    db_max_overflow: int = Field(default=20, ge=0)
    # Threads per worker process for sync endpoints (anyio's default is 40).
    worker_threads: int = Field(default=8, ge=1, le=200)
    # Notices (backlot notify): e-mail through this SMTP server, off while no host is set.
    smtp_host: str | None = None
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_from: str = "backlot@localhost"
    smtp_starttls: bool = False
    smtp_timeout: float = Field(default=10.0, gt=0, le=300)
    # A failed delivery is tried again after backoff × 2^(attempt − 1) seconds (at most
    # backoff_max), at most max_attempts times in all.
    notify_max_attempts: int = Field(default=8, ge=1, le=100)
    notify_backoff_seconds: float = Field(default=30.0, ge=0)
    notify_backoff_max_seconds: float = Field(default=6 * 3600.0, ge=0)
    # A delivery being sent is leased this long: a worker that dies mid-send is retried after.
    notify_lease_seconds: float = Field(default=300.0, gt=0)
    # A webhook subscription is disabled after this many failed attempts in a row.
    webhook_disable_after: int = Field(default=10, ge=1)
    webhook_timeout: float = Field(default=10.0, gt=0, le=120)
    # Webhooks to private, loopback or link-local addresses are refused unless this is set
    # (a server inside the firewall must not become a proxy into it).
    webhook_allow_private: bool = False

    @model_validator(mode="after")
    def _dead_after_several_heartbeats(self) -> Settings:
        # One late heartbeat (a busy database, a pause) must not kill a live run.
        if self.run_dead_after_seconds < 3 * self.run_heartbeat_seconds:
            raise ValueError(
                "BACKLOT_RUN_DEAD_AFTER_SECONDS must be at least three heartbeats "
                "(BACKLOT_RUN_HEARTBEAT_SECONDS)"
            )
        return self

    @field_validator("database_url")
    @classmethod
    def _normalise_url(cls, value: str) -> str:
        # Accept the common libpq-style URL and use the psycopg 3 driver for it.
        if value.startswith("postgres://"):
            value = "postgresql://" + value[len("postgres://") :]
        if value.startswith("postgresql://"):
            value = "postgresql+psycopg://" + value[len("postgresql://") :]
        return value


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
