"""Assignments over REST, on SQLite and PostgreSQL: a coach assigns personas to trainees or the whole
team; the trainee's to-do and the coach's progress table follow real practice sessions (driven over the
WebSocket); the fake clock moves past the due date for late and missing; the CSV opens in Excel; and
nobody assigns, reads or changes what is not theirs."""

import asyncio
import codecs
import csv
import io
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from app.core.clock import FakeClock
from tests.app.pages.drive import Line, run_session
from tests.utils.server import LiveServer

START = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)
ZH, EN = "hospital-it-rescue", "saas-observability-rescue"
LINES = [Line("王主任您好,您觉得现在的远程会诊系统最大的问题是什么?", think=1.0),
         Line("我确认一下,您是说去年上线的系统故障很多,对吗?", think=1.0)]


@pytest.fixture
def clock() -> FakeClock:
    """The app clock reads as a real date, so due dates are ordinary ones."""
    return FakeClock(start=START.timestamp())


@pytest.fixture
def team(server: LiveServer) -> LiveServer:
    """laoshi coaches alice, bob and "=cmd" (a name a spreadsheet would run); other coaches carol."""
    for name, role in (("laoshi", "coach"), ("other", "coach"), ("hr1", "hr"), ("root", "admin")):
        server.add_user(name, role=role)
    for name, coach in (("alice", "laoshi"), ("bob", "laoshi"), ("=cmd", "laoshi"), ("carol", "other")):
        server.add_user(name, coach=coach)
    return server


def practise(server: LiveServer, user: str, persona: str) -> int:
    """A whole scored practice session; its overall score."""
    sid = asyncio.run(asyncio.wait_for(run_session(server, user, persona, LINES), timeout=60))
    return server.get(f"/api/sessions/{sid}/scorecard", user).json()["overall"]


def now(server: LiveServer) -> datetime:
    return datetime.fromtimestamp(server.clock.now(), timezone.utc)


def by_trainee(rows: list[dict[str, Any]], assignment_id: int) -> dict[str, dict[str, Any]]:
    return {r["trainee"]: r for r in rows if r["assignment_id"] == assignment_id}


def test_status_follows_practice_since_the_assignment_and_the_due_date(team: LiveServer) -> None:
    server = team
    coach = server.client("laoshi")
    practise(server, "alice", ZH)  # before the assignment: it does not count
    server.clock.advance(60)
    due = now(server) + timedelta(days=1)
    made = coach.post("/api/assignments", json={
        "persona_ids": [ZH], "team": True, "target_score": 100,
        "due_at": due.astimezone(timezone(timedelta(hours=8))).isoformat()})  # a zone other than UTC
    assert made.status_code == 201, made.text
    [team_job] = made.json()
    assert team_job["team_of"] == "laoshi" and team_job["trainees"] == [] and team_job["editable"] is True
    assert datetime.fromisoformat(team_job["due_at"]) == due
    solo = coach.post("/api/assignments", json={"persona_ids": [EN, ZH], "trainees": ["bob"], "target_score": 0,
                                                "due_at": (due + timedelta(days=1)).isoformat()})
    assert solo.status_code == 201 and [a["persona_id"] for a in solo.json()] == [EN, ZH]
    en_job, zh_solo = solo.json()
    assert coach.delete(f"/api/assignments/{zh_solo['id']}").status_code == 204
    assert coach.get(f"/api/assignments/{zh_solo['id']}").status_code == 404

    todo = server.get("/api/assignments/todo", "alice").json()
    assert [(t["persona_id"], t["status"], t["best"], t["attempts"]) for t in todo] == [(ZH, "todo", None, 0)]

    score = practise(server, "alice", ZH)
    [item] = server.get("/api/assignments/todo", "alice").json()
    assert (item["status"], item["best"], item["latest"], item["attempts"]) == (
        "in_progress" if score < 100 else "done", score, score, 1)
    assert item["assigned_by"] == "laoshi" and item["target_score"] == 100

    # A trainee who joins the team later has the team's assignment too.
    server.add_user("dave", coach="laoshi")
    server.clock.advance(2 * 86400)  # past both due dates
    bob_score = practise(server, "bob", ZH)  # after the due date
    target = min(score, bob_score)
    edited = coach.put(f"/api/assignments/{team_job['id']}", json={
        "persona_id": ZH, "team": True, "target_score": target, "due_at": due.isoformat()})
    assert edited.status_code == 200 and edited.json()["target_score"] == target

    rows = coach.get("/api/assignments/progress").json()
    table = by_trainee(rows, team_job["id"])
    assert {k: v["status"] for k, v in table.items()} == {"alice": "done", "bob": "late", "=cmd": "missing",
                                                          "dave": "missing"}
    assert (table["alice"]["best"], table["alice"]["attempts"], table["bob"]["latest"]) == (score, 1, bob_score)
    assert by_trainee(rows, en_job["id"])["bob"]["status"] == "missing"
    assert server.get("/api/assignments/todo", "dave").json()[0]["status"] == "missing"
    assert server.get("/api/assignments/todo", "carol").json() == []

    # Export: UTF-8 with a byte-order mark, formula-safe cells, one row per assignment and trainee.
    exported = coach.get(f"/api/assignments/progress.csv?assignment_id={team_job['id']}")
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    assert exported.content.startswith(codecs.BOM_UTF8)
    lines = list(csv.reader(io.StringIO(exported.content[len(codecs.BOM_UTF8):].decode("utf-8"))))
    assert lines[0] == ["assignment", "persona", "trainee", "due_at_utc", "target", "status", "best", "latest",
                        "attempts"]
    cells = {row[2]: row for row in lines[1:]}
    assert set(cells) == {"alice", "bob", "'=cmd", "dave"}
    assert cells["alice"][3] == due.strftime("%Y-%m-%d %H:%M:%S") and cells["alice"][5:] == [
        "done", str(score), str(score), "1"]
    assert cells["bob"][5] == "late" and cells["dave"][6:] == ["", "", "0"]

    # HR and admins read everything; another coach sees none of it.
    assert len(server.get("/api/assignments/progress", "hr1").json()) == len(rows) == 5
    assert server.get("/api/assignments", "other").json() == []
    assert server.get("/api/assignments/progress", "other").json() == []


def test_who_may_assign_read_and_change(team: LiveServer) -> None:
    server = team
    due = (now(team) + timedelta(days=3)).isoformat()
    body = {"persona_ids": [ZH], "trainees": ["alice"], "target_score": 70, "due_at": due}
    mine = server.client("laoshi").post("/api/assignments", json=body).json()[0]

    # A trainee cannot assign, nor read the progress table; they read their own assignment only.
    assert server.client("alice").post("/api/assignments", json=body).status_code == 403
    assert server.get("/api/assignments/progress", "alice").status_code == 403
    assert server.get(f"/api/assignments/{mine['id']}", "alice").json()["editable"] is False
    assert server.get(f"/api/assignments/{mine['id']}", "bob").status_code == 404
    # HR reads but does not assign.
    assert server.client("hr1").post("/api/assignments", json=body).status_code == 403
    assert server.get(f"/api/assignments/{mine['id']}", "hr1").status_code == 200

    other = server.client("other")
    refused = other.post("/api/assignments", json=body)  # alice is laoshi's trainee
    assert refused.status_code == 403 and "alice" in refused.json()["detail"]
    assert other.post("/api/assignments", json=body | {"trainees": ["carol", "alice"]}).status_code == 403
    assert other.post("/api/assignments", json={**body, "trainees": [], "team": True, "coach": "laoshi"}
                      ).status_code == 403
    for method in ("get", "delete"):
        assert getattr(other, method)(f"/api/assignments/{mine['id']}").status_code == 404
    assert other.put(f"/api/assignments/{mine['id']}", json=body | {"persona_id": ZH}).status_code == 404
    assert other.get(f"/api/assignments/progress?assignment_id={mine['id']}").status_code == 404
    assert other.get(f"/api/assignments/progress.csv?assignment_id={mine['id']}").status_code == 404

    # Bad input says what is wrong.
    coach = server.client("laoshi")
    cases = [
        (body | {"persona_ids": ["nobody"]}, "nobody"),
        (body | {"trainees": ["laoshi"]}, "laoshi"),  # a coach is not a trainee
        (body | {"trainees": ["ghost"]}, "ghost"),
        (body | {"team": True}, "either"),
        (body | {"trainees": []}, "either"),
        (body | {"target_score": 101}, "100"),
        (body | {"due_at": "2026-12-10T18:00:00"}, "timezone"),  # no zone
        (body | {"due_at": (now(team) - timedelta(minutes=1)).isoformat()}, "passed"),
    ]
    for bad, needle in cases:
        response = coach.post("/api/assignments", json=bad)
        assert response.status_code == 422, bad
        assert needle in response.text, (bad, response.text)

    # The admin assigns to anyone's trainees and teams, and changes what coaches made.
    admin = server.client("root")
    made = admin.post("/api/assignments", json={**body, "trainees": [], "team": True, "coach": "other"})
    assert made.status_code == 201 and made.json()[0]["team_of"] == "other"
    assert server.get("/api/assignments/todo", "carol").json()[0]["assignment_id"] == made.json()[0]["id"]
    assert server.get(f"/api/assignments/{made.json()[0]['id']}", "carol").status_code == 200  # through her team
    # other coach reads the admin's assignment for their team, but only the admin changes it
    assert other.get(f"/api/assignments/{made.json()[0]['id']}").json()["editable"] is False
    assert other.delete(f"/api/assignments/{made.json()[0]['id']}").status_code == 403
    assert admin.put(f"/api/assignments/{mine['id']}", json={**body, "persona_id": EN, "trainees": ["carol"]}
                     ).json()["trainees"] == ["carol"]
    assert server.get("/api/assignments/todo", "alice").json() == []
    assert {a["id"] for a in server.get("/api/assignments", "laoshi").json()} == {mine["id"]}  # laoshi made it

    paths = server.get("/openapi.json").json()["paths"]
    assert {"/api/assignments", "/api/assignments/{assignment_id}", "/api/assignments/todo",
            "/api/assignments/progress", "/api/assignments/progress.csv"} <= paths.keys()
