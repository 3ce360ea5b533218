"""Real `peilian serve` processes: SIGKILL and restart lose no acknowledged message, two servers
share one PostgreSQL, SIGTERM finishes the turn in flight, logs are structured JSON."""

import json
import signal
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlmodel import Session

from app.accounts.service import create_user
from app.storage.db import make_engine, migrate
from tests.utils.process import ServeProcess
from tests.utils.server import PASSWORD, Client

@pytest.fixture
def database(db_url: str) -> Iterator[str]:
    """A migrated database with one trainee, for processes to share."""
    engine = make_engine(db_url)
    migrate(engine)
    with Session(engine) as db:
        create_user(db, username="alice", password=PASSWORD, role="trainee")
    engine.dispose()
    yield db_url


def sign_in(server: ServeProcess) -> httpx.Client:
    client = httpx.Client(base_url=server.url)
    client.post("/api/auth/login", json={"username": "alice", "password": PASSWORD}).raise_for_status()
    return client


async def connect(server: ServeProcess, ws_url: str, http: httpx.Client) -> Client:
    from websockets.asyncio.client import connect as ws_connect

    cookie = "; ".join(f"{k}={v}" for k, v in http.cookies.items())
    return Client(await ws_connect(server.ws_base + ws_url, additional_headers={"Cookie": cookie}))


async def test_acknowledged_messages_survive_sigkill_and_the_pending_reply_comes_after_resume(
    database: str, tmp_path: Path
) -> None:
    first = ServeProcess(database, tmp_path, PEILIAN_CUSTOMER_DELAY_SCALE="1.5")
    http = sign_in(first)
    session = http.post("/api/sessions", json={"persona_id": "hospital-it-rescue"}).json()
    client = await connect(first, session["ws_url"], http)
    await client.send({"type": "message", "id": "m1", "text": "现在会诊最让您头疼的是什么?"})
    ack1 = await client.until("ack", id="m1")
    answer = await client.until("customer_end", timeout=30)
    await client.send({"type": "message", "id": "m2", "text": "还有呢?"})
    ack2 = await client.until("ack", id="m2")
    assert first.stop(signal.SIGKILL) == -signal.SIGKILL  # killed while the customer was still thinking

    second = ServeProcess(database, tmp_path, PEILIAN_CUSTOMER_DELAY_SCALE="0")
    again_http = httpx.Client(base_url=second.url, cookies=http.cookies)  # the same sign-in works on the new process
    resumed = await connect(second, session["ws_url"], again_http)
    await resumed.send({"type": "resume", "last_seq": answer["seq"]})
    await resumed.send({"type": "message", "id": "m2", "text": "还有呢?"})  # the client re-sends what it is unsure of
    assert await resumed.until("ack", id="m2") == ack2
    # The new process answers the waiting line as soon as the socket opens: maybe before the ack.
    reply = await resumed.seen("customer_end", timeout=30, seq=ack2["seq"] + 1)
    assert reply["text"]
    transcript = again_http.get(f"/api/sessions/{session['id']}/transcript").json()
    assert [(t["seq"], t["speaker"]) for t in transcript["turns"]] == [
        (ack1["seq"], "trainee"), (answer["seq"], "customer"), (ack2["seq"], "trainee"), (reply["seq"], "customer")]
    assert [t["text"] for t in transcript["turns"] if t["speaker"] == "trainee"] == ["现在会诊最让您头疼的是什么?", "还有呢?"]
    await resumed.conn.close()
    second.stop()


async def test_sigterm_finishes_the_turn_in_flight(database: str, tmp_path: Path) -> None:
    server = ServeProcess(database, tmp_path, PEILIAN_CUSTOMER_DELAY_SCALE="1")
    http = sign_in(server)
    session = http.post("/api/sessions", json={"persona_id": "hospital-it-rescue"}).json()
    client = await connect(server, session["ws_url"], http)
    await client.send({"type": "message", "id": "t1", "text": "这个项目的预算和审批流程是怎样的?"})
    ack = await client.until("ack")
    # uvicorn shuts down gracefully, then re-raises the signal so the exit status shows it
    assert server.stop(signal.SIGTERM) in (0, -signal.SIGTERM)
    assert "Finished server process" in server.output()
    engine = make_engine(database)
    with Session(engine) as db:
        from app.storage import repo

        turns = repo.list_turns(db, session_id=session["id"])
    engine.dispose()
    assert [(t.seq, t.speaker) for t in turns] == [(ack["seq"], "trainee"), (ack["seq"] + 1, "customer")]
    assert turns[1].text and turns[1].ended_at is not None


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
async def test_two_servers_on_one_postgresql_a_session_moves_between_them(database: str, tmp_path: Path) -> None:
    one = ServeProcess(database, tmp_path, PEILIAN_CUSTOMER_DELAY_SCALE="0")
    two = ServeProcess(database, tmp_path, PEILIAN_CUSTOMER_DELAY_SCALE="0")
    http_one = sign_in(one)
    session = http_one.post("/api/sessions", json={"persona_id": "hospital-it-rescue"}).json()
    a = await connect(one, session["ws_url"], http_one)
    await a.send({"type": "message", "id": "a1", "text": "现在会诊最让您头疼的是什么?"})
    first_reply = await a.until("customer_end")
    await a.conn.close()
    http_two = httpx.Client(base_url=two.url, cookies=http_one.cookies)
    b = await connect(two, session["ws_url"], http_two)
    await b.send({"type": "resume", "last_seq": first_reply["seq"]})
    await b.send({"type": "message", "id": "b1", "text": "还有呢?"})
    ack = await b.until("ack", id="b1")
    second_reply = await b.until("customer_end")
    assert ack["seq"] == first_reply["seq"] + 1 and second_reply["seq"] == ack["seq"] + 1
    await b.send({"type": "end"})
    card = await b.until("scorecard")
    assert card["counts"]["exploratory"] + card["counts"]["extension"] == 2
    assert http_one.get(f"/api/sessions/{session['id']}/scorecard").json() == {
        k: v for k, v in card.items() if k != "type"}
    await b.conn.close()
    one.stop()
    two.stop()


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
async def test_several_workers_share_the_sessions_and_stop_gracefully(database: str, tmp_path: Path) -> None:
    server = ServeProcess(database, tmp_path, "--workers", "2", PEILIAN_CUSTOMER_DELAY_SCALE="0")
    http = sign_in(server)
    sessions = [http.post("/api/sessions", json={"persona_id": "hospital-it-rescue"}).json() for _ in range(6)]
    clients = [await connect(server, s["ws_url"], http) for s in sessions]
    for n, client in enumerate(clients):
        await client.send({"type": "message", "id": f"w{n}", "text": "现在会诊最让您头疼的是什么?"})
    for n, client in enumerate(clients):
        ack = await client.until("ack", id=f"w{n}")
        assert (await client.until("customer_end", timeout=30))["seq"] == ack["seq"] + 1
        await client.send({"type": "end"})
        assert (await client.until("scorecard"))["counts"]["exploratory"] == 1
        await client.conn.close()
    assert server.stop() in (0, -signal.SIGTERM)
    workers = {json.loads(line)["message"] for line in server.output().splitlines()
               if line.startswith("{") and "Started server process" in line}
    assert len(workers) == 2  # two processes, each with its own pid, served on the one port


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_logs_are_json_lines(database: str, tmp_path: Path) -> None:
    server = ServeProcess(database, tmp_path)
    sign_in(server).get("/api/personas")
    server.stop()
    records = [json.loads(line) for line in server.output().splitlines() if line.startswith("{")]
    assert records and all({"time", "level", "logger", "message"} <= r.keys() for r in records)
    assert any(r["logger"] == "uvicorn.access" and "/api/personas" in r["message"] for r in records)
