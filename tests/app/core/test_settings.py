"""Settings read from the environment and what the app builds from them."""

import pytest

from app.core.config import Settings
from app.main import build_context


def test_plain_postgres_urls_get_psycopg3() -> None:
    assert Settings(DATABASE_URL="postgres://u@h/db").database_url == "postgresql+psycopg://u@h/db"
    assert Settings(DATABASE_URL="sqlite:///x.db").database_url == "sqlite:///x.db"


def test_database_calls_run_one_at_a_time_on_sqlite_and_a_few_at_once_on_postgresql() -> None:
    assert build_context(Settings(DATABASE_URL="sqlite://", db_concurrency=6)).db_lane.total_tokens == 1
    pg = build_context(Settings(DATABASE_URL="postgresql://u@127.0.0.1/none", db_concurrency=6))
    assert pg.db_lane.total_tokens == 6
    pg.engine.dispose()


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PEILIAN_WORKERS", "3")
    monkeypatch.setenv("PEILIAN_DB_CONCURRENCY", "4")
    settings = Settings()
    assert (settings.workers, settings.db_concurrency) == (3, 4)
    monkeypatch.setenv("PEILIAN_WORKERS", "0")
    with pytest.raises(ValueError, match="workers"):
        Settings()
