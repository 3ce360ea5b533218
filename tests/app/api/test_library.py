"""The session library (filters, sort, pagination), import, export, comments and calibration."""

from datetime import datetime, timedelta, timezone

import pytest

from tests.utils.server import LiveServer

GOOD = [
    ("trainee", "现在会诊最让您头疼的是什么?"), ("customer", "片子传得太慢,上个月有两例急诊差点耽误。"),
    ("trainee", "还有呢?"), ("customer", "还有就是系统老出故障。"),
    ("trainee", "我确认一下,您最关心的是稳定和速度,对吗?"), ("customer", "对,是这样。"),
    ("trainee", "下周三上午能请您提供近三个月的故障记录吗?这样我们能帮您找到原因。"),
    ("customer", "可以,下周三上午我让人整理好发给你。"),
]
POOR = [
    ("trainee", "我们的系统是业内最好的,功能最全,价格也便宜。"), ("customer", "嗯。"),
    ("trainee", "我们还支持4K和AI诊断,服务过上百家医院。"), ("customer", "哦。"),
]


def transcript(lines: list[tuple[str, str]], pause: float, session_id: str = "x") -> dict:
    turns, clock = [], 0.0
    for seq, (speaker, text) in enumerate(lines, start=1):
        if speaker == "trainee":
            turns.append({"seq": seq, "speaker": speaker, "text": text, "typing_started_at": clock + pause,
                          "sent_at": clock + pause + 3})
            clock += pause + 3
        else:
            turns.append({"seq": seq, "speaker": speaker, "text": text, "started_at": clock + 1, "ended_at": clock + 3})
            clock += 3
    return {"session_id": session_id, "persona_id": "hospital-it-rescue", "language": "zh", "turns": turns}


def imported(server: LiveServer, user: str, lines: list[tuple[str, str]], pause: float = 5.0) -> dict:
    response = server.client(user).post("/api/sessions/import", json=transcript(lines, pause))
    assert response.status_code == 201, response.text
    return response.json()


@pytest.fixture
def library(server: LiveServer) -> dict[str, list[str]]:
    server.add_user("laoshi", role="coach")
    server.add_user("alice", coach="laoshi")
    server.add_user("bob", coach="laoshi")
    made = {"alice": [imported(server, "alice", GOOD)["id"] for _ in range(3)] + [imported(server, "alice", POOR)["id"]],
            "bob": [imported(server, "bob", POOR, pause=1.0)["id"] for _ in range(2)]}
    return made


def page(server: LiveServer, query: str, user: str = "laoshi") -> dict:
    response = server.get(f"/api/sessions?{query}", user)
    assert response.status_code == 200, response.text
    return response.json()


def test_import_grades_and_stores_the_transcript(server: LiveServer) -> None:
    body = transcript(GOOD, 5.0)
    result = imported(server, "alice", GOOD)
    card = result["scorecard"]
    assert card["session_id"] == result["id"] and card["commitment"]["secured"]
    assert server.get(f"/api/sessions/{result['id']}/scorecard", "alice").json() == card
    exported = server.get(f"/api/sessions/{result['id']}/transcript", "alice").json()
    assert [(t["seq"], t["speaker"], t["text"]) for t in exported["turns"]] == [
        (t["seq"], t["speaker"], t["text"]) for t in body["turns"]]
    assert exported["turns"][0]["sent_at"] == body["turns"][0]["sent_at"]
    info = server.get(f"/api/sessions/{result['id']}", "alice").json()
    assert (info["mode"], info["status"], info["trainee"]) == ("imported", "ended", "alice")


def test_an_imported_peilian_transcript_keeps_its_record_and_is_graded_from_it(server: LiveServer) -> None:
    """A transcript exported from a Peilian session carries the customer's acts: kept on import,
    exported again, and the commitment is read from them (here: refused, whatever the words say)."""
    body = transcript(GOOD, 5.0)
    for turn in body["turns"]:
        if turn["speaker"] == "customer":
            turn["acts"] = [{"kind": "answer", "subject": None}]
    body["turns"][-1]["acts"] = [{"kind": "refuse", "commitment": "share-logs", "reason": "trust"}]
    response = server.client("alice").post("/api/sessions/import", json=body)
    assert response.status_code == 201, response.text
    result = response.json()
    assert result["scorecard"]["source"] == "acts" and not result["scorecard"]["commitment"]["secured"]
    exported = server.get(f"/api/sessions/{result['id']}/transcript", "alice").json()
    assert exported["turns"][-1]["acts"] == body["turns"][-1]["acts"]
    plain = imported(server, "alice", GOOD)["scorecard"]
    assert plain["source"] == "text" and plain["commitment"]["secured"]  # the words say yes


def test_a_broken_import_names_the_field(server: LiveServer) -> None:
    response = server.client("alice").post("/api/sessions/import", json={"language": "zh", "turns": [{"seq": 1}]})
    assert response.status_code == 422 and "turns.0.speaker" in response.json()["detail"]


def test_a_coach_imports_for_their_trainee_only(server: LiveServer) -> None:
    server.add_user("laoshi", role="coach")
    server.add_user("alice", coach="laoshi")
    server.add_user("stranger")
    ok = server.client("laoshi").post("/api/sessions/import?trainee=alice", json=transcript(GOOD, 5.0))
    assert ok.status_code == 201
    assert server.get(f"/api/sessions/{ok.json()['id']}", "alice").json()["trainee"] == "alice"
    denied = server.client("laoshi").post("/api/sessions/import?trainee=stranger", json=transcript(GOOD, 5.0))
    assert denied.status_code == 404


def test_filters(server: LiveServer, library: dict[str, list[str]]) -> None:
    assert page(server, "")["total"] == 6
    assert {i["id"] for i in page(server, "trainee=bob")["items"]} == set(library["bob"])
    good = page(server, "score_min=60")["items"]
    assert good and all(i["overall"] >= 60 for i in good)
    low = page(server, "score_max=40")["items"]
    assert low and all(i["overall"] <= 40 for i in low)
    assert {i["id"] for i in good} | {i["id"] for i in low} <= {i["id"] for i in page(server, "")["items"]}
    passed = page(server, "passed=true")["items"]
    assert all(i["passed"] for i in passed)
    assert len(passed) + page(server, "passed=false")["total"] == 6
    assert page(server, "persona=hospital-it-rescue")["total"] == 6
    assert page(server, "persona=nobody")["total"] == 0
    tomorrow = (datetime.now(timezone.utc) + timedelta(days=1)).isoformat()
    yesterday = (datetime.now(timezone.utc) - timedelta(days=1)).isoformat()
    assert page(server, f"date_from={tomorrow.replace('+', '%2B')}")["total"] == 0
    assert page(server, f"date_from={yesterday.replace('+', '%2B')}&date_to={tomorrow.replace('+', '%2B')}")["total"] == 6


def test_sort_and_paginate(server: LiveServer, library: dict[str, list[str]]) -> None:
    scores = [i["overall"] for i in page(server, "sort=overall&order=desc&page_size=100")["items"]]
    assert scores == sorted(scores, reverse=True)
    names = [i["trainee"] for i in page(server, "sort=trainee&order=asc&page_size=100")["items"]]
    assert names == sorted(names)
    first, second = page(server, "page_size=4&page=1"), page(server, "page_size=4&page=2")
    assert first["total"] == second["total"] == 6
    assert len(first["items"]) == 4 and len(second["items"]) == 2
    assert not {i["id"] for i in first["items"]} & {i["id"] for i in second["items"]}
    assert server.get("/api/sessions?page_size=1000", "laoshi").status_code == 422


def test_trend_lists_the_trainees_scored_sessions(server: LiveServer, library: dict[str, list[str]]) -> None:
    trend = server.get(f"/api/sessions/{library['alice'][0]}/trend", "laoshi").json()
    assert [t["session_id"] for t in trend] == library["alice"]
    assert all(set(t["dimensions"]) == {"questioning", "listening", "commitment", "concerns", "motive_fit"}
               for t in trend)


def test_comments_on_turns_and_the_session(server: LiveServer, library: dict[str, list[str]]) -> None:
    sid = library["alice"][0]
    coach = server.client("laoshi")
    assert coach.post(f"/api/sessions/{sid}/comments", json={"seq": 3, "text": "好的扩展类提问"}).status_code == 201
    assert coach.post(f"/api/sessions/{sid}/comments", json={"seq": None, "text": "整体不错"}).status_code == 201
    assert coach.post(f"/api/sessions/{sid}/comments", json={"seq": 99, "text": "?"}).status_code == 422
    assert coach.post(f"/api/sessions/{sid}/comments", json={"seq": 1, "text": ""}).status_code == 422
    seen = server.get(f"/api/sessions/{sid}/comments", "alice").json()
    assert [(c["seq"], c["text"], c["author"]) for c in seen] == [(3, "好的扩展类提问", "laoshi"), (None, "整体不错", "laoshi")]


def test_corrections_keep_the_automatic_value_and_feed_calibration(server: LiveServer,
                                                                   library: dict[str, list[str]]) -> None:
    sid = library["alice"][0]
    coach = server.client("laoshi")
    auto = server.get(f"/api/sessions/{sid}/scorecard", "laoshi").json()
    fixed = coach.put(f"/api/sessions/{sid}/corrections/labels/3", json={"label": "exploratory", "topic": "need"})
    assert fixed.status_code == 200
    assert fixed.json()["auto_label"] == auto["turns"][1]["label"] == "extension"
    assert coach.put(f"/api/sessions/{sid}/corrections/labels/2", json={"label": "statement"}).status_code == 422
    assert coach.put(f"/api/sessions/{sid}/corrections/labels/3",
                     json={"label": "control", "topic": "need"}).status_code == 422
    score = coach.put(f"/api/sessions/{sid}/corrections/scores/listening", json={"score": 95})
    assert score.json() == {"dimension": "listening", "auto_score": auto["dimensions"]["listening"], "score": 95,
                            "author": "laoshi"}
    assert server.get(f"/api/sessions/{sid}/scorecard", "laoshi").json() == auto  # the automatic card is kept
    corrections = server.get(f"/api/sessions/{sid}/corrections", "alice").json()
    assert corrections["labels"][0]["label"] == "exploratory" and corrections["scores"][0]["score"] == 95

    report = server.get("/api/calibration", "laoshi").json()
    assert report["sessions"] == 1 and report["lines"] == 4
    assert report["agreement"] == 0.75
    assert report["confusion"]["extension"]["exploratory"] == 1
    assert report["per_label"]["extension"]["precision"] == 0.0
    assert report["per_label"]["confirmation"]["precision"] == 1.0
    assert report["scores"]["listening"]["corrections"] == 1
    assert report["scores"]["listening"]["mean_abs_diff"] == abs(95 - auto["dimensions"]["listening"])
