"""The attempt limit of a certification holds when a candidate fires many starts at once."""

import asyncio
from datetime import datetime, timedelta, timezone

import httpx
import pytest
from sqlmodel import select

from app.storage.models import ChatSession
from tests.utils.server import LiveServer

BURST = 12  # simultaneous POST …/attempts per certification
ROUNDS = 4  # certifications raced one after the other


def define(server: LiveServer, attempts: int) -> str:
    now = datetime.now(timezone.utc)
    body = {"name": "并发认证", "persona_ids": ["hospital-it-rescue"], "rubric": "certification", "pass_mark": 60,
            "time_limit_s": 600, "attempts": attempts, "opens_at": (now - timedelta(hours=1)).isoformat(),
            "closes_at": (now + timedelta(hours=5)).isoformat()}
    made = server.client("hr1").post("/api/certifications", json=body)
    assert made.status_code == 201, made.text
    cert_id = made.json()["id"]
    server.client("hr1").post(f"/api/certifications/{cert_id}/candidates", json={"usernames": ["alice"]})
    return cert_id


async def race(server: LiveServer, cert_id: str) -> list[httpx.Response]:
    """BURST starts of one candidate, all in flight together."""
    headers = {"Cookie": server.cookie_header("alice")}
    limits = httpx.Limits(max_connections=BURST)
    async with httpx.AsyncClient(base_url=server.url, headers=headers, limits=limits, timeout=60) as client:
        return list(await asyncio.gather(*(client.post(f"/api/certifications/{cert_id}/attempts")
                                           for _ in range(BURST))))


def stored_attempts(server: LiveServer, cert_id: str) -> list[ChatSession]:
    with server.app.state.context.db() as db:
        return list(db.exec(select(ChatSession).where(ChatSession.certification_id == cert_id)))


@pytest.fixture
def candidate(server: LiveServer) -> None:
    server.add_user("hr1", role="hr")
    server.add_user("alice")


@pytest.mark.parametrize("attempts", [1, 3])
async def test_simultaneous_starts_open_exactly_one_attempt(server: LiveServer, candidate: None, attempts: int) -> None:
    """With one attempt allowed, or several but one at a time, a burst opens one attempt, not more."""
    for _ in range(ROUNDS):
        cert_id = define(server, attempts)
        responses = await race(server, cert_id)
        started = [r for r in responses if r.status_code == 201]
        refused = [r for r in responses if r.status_code != 201]
        assert len(started) == 1, [r.text for r in started]
        assert {r.status_code for r in refused} == {409}
        assert {r.json()["detail"]["code"] for r in refused} <= {"attempt_running", "no_attempts_left"}
        rows = stored_attempts(server, cert_id)
        assert [(r.id, r.attempt_no) for r in rows] == [(started[0].json()["id"], 1)]
