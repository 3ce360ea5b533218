"""Nothing about a certification attempt's result reaches the candidate (or their coach) before HR
releases it: no API, filter, sort, page or correction gives it away. HR sees it all along.

One server per database backend serves the module: alice has an ended attempt in each of two
certifications (both passes, pass mark 1), an admin's corrections on the first, and an imported
practice session. Only the last test releases, and only the second certification.
"""

import asyncio
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from app.core.clock import FakeClock
from app.core.config import Settings
from tests.conftest import fresh_database
from tests.utils.certification import PASSING_LINES, take_attempt
from tests.utils.server import LiveServer, run_server

LINES = PASSING_LINES
PRACTICE = {"persona_id": "hospital-it-rescue", "language": "zh", "turns": [
    {"seq": 1, "speaker": "trainee", "text": "现在会诊最让您头疼的是什么?", "typing_started_at": 1.0, "sent_at": 4.0},
    {"seq": 2, "speaker": "customer", "text": "片子传得太慢。", "started_at": 5.0, "ended_at": 7.0}]}
WATCHERS = ("alice", "coach1")  # the candidate, and their coach


@dataclass
class World:
    server: LiveServer
    sid: str  # alice's unreleased attempt, corrected by an admin
    card: dict[str, Any]  # its scorecard, as HR sees it
    practice: str
    other_cert: str  # a second certification, released by the last test
    other_sid: str


def certification(server: LiveServer) -> str:
    now = datetime.now(timezone.utc)
    made = server.client("hr1").post("/api/certifications", json={
        "name": "上岗认证", "persona_ids": ["hospital-it-rescue"], "rubric": "certification", "pass_mark": 1,
        "time_limit_s": 600, "attempts": 1, "opens_at": (now - timedelta(hours=1)).isoformat(),
        "closes_at": (now + timedelta(hours=5)).isoformat()}).json()
    server.client("hr1").post(f"/api/certifications/{made['id']}/candidates", json={"usernames": ["alice"]})
    return made["id"]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with (fresh_database(request.param, tmp_path_factory.mktemp("unreleased")) as url,
          run_server(Settings(DATABASE_URL=url, customer_delay_scale=0), FakeClock()) as server):
        for name, role in (("hr1", "hr"), ("admin1", "admin"), ("coach1", "coach")):
            server.add_user(name, role=role)
        server.add_user("alice", coach="coach1")
        first, second = certification(server), certification(server)
        sid = asyncio.run(take_attempt(server, first, "alice", LINES))[0]["id"]
        other_sid = asyncio.run(take_attempt(server, second, "alice", LINES))[0]["id"]
        practice = server.client("alice").post("/api/sessions/import", json=PRACTICE).json()["id"]
        admin = server.client("admin1")
        assert admin.put(f"/api/sessions/{sid}/corrections/labels/1", json={"label": "statement"}).status_code == 200
        assert admin.put(f"/api/sessions/{sid}/corrections/scores/listening", json={"score": 7}).status_code == 200
        card = server.get(f"/api/sessions/{sid}/scorecard", "hr1").json()
        assert card["passed"] is True
        yield World(server, sid, card, practice, second, other_sid)


def sessions(world: World, user: str, query: str) -> list[dict[str, Any]]:
    response = world.server.get(f"/api/sessions?{query}", user)
    assert response.status_code == 200, response.text
    return response.json()["items"]


@pytest.mark.parametrize("user", WATCHERS)
def test_the_scorecard_api_is_closed(world: World, user: str) -> None:
    response = world.server.get(f"/api/sessions/{world.sid}/scorecard", user)
    assert response.status_code == 403 and "releases" in response.json()["detail"]


@pytest.mark.parametrize("user", WATCHERS)
def test_corrections_list_no_automatic_values(world: World, user: str) -> None:
    listed = world.server.get(f"/api/sessions/{world.sid}/corrections", user).json()
    assert listed == {"labels": [], "scores": []}


def test_the_coach_cannot_correct_it_and_so_learn_the_automatic_values(world: World) -> None:
    coach = world.server.client("coach1")
    label = coach.put(f"/api/sessions/{world.sid}/corrections/labels/1", json={"label": "control"})
    score = coach.put(f"/api/sessions/{world.sid}/corrections/scores/commitment", json={"score": 50})
    assert (label.status_code, score.status_code) == (403, 403)
    assert "auto" not in label.text + score.text
    assert coach.post(f"/api/sessions/{world.sid}/comments", json={"seq": None, "text": "加油"}).status_code == 201


@pytest.mark.parametrize("user", WATCHERS)
def test_the_transcript_carries_no_engine_record(world: World, user: str) -> None:
    turns = world.server.get(f"/api/sessions/{world.sid}/transcript", user).json()["turns"]
    assert len(turns) >= len(LINES) and not [t for t in turns if "acts" in t]


@pytest.mark.parametrize("user", WATCHERS)
def test_the_trend_leaves_it_out(world: World, user: str) -> None:
    points = world.server.get(f"/api/sessions/{world.practice}/trend", user).json()
    assert [p["session_id"] for p in points] == [world.practice]


@pytest.mark.parametrize("user", WATCHERS)
def test_score_and_pass_filters_do_not_find_it(world: World, user: str) -> None:
    row = next(i for i in sessions(world, user, "mode=certification") if i["id"] == world.sid)
    assert (row["overall"], row["passed"]) == (None, None)
    for query in ("mode=certification&passed=true", "mode=certification&passed=false", "passed=true",
                  "passed=false", "score_min=0", "score_max=100", "score_min=0&score_max=100",
                  "mode=certification&score_min=50"):
        assert world.sid not in [i["id"] for i in sessions(world, user, query)], query


@pytest.mark.parametrize("user", WATCHERS)
@pytest.mark.parametrize("order", ["asc", "desc"])
def test_the_score_sort_places_it_with_the_unscored(world: World, user: str, order: str) -> None:
    listed = sessions(world, user, f"sort=overall&order={order}")
    scored = [i["id"] for i in listed if i["overall"] is not None]
    assert scored == [world.practice]  # first, whichever the order: the attempts come after, as unscored
    assert {i["id"] for i in listed[1:]} == {world.sid, world.other_sid}


@pytest.mark.parametrize("user", WATCHERS)
def test_the_print_page_shows_no_result(world: World, user: str) -> None:
    printed = world.server.get(f"/sessions/{world.sid}/print?lang=en", user).text
    shown = re.search(r'id="p-overall">(.*?)</td>', printed, re.S).group(1)
    assert "Awaiting HR" in shown and str(world.card["overall"]) not in shown
    assert 'id="p-unreleased"' in printed
    for leak in ('id="print-dimensions"', 'class="print-label"', 'id="print-points"', 'class="coach-label"',
                 "coach: 7"):
        assert leak not in printed, leak


@pytest.mark.parametrize("user", WATCHERS)
def test_the_replay_page_shows_no_result(world: World, user: str) -> None:
    replay = world.server.get(f"/sessions/{world.sid}/replay?lang=en", user).text
    assert re.search(r'id="h-overall">–<', replay)
    assert re.search(r'id="h-passed">Awaiting HR', replay) and '"unreleased": true' in replay


def library_row(world: World, user: str, query: str) -> str | None:
    listing = world.server.get(f"/sessions?lang=en{query}", user).text
    row = re.search(rf'<tr[^>]*>(?:(?!</tr>).)*{world.sid}(?:(?!</tr>).)*</tr>', listing, re.S)
    return row.group(0) if row else None


@pytest.mark.parametrize("user", WATCHERS)
def test_the_library_page_shows_and_filters_no_result(world: World, user: str) -> None:
    for query in ("", "&sort=overall"):
        row = library_row(world, user, query)
        assert row and re.search(r'class="col-score"[^>]*>–<', row), query
        assert "badge pass" not in row and "badge fail" not in row
    for query in ("&passed=yes", "&passed=no", "&score_min=0", "&score_max=100"):
        assert library_row(world, user, query) is None, query


def test_hr_sees_it_all_along(world: World) -> None:
    row = next(i for i in sessions(world, "hr1", "mode=certification&passed=true") if i["id"] == world.sid)
    assert row["overall"] == world.card["overall"]
    assert world.server.get(f"/api/sessions/{world.sid}/corrections", "hr1").json()["scores"][0]["auto_score"] >= 0
    assert any("acts" in t for t in world.server.get(f"/api/sessions/{world.sid}/transcript", "hr1").json()["turns"])
    printed = world.server.get(f"/sessions/{world.sid}/print?lang=en", "hr1").text
    assert 'id="print-dimensions"' in printed and 'class="coach-label"' in printed and "coach: 7" in printed


def test_release_shows_the_candidate_everything(world: World) -> None:
    server, sid = world.server, world.other_sid
    assert server.client("hr1").post(f"/api/certifications/{world.other_cert}/release").status_code == 200
    overall = server.get(f"/api/sessions/{sid}/scorecard", "hr1").json()["overall"]
    assert server.get(f"/api/sessions/{sid}/scorecard", "alice").json()["overall"] == overall
    assert sid in [i["id"] for i in sessions(world, "alice", "mode=certification&passed=true")]
    assert any("acts" in t for t in server.get(f"/api/sessions/{sid}/transcript", "alice").json()["turns"])
    printed = server.get(f"/sessions/{sid}/print?lang=en", "alice").text
    assert 'id="print-dimensions"' in printed and 'id="p-unreleased"' not in printed
    assert world.sid not in [i["id"] for i in sessions(world, "alice", "passed=true")]  # the other stays hidden
