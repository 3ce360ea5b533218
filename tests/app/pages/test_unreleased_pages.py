"""In real headless Chromium: the candidate's replay, print and library pages of an attempt HR has
not released show the conversation but nothing of how it went; after release they show it all."""

import asyncio
from datetime import datetime, timedelta, timezone

import pytest

from tests.utils.browser import chromium_page, sign_in
from tests.utils.certification import take_attempt
from tests.utils.server import LiveServer

pytestmark = pytest.mark.browser
LINES = ["王主任您好,今天主要想听听您这边的情况。", "现在县医院和咱们之间会诊,最让您头疼的是什么?",
         "我确认一下,您最担心的是系统稳定,对吗?"]
HINT = "这是一次认证考试：成绩、是否通过和逐句标注在 HR 发布结果后才能查看。"


def attempt_of_alice(server: LiveServer) -> tuple[str, str]:
    server.add_user("hr1", role="hr")
    server.add_user("alice")
    now = datetime.now(timezone.utc)
    cert = server.client("hr1").post("/api/certifications", json={
        "name": "上岗认证", "persona_ids": ["hospital-it-rescue"], "rubric": "certification", "pass_mark": 1,
        "time_limit_s": 600, "attempts": 1, "opens_at": (now - timedelta(hours=1)).isoformat(),
        "closes_at": (now + timedelta(hours=5)).isoformat()}).json()["id"]
    server.client("hr1").post(f"/api/certifications/{cert}/candidates", json={"usernames": ["alice"]})
    return cert, asyncio.run(take_attempt(server, cert, "alice", LINES))[0]["id"]


def test_the_candidate_sees_the_conversation_but_no_result_until_release(server: LiveServer) -> None:
    cert, sid = attempt_of_alice(server)
    card = server.get(f"/api/sessions/{sid}/scorecard", "hr1").json()
    overall, verdict = card["overall"], "yes" if card["passed"] else "no"
    with chromium_page() as page:
        sign_in(page, server, "alice")
        page.goto(f"{server.url}/sessions/{sid}/replay?lang=zh")
        page.wait_for_selector("body[data-replay-ready=true]")
        assert page.locator("#turns > li").count() >= 2 * len(LINES)  # the conversation is there
        assert page.locator("#h-overall").inner_text() == "–"
        assert page.locator("#h-passed").inner_text() == "认证成绩待 HR 发布"
        assert page.locator("#scorecard").inner_text() == HINT and page.locator("#radar").inner_text() == HINT
        assert page.locator(".feedback-chip, .turn-acts, .silence-chip, #points tr").count() == 0

        page.goto(f"{server.url}/sessions/{sid}/print?lang=zh")
        assert "认证成绩待 HR 发布" in page.locator("#p-overall").inner_text()
        assert page.locator("#print-dimensions, .print-label, #print-points").count() == 0

        for query in ("passed=yes", "passed=no", "score_min=0"):
            page.goto(f"{server.url}/sessions?lang=zh&{query}")
            assert page.locator(f"a[href*='{sid}']").count() == 0, query

        assert server.client("hr1").post(f"/api/certifications/{cert}/release").status_code == 200
        page.goto(f"{server.url}/sessions/{sid}/replay?lang=zh")
        page.wait_for_selector("body[data-replay-ready=true]")
        assert page.locator("#h-overall").inner_text() == str(overall)
        assert page.locator(".feedback-chip").count() >= len(LINES)
        page.goto(f"{server.url}/sessions?lang=zh&passed={verdict}")
        assert page.locator(f"tr[data-session-id='{sid}'] .col-score").inner_text() == str(overall)
