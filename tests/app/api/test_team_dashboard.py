"""The team dashboard API: who sees whom, trends, heat map, weakest rules with their turns, filters, CSV.

Coach "laoshi" has trainees alice and bob; coach "other" has carol. Their sessions are graded by
the real path: imported through the import API, and one of alice's played over the WebSocket.
The sessions' start days are then set apart (created_at is the wall clock's, not the fake one),
so the date filters have something to tell apart.
"""

import asyncio
import codecs
import csv
import io
from collections import Counter
from datetime import datetime
from typing import Any

import httpx
import yaml
from sqlmodel import update

from app.storage.models import ChatSession
from scoring.cues import GRADING_DIR
from scoring.models import DIMENSIONS
from tests.app.api.test_library import GOOD, POOR, transcript
from tests.app.pages.drive import Line, run_session
from tests.utils.server import LiveServer

COLUMNS = ("overall", *DIMENSIONS)
PLAYED = [
    Line("王主任您好,今天想听听您这边远程会诊的情况。", think=0.5),
    Line("现在会诊最让您头疼的是什么?", think=5.0),
    Line("还有呢?", think=1.0),
    Line("我们的系统是业内最好的。", think=0.5),
]


def _import(server: LiveServer, user: str, lines: list[tuple[str, str]], pause: float, persona: str,
            trainee: str | None = None) -> str:
    body = transcript(lines, pause) | {"persona_id": persona}
    response = server.client(user).post("/api/sessions/import" + (f"?trainee={trainee}" if trainee else ""),
                                        json=body)
    assert response.status_code == 201, response.text
    return response.json()["id"]


def _on_day(server: LiveServer, session_id: str, day: str) -> None:
    with server.app.state.context.db() as db:
        db.exec(update(ChatSession).where(ChatSession.id == session_id)  # type: ignore[arg-type]
                .values(created_at=datetime.fromisoformat(f"{day}T10:00:00+00:00")))
        db.commit()


def _board(server: LiveServer, user: str, query: str = "") -> dict[str, Any]:
    response = server.get(f"/api/team/dashboard?{query}", user)
    assert response.status_code == 200, response.text
    return response.json()


def _scores(card: dict[str, Any]) -> dict[str, int]:
    return {"overall": card["overall"], **{d: card["dimensions"][d] for d in DIMENSIONS}}


def _csv(server: LiveServer, user: str, query: str) -> list[list[str]]:
    response = server.get(f"/api/team/dashboard.csv?{query}", user)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert response.content.startswith(codecs.BOM_UTF8)
    return list(csv.reader(io.StringIO(response.content[len(codecs.BOM_UTF8):].decode("utf-8"))))


def _rule_names(lang: str) -> dict[str, str]:
    path = GRADING_DIR / f"{lang}.yaml"
    return yaml.safe_load(path.read_text(encoding="utf-8"))["names"]["rules"]


def test_the_dashboard_shows_a_coach_their_team_and_hr_everyone(server: LiveServer) -> None:
    server.add_user("laoshi", role="coach")
    server.add_user("other", role="coach")
    server.add_user("alice", coach="laoshi")
    server.add_user("bob", coach="laoshi")
    server.add_user("carol", coach="other")
    server.add_user("hr1", role="hr")
    server.add_user("boss", role="admin")
    hospital, bank = "hospital-it-rescue", "=HYPERLINK(\"x\")"
    days = {
        _import(server, "alice", POOR, 5.0, hospital): "2026-11-01",
        asyncio.run(run_session(server, "alice", hospital, PLAYED)): "2026-11-10",
        _import(server, "laoshi", GOOD, 5.0, bank, trainee="alice"): "2026-11-11",
        _import(server, "bob", POOR, 1.0, hospital): "2026-11-05",
        _import(server, "bob", GOOD, 1.0, hospital): "2026-11-12",
        _import(server, "carol", GOOD, 1.0, hospital): "2026-11-08",  # answers not waited for: points lost
    }
    for sid, day in days.items():
        _on_day(server, sid, day)
    cards = {sid: server.get(f"/api/sessions/{sid}/scorecard", "boss").json() for sid in days}
    owner = {sid: ("alice", "alice", "alice", "bob", "bob", "carol")[i] for i, sid in enumerate(days)}
    ordered = sorted(days, key=lambda s: days[s])

    # A coach sees their own trainees, each session's scores in date order, latest and best cells.
    board = _board(server, "laoshi")
    assert board["columns"] == list(COLUMNS)
    assert [t["username"] for t in board["trainees"]] == ["alice", "bob"]
    assert board["sessions"] == 5
    assert board["filters"] == {"from": None, "to": None, "persona": None}
    assert {p["id"] for p in board["personas"]} == {hospital, bank}
    for row in board["trainees"]:
        mine = [s for s in ordered if owner[s] == row["username"]]
        assert row["coach"] == "laoshi" and row["sessions"] == len(mine)
        assert [p["session_id"] for p in row["trend"]] == mine
        assert [p["at"][:10] for p in row["trend"]] == [days[s] for s in mine]
        assert [p["scores"] for p in row["trend"]] == [_scores(cards[s]) for s in mine]
        assert row["latest"] == {c: {"score": _scores(cards[mine[-1]])[c], "session_id": mine[-1]} for c in COLUMNS}
        for column in COLUMNS:
            top = max(_scores(cards[s])[column] for s in mine)
            first_top = next(s for s in mine if _scores(cards[s])[column] == top)
            assert row["best"][column] == {"score": top, "session_id": first_top}
    alice = board["trainees"][0]
    assert alice["best"]["overall"]["score"] > alice["trend"][0]["scores"]["overall"]  # the good import beat the poor one

    # The weakest rules: every rule the team lost points on, counted from the scorecards, most often
    # first, named in both languages, each turn linked to the replay at that turn.
    lost: Counter[str] = Counter()
    points_lost: Counter[str] = Counter()
    turns: dict[str, set[str]] = {}
    for sid in days:
        if owner[sid] == "carol":
            continue
        for point in cards[sid]["points"]:
            if point["delta"] < 0:
                lost[point["rule"]] += 1
                points_lost[point["rule"]] -= point["delta"]
                anchor = f"#turn-{point['seq']}" if point["seq"] is not None else ""
                turns.setdefault(point["rule"], set()).add(f"/sessions/{sid}/replay{anchor}")
    rules = board["weakest_rules"]
    assert {r["rule"]: r["times"] for r in rules} == dict(lost)
    assert {r["rule"]: r["lost"] for r in rules} == dict(points_lost)
    assert [(r["times"], r["lost"]) for r in rules] == sorted(((r["times"], r["lost"]) for r in rules), reverse=True)
    zh_names, en_names = _rule_names("zh"), _rule_names("en")
    for rule in rules:
        assert rule["name"] == {"zh": zh_names[rule["rule"]], "en": en_names[rule["rule"]]}
        assert {t["url"] for t in rule["turns"]} == turns[rule["rule"]]
        assert len(rule["turns"]) == rule["times"]
    missed = next(r for r in rules if r["rule"] == "listening.answer_missed")  # bob answers after 1 s
    assert missed["name"]["en"] == "No pause after the answer" and missed["trainees"] >= 1
    assert {t["trainee"] for t in missed["turns"]} >= {"bob"}
    assert all(t["seq"] is not None and t["url"].endswith(f"#turn-{t['seq']}") for t in missed["turns"])
    seq = missed["turns"][0]["seq"]
    replay = server.get(missed["turns"][0]["url"].split("#")[0], "laoshi")
    assert replay.status_code == 200
    transcript_turns = server.get(f"/api/sessions/{missed['turns'][0]['session_id']}/transcript", "laoshi").json()
    assert any(t["seq"] == seq for t in transcript_turns["turns"])

    # HR and admins see every trainee; the other coach only theirs.
    for user in ("hr1", "boss"):
        everyone = _board(server, user)
        assert [t["username"] for t in everyone["trainees"]] == ["alice", "bob", "carol"]
        assert everyone["sessions"] == 6
        assert [t["coach"] for t in everyone["trainees"]] == ["laoshi", "laoshi", "other"]
    theirs = _board(server, "other")
    assert [t["username"] for t in theirs["trainees"]] == ["carol"]
    assert {t["trainee"] for r in theirs["weakest_rules"] for t in r["turns"]} == {"carol"}

    # Filters: whole days, inclusive; persona; a trainee with nothing in range keeps an empty row.
    late = _board(server, "laoshi", "from=2026-11-10&to=2026-11-11")
    assert late["filters"] == {"from": "2026-11-10", "to": "2026-11-11", "persona": None}
    assert [[p["at"][:10] for p in t["trend"]] for t in late["trainees"]] == [["2026-11-10", "2026-11-11"], []]
    assert late["trainees"][1]["latest"] == {} and late["trainees"][1]["best"] == {}
    early = _board(server, "laoshi", "to=2026-11-05")
    assert [len(t["trend"]) for t in early["trainees"]] == [1, 1]
    assert sum(r["times"] for r in early["weakest_rules"]) == sum(
        1 for s in days if owner[s] != "carol" and days[s] <= "2026-11-05" for p in cards[s]["points"] if p["delta"] < 0)
    only_bank = _board(server, "laoshi", "persona=" + bank.replace('"', "%22").replace("=", "%3D"))
    assert [t["sessions"] for t in only_bank["trainees"]] == [1, 0]
    assert only_bank["trainees"][0]["trend"][0]["persona_id"] == bank
    assert server.get("/api/team/dashboard?from=2026-11-12&to=2026-11-01", "laoshi").status_code == 422
    assert server.get("/api/team/dashboard?from=yesterday", "laoshi").status_code == 422
    assert server.get("/api/team/dashboard?persona=a%00b", "laoshi").status_code == 422  # PostgreSQL takes no NUL

    # CSV: the heat map, every session, the weakest rules; UTF-8 with BOM, formulas defused.
    table = _csv(server, "laoshi", "table=trainees")
    assert table[0] == ["trainee", "coach", "sessions", *(f"{c}_latest" for c in COLUMNS),
                        *(f"{c}_best" for c in COLUMNS)]
    assert table[1] == ["alice", "laoshi", "3", *(str(alice["latest"][c]["score"]) for c in COLUMNS),
                        *(str(alice["best"][c]["score"]) for c in COLUMNS)]
    assert [row[0] for row in table[1:]] == ["alice", "bob"]
    sessions = _csv(server, "laoshi", "table=sessions&from=2026-11-11")
    assert sessions[0] == ["trainee", "session_id", "date", "persona", *COLUMNS]
    assert [row[:3] for row in sessions[1:]] == [["alice", ordered[4], "2026-11-11 10:00:00"],
                                                  ["bob", ordered[5], "2026-11-12 10:00:00"]]
    assert sessions[1][3] == "'" + bank  # a persona id that Excel would run as a formula stays text
    assert sessions[2][4:] == [str(v) for v in _scores(cards[ordered[5]]).values()]
    rules_csv = _csv(server, "laoshi", "table=rules&lang=en")
    assert rules_csv[0] == ["rule", "name", "dimension", "times", "points_lost", "sessions", "trainees", "turns"]
    assert [row[0] for row in rules_csv[1:]] == [r["rule"] for r in rules]
    missed_row = next(row for row in rules_csv if row[0] == "listening.answer_missed")
    assert missed_row[1] == "No pause after the answer"
    assert set(missed_row[7].split()) == turns["listening.answer_missed"]
    assert _csv(server, "laoshi", "table=rules&lang=zh")[1][1] == zh_names[rules[0]["rule"]]
    assert server.get("/api/team/dashboard.csv?table=secrets", "laoshi").status_code == 422

    # Trainees are refused, over REST and as a page; nobody signed out gets anything.
    for path in ("/api/team/dashboard", "/api/team/dashboard.csv", "/api/team/dashboard.csv?table=rules"):
        refused = server.get(path, "alice")
        assert refused.status_code == 403, path
        assert "coaches, HR and admins" in refused.json()["detail"]
    page = server.get("/team?lang=en", "alice")
    assert page.status_code == 403 and "coaches, HR and admins" in page.text
    assert "/team?" not in page.text  # no nav link for a trainee
    assert 'id="nav-team"' in server.get("/team?lang=zh", "laoshi").text
    assert httpx.get(f"{server.url}/api/team/dashboard").status_code == 401
    schema = server.get("/openapi.json", "boss").json()
    assert schema["paths"]["/api/team/dashboard"]["get"]["responses"]["200"]["content"]["application/json"][
        "schema"] == {"$ref": "#/components/schemas/TeamDashboard"}
    assert {p["name"] for p in schema["paths"]["/api/team/dashboard.csv"]["get"]["parameters"]} == {
        "from", "to", "persona", "table", "lang"}
