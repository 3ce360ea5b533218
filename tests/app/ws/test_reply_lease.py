"""The reply lease on the injected clock: a reply cut off by a dead worker is answered when its
lease runs out, and a reply that takes longer than a lease is renewed, not answered twice."""

import pytest

from app.storage import repo
from tests.utils.server import Client, LiveServer, open_client


async def quiet(client: Client, timeout: float = 0.3) -> list[dict]:
    """The frames that arrive within `timeout` (a short poll: nothing more is expected)."""
    frames = []
    while True:
        try:
            frames.append(await client.next(timeout=timeout))
        except TimeoutError:
            return frames


async def test_a_reply_cut_by_a_dead_worker_is_answered_when_its_lease_runs_out(server: LiveServer) -> None:
    session = server.start_session("hospital-it-rescue")
    sid = session["id"]
    client = await open_client(server, session["ws_url"])
    await client.send({"type": "message", "id": "m1", "text": "现在会诊最让您头疼的是什么?"})
    first = await client.until("customer_end", seq=2)
    await client.conn.close()
    ctx = server.app.state.context
    lease_s = server.settings.reply_lease_s
    with ctx.db() as db:  # another worker takes line 3, begins the reply 4, and dies
        origin = repo.get_session(db, session_id=sid).origin
        repo.append_trainee_turn(db, session_id=sid, client_id="m2", text="还有呢?", sent_at=5.0)
        begun = repo.claim_and_begin(db, session_id=sid, now=server.clock.now() - origin, lease_s=lease_s,
                                     owner="dead")
    assert isinstance(begun, repo.Begun) and begun.turn.seq == 4

    again = await open_client(server, session["ws_url"])
    await again.send({"type": "resume", "last_seq": first["seq"]})
    await again.send({"type": "message", "id": "m2", "text": "还有呢?"})  # resent, unsure it arrived
    await again.send({"type": "message", "id": "m3", "text": "这些问题影响到哪些科室?"})
    assert (await again.until("ack", id="m2"))["seq"] == 3
    assert (await again.until("ack", id="m3"))["seq"] == 5
    assert not [f for f in await quiet(again) if f["type"].startswith("customer")]  # the lease still holds

    server.clock.advance(lease_s + 0.5)  # the dead worker never renewed it
    reply = await again.until("customer_end", timeout=5)
    assert reply["seq"] == 6 and reply["text"]
    with ctx.db() as db:
        turns = repo.list_turns(db, session_id=sid)
        chat = repo.get_session(db, session_id=sid)
    assert [(t.seq, t.speaker) for t in turns] == [
        (1, "trainee"), (2, "customer"), (3, "trainee"), (5, "trainee"), (6, "customer")]  # no half-spoken 4
    assert all(t.ended_at is not None for t in turns if t.speaker == "customer")
    assert chat.engine_state["last_seq"] == 5 and chat.reply_lease is None

    await again.send({"type": "message", "id": "m4", "text": "那预算方面呢?"})
    ack = await again.until("ack", id="m4")
    assert (await again.until("customer_end", timeout=5))["seq"] == ack["seq"] + 1
    await again.conn.close()


async def advance_until(server: LiveServer, client: Client, kind: str, step_s: float = 0.5) -> dict:
    """Move the clock in steps until `client` has a frame of type `kind`; return it. Each step waits
    a little real time, so a loaded machine's server keeps up with the clock (a real clock never
    leaps ahead of a starved process, and a leap would cost the reply its lease)."""
    for _ in range(1000):
        if [f for f in client.frames if f["type"] == kind]:
            return await client.seen(kind)
        server.clock.advance(step_s)
        try:
            await client.next(timeout=0.06)
        except TimeoutError:
            pass
    raise AssertionError(f"no {kind} frame")


@pytest.mark.parametrize("settings", [{"customer_delay_scale": 10.0}], indirect=True)
async def test_a_reply_longer_than_its_lease_is_renewed_and_given_to_every_socket(server: LiveServer) -> None:
    session = server.start_session("hospital-it-rescue")
    one = await open_client(server, session["ws_url"])
    await one.send({"type": "message", "id": "m1", "text": "现在会诊最让您头疼的是什么?"})
    await one.until("ack", id="m1")
    start = await advance_until(server, one, "customer_start")
    # A second tab opens while the reply is typed: it finds line 1 not yet taken in and the lease held.
    two = await open_client(server, session["ws_url"])
    end = await advance_until(server, one, "customer_end")  # the whole reply takes several leases' time
    with server.app.state.context.db() as db:
        turns = repo.list_turns(db, session_id=session["id"])
    assert turns[-1].ended_at - turns[-1].started_at > 2 * server.settings.reply_lease_s
    assert [(t.seq, t.speaker) for t in turns] == [(1, "trainee"), (start["seq"], "customer")]  # answered once
    # The second tab's wait runs out; it sends what the first one said.
    assert await advance_until(server, two, "customer_end") == end
    await one.conn.close()
    await two.conn.close()
