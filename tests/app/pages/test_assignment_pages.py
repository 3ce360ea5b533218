"""Assignments in real headless Chromium, under the pages' Content-Security-Policy: a coach assigns a
persona to a trainee on /assignments; the trainee finds it on the home page, starts it from there and
practises; the coach sees the attempt and its score, lowers the target to it, and sees it done — and so
does the trainee."""

from datetime import datetime, timezone
from typing import Any

import pytest
from playwright.sync_api import expect

from app.core.clock import FakeClock
from tests.app.pages.test_account_pages import WATCH_CSP, violations
from tests.utils.browser import chromium_page, sign_in
from tests.utils.server import LiveServer

pytestmark = pytest.mark.browser
PERSONA = "hospital-it-rescue"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(start=datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc).timestamp())


def progress_row(page: Any, trainee: str) -> Any:
    return page.locator(f"#assign-progress tbody tr[data-trainee='{trainee}']")


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_coach_assigns_the_trainee_practises_and_the_coach_sees_it_done(server: LiveServer) -> None:
    server.add_user("laoshi", role="coach")
    server.add_user("alice", coach="laoshi")
    server.add_user("bob", coach="laoshi")
    assert server.get("/assignments", "alice").status_code == 403  # not a trainee's page
    with chromium_page(width=1300, enforce_csp=True) as coach:
        coach.add_init_script(WATCH_CSP)
        coach.on("dialog", lambda dialog: dialog.accept())
        sign_in(coach, server, "laoshi", next_path="/assignments")
        coach.goto(f"{server.url}/assignments?lang=zh")
        expect(coach.locator("#assign-progress")).to_have_attribute("data-loaded", "true")
        assert coach.locator("input[name=trainee]").evaluate_all("xs => xs.map(x => x.value)") == ["alice", "bob"]
        coach.check(f"input[name=persona][value='{PERSONA}']")
        coach.check("input[name=trainee][value=alice]")
        coach.fill("#assign-target", "100")
        coach.click("#assign-submit")
        expect(coach.locator("#assign-status")).to_have_text("已布置 1 项任务。")
        expect(progress_row(coach, "alice")).to_have_attribute("data-status", "todo")
        assert progress_row(coach, "bob").count() == 0

        trainee = coach.context.browser.new_page(bypass_csp=False)
        trainee.add_init_script(WATCH_CSP)
        trainee.on("dialog", lambda dialog: dialog.accept())  # "end and score?"
        sign_in(trainee, server, "alice")
        trainee.goto(f"{server.url}/?lang=zh")
        todo = trainee.locator(f"#todo tbody tr[data-persona-id='{PERSONA}']")
        expect(todo.locator(".status")).to_have_text("待完成")
        assert "得分达到目标分" in trainee.locator("#todo .hint").inner_text()
        assert todo.locator(".target").inner_text() == "100"
        todo.locator("a.start").click()
        expect(trainee.locator("#conn")).to_have_text("已连接")
        trainee.locator("#input").press_sequentially("王主任您好,现在远程会诊最让您头疼的是什么?", delay=5)
        trainee.locator("#input").press("Enter")
        expect(trainee.locator(".msg.customer:not(.typing) .text")).to_have_count(1)
        expect(trainee.locator(".msg.trainee .meta").first).to_contain_text("已送达")
        trainee.locator("#end").click()
        expect(trainee.locator("#result .overall")).to_be_visible()
        score = server.get("/api/assignments/todo", "alice").json()[0]["best"]
        assert isinstance(score, int) and score < 100

        coach.reload()
        row = progress_row(coach, "alice")
        expect(row).to_have_attribute("data-status", "in_progress")
        assert (row.locator(".best").inner_text(), row.locator(".attempts").inner_text()) == (str(score), "1")
        assert row.locator(".best a").get_attribute("href").startswith("/sessions/")
        coach.locator("#assign-list tbody tr .edit").click()
        assert coach.locator(f"input[name=persona][value='{PERSONA}']").is_checked()
        assert coach.locator("input[name=trainee][value=alice]").is_checked()
        coach.fill("#assign-target", str(score))
        coach.click("#assign-submit")
        expect(coach.locator("#assign-status")).to_have_text("已保存。")
        expect(row).to_have_attribute("data-status", "done")
        assert row.locator(".status").inner_text() == "已完成"
        assert row.locator(".latest").inner_text() == str(score)
        coach.goto(f"{server.url}/assignments?lang=en")
        expect(progress_row(coach, "alice").locator(".status")).to_have_text("Done")

        trainee.goto(f"{server.url}/?lang=zh")
        expect(todo.locator(".status")).to_have_text("已完成")
        assert (todo.locator(".best").inner_text(), todo.locator("a.start").inner_text()) == (str(score), "再练一次")
        assert violations(coach) == [] and violations(trainee) == []
