"""Shared fixtures: a temporary database (SQLite, and PostgreSQL when configured) and a real server."""

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import create_engine, text

from app.core.clock import FakeClock
from app.core.config import Settings

if TYPE_CHECKING:
    from tests.utils.server import LiveServer

PG_URL = os.environ.get("PEILIAN_TEST_DATABASE_URL")


@pytest.fixture(autouse=True, scope="session")
def certificate_keys_in_a_test_folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """A server on PostgreSQL keeps its generated certificate key under $XDG_DATA_HOME: point it at
    a test folder, not the home of whoever runs the tests."""
    patch = pytest.MonkeyPatch()
    patch.setenv("XDG_DATA_HOME", str(tmp_path_factory.mktemp("xdg-data")))
    yield
    patch.undo()


@contextmanager
def fresh_database(kind: str, folder: Path) -> Iterator[str]:
    """A fresh, empty database: a SQLite file in `folder`, or a private schema on the test PostgreSQL."""
    if kind == "sqlite":
        yield f"sqlite:///{folder / 'peilian-test.db'}"
        return
    if not PG_URL:
        pytest.skip("PEILIAN_TEST_DATABASE_URL is not set")
    base = Settings(DATABASE_URL=PG_URL).database_url
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    separator = "&" if "?" in base else "?"
    try:
        yield f"{base}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database for one test, on each backend."""
    with fresh_database(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'peilian-test.db'}"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def settings(request: pytest.FixtureRequest, db_url: str, tmp_path: Path) -> Settings:
    """Test settings (see `settings_for`), with the overrides a test parametrizes (indirect)."""
    from tests.utils.server import settings_for

    return settings_for(db_url, tmp_path, **getattr(request, "param", {}))


@pytest.fixture
def server(settings: Settings, clock: FakeClock) -> Iterator["LiveServer"]:
    """A real uvicorn server on a free port, on the test database and a fake clock."""
    from tests.utils.server import run_server

    with run_server(settings, clock) as live:
        yield live
