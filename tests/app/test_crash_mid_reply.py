"""`peilian serve` killed with SIGKILL while the customer is speaking, then restarted on the same
database: the cut reply is spoken again in full, the unfinished turn is gone, and later lines
are answered."""

import signal
from pathlib import Path

import httpx
from sqlmodel import Session

from app.storage import repo
from app.storage.db import make_engine
from tests.app.test_processes import connect, database, sign_in  # noqa: F401 - the `database` fixture
from tests.utils.process import ServeProcess

# Short enough that the restarted server answers at once, without the test waiting for it.
LEASE = {"PEILIAN_REPLY_LEASE_S": "1"}


def stored_turns(database_url: str, session_id: str) -> list:
    engine = make_engine(database_url)
    with Session(engine) as db:
        turns = repo.list_turns(db, session_id=session_id)
    engine.dispose()
    return turns


async def test_a_reply_cut_by_sigkill_is_answered_after_the_restart(database: str, tmp_path: Path) -> None:
    first = ServeProcess(database, tmp_path, PEILIAN_CUSTOMER_DELAY_SCALE="0.5", **LEASE)
    http = sign_in(first)
    session = http.post("/api/sessions", json={"persona_id": "hospital-it-rescue"}).json()
    client = await connect(first, session["ws_url"], http)
    await client.send({"type": "message", "id": "m1", "text": "现在会诊最让您头疼的是什么?"})
    ack = await client.until("ack", id="m1")
    start = await client.until("customer_start", timeout=20)
    assert first.stop(signal.SIGKILL) == -signal.SIGKILL  # killed while the customer was speaking
    cut = stored_turns(database, session["id"])
    assert [(t.seq, t.speaker, t.ended_at) for t in cut] == [(ack["seq"], "trainee", cut[0].ended_at),
                                                             (start["seq"], "customer", None)]

    second = ServeProcess(database, tmp_path, PEILIAN_CUSTOMER_DELAY_SCALE="0", **LEASE)
    again = httpx.Client(base_url=second.url, cookies=http.cookies)
    resumed = await connect(second, session["ws_url"], again)
    await resumed.send({"type": "resume", "last_seq": ack["seq"]})
    reply = await resumed.until("customer_end", timeout=5)
    assert reply["seq"] == start["seq"] and reply["text"]
    await resumed.send({"type": "message", "id": "m2", "text": "还有呢?"})
    ack2 = await resumed.until("ack", id="m2")
    assert (await resumed.until("customer_end", timeout=5))["seq"] == ack2["seq"] + 1

    turns = stored_turns(database, session["id"])
    assert [(t.seq, t.speaker) for t in turns] == [
        (ack["seq"], "trainee"), (reply["seq"], "customer"), (ack2["seq"], "trainee"), (ack2["seq"] + 1, "customer")]
    assert all(t.text and t.ended_at is not None for t in turns if t.speaker == "customer")  # none left half-spoken
    transcript = again.get(f"/api/sessions/{session['id']}/transcript").json()
    assert [t["seq"] for t in transcript["turns"]] == [t.seq for t in turns]
    await resumed.conn.close()
    second.stop()
