"""Import: a transcript the database cannot hold as it is gets a clear 422 in both languages, and
nothing of it is stored."""

import json
import re

from sqlalchemy import func
from sqlmodel import select

from app.storage.models import ChatSession, Scorecard, Turn
from tests.utils.server import LiveServer

CJK = re.compile(r"[\u4e00-\u9fff]")


def turns() -> list[dict]:
    return [
        {"seq": 1, "speaker": "trainee", "text": "现在会诊最让您头疼的是什么?", "typing_started_at": 1.0, "sent_at": 4.0},
        {"seq": 2, "speaker": "customer", "text": "片子传得太慢。", "started_at": 5.0, "ended_at": 7.0},
        {"seq": 3, "speaker": "trainee", "text": "还有呢?", "typing_started_at": 12.0, "sent_at": 13.0},
    ]


def document(**changes: object) -> dict:
    return {"session_id": "x", "persona_id": "hospital-it-rescue", "language": "zh", "turns": turns()} | changes


def with_turn(index: int, **fields: object) -> dict:
    body = document()
    body["turns"][index] |= fields
    return body


def counts(server: LiveServer) -> tuple[int, int, int]:
    with server.app.state.context.db() as db:
        return tuple(db.exec(select(func.count()).select_from(model)).one()  # type: ignore[return-value]
                     for model in (ChatSession, Turn, Scorecard))


def post_raw(server: LiveServer, text: str):  # type: ignore[no-untyped-def]
    """The body as written: JSON numbers such as NaN and Infinity, which Python's parser takes."""
    return server.client("alice").post("/api/sessions/import", content=text.encode(),
                                       headers={"Content-Type": "application/json"})


# (the body, the field the answer names, a piece of its English half)
CASES = [
    (with_turn(2, seq=2), "turns.2.seq", "seq 2 appears twice"),
    (with_turn(2, seq=2**63), "turns.2.seq", "from 1 to 1000000"),
    (with_turn(0, seq=0), "turns.0.seq", "from 1 to 1000000"),
    (with_turn(1, ended_at=float("inf")), "turns.1.ended_at", "finite numbers"),
    (with_turn(0, sent_at=float("nan")), "turns.0.sent_at", "finite numbers"),
    (with_turn(2, typing_started_at=float("-inf")), "turns.2.typing_started_at", "finite numbers"),
    (with_turn(1, started_at=-3.0), "turns.1.started_at", "finite numbers"),
    (with_turn(0, text="您好\u0000"), "turns.0.text", "NUL"),
    (with_turn(1, acts=[{"kind": "reveal", "weight": float("nan")}]), "turns.1.acts", "finite numbers"),
    (document(persona_id="p" * 101), "persona_id", "at most 100"),
]


def test_a_transcript_that_cannot_be_stored_is_refused_whole(server: LiveServer) -> None:
    for body, where, english in CASES:
        response = post_raw(server, json.dumps(body, ensure_ascii=False))
        assert response.status_code == 422, (where, response.text)
        detail = response.json()["detail"]
        assert detail.startswith(f"{where}: ") and english in detail and CJK.search(detail), detail
        assert counts(server) == (0, 0, 0), where  # no session, no turn, no scorecard
    assert server.get("/api/sessions", "alice").json()["total"] == 0


def test_a_schema_error_is_named_in_both_languages(server: LiveServer) -> None:
    response = server.client("alice").post("/api/sessions/import", json={"language": "zh", "turns": [{"seq": 1}]})
    detail = response.json()["detail"]
    assert response.status_code == 422 and detail.startswith("turns.0.speaker: ") and CJK.search(detail)
    assert "Field required" in detail


def test_a_good_transcript_is_stored_whole_and_ended(server: LiveServer) -> None:
    response = post_raw(server, json.dumps(document(), ensure_ascii=False))
    assert response.status_code == 201, response.text
    session_id = response.json()["id"]
    assert counts(server) == (1, 3, 1)
    info = server.get(f"/api/sessions/{session_id}", "alice").json()
    assert (info["status"], info["mode"]) == ("ended", "imported")
    assert server.get(f"/api/sessions/{session_id}/scorecard", "alice").json() == response.json()["scorecard"]
