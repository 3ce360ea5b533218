"""An ended session takes no more lines over any socket, even one opened before the end."""

from datetime import datetime, timedelta, timezone

from app.storage import repo
from tests.utils.server import Client, LiveServer, open_client


async def talk(client: Client, frame_id: str, text: str) -> dict:
    await client.send({"type": "message", "id": frame_id, "text": text})
    ack = await client.until("ack", id=frame_id)
    await client.until("customer_end", seq=ack["seq"] + 1)
    return ack


async def refused(client: Client, frame_id: str, text: str) -> None:
    """The line gets session_ended and no ack; the socket stays open."""
    await client.send({"type": "typing"})
    await client.send({"type": "message", "id": frame_id, "text": text})
    answer = await client.next()
    while answer["type"] not in ("ack", "error"):
        answer = await client.next()
    assert (answer["type"], answer.get("code")) == ("error", "session_ended"), answer
    await client.send({"type": "resume", "last_seq": 0})  # still answered: the socket is open
    await client.until("customer_end")


def texts(server: LiveServer, session_id: str, user: str) -> list[str]:
    response = server.get(f"/api/sessions/{session_id}/transcript", user)
    assert response.status_code == 200, response.text
    return [t["text"] for t in response.json()["turns"]]


async def test_a_socket_opened_before_the_end_cannot_add_lines(server: LiveServer) -> None:
    session = server.start_session("hospital-it-rescue")
    first = await open_client(server, session["ws_url"])
    second = await open_client(server, session["ws_url"])  # a second tab, opened before the end
    await talk(first, "a", "现在会诊最让您头疼的是什么?")
    await first.send({"type": "end"})
    card = await first.until("scorecard")
    before = texts(server, session["id"], "trainee1")
    await refused(second, "late", "还有呢?")
    assert texts(server, session["id"], "trainee1") == before
    with server.app.state.context.db() as db:
        assert repo.get_session(db, session_id=session["id"]).pending_typing_at is None
    graded = server.get(f"/api/sessions/{session['id']}/scorecard").json()
    assert graded["overall"] == card["overall"] and len(graded["turns"]) == 1


async def test_a_released_certification_attempt_takes_no_lines_from_an_old_socket(server: LiveServer) -> None:
    server.add_user("hr1", role="hr")
    server.add_user("alice")
    now = datetime.now(timezone.utc)
    made = server.client("hr1").post("/api/certifications", json={
        "name": "上岗认证", "persona_ids": ["hospital-it-rescue"], "rubric": "certification", "pass_mark": 1,
        "time_limit_s": 600, "attempts": 1, "opens_at": (now - timedelta(hours=1)).isoformat(),
        "closes_at": (now + timedelta(hours=5)).isoformat()}).json()
    server.client("hr1").post(f"/api/certifications/{made['id']}/candidates", json={"usernames": ["alice"]})
    attempt = server.client("alice").post(f"/api/certifications/{made['id']}/attempts").json()
    first = await open_client(server, attempt["ws_url"], user="alice")
    second = await open_client(server, attempt["ws_url"], user="alice")
    await talk(first, "a", "现在会诊最让您头疼的是什么?")
    await first.send({"type": "end"})
    await first.until("ended")
    assert server.client("hr1").post(f"/api/certifications/{made['id']}/release").status_code == 200
    before = texts(server, attempt["id"], "hr1")
    await refused(second, "late", "下周三能签合同吗?")
    assert texts(server, attempt["id"], "hr1") == before
