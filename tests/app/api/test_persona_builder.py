"""The scenario builder over REST, on SQLite and PostgreSQL: coaches build persona cards as drafts
(JSON or YAML), every edit is a new version, validation names the field in both languages, the
check before publishing plays scripted trainees, and a session keeps the version it was played on."""

import asyncio
import copy
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
import yaml

from app.core.paths import data_dir
from app.core.yamlio import load_yaml
from tests.app.pages.drive import Driver, Line
from tests.utils.server import LiveServer

LINES = [Line("王主任您好,您觉得现在的远程会诊系统最大的问题是什么?", think=1.0),
         Line("片子打不开的时候，对会诊那边造成过什么实际影响吗？", think=1.0)]


def shipped(name: str, new_id: str) -> dict[str, Any]:
    data = load_yaml((data_dir("personas") / f"{name}.yaml").read_text(encoding="utf-8"))
    return {**data, "id": new_id}


def play(server: LiveServer, user: str, body: dict[str, Any]) -> str:
    """A whole session on the card `body` names; its id."""
    made = server.client(user).post("/api/sessions", json=body)
    assert made.status_code == 201, made.text

    async def run() -> None:
        async with Driver(server, made.json()["id"], user) as driver:
            for line in LINES:
                await driver.say(line)
            await driver.end()

    asyncio.run(asyncio.wait_for(run(), timeout=60))
    return made.json()["id"]


def test_versions_validation_roles_and_yaml(server: LiveServer) -> None:
    for name, role in (("laoshi", "coach"), ("other", "coach"), ("hr1", "hr"), ("root", "admin")):
        server.add_user(name, role=role)
    server.add_user("alice", coach="laoshi")
    server.add_user("carol", coach="other")
    coach, alice = server.client("laoshi"), server.client("alice")
    card = shipped("hospital-it-rescue", "ward-it")
    text = yaml.safe_dump(card, allow_unicode=True, sort_keys=False)

    # Only coaches and admins build; only admins build for everyone.
    assert alice.post("/api/personas", json={"yaml": text}).json()["code"] == "role_required"
    assert coach.post("/api/personas", json={"yaml": text, "visibility": "all"}).status_code == 403
    assert coach.post("/api/personas", json={"card": shipped("hospital-it-rescue", "hospital-it-rescue")}
                      ).json()["code"] == "card_exists"  # a shipped card's id
    made = coach.post("/api/personas", json={"yaml": text})
    assert made.status_code == 201, made.text
    assert (made.json()["version"], made.json()["status"], made.json()["problems"]) == (1, "draft", [])
    assert coach.post("/api/personas", json={"card": card}).status_code == 409

    # A draft is its editors' alone: listed for nobody, but its editor may play it.
    assert "ward-it" not in {c["id"] for c in alice.get("/api/personas").json()}
    assert alice.get("/api/personas/ward-it").status_code == 404
    assert alice.post("/api/sessions", json={"persona_id": "ward-it"}).status_code == 404
    assert alice.post("/api/sessions", json={"persona_id": "ward-it", "version": 1}).status_code == 404
    assert coach.post("/api/sessions", json={"persona_id": "ward-it", "version": 1}).status_code == 201

    # Validation ties each problem to its field, in both languages; an invalid card is not published.
    broken = copy.deepcopy(card)
    broken["motive"], broken["facts"][0]["subject"], broken["commitments"][1]["min_trust"] = "greed", "nope", 101
    del broken["name"]
    saved = coach.put("/api/personas/ward-it", json={"card": broken})
    assert saved.status_code == 200 and saved.json()["version"] == 2
    checked = coach.post("/api/personas/ward-it/validate").json()
    problems = {p["field"]: p for p in checked["problems"]}
    assert checked["valid"] is False and set(problems) == {"name", "motive", "facts.0.subject",
                                                          "commitments.1.min_trust"}, problems
    assert problems["name"]["zh"] == "必填项缺失" and problems["name"]["en"] == "required"
    assert "'rescue'" in problems["motive"]["zh"] and problems["motive"]["zh"].startswith("取值只能是")
    assert problems["commitments.1.min_trust"]["en"] == "must be at most 100"
    assert "nope" in problems["facts.0.subject"]["zh"] and "不符合卡片规则" in problems["facts.0.subject"]["zh"]
    refused = coach.post("/api/personas/ward-it/publish", headers={"Accept-Language": "en"})
    assert refused.status_code == 422 and refused.json() == {
        "code": "card_invalid", "detail": "the card still has 4 problem(s); fix them first"}
    assert coach.put("/api/personas/ward-it", json={"card": {**card, "id": "ward-2"}}).json()["code"] == "card_id_fixed"
    bad_yaml = coach.put("/api/personas/ward-it", json={"yaml": "id: [unclosed"})
    assert bad_yaml.status_code == 422 and bad_yaml.json()["code"] == "card_yaml"

    # Who may touch it: another coach and their trainee do not see it, HR reads but cannot edit.
    assert server.client("other").put("/api/personas/ward-it", json={"card": card}).status_code == 404
    assert server.client("carol").get("/api/personas/ward-it").status_code == 404
    assert server.client("hr1").get("/api/personas/ward-it").status_code == 404  # nothing published yet
    assert server.client("hr1").put("/api/personas/ward-it", json={"card": card}).json()["code"] == "role_required"

    # Fixed and published, the coach's trainee practises it; another team does not see it.
    assert coach.put("/api/personas/ward-it", json={"card": card}).json()["version"] == 3
    published = coach.post("/api/personas/ward-it/publish")
    assert published.status_code == 200 and published.json()["status"] == "published", published.text
    listed = {c["id"]: c for c in alice.get("/api/personas").json()}
    assert listed["ward-it"]["version"] == 3 and "hospital-it-rescue" in listed
    assert "ward-it" not in {c["id"] for c in server.client("carol").get("/api/personas").json()}
    assert alice.get("/api/personas/ward-it").json()["problems"] == []
    # The coach assigns the built card; another coach, who cannot see it, cannot assign it.
    due = (datetime.now(timezone.utc) + timedelta(days=7)).isoformat()
    assigned = coach.post("/api/assignments", json={"persona_ids": ["ward-it"], "trainees": ["alice"],
                                                    "due_at": due, "target_score": 0})
    assert assigned.status_code == 201 and assigned.json()[0]["persona_name"] == "王建国", assigned.text
    assert server.client("other").post("/api/assignments", json={
        "persona_ids": ["ward-it"], "team": True, "due_at": due, "target_score": 0}).status_code == 422
    first = play(server, "alice", {"persona_id": "ward-it"})
    todo = alice.get("/api/assignments/todo").json()
    assert [(t["persona_id"], t["persona_name"], t["status"], t["attempts"]) for t in todo] == [
        ("ward-it", "王建国", "done", 1)]
    board = coach.get("/api/team/dashboard").json()
    trend = next(t for t in board["trainees"] if t["username"] == "alice")["trend"]
    assert [(p["session_id"], p["persona_id"]) for p in trend] == [(first, "ward-it")]

    # An edit never changes a past session: its header and fact recap stay on version 3.
    renamed = copy.deepcopy(card)
    renamed["name"] = "李建国"
    renamed["facts"][0]["text"] = "县医院的片子现在要等一个小时才能打开"
    assert coach.put("/api/personas/ward-it", json={"card": renamed}).json()["version"] == 4
    assert alice.get("/api/personas/ward-it").json()["version"] == 3  # the draft is not theirs to see
    assert coach.post("/api/personas/ward-it/publish").status_code == 200
    second = play(server, "alice", {"persona_id": "ward-it"})
    names = {sid: alice.get(f"/api/sessions/{sid}").json()["persona"]["name"] for sid in (first, second)}
    assert names == {first: "王建国", second: "李建国"}
    recap = str(coach.get(f"/api/sessions/{first}/facts").json())
    assert "等一个小时" not in recap and "半个多小时" in recap
    assert "片子" in alice.get(f"/api/sessions/{first}/transcript").json()["turns"][1]["text"] + recap
    assert coach.get(f"/api/sessions/{first}/scorecard").status_code == 200

    # YAML out and back in: the same card.
    exported = coach.get("/api/personas/ward-it/yaml")
    assert exported.headers["content-type"].startswith("application/yaml")
    assert load_yaml(exported.text) == renamed
    again = server.client("root").post("/api/personas", json={
        "yaml": exported.text.replace("id: ward-it", "id: ward-it-copy", 1), "visibility": "all"})
    assert again.status_code == 201 and again.json()["card"] == {**renamed, "id": "ward-it-copy"}
    assert alice.get("/api/personas/ward-it/yaml").status_code == 403  # role, before anything else
    assert "/api/personas/{card_id}/publish" in server.get("/openapi.json").json()["paths"]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_publishing_needs_a_card_the_scripts_cannot_game(server: LiveServer) -> None:
    server.add_user("laoshi", role="coach")
    coach = server.client("laoshi")
    # A growth customer whose "fit" words include one any opener says (情况): a motive-blind script opens
    # its gate without inviting a single idea, and wins the top commitment.
    card = shipped("school-analytics-growth", "school-easy")
    card["motive_cues"]["fit"] = [*card["motive_cues"]["fit"], "情况"]
    assert coach.post("/api/personas", json={"card": card}).status_code == 201
    refused = coach.post("/api/personas/school-easy/publish")
    assert refused.status_code == 409 and refused.json()["code"] == "card_check_failed"
    plays = {p["kind"]: p for p in refused.json()["detail"]["check"]["plays"]}
    assert set(plays) == {"method", "generic", "salad", "repeat", "farming", "pushy"}
    assert plays["generic"]["passed"] is False and 1 in plays["generic"]["granted_ranks"]
    assert plays["method"]["passed"] is True and plays["method"]["granted_ranks"]
    assert plays["generic"]["transcript"]["persona_id"] == "school-easy"
    assert len(plays["generic"]["transcript"]["turns"]) > 10
    assert coach.get("/api/personas/school-easy/check").json()["passed"] is False
    assert coach.get("/api/personas/school-easy").json()["status"] == "draft"

    # The cue taken out, the gate opens only for a trainee who invites the customer's ideas.
    card["motive_cues"]["fit"] = card["motive_cues"]["fit"][:-1]
    assert coach.put("/api/personas/school-easy", json={"card": card}).status_code == 200
    check = coach.get("/api/personas/school-easy/check").json()
    assert check["passed"] is True and check["version"] == 2, check
    assert coach.post("/api/personas/school-easy/publish").json()["status"] == "published"
