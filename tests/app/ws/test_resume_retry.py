"""Practice without rough edges (issue 16): picking a session up after a reconnect, closing the
ones nobody returns to, not scoring silence, and practising one turn again from the same state."""

import uuid

import pytest

from app.idle import close_idle
from app.storage import repo
from tests.app.ws.test_session import reply
from tests.utils.server import Client, LiveServer, open_client

LINES = ["王主任您好,今天想先听听您这边远程会诊的情况。", "现在县医院和咱们之间会诊,最让您头疼的是什么?",
         "这个项目的时间要求和审批流程是怎样的?"]


async def line(client: Client, text: str) -> tuple[dict, dict]:
    """Send a line at once (no held silence, so the customer adds nothing); return its ack and the reply's end."""
    frame_id = str(uuid.uuid4())
    await client.send({"type": "message", "id": frame_id, "text": text})
    ack = await client.until("ack", id=frame_id)
    _start, _deltas, end = await reply(client, ack["seq"] + 1)
    return ack, end


def engine_state(server: LiveServer, session_id: str) -> dict:
    with server.app.state.context.db() as db:
        return repo.get_session(db, session_id=session_id).engine_state


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_resume_with_history_unscored_silence_and_the_library(server: LiveServer) -> None:
    spoke = server.start_session("hospital-it-rescue")
    client = await open_client(server, spoke["ws_url"])
    for text in LINES[:2]:
        await line(client, text)
    await client.conn.close()  # the page is reloaded
    history = server.get(f"/api/sessions/{spoke['id']}/transcript").json()
    assert [t["speaker"] for t in history["turns"]] == ["trainee", "customer"] * 2 and "retry_of" not in history
    assert server.get(f"/api/sessions/{spoke['id']}").json()["status"] == "active"
    page = server.get("/api/sessions").json()["items"]
    assert {i["id"]: i["continue_url"] for i in page} == {spoke["id"]: f"/practice/{spoke['id']}"}
    server.add_user("coach-r", role="coach")
    server.add_user("trainee-r", coach="coach-r")
    assert server.get(f"/practice/{spoke['id']}", "trainee-r").status_code == 404  # not theirs

    again = await open_client(server, spoke["ws_url"])
    await again.send({"type": "resume", "last_seq": 2})  # the page showed turns 1-2 before the socket dropped
    missed = await again.until("customer_end")
    assert (missed["seq"], missed["text"]) == (4, history["turns"][3]["text"])
    label = await again.seen("feedback")  # and the label of the trainee line after turn 2
    assert (label["seq"], label["label"]) == (3, "exploratory")
    ack, _end = await line(again, LINES[2])
    assert ack["seq"] == 5  # the conversation goes on where it was
    await again.send({"type": "end"})
    card = await again.until("scorecard")
    assert [t["seq"] for t in card["turns"]] == [1, 3, 5]

    silent = server.start_session("hospital-it-rescue")
    quiet = await open_client(server, silent["ws_url"])
    await quiet.send({"type": "end"})
    assert await quiet.until("ended") == {"type": "ended", "reason": "end", "result": "not_scored"}
    refused = server.get(f"/api/sessions/{silent['id']}/scorecard")
    assert refused.status_code == 409 and "未发言" in refused.json()["detail"]
    read = server.get(f"/api/sessions/{silent['id']}").json()
    assert (read["status"], read["scored"]) == ("ended", False)
    items = {i["id"]: i for i in server.get("/api/sessions").json()["items"]}
    assert items[silent["id"]]["overall"] is None and items[silent["id"]]["continue_url"] is None
    assert items[spoke["id"]]["continue_url"] is None  # ended
    # A no-line session scored before this rule existed stays out of the trend too.
    with server.app.state.context.db() as db:
        repo.store_scorecard(db, session_id=silent["id"], rubric="default", data={**card, "session_id": silent["id"]})
    trend = server.get(f"/api/sessions/{spoke['id']}/trend").json()
    assert [p["session_id"] for p in trend] == [spoke["id"]]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_idle_practice_sessions_are_closed_and_graded_on_the_injected_clock(server: LiveServer) -> None:
    assert server.settings.idle_close_s == 1800  # 30 minutes unless configured
    ctx = server.app.state.context
    spoke = server.start_session("hospital-it-rescue")
    client = await open_client(server, spoke["ws_url"])
    await line(client, LINES[1])
    await client.conn.close()
    never = server.start_session("hospital-it-rescue")  # created, never connected
    server.clock.advance(1700)
    busy = server.start_session("hospital-it-rescue")
    busy_client = await open_client(server, busy["ws_url"])
    assert close_idle(ctx) == []  # 28 minutes: nobody is idle yet
    server.clock.advance(100)
    await line(busy_client, LINES[0])  # this one is in use
    assert sorted(close_idle(ctx)) == sorted([spoke["id"], never["id"]])
    assert close_idle(ctx) == []  # closed once
    card = server.get(f"/api/sessions/{spoke['id']}/scorecard")
    assert card.status_code == 200 and [t["seq"] for t in card.json()["turns"]] == [1]
    assert server.get(f"/api/sessions/{never['id']}/scorecard").status_code == 409
    statuses = {i["id"]: i["status"] for i in server.get("/api/sessions").json()["items"]}
    assert statuses == {spoke["id"]: "ended", never["id"]: "ended", busy["id"]: "active"}
    await busy_client.conn.close()


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_retry_restores_the_customer_just_before_the_turn(server: LiveServer) -> None:
    first = server.start_session("hospital-it-rescue")
    client = await open_client(server, first["ws_url"])
    replies = [(await line(client, text))[1] for text in LINES]
    await client.send({"type": "end"})
    await client.until("scorecard")
    original = server.get(f"/api/sessions/{first['id']}/transcript").json()
    final_state = engine_state(server, first["id"])

    api = server.client()
    assert api.post(f"/api/sessions/{first['id']}/retry", json={"seq": 4}).status_code == 422  # a customer turn
    assert api.post(f"/api/sessions/{first['id']}/retry", json={"seq": 0}).status_code == 422
    assert server.client("someone-else").post(f"/api/sessions/{first['id']}/retry", json={"seq": 5}).status_code == 404
    made = api.post(f"/api/sessions/{first['id']}/retry", json={"seq": 5})
    assert made.status_code == 201, made.text
    retry = made.json()
    assert retry["retry_of"] == {"session_id": first["id"], "seq": 5} and retry["ws_url"] == f"/ws/sessions/{retry['id']}"
    carried = server.get(f"/api/sessions/{retry['id']}/transcript").json()
    assert carried["retry_of"] == {"session_id": first["id"], "seq": 5}
    assert carried["turns"] == original["turns"][:4]  # the grader sees the whole conversation
    assert server.get(f"/api/sessions/{retry['id']}").json()["retry_of"] == {"session_id": first["id"], "seq": 5}

    again = await open_client(server, retry["ws_url"])
    ack, answer = await line(again, LINES[2])  # the same line again, from the same state
    assert ack["seq"] == 5
    assert answer["text"] == replies[2]["text"]
    assert engine_state(server, retry["id"]) == final_state  # the customer is in exactly the same state
    await again.send({"type": "end"})
    card = await again.until("scorecard")
    assert [t["seq"] for t in card["turns"]] == [1, 3, 5]
    redone = server.get(f"/api/sessions/{retry['id']}/transcript").json()["turns"]
    assert redone[5]["acts"] == original["turns"][5]["acts"]
    assert redone[4]["sent_at"] >= redone[3]["ended_at"]  # its clock goes on after the earlier turns
