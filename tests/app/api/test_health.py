"""Liveness and readiness."""

import httpx

from app.storage.db import downgrade, migrate
from tests.utils.server import LiveServer


def test_healthz_and_readyz(server: LiveServer) -> None:
    assert httpx.get(f"{server.url}/healthz").json() == {"status": "ok"}
    ready = httpx.get(f"{server.url}/readyz")
    assert ready.status_code == 200 and ready.json()["status"] == "ready" and ready.json()["personas"] >= 12


def test_readyz_refuses_traffic_when_the_schema_is_behind(server: LiveServer) -> None:
    engine = server.app.state.context.engine
    downgrade(engine, "0003")
    behind = httpx.get(f"{server.url}/readyz")
    assert behind.status_code == 503 and behind.json()["migrations"]["current"] == "0003"
    migrate(engine)
    assert httpx.get(f"{server.url}/readyz").status_code == 200



def test_start_up_freezes_its_heap_for_the_garbage_collector(server: LiveServer) -> None:
    import gc

    # The live server's start-up froze what it built (labeller tables included): the collector's
    # full passes under load walk only what sessions create.
    assert gc.get_freeze_count() > 100_000
