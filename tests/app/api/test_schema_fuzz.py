"""Schemathesis against our own OpenAPI schema: no generated request makes the server fail (5xx)."""

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from app.core.config import Settings
from app.main import create_app
from tests.utils.server import LiveServer

schema = schemathesis.openapi.from_dict(create_app(Settings(DATABASE_URL="sqlite://")).openapi())


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
@schema.parametrize()
@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_request_makes_the_server_fail(case: schemathesis.Case, server: LiveServer) -> None:
    if not server.clients:
        server.add_user("fuzz-admin", role="admin")
        server.start_session("hospital-it-rescue", user="fuzz-admin")
    response = case.call(base_url=server.url, headers={"Cookie": server.cookie_header("fuzz-admin")})
    assert response.status_code < 500, f"{case.method} {case.formatted_path} -> {response.status_code}: {response.text[:300]}"
