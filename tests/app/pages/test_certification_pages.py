"""The certification pages in real headless Chromium: HR defines and enrols, candidates take locked-down
attempts, HR reads, exports, re-grades and releases results, candidates get a certificate anyone can verify.

Attempts that are not the subject of a test are driven over the real WebSocket before the browser opens;
the server runs on a fake clock, so a time limit runs out when the test advances it.
"""

import asyncio
import csv
import io
import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlmodel import select

from app.core.clock import FakeClock
from app.core.config import Settings
from app.storage.models import Turn
from tests.utils.browser import chromium_page, screenshot, sign_in
from tests.utils.certification import PASSING_LINES, take_attempt
from tests.utils.server import LiveServer

pytestmark = pytest.mark.browser
DIMS = ["questioning", "listening", "commitment", "concerns", "motive_fit"]
GOOD = PASSING_LINES
PITCH = ["我们的系统是业内最好的。"]
SUBMITTED = "已提交，成绩由HR发布后可见"
NAME = "季度上岗认证"


@pytest.fixture
def settings(db_url: str, request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """As in tests/conftest.py (replies come at once); a test parametrizes `settings` indirectly to change
    fields, e.g. customer_delay_scale=1 for replies paced on the fake clock and streamed in pieces."""
    defaults = {"customer_delay_scale": 0, "certificate_key_file": tmp_path / "certificate.key"}
    return Settings(DATABASE_URL=db_url, **(defaults | getattr(request, "param", {})))


@contextmanager
def pumping(clock: FakeClock, step_s: float = 0.02) -> Iterator[None]:
    """Move the fake clock forward in small steps (about 10 fake seconds per real one) while inside."""
    stop = threading.Event()

    def run() -> None:
        while not stop.wait(0.002):
            clock.advance(step_s)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def iso(delta_hours: float) -> str:
    return (datetime.now(timezone.utc) + timedelta(hours=delta_hours)).isoformat()


def local_input(moment: datetime) -> str:
    """A datetime-local value; the browser runs in the same zone as this process."""
    return moment.astimezone().strftime("%Y-%m-%dT%H:%M")


def create(server: LiveServer, candidates: tuple[str, ...] = ("alice", "bob"), **changes: object) -> str:
    """A certification made over the API by hr1 (the form has its own test), with `candidates` enrolled."""
    body = {"name": NAME, "persona_ids": ["hospital-it-rescue", "bank-onboarding-complacent"],
            "rubric": "certification", "pass_mark": 50, "time_limit_s": 600, "attempts": 2,
            "opens_at": iso(-1), "closes_at": iso(24)} | changes
    made = server.client("hr1").post("/api/certifications", json=body)
    assert made.status_code == 201, made.text
    cert_id = made.json()["id"]
    enrolled = server.client("hr1").post(f"/api/certifications/{cert_id}/candidates",
                                         json={"usernames": list(candidates)})
    assert enrolled.json()["enrolled"] == list(candidates)
    return cert_id


async def take(server: LiveServer, cert_id: str, user: str, lines: list[str]) -> str:
    """One whole attempt over the WebSocket; returns the session id."""
    attempt, _frames = await take_attempt(server, cert_id, user, lines)
    return attempt["id"]


def people(server: LiveServer, *trainees: str) -> None:
    server.add_user("hr1", role="hr")
    for name in trainees:
        server.add_user(name)


class Dialogs:
    """Answers every confirm() of a page (accept or dismiss, as set) and keeps the messages shown."""

    def __init__(self, page: Any, accept: bool = True) -> None:
        self.accept = accept
        self.shown: list[str] = []
        page.on("dialog", self._answer)

    def _answer(self, dialog: Any) -> None:
        self.shown.append(dialog.message)
        dialog.accept() if self.accept else dialog.dismiss()


def chat(page: Any, text: str, replies_before: int, clock: FakeClock | None = None) -> str:
    """Type a line key by key, press Enter, and return the customer's finished reply (with `clock`, the
    fake clock runs until the reply is finished: for a server whose replies are paced)."""
    page.locator("#input").press_sequentially(text, delay=3)
    with pumping(clock) if clock is not None else nullcontext():
        page.locator("#input").press("Enter")
        page.wait_for_function(
            "n => document.querySelectorAll('.msg.customer:not(.typing) .text').length > n && "
            "[...document.querySelectorAll('.msg.customer .text')].every(e => e.textContent.length > 0)",
            arg=replies_before,
        )
    return page.locator(".msg.customer:not(.typing) .text").nth(replies_before).inner_text()


# ---- HR: define, edit, enrol ----

@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_hr_creates_a_certification_and_enrols_by_name_and_by_csv(server: LiveServer) -> None:
    people(server, "alice")
    with chromium_page() as page:
        sign_in(page, server, "hr1", role="hr", next_path="/certifications")
        page.goto(f"{server.url}/certifications?lang=zh")
        assert page.locator("h1").inner_text() == "认证管理"
        page.locator("#cert-empty").wait_for(state="visible")  # the list is empty, and says so
        assert page.locator("#link-manage-certs").inner_text() == "认证管理"  # HR's menu link
        assert page.locator("#link-my-certs").count() == 0

        page.wait_for_selector("#f-personas input[value='hospital-it-rescue']")
        page.fill("#f-name", NAME)
        # picked in this order (the page lists the Chinese cards first): attempt 1 meets the bank customer
        page.check("#f-personas input[value='bank-onboarding-complacent']")
        page.check("#f-personas input[value='hospital-it-rescue']")
        page.check("#f-personas input[value='school-analytics-growth']")
        page.uncheck("#f-personas input[value='school-analytics-growth']")
        order = page.locator("#f-personas .persona-check").evaluate_all(
            "labels => Object.fromEntries(labels.map("
            "l => [l.querySelector('input').value, l.querySelector('.order').textContent]))")
        assert order["bank-onboarding-complacent"] == "1" and order["hospital-it-rescue"] == "2"
        assert order["school-analytics-growth"] == ""
        # the form proposes the certification rubric's own pass mark, and says what else it requires
        assert page.locator("#f-rubric").input_value() == "certification"
        assert page.locator("#f-pass-mark").input_value() == "80"
        assert page.locator("#f-rubric-requires").inner_text() == (
            "此标准的及格线为 80，另要求各项最低分：提问 ≥ 60、倾听 ≥ 60、行动承诺 ≥ 50。任何一项低于最低分即不通过。")
        page.select_option("#f-rubric", "default")
        assert page.locator("#f-pass-mark").input_value() == "70"
        assert page.locator("#f-rubric-requires").inner_text().startswith("此标准的及格线为 70，另要求各项最低分：行动承诺 ≥ 60")
        page.select_option("#f-rubric", "certification")
        assert page.locator("#f-pass-mark").input_value() == "80"
        page.fill("#f-pass-mark", "60")
        page.fill("#f-time-limit", "10")
        page.fill("#f-attempts", "2")
        opens = datetime.now(timezone.utc) - timedelta(hours=1)
        page.fill("#f-opens", local_input(opens))
        page.fill("#f-closes", local_input(opens - timedelta(hours=2)))  # closes before it opens
        page.click("#cert-submit")
        errors = page.locator("#form-errors")
        errors.wait_for(state="visible")
        assert "截止时间必须晚于开始时间" in errors.inner_text()
        assert "invalid" in (page.get_attribute("[data-field=closes_at]", "class") or "")
        assert page.url.endswith("/certifications?lang=zh")  # nothing was created
        assert server.get("/api/certifications", "hr1").json() == []

        page.fill("#f-closes", local_input(opens + timedelta(days=2)))
        page.click("#cert-submit")
        page.wait_for_url(re.compile(r"/certifications/[0-9a-f]{32}\?lang=zh$"))
        cert_id = re.search(r"/certifications/([0-9a-f]{32})", page.url).group(1)  # type: ignore[union-attr]
        made = server.get(f"/api/certifications/{cert_id}", "hr1").json()
        assert made["persona_ids"] == ["bank-onboarding-complacent", "hospital-it-rescue"]
        rules = (made["pass_mark"], made["time_limit_s"], made["attempts"], made["rubric"])
        assert rules == (60, 600, 2, "certification")
        assert abs(datetime.fromisoformat(made["opens_at"]).replace(tzinfo=timezone.utc) - opens) < timedelta(minutes=1)
        page.wait_for_selector("#definition td[data-key=pass_mark]")
        assert page.locator("#definition td[data-key=pass_mark]").inner_text() == "60"
        assert page.locator("#definition td[data-key=time_limit]").inner_text() == "10 分钟"
        assert page.locator("#definition td[data-key=min_dimension]").inner_text() == "提问 ≥ 60\n倾听 ≥ 60\n行动承诺 ≥ 50"

        # one existing account by name
        page.fill("#enrol-names", "alice")
        page.click("#enrol-submit")
        page.wait_for_selector("#enrol-result .enrol-line.ok")
        assert page.locator("#enrol-result").inner_text().strip() == "已报名：alice"
        assert page.locator("#passwords").is_hidden()

        # one new account from a CSV file: its one-time password is shown once
        page.set_input_files("#csv-file", files=[{"name": "candidates.csv", "mimeType": "text/csv",
                                                  "buffer": "username\nbob\nalice\n".encode()}])
        page.click("#csv-submit")
        page.locator("#passwords").wait_for(state="visible")
        rows = page.locator("#passwords-table tbody tr")
        assert rows.count() == 1 and rows.locator("td").first.inner_text() == "bob"
        password = rows.locator("td.password").inner_text()
        assert len(password) >= 8
        assert "只显示这一次" in page.locator("#passwords .once-note").inner_text()
        assert "此前已报名：alice" in page.locator("#enrol-result").inner_text()
        login = httpx.post(f"{server.url}/api/auth/login", json={"username": "bob", "password": password})
        assert login.status_code == 200 and login.json()["must_change_password"]
        page.wait_for_function("document.querySelectorAll('#results tbody tr').length === 2")
        assert page.locator("#results td[data-col=candidate]").all_inner_texts() == ["alice", "bob"]

        page.reload()
        page.wait_for_function("document.querySelectorAll('#results tbody tr').length === 2")
        assert page.locator("#passwords").is_hidden()
        assert password not in page.content()

        # edit the definition: the page and the audit log show it
        page.click("#edit-box summary")
        page.wait_for_function("document.querySelector('#f-pass-mark').value === '60'")
        page.fill("#f-pass-mark", "70")
        page.click("#cert-submit")
        page.wait_for_function("document.querySelector('#definition td[data-key=pass_mark]')?.textContent === '70'")
        assert page.locator("#form-status").inner_text() == "已保存"
        edited = server.get(f"/api/certifications/{cert_id}", "hr1").json()
        assert edited["pass_mark"] == 70
        assert edited["persona_ids"] == ["bank-onboarding-complacent", "hospital-it-rescue"]  # the order survives
        page.wait_for_selector("#audit tr[data-action=certification_updated]")
        updated = page.locator("#audit tr[data-action=certification_updated]")
        assert "hr1" in updated.inner_text() and '"from":60' in updated.inner_text()
        assert page.locator("#audit tr[data-action=accounts_created]").inner_text().count("bob") == 1

        page.goto(f"{server.url}/certifications?lang=en")
        row = page.locator(f"#cert-list tr[data-cert-id='{cert_id}']")
        row.wait_for()
        assert NAME in row.inner_text() and "Not released" in row.inner_text() and "10 min" in row.inner_text()
    assert server.get("/certifications", "alice").status_code == 403
    assert server.get(f"/certifications/{cert_id}", "alice").status_code == 403


# ---- candidates: start, chat locked down, end; time-up; attempts exhausted ----

@pytest.mark.parametrize("settings", [{"customer_delay_scale": 1}], indirect=True)
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_candidate_takes_an_attempt_on_the_locked_down_page(server: LiveServer) -> None:
    people(server, "alice")
    cert_id = create(server, candidates=("alice",), attempts=1)
    frames: list[dict[str, Any]] = []
    with chromium_page() as page:
        page.on("websocket", lambda ws: ws.on("framereceived", lambda payload: frames.append(json.loads(payload))))
        sign_in(page, server, "alice", next_path="/")
        page.goto(f"{server.url}/?lang=zh")  # the practice page: the menu leads to the candidate's certifications
        assert page.locator("#link-manage-certs").count() == 0  # a candidate gets no HR link
        page.click("#link-my-certs")
        page.wait_for_url(re.compile(r"/my/certifications\?lang=zh$"))
        card = page.locator(f"article[data-cert-id='{cert_id}']")
        card.wait_for()
        assert NAME in card.inner_text() and card.locator(".attempts-used").inner_text() == "已用 0 / 1 次"
        card.locator(".start-attempt").click()
        page.wait_for_url(re.compile(rf"/certifications/{cert_id}/attempt/[0-9a-f]{{32}}"))
        session_id = page.url.split("/attempt/")[1].split("?")[0]
        page.wait_for_function("document.querySelector('#conn')?.textContent === '已连接'")

        assert page.locator("#countdown").is_visible()
        assert re.fullmatch(r"10:00|09:5\d", page.locator("#countdown-value").inner_text())
        assert page.locator("#silence, .silence").count() == 0  # no golden-silence timer
        assert "王建国" in page.locator("#persona-name").inner_text()
        replies = [chat(page, line, index, clock=server.clock) for index, line in enumerate(GOOD[:2])]
        assert all(replies)
        page.wait_for_function(
            "[...document.querySelectorAll('.msg.trainee .meta')].every(e => e.textContent.includes('已送达'))")
        assert page.locator(".feedback-chip, .feedback-reason").count() == 0
        kinds = {f["type"] for f in frames}
        assert "feedback" not in kinds and "scorecard" not in kinds
        assert "thinking" in kinds and page.locator("#thinking").is_hidden()  # shown only until the reply starts
        # the reply was streamed in pieces, and the page shows exactly what the pieces make
        last = next(f for f in reversed(frames) if f["type"] == "customer_end")
        pieces = [f["text"] for f in frames if f["type"] == "customer_delta" and f["seq"] == last["seq"]]
        assert len(pieces) > 1 and "".join(pieces).strip() == last["text"] == replies[-1]

        dialogs = Dialogs(page, accept=False)  # a slip of the mouse ends nothing
        page.click("#end")
        page.wait_for_timeout(300)
        assert dialogs.shown == ["确定结束并提交吗？提交后不能再继续。"] and page.locator("#submitted").is_hidden()
        assert not page.locator("#input").is_disabled()
        dialogs.accept = True
        page.click("#end")
        page.wait_for_function(f"document.querySelector('#submitted-message')?.textContent === {json.dumps(SUBMITTED)}")
        assert page.locator("#time-up-note").is_hidden()
        assert page.locator("#input").is_disabled() and page.locator("#send").is_disabled()
        assert any(f["type"] == "ended" and f["reason"] == "end" and f["result"] == "released_by_hr" for f in frames)
        assert server.get(f"/api/sessions/{session_id}", "alice").json()["status"] == "ended"
        assert server.get(f"/certifications/{cert_id}/attempt/{session_id}", "bob").status_code == 404  # alice's only

        page.reload()  # an ended attempt stays ended
        page.wait_for_function(f"document.querySelector('#submitted-message')?.textContent === {json.dumps(SUBMITTED)}")
        assert page.locator(".msg.trainee").count() == 2 and page.locator("#input").is_disabled()

        page.goto(f"{server.url}/my/certifications?lang=zh")
        card = page.locator(f"article[data-cert-id='{cert_id}']")
        card.locator(".result-pending").wait_for()
        assert card.locator(".attempts-used").inner_text() == "已用 1 / 1 次"
        assert card.locator(".start-attempt").count() == 0 and card.locator(".continue-attempt").count() == 0
        assert "次数已用完" in card.inner_text() and "成绩待 HR 发布" in card.inner_text()
    again = server.client("alice").post(f"/api/certifications/{cert_id}/attempts")
    assert again.status_code == 409 and again.json()["detail"]["code"] == "no_attempts_left"


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_server_submits_the_attempt_when_its_time_is_up(server: LiveServer) -> None:
    people(server, "alice")
    cert_id = create(server, candidates=("alice",), time_limit_s=600)
    attempt = server.client("alice").post(f"/api/certifications/{cert_id}/attempts").json()
    server.clock.advance(300)  # half the time went before the page was opened
    with chromium_page() as page:
        sign_in(page, server, "alice", next_path="/my/certifications")
        page.goto(f"{server.url}/my/certifications?lang=zh")
        page.locator(f"article[data-cert-id='{cert_id}'] .continue-attempt").click()  # the attempt still runs
        page.wait_for_url(re.compile(rf"/attempt/{attempt['id']}"))
        page.wait_for_function("document.querySelector('#conn')?.textContent === '已连接'")
        assert re.fullmatch(r"05:00|04:5\d", page.locator("#countdown-value").inner_text())  # the server's time left
        assert chat(page, GOOD[1], 0)
        assert page.locator("#submitted").is_hidden()

        server.clock.advance(301)
        page.locator("#time-up-note").wait_for(state="visible")
        assert page.locator("#time-up-note").inner_text() == "时间到，本次尝试已自动提交。"
        assert page.locator("#submitted-message").inner_text() == SUBMITTED
        assert page.locator("#countdown-value").inner_text() == "00:00"
        assert page.locator("#input").is_disabled() and page.locator("#end").is_disabled()
    assert server.get(f"/api/sessions/{attempt['id']}", "alice").json()["status"] == "ended"
    log = [e["action"] for e in server.get(f"/api/certifications/{cert_id}/audit", "hr1").json()]
    assert "attempt_time_up" in log and "attempt_ended" not in log


# ---- HR: results, CSV, re-grade, release; candidates: result, certificate; anyone: verify ----

def results_on_page(page: Any) -> list[dict[str, str]]:
    page.wait_for_selector("#results tbody tr")
    rows = []
    for tr in page.locator("#results tbody tr").all():
        row = {td.get_attribute("data-col"): td.inner_text().strip() for td in tr.locator("td").all()}
        row["passed"] = tr.locator("td[data-col=passed] .badge").inner_text()
        stamp = tr.locator("td[data-col=date] time")
        row["datetime"] = stamp.get_attribute("datetime") if stamp.count() else ""
        link = tr.locator("a.replay-link")
        row["replay_href"] = link.get_attribute("href") if link.count() else ""
        rows.append(row)
    return rows


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_results_match_the_csv_then_release_gives_the_candidate_a_verifiable_certificate(server: LiveServer) -> None:
    people(server, "alice", "bob", "carol")
    cert_id = create(server, candidates=("alice", "bob", "carol"), pass_mark=50)
    sessions = {"alice": asyncio.run(take(server, cert_id, "alice", GOOD)),
                "bob": asyncio.run(take(server, cert_id, "bob", PITCH))}
    with chromium_page(width=1300) as page:
        sign_in(page, server, "hr1", role="hr", next_path=f"/certifications/{cert_id}")
        page.goto(f"{server.url}/certifications/{cert_id}?lang=zh")
        shown = results_on_page(page)
        exported = server.client("hr1").get(f"/api/certifications/{cert_id}/results.csv")
        assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
        table = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
        assert [r["candidate"] for r in shown] == [r["candidate"] for r in table] == ["alice", "bob", "carol"]
        offset = page.evaluate("new Date().getTimezoneOffset()")
        for row, line in zip(shown, table, strict=True):
            assert row["attempts"] == line["attempts"]
            for column in [*DIMS, "overall"]:
                assert row[column] == (line[column] or "–"), (line["candidate"], column)
            assert row["passed"] == {"yes": "通过", "no": "未通过", "": "–"}[line["passed"]]
            if line["date"]:
                when = datetime.fromisoformat(line["date"]).replace(tzinfo=timezone.utc)  # UTC, to the second
                shown_at = datetime.fromisoformat(row["datetime"].replace("Z", "+00:00"))
                assert shown_at.replace(microsecond=0, tzinfo=shown_at.tzinfo or timezone.utc) == when
                assert row["date"] == (when - timedelta(minutes=offset)).strftime("%Y-%m-%d %H:%M")
            else:
                assert row["date"] == "–" and row["datetime"] == ""
        by_name = {r["candidate"]: r for r in shown}
        assert by_name["alice"]["passed"] == "通过" and by_name["bob"]["passed"] == "未通过"
        for name, session_id in sessions.items():
            assert by_name[name]["replay_href"].startswith(f"/sessions/{session_id}/replay")
        assert by_name["carol"]["replay_href"] == "" and by_name["carol"]["overall"] == "–"
        assert page.get_attribute("#download-csv", "href") == f"/api/certifications/{cert_id}/results.csv"

        dialogs = Dialogs(page)
        page.click("#release")
        page.wait_for_function("document.querySelector('#release-status')?.textContent.length > 0")
        assert dialogs.shown == ["发布后考生即可看到自己的成绩，通过者获得证书。确定发布吗？"]
        assert page.locator("#release-status").inner_text() == "成绩已发布，颁发证书 1 张。"
        page.wait_for_function("document.querySelector('#released-badge')?.textContent === '已发布'")
        page.wait_for_selector("#audit tr[data-action=results_released]")
        screenshot(page, "certification")

        alice = page.context.browser.new_context(viewport={"width": 1000, "height": 900})
        mine = alice.new_page()
        sign_in(mine, server, "alice", next_path="/my/certifications")
        mine.goto(f"{server.url}/my/certifications?lang=zh")
        result = mine.locator(f"article[data-cert-id='{cert_id}'] .my-result")
        result.locator(".overall").wait_for()
        assert result.locator(".overall").inner_text() == by_name["alice"]["overall"]
        assert result.locator(".badge").inner_text() == "通过"
        assert result.locator(".dim-value").all_inner_texts() == [by_name["alice"][d] for d in DIMS]
        result.locator(".full-scorecard-link").click()  # the whole scorecard, next steps first
        mine.wait_for_url(re.compile(rf"/sessions/{sessions['alice']}/replay"))
        mine.locator("#next-steps").wait_for()
        mine.go_back()
        mine.locator(".certificate-link").click()
        mine.wait_for_url(re.compile(r"/certificates/[0-9A-F]+"))
        code = mine.locator("#c-code").inner_text()
        assert mine.locator("#c-candidate").inner_text() == "alice"
        assert mine.locator("#c-certification").inner_text() == NAME
        assert mine.locator("#c-score").inner_text() == by_name["alice"]["overall"]
        assert mine.locator("#c-pass-mark").inner_text() == "50"
        assert mine.locator("#c-verify-url").inner_text() == f"{server.url}/verify/{code}"
        assert mine.locator("#c-invalid").count() == 0
        screenshot(mine, "certificate")

        # a candidate sees neither another candidate's replay nor the HR page
        assert mine.goto(f"{server.url}/sessions/{sessions['bob']}/replay").status == 404
        assert mine.goto(f"{server.url}/certifications/{cert_id}").status == 403
        assert mine.locator("h1").inner_text() == "无权访问"
        bob = server.client("bob")
        assert bob.get(f"/certificates/{code}").status_code == 404  # not bob's certificate
        assert server.get(f"/certificates/{code}", "hr1").status_code == 200
        alice.close()

        anyone = page.context.browser.new_context()  # no sign-in at all
        public = anyone.new_page()
        answer = public.goto(f"{server.url}/verify/{code}?lang=zh")
        assert answer.status == 200 and public.locator("#who-am-i").count() == 0
        assert public.locator("#verify").get_attribute("data-state") == "valid"
        assert public.locator("#verdict").inner_text() == "有效：证书真实，记录未被篡改。"
        assert public.locator("#v-candidate").inner_text() == "alice"
        assert public.locator("#v-certification").inner_text() == NAME
        assert public.locator("#v-score").inner_text().startswith(by_name["alice"]["overall"])
        assert public.goto(f"{server.url}/verify/NOPE1234?lang=zh").status == 404
        assert public.locator("#verdict").inner_text() == "未知验证码：没有证书使用此验证码。"
        with server.app.state.context.db() as db:  # change what alice said after the certificate was issued
            turn = db.exec(select(Turn).where(Turn.session_id == sessions["alice"], Turn.speaker == "trainee")).first()
            assert turn is not None
            turn.text = "改过的话"
            db.add(turn)
            db.commit()
        public.goto(f"{server.url}/verify/{code}?lang=en")
        assert public.locator("#verify").get_attribute("data-state") == "tampered"
        assert "tampered" in public.locator("#verdict").inner_text()
        anyone.close()


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_regrade_shows_progress_then_before_and_after_and_the_audit_log_records_it(server: LiveServer) -> None:
    people(server, "alice", "bob")
    cert_id = create(server)
    asyncio.run(take(server, cert_id, "alice", GOOD))
    asyncio.run(take(server, cert_id, "bob", [*PITCH, "下周能签合同吗?"]))
    before = {r["candidate"]: r["overall"] for r in server.get(f"/api/certifications/{cert_id}/results", "hr1").json()}
    polls: list[str] = []
    with chromium_page(width=1300) as page:
        page.on("request", lambda request: polls.append(request.url) if "/regrade/" in request.url else None)
        sign_in(page, server, "hr1", role="hr", next_path=f"/certifications/{cert_id}")
        page.goto(f"{server.url}/certifications/{cert_id}?lang=zh")
        page.wait_for_selector("#results tbody tr")
        assert page.locator("#definition td[data-key=rubric]").inner_text() == "认证标准"
        assert page.locator("#regrade-rubric").input_value() == "certification"  # the certification's own
        page.select_option("#regrade-rubric", "default")
        dialogs = Dialogs(page, accept=False)  # another rubric is never taken silently
        page.click("#regrade-submit")
        page.wait_for_function("!document.querySelector('#regrade-submit').disabled")
        assert dialogs.shown == ["重新评分将把本认证的评分标准从「认证标准」改为「默认标准」，之后的尝试也按新标准评分，并记入审计日志。确定吗？"]
        assert page.locator("#regrade-progress").is_hidden() and not polls
        assert server.get(f"/api/certifications/{cert_id}", "hr1").json()["rubric"] == "certification"
        dialogs.accept = True
        page.click("#regrade-submit")
        page.locator("#regrade-table").wait_for(state="visible")
        assert page.locator("#regrade-count").inner_text() == "已完成 2 / 2 · 重新评分完成"
        assert page.locator("#regrade-bar").evaluate("e => e.style.width") == "100%"
        assert polls and all(re.search(rf"/api/certifications/{cert_id}/regrade/\d+$", url) for url in polls)
        run_id = polls[0].rsplit("/", 1)[1]
        run = server.get(f"/api/certifications/{cert_id}/regrade/{run_id}", "hr1").json()
        rows = {tr.get_attribute("data-candidate"): tr for tr in page.locator("#regrade-table tbody tr").all()}
        assert set(rows) == {"alice", "bob"}
        for item in run["comparison"]:
            cells = rows[item["candidate"]].locator("td").all_inner_texts()
            assert cells[1:3] == [str(item["before"]), str(item["after"])]
            assert int(cells[1]) == before[item["candidate"]]
            assert ("changed" in (rows[item["candidate"]].get_attribute("class") or "")) == item["changed"]
            assert cells[5] == ("有变化" if item["changed"] else "无变化")
        assert any(item["changed"] for item in run["comparison"])
        page.wait_for_function("document.querySelector('#definition td[data-key=rubric]')?.textContent === '默认标准'")
        page.wait_for_function(
            "want => [...document.querySelectorAll('#results tbody tr')].every("
            "tr => String(want[tr.dataset.candidate]) === tr.querySelector('[data-col=overall]').textContent)",
            arg={item["candidate"]: item["after"] for item in run["comparison"]},
        )
        page.wait_for_selector("#audit tr[data-action=regrade_finished]")
        started = page.locator("#audit tr[data-action=regrade_started]")
        assert "hr1" in started.inner_text() and "开始重新评分" in started.inner_text()
        assert "rubric: default" in started.inner_text()
        changed = page.locator("#audit tr[data-action=rubric_changed]")
        assert "更改评分标准" in changed.inner_text() and '"from":"certification","to":"default"' in changed.inner_text()
        actions = page.locator("#audit tbody tr").evaluate_all("rows => rows.map(r => r.dataset.action)")
        for expected in ("certification_created", "candidates_enrolled", "attempt_started", "attempt_ended",
                         "results_viewed", "rubric_changed", "regrade_started", "scorecard_regraded", "regrade_finished"):
            assert expected in actions, expected
        assert actions.index("regrade_finished") < actions.index("regrade_started")  # newest first
        headers = page.locator("#audit thead th").all_inner_texts()
        assert headers == ["时间", "操作人", "操作", "详情"]


# ---- the results table: each score under its own heading, and the reason a fail passed the pass mark ----

ZH_DIMS = {"questioning": "提问", "listening": "倾听", "commitment": "行动承诺", "concerns": "顾虑处理", "motive_fit": "动机匹配"}
MINIMUMS = {"questioning": 60, "listening": 60, "commitment": 50}  # scoring/rubrics/certification.yaml


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_each_score_sits_under_its_own_heading_and_a_missed_minimum_is_the_visible_reason(server: LiveServer) -> None:
    people(server, "alice", "bob")
    cert_id = create(server, pass_mark=30)
    asyncio.run(take(server, cert_id, "alice", GOOD))
    asyncio.run(take(server, cert_id, "bob", PITCH))
    api = {r["candidate"]: r for r in server.get(f"/api/certifications/{cert_id}/results", "hr1").json()}
    bob = api["bob"]
    with chromium_page(width=1300) as page:
        sign_in(page, server, "hr1", role="hr", next_path=f"/certifications/{cert_id}")
        page.goto(f"{server.url}/certifications/{cert_id}?lang=zh")
        page.wait_for_function("document.querySelectorAll('#results tbody tr').length === 2")
        page.wait_for_selector("#definition td[data-key=pass_mark]")  # drawn with the minimums in the headings
        headings = page.locator("#results thead th").all_inner_texts()
        for name, row in api.items():
            cells = page.locator(f"#results tbody tr[data-candidate='{name}'] td").all_inner_texts()
            under = dict(zip(headings, cells, strict=True))  # what a reader sees under each heading
            for dim, zh in ZH_DIMS.items():
                heading = zh + (f" ≥ {MINIMUMS[dim]}" if dim in MINIMUMS else "")
                assert under[heading] == str(row["dimensions"][dim]), (name, heading)
            assert len(set(row["dimensions"].values())) > 1  # the check above could tell the columns apart
        assert bob["overall"] >= 30 and bob["passed"] is False and bob["below_minimum"]  # "not passed" above the mark
        bob_row = page.locator("#results tbody tr[data-candidate='bob']")
        reason = "低于最低分：" + "、".join(f"{ZH_DIMS[d]} {bob['dimensions'][d]} < {MINIMUMS[d]}" for d in bob["below_minimum"])
        assert bob_row.locator("td[data-col=passed] .badge").inner_text() == "未通过"
        assert bob_row.locator("td[data-col=passed] .fail-reason").inner_text() == reason
        flagged = bob_row.locator("td.below-min").evaluate_all("cells => cells.map(c => c.dataset.col)")
        assert flagged == bob["below_minimum"]
        assert page.locator("#results tbody tr[data-candidate='alice'] .fail-reason").count() == 0
        assert page.locator("#definition td[data-key=min_dimension]").inner_text() == "提问 ≥ 60\n倾听 ≥ 60\n行动承诺 ≥ 50"

        Dialogs(page)
        page.click("#release")
        page.wait_for_function("document.querySelector('#released-badge')?.textContent === '已发布'")
        candidate = page.context.browser.new_context()
        mine = candidate.new_page()
        sign_in(mine, server, "bob", next_path="/my/certifications")
        mine.goto(f"{server.url}/my/certifications?lang=zh")
        result = mine.locator(f"article[data-cert-id='{cert_id}'] .my-result")
        result.locator(".overall").wait_for()
        assert result.locator(".badge").inner_text() == "未通过"
        assert result.locator(".fail-reason").inner_text() == reason  # the candidate sees the reason too
        assert result.locator(".dim-value.below-min").count() == len(bob["below_minimum"])
        candidate.close()


# ---- /verify: a form for the code; valid, superseded and revoked with their dates; never "tampered" for HR ----

@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_verify_has_a_form_and_tells_superseded_and_revoked_certificates_from_tampered_ones(server: LiveServer) -> None:
    people(server, "alice")
    cert_id = create(server, candidates=("alice",), pass_mark=1)
    session_id = asyncio.run(take(server, cert_id, "alice", GOOD))
    hr = server.client("hr1")
    first = next(c["code"] for c in hr.post(f"/api/certifications/{cert_id}/release").json()["certificates"])
    today = datetime.now(timezone.utc).strftime("%Y-%m-%d")

    def regrade() -> None:
        run_id = hr.post(f"/api/certifications/{cert_id}/regrade", json={}).json()["run_id"]
        for _ in range(400):
            if server.get(f"/api/certifications/{cert_id}/regrade/{run_id}", "hr1").json()["status"] == "done":
                return
            threading.Event().wait(0.05)
        raise AssertionError("the re-grade did not finish")

    with chromium_page() as page:
        answer = page.goto(f"{server.url}/verify?lang=zh")  # nobody signed in, no code yet: a form
        assert answer.status == 200 and page.locator("#verify").get_attribute("data-state") == "form"
        assert page.locator("#verify-hint").inner_text() == "输入证书上印的验证码，查看证书是否有效。"
        page.fill("#verify-code", f" {first.lower()} ")
        page.click("#verify-submit")
        page.wait_for_url(re.compile(rf"/verify/{first}\?lang=zh$"))
        assert page.locator("#verify").get_attribute("data-state") == "valid"

        regrade()  # the pass holds: a new certificate supersedes the first
        second = server.get(f"/api/certifications/{cert_id}/my-result", "alice").json()["certificate"]
        assert second not in (None, first)
        page.reload()
        assert page.locator("#verify").get_attribute("data-state") == "superseded"
        assert page.locator("#verdict").inner_text() == f"已被取代：此证书已于 {today} 换发为新证书 {second}，请以新证书为准。"
        page.click("#v-new")
        page.wait_for_url(re.compile(rf"/verify/{second}\?lang=zh$"))
        assert page.locator("#verify").get_attribute("data-state") == "valid"

        hr.put(f"/api/certifications/{cert_id}", json=server.get(f"/api/certifications/{cert_id}", "hr1").json()
               | {"pass_mark": 100})
        regrade()  # now it fails: the certificate in force is revoked
        page.goto(f"{server.url}/verify/{second}?lang=en")
        assert page.locator("#verify").get_attribute("data-state") == "revoked"
        assert page.locator("#verdict").inner_text() == f"Revoked: this certificate was revoked on {today} and is no longer valid."
        assert page.locator("#verify-submit").inner_text() == "Verify another certificate"
        page.goto(f"{server.url}/verify?lang=en")
        assert page.locator("#verify-submit").inner_text() == "Verify"
        page.fill("#verify-code", "NOPE1234")
        page.click("#verify-submit")
        page.wait_for_url(re.compile(r"/verify/NOPE1234\?lang=en$"))
        assert page.locator("#verify").get_attribute("data-state") == "unknown"
    assert server.get(f"/api/sessions/{session_id}/scorecard", "hr1").json()["overall"] is not None


def test_a_regrade_that_fails_says_so_and_the_button_works_again(server: LiveServer) -> None:
    people(server, "alice")
    cert_id = create(server, candidates=("alice",))
    session_id = asyncio.run(take(server, cert_id, "alice", GOOD))
    with server.app.state.context.db() as db:  # a stored line no transcript can hold: grading it raises
        turn = db.exec(select(Turn).where(Turn.session_id == session_id).order_by(Turn.seq)).first()
        turn.speaker = "robot"
        db.add(turn)
        db.commit()
    with chromium_page(width=1300) as page:
        sign_in(page, server, "hr1", role="hr", next_path=f"/certifications/{cert_id}")
        for lang, text in (("zh", "重新评分出错，已中止：已完成的答卷保留新成绩，可以重新开始。"),
                           ("en", "The re-grade stopped on an error: attempts already re-graded keep their new "
                                  "result, and you can start it again.")):
            page.goto(f"{server.url}/certifications/{cert_id}?lang={lang}")
            page.wait_for_selector("#results tbody tr")
            page.click("#regrade-submit")
            page.locator("#regrade-error").wait_for(state="visible")
            assert page.locator("#regrade-error").inner_text() == text
            assert page.locator("#regrade-submit").is_enabled() and page.locator("#regrade-table").is_hidden()
        page.wait_for_selector("#audit tr[data-action=regrade_failed]")
