"""HR certifications over the API: fair, locked down, time-limited, tamper-evident, reported."""

import asyncio
import csv
import io
from datetime import datetime, timedelta, timezone

import pytest
from sqlmodel import select

from app.storage.models import Turn
from tests.utils.certification import PASSING_LINES, take_attempt
from tests.utils.server import LiveServer, open_client

LINES = PASSING_LINES


def iso(delta_hours: float) -> str:
    return (datetime.now(timezone.utc) + timedelta(hours=delta_hours)).isoformat()


def definition(**changes: object) -> dict:
    body = {"name": "季度上岗认证", "persona_ids": ["hospital-it-rescue", "bank-onboarding-complacent"],
            "rubric": "certification", "pass_mark": 60, "time_limit_s": 600, "attempts": 2,
            "opens_at": iso(-1), "closes_at": iso(24)}
    return body | changes


@pytest.fixture
def hr(server: LiveServer) -> str:
    server.add_user("hr1", role="hr")
    server.add_user("coach1", role="coach")
    for name in ("alice", "bob"):
        server.add_user(name, coach="coach1")
    return "hr1"


def create(server: LiveServer, **changes: object) -> str:
    response = server.client("hr1").post("/api/certifications", json=definition(**changes))
    assert response.status_code == 201, response.text
    cert_id = response.json()["id"]
    enrolled = server.client("hr1").post(f"/api/certifications/{cert_id}/candidates", json={"usernames": ["alice", "bob"]})
    assert enrolled.json()["enrolled"] == ["alice", "bob"]
    return cert_id


async def take(server: LiveServer, cert_id: str, user: str, lines: list[str] = LINES) -> tuple[dict, list[dict]]:
    return await take_attempt(server, cert_id, user, lines)


def test_only_hr_creates_and_edits(server: LiveServer, hr: str) -> None:
    for user in ("alice", "coach1"):
        assert server.client(user).post("/api/certifications", json=definition()).status_code == 403
    made = server.client(hr).post("/api/certifications", json=definition())
    assert made.status_code == 201 and made.json()["pass_mark"] == 60 and not made.json()["released"]
    cert_id = made.json()["id"]
    edited = server.client(hr).put(f"/api/certifications/{cert_id}", json=definition(pass_mark=75))
    assert edited.json()["pass_mark"] == 75
    assert server.client("coach1").put(f"/api/certifications/{cert_id}", json=definition()).status_code == 403


@pytest.mark.parametrize(("changes", "needle"), [
    ({"persona_ids": ["nobody"]}, "nobody"),
    ({"opens_at": iso(5), "closes_at": iso(1)}, "closes_at must be after opens_at"),
    ({"rubric": "no-such-rubric"}, "rubric"),
    ({"time_limit_s": 5}, "time_limit_s"),
    ({"attempts": 0}, "attempts"),
])
def test_a_bad_definition_says_what_is_wrong(server: LiveServer, hr: str, changes: dict, needle: str) -> None:
    response = server.client(hr).post("/api/certifications", json=definition(**changes))
    assert response.status_code == 422 and needle in response.text


def test_csv_enrolment_creates_accounts_with_one_time_passwords(server: LiveServer, hr: str) -> None:
    cert_id = create(server)
    response = server.client(hr).post(f"/api/certifications/{cert_id}/candidates.csv",
                                      content="username\nalice\n张伟\nli.na\n", headers={"Content-Type": "text/csv"})
    body = response.json()
    assert response.status_code == 200, response.text
    assert sorted(c["username"] for c in body["created"]) == ["li.na", "张伟"]
    assert body["enrolled"] == ["张伟", "li.na"] and body["already"] == ["alice"]
    import httpx

    password = next(c["one_time_password"] for c in body["created"] if c["username"] == "张伟")
    login = httpx.post(f"{server.url}/api/auth/login", json={"username": "张伟", "password": password})
    assert login.status_code == 200 and login.json()["must_change_password"]
    again = server.client(hr).post(f"/api/certifications/{cert_id}/candidates.csv", content="张伟\n",
                                   headers={"Content-Type": "text/csv"}).json()
    assert again["created"] == [] and again["already"] == ["张伟"]  # the password is shown once only


def test_candidates_see_their_own_certifications(server: LiveServer, hr: str) -> None:
    cert_id = create(server)
    server.add_user("outsider")
    assert [c["id"] for c in server.get("/api/certifications", "alice").json()] == [cert_id]
    assert server.get("/api/certifications", "outsider").json() == []
    assert server.get(f"/api/certifications/{cert_id}", "outsider").status_code == 404


async def test_the_window_and_the_attempt_count_are_enforced(server: LiveServer, hr: str) -> None:
    later = create(server, opens_at=iso(2), closes_at=iso(5))
    early = server.client("alice").post(f"/api/certifications/{later}/attempts")
    assert early.status_code == 409 and early.json()["detail"]["code"] == "not_open"
    past = create(server, opens_at=iso(-5), closes_at=iso(-1))
    late = server.client("alice").post(f"/api/certifications/{past}/attempts")
    assert late.status_code == 409 and late.json()["detail"]["code"] == "closed"
    server.add_user("outsider")
    cert_id = create(server, attempts=1)
    assert server.client("outsider").post(f"/api/certifications/{cert_id}/attempts").status_code == 403
    await take(server, cert_id, "alice")
    again = server.client("alice").post(f"/api/certifications/{cert_id}/attempts")
    assert again.status_code == 409 and again.json()["detail"]["code"] == "no_attempts_left"


async def test_every_candidate_meets_the_same_customer(server: LiveServer, hr: str) -> None:
    cert_id = create(server)
    a_attempt, a_frames = await take(server, cert_id, "alice")
    b_attempt, b_frames = await take(server, cert_id, "bob")
    assert a_attempt["persona_id"] == b_attempt["persona_id"] == "hospital-it-rescue"
    said = lambda frames: [f["text"] for f in frames if f["type"] == "customer_end"]  # noqa: E731
    assert said(a_frames) == said(b_frames) and len(said(a_frames)) >= len(LINES)
    second = server.client("alice").post(f"/api/certifications/{cert_id}/attempts").json()
    assert second["attempt"] == 2 and second["persona_id"] == "bank-onboarding-complacent"


async def test_attempts_are_locked_down(server: LiveServer, hr: str) -> None:
    cert_id = create(server)
    attempt, frames = await take(server, cert_id, "alice")
    kinds = {f["type"] for f in frames}
    assert "feedback" not in kinds and "scorecard" not in kinds and "ended" in kinds
    hidden = server.get(f"/api/sessions/{attempt['id']}/scorecard", "alice")
    assert hidden.status_code == 403 and "releases" in hidden.json()["detail"]
    assert server.get(f"/api/sessions/{attempt['id']}/scorecard", "hr1").status_code == 200
    mine = server.get("/api/sessions?mode=certification", "alice").json()["items"]
    assert mine[0]["id"] == attempt["id"] and mine[0]["overall"] is None
    assert server.get(f"/api/certifications/{cert_id}/my-result", "alice").json()["released"] is False
    assert server.client("hr1").post(f"/api/sessions/{attempt['id']}/comments",
                                     json={"seq": None, "text": "x"}).status_code == 403  # HR reads, never changes


async def test_the_time_limit_is_enforced_by_the_server(server: LiveServer, hr: str) -> None:
    cert_id = create(server, time_limit_s=60)
    attempt = server.client("alice").post(f"/api/certifications/{cert_id}/attempts").json()
    client = await open_client(server, attempt["ws_url"], user="alice")
    await client.send({"type": "message", "id": "1", "text": LINES[1]})
    await client.until("customer_end")
    server.clock.advance(61)
    timeout = await client.until("error")
    assert timeout["code"] == "time_up"
    assert (await client.until("ended"))["reason"] == "time_up"
    await client.send({"type": "message", "id": "2", "text": "还在吗?"})
    assert (await client.until("error"))["code"] == "session_ended"
    info = server.get(f"/api/sessions/{attempt['id']}", "alice").json()
    assert info["status"] == "ended"
    assert server.get(f"/api/sessions/{attempt['id']}/scorecard", "hr1").status_code == 200


async def test_an_abandoned_attempt_is_graded_when_its_time_is_up(server: LiveServer, hr: str) -> None:
    cert_id = create(server, time_limit_s=60)
    attempt = server.client("alice").post(f"/api/certifications/{cert_id}/attempts").json()
    running = server.client("alice").post(f"/api/certifications/{cert_id}/attempts")
    assert running.status_code == 409 and running.json()["detail"]["code"] == "attempt_running"
    server.clock.advance(120)  # nobody connected; the time ran out anyway
    rows = server.get(f"/api/certifications/{cert_id}/results", "hr1").json()
    alice = next(r for r in rows if r["candidate"] == "alice")
    assert alice["attempts"] == 1 and alice["session_id"] == attempt["id"] and alice["overall"] is not None


async def test_results_csv_release_certificate_and_verification(server: LiveServer, hr: str) -> None:
    cert_id = create(server, pass_mark=1)
    await take(server, cert_id, "alice")
    await take(server, cert_id, "bob", lines=["我们的系统是业内最好的。"])
    for user in ("alice", "bob", "coach1"):
        assert server.get(f"/api/certifications/{cert_id}/results", user).status_code == 403
        assert server.get(f"/api/certifications/{cert_id}/results.csv", user).status_code == 403
    rows = server.get(f"/api/certifications/{cert_id}/results", "hr1").json()
    assert [r["candidate"] for r in rows] == ["alice", "bob"]
    exported = server.get(f"/api/certifications/{cert_id}/results.csv", "hr1")
    assert exported.content.startswith(b"\xef\xbb\xbf")  # UTF-8 with a BOM, as Excel wants it
    table = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert [t["candidate"] for t in table] == [r["candidate"] for r in rows]
    for row, line in zip(rows, table, strict=True):
        assert int(line["overall"]) == row["overall"] and int(line["attempts"]) == row["attempts"]
        assert line["passed"] == ("yes" if row["passed"] else "no")
        assert all(int(line[d]) == row["dimensions"][d] for d in row["dimensions"])

    released = server.client("hr1").post(f"/api/certifications/{cert_id}/release").json()
    passed = [r for r in rows if r["passed"]]
    assert len(released["certificates"]) == len(passed) >= 1
    mine = server.get(f"/api/certifications/{cert_id}/my-result", "alice").json()
    assert mine["released"] and mine["candidate"] == "alice" and "bob" not in str(mine)
    code = mine["certificate"] if mine["passed"] else released["certificates"][0]["code"]
    import httpx

    public = httpx.get(f"{server.url}/api/verify/{code}")  # anyone, no sign-in
    assert public.status_code == 200 and public.json()["valid"] is True
    assert httpx.get(f"{server.url}/api/verify/NOPE123").status_code == 404
    with server.app.state.context.db() as db:  # tamper with the graded transcript
        turn = db.exec(select(Turn).where(Turn.session_id == released["certificates"][0]["session_id"],
                                          Turn.speaker == "trainee")).first()
        turn.text = "改过的话"
        db.add(turn)
        db.commit()
    assert httpx.get(f"{server.url}/api/verify/{code}").json()["valid"] is False


async def test_the_audit_log_records_hr_actions_and_session_events(server: LiveServer, hr: str) -> None:
    cert_id = create(server)
    server.client("hr1").put(f"/api/certifications/{cert_id}", json=definition(pass_mark=70))
    await take(server, cert_id, "alice")
    server.get(f"/api/certifications/{cert_id}/results.csv", "hr1")
    server.client("hr1").post(f"/api/certifications/{cert_id}/release")
    log = server.get(f"/api/certifications/{cert_id}/audit", "hr1").json()
    actions = [e["action"] for e in log]
    for expected in ("certification_created", "candidates_enrolled", "certification_updated", "attempt_started",
                     "attempt_connected", "attempt_ended", "results_exported", "results_released"):
        assert expected in actions, expected
    assert actions.index("attempt_started") < actions.index("attempt_ended") < actions.index("results_released")
    updated = next(e for e in log if e["action"] == "certification_updated")
    assert updated["actor"] == "hr1" and updated["detail"]["pass_mark"] == {"from": 60, "to": 70}
    assert server.get(f"/api/certifications/{cert_id}/audit", "alice").status_code == 403


async def test_regrade_after_a_rubric_change_shows_progress_and_before_after(server: LiveServer, hr: str) -> None:
    cert_id = create(server)
    await take(server, cert_id, "alice")
    await take(server, cert_id, "bob", lines=["我们的系统是业内最好的。", "下周能签合同吗?"])
    before = {r["candidate"]: r["overall"] for r in server.get(f"/api/certifications/{cert_id}/results", "hr1").json()}
    started = server.client("hr1").post(f"/api/certifications/{cert_id}/regrade",
                                        json={"rubric": "default", "change_rubric": True})
    assert started.status_code == 202 and started.json()["total"] == 2
    run_id = started.json()["run_id"]
    for _ in range(200):
        progress = server.get(f"/api/certifications/{cert_id}/regrade/{run_id}", "hr1").json()
        if progress["status"] == "done":
            break
        await asyncio.sleep(0.05)
    assert progress["done"] == progress["total"] == 2
    comparison = {row["candidate"]: row for row in progress["comparison"]}
    assert {c: comparison[c]["before"] for c in comparison} == before
    after = {r["candidate"]: r["overall"] for r in server.get(f"/api/certifications/{cert_id}/results", "hr1").json()}
    assert {c: comparison[c]["after"] for c in comparison} == after
    assert server.get(f"/api/certifications/{cert_id}", "hr1").json()["rubric"] == "default"
    assert any(comparison[c]["changed"] for c in comparison)
    other = create(server)  # a run is read under its own certification only
    assert server.get(f"/api/certifications/{other}/regrade/{run_id}", "hr1").status_code == 404
    bad = server.client("hr1").post(f"/api/certifications/{cert_id}/regrade", json={"rubric": "nope", "change_rubric": True})
    assert bad.status_code == 422
