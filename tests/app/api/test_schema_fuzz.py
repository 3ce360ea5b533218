"""Schemathesis against our own OpenAPI schema: no generated request makes the server fail (5xx).

One server takes every endpoint's cases, so what one endpoint's requests leave behind is there for
the next; each endpoint's cases come from a new admin."""

from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from app.core.clock import FakeClock
from app.core.config import Settings
from app.main import create_app
from tests.utils.server import LiveServer, run_server, settings_for

schema = schemathesis.openapi.from_dict(create_app(Settings(DATABASE_URL="sqlite://")).openapi())


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    folder = tmp_path_factory.mktemp("fuzz")
    # the sign-in and password endpoints' cases are wrong passwords, from this address and on the
    # admin's account: sign-in must not pause for them (throttling has its own tests)
    settings = settings_for(f"sqlite:///{folder / 'peilian-test.db'}", folder,
                            login_failures_per_client=100_000, login_failures_per_account=100_000)
    with run_server(settings, FakeClock()) as live:
        live.add_user("fuzz-admin", role="admin")
        live.start_session("hospital-it-rescue", user="fuzz-admin")  # a session for the session endpoints
        yield live


@pytest.fixture
def admin_cookie(fuzzed: LiveServer) -> str:
    """A new admin, signed in, for each endpoint: an earlier endpoint's cases may have signed the
    last one out, changed its password or deactivated it."""
    name = f"fuzz-admin-{len(fuzzed.clients)}"
    fuzzed.add_user(name, role="admin")
    return fuzzed.cookie_header(name)


@schema.parametrize()
@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_request_makes_the_server_fail(case: schemathesis.Case, fuzzed: LiveServer, admin_cookie: str) -> None:
    response = case.call(base_url=fuzzed.url, headers={"Cookie": admin_cookie})
    assert response.status_code < 500, f"{case.method} {case.formatted_path} -> {response.status_code}: {response.text[:300]}"
