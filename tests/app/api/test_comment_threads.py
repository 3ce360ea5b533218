"""Replies to comments and the marker for comments a reader has not read (SQLite and PostgreSQL).

A reply comes from the trainee whose session it is or from their coach (or an admin), under the
comment it answers; comments by others since a reader last read the session's comments are new to
them, in the API and as a count in the library.
"""

import re

from tests.utils.server import LiveServer


def comments(server: LiveServer, sid: str, user: str) -> list[dict]:
    response = server.get(f"/api/sessions/{sid}/comments", user)
    assert response.status_code == 200, response.text
    return response.json()


def new_in_library(server: LiveServer, sid: str, user: str) -> int:
    """The new-comment count the library shows on the session's row (0: no marker)."""
    html = server.get("/sessions?lang=en", user).text
    row = re.search(rf'<tr data-session-id="{sid}">(.*?)</tr>', html, re.S)
    assert row, sid
    found = re.search(r'class="badge new-comments"[^>]*>(\d+) new<', row.group(1))
    return int(found.group(1)) if found else 0


def test_replies_and_new_comment_markers(server: LiveServer) -> None:
    server.add_user("laoshi", role="coach")
    server.add_user("other", role="coach")
    server.add_user("alice", coach="laoshi")
    server.add_user("carol", coach="other")
    server.add_user("hr1", role="hr")
    server.add_user("root", role="admin")
    sid = server.start_session("hospital-it-rescue", user="alice")["id"]
    elsewhere = server.start_session("hospital-it-rescue", user="carol")["id"]
    coach, alice = server.client("laoshi"), server.client("alice")

    first = coach.post(f"/api/sessions/{sid}/comments", json={"seq": None, "text": "客户回答后多停几秒。"})
    assert first.status_code == 201 and first.json()["parent_id"] is None and first.json()["new"] is False
    c1 = first.json()["id"]
    assert [c["new"] for c in comments(server, sid, "alice")] == [True]  # the trainee has not read it
    assert [c["new"] for c in comments(server, sid, "laoshi")] == [False]  # one's own comment is never new
    assert [c["new"] for c in comments(server, sid, "hr1")] == [False]  # HR only reads: no markers
    assert new_in_library(server, sid, "alice") == 1 and new_in_library(server, sid, "laoshi") == 0

    # Reading marks it read; nothing past the newest comment can be marked.
    assert alice.post(f"/api/sessions/{sid}/comments/seen", json={"last_id": c1}).status_code == 204
    assert [c["new"] for c in comments(server, sid, "alice")] == [False]
    assert new_in_library(server, sid, "alice") == 0
    assert coach.post(f"/api/sessions/{sid}/comments/seen", json={"last_id": 10**9}).status_code == 204
    assert alice.post(f"/api/sessions/{sid}/comments/seen", json={"last_id": -1}).status_code == 422

    # The trainee replies under the comment; the coach sees it as new, in the library and the API.
    reply = alice.post(f"/api/sessions/{sid}/comments", json={"parent_id": c1, "text": "好的,下次注意。"})
    assert reply.status_code == 201, reply.text
    assert (reply.json()["parent_id"], reply.json()["seq"], reply.json()["author"]) == (c1, None, "alice")
    listed = comments(server, sid, "laoshi")
    assert [(c["id"], c["parent_id"], c["new"]) for c in listed] == [(c1, None, False), (reply.json()["id"], c1, True)]
    assert new_in_library(server, sid, "laoshi") == 1
    assert [c["new"] for c in comments(server, sid, "root")] == [True, True]  # an admin has read neither

    # A reply to the reply joins the same thread; a reply keeps its comment's turn.
    answer = coach.post(f"/api/sessions/{sid}/comments", json={"parent_id": reply.json()["id"], "text": "很好。"})
    assert answer.status_code == 201 and answer.json()["parent_id"] == c1
    off_turn = coach.post(f"/api/sessions/{sid}/comments?lang=zh", json={"parent_id": c1, "seq": 1, "text": "x"})
    assert (off_turn.status_code, off_turn.json()["code"]) == (422, "reply_turn") and "回复" in off_turn.json()["detail"]
    assert new_in_library(server, sid, "laoshi") == 0  # writing in the thread read it

    # Who may reply: as for reading the session, less HR; a missing or foreign comment is refused.
    hr_reply = server.client("hr1").post(f"/api/sessions/{sid}/comments?lang=en", json={"parent_id": c1, "text": "x"})
    assert (hr_reply.status_code, hr_reply.json()["code"]) == (403, "reply_not_allowed")
    assert hr_reply.json()["detail"] == "only the trainee and their coach (or an admin) may reply"
    assert server.client("carol").post(f"/api/sessions/{sid}/comments",
                                       json={"parent_id": c1, "text": "x"}).status_code == 404
    assert server.client("other").post(f"/api/sessions/{sid}/comments",
                                       json={"parent_id": c1, "text": "x"}).status_code == 404
    missing = alice.post(f"/api/sessions/{sid}/comments", json={"parent_id": 10**6, "text": "x"})
    assert (missing.status_code, missing.json()["code"]) == (422, "no_comment")
    theirs = server.client("other").post(f"/api/sessions/{elsewhere}/comments", json={"seq": None, "text": "carol"})
    assert alice.post(f"/api/sessions/{sid}/comments",
                      json={"parent_id": theirs.json()["id"], "text": "x"}).status_code == 422
    assert alice.post(f"/api/sessions/{sid}/comments", json={"seq": None, "text": "x"}).status_code == 403  # no new thread
    assert [c["author"] for c in comments(server, sid, "alice")] == ["laoshi", "alice", "laoshi"]
    assert [c["new"] for c in comments(server, sid, "alice")] == [False, False, True]
