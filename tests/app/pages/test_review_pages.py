"""The coach-facing pages in real headless Chromium: sign-in, library, replay, comments, calibration.

Every session is first driven over the real WebSocket with the fake clock (tests/app/pages/drive.py),
so the transcripts carry real typing, reply and pause times. Coach "laoshi" has trainees "alice"
and "bob". The server and its sessions are built once for the module; tests that write (comments,
corrections) assert only what their own writes must cause.
"""

import asyncio
import re
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from markupsafe import escape

from app.core.clock import FakeClock
from app.core.config import Settings
from app.storage.models import Scorecard
from tests.app.pages.drive import Line, run_session
from tests.app.pages.scorecard import assert_scorecard_shown, text
from tests.utils.browser import chromium_page, screenshot, sign_in
from tests.utils.server import PASSWORD, LiveServer, run_server

pytestmark = pytest.mark.browser

# Alice's main session: nine lines with varied labels, a broken question (line 4 then 5 sent
# 0.8 s apart), a missed silence after an answer (line 3, 1 s) and held ones (5 s and more).
RICH = [
    Line("王主任您好,我是远程会诊系统的小李,今天主要想听听您这边的情况。", think=0.5),
    Line("现在县医院和咱们之间会诊,最让您头疼的是什么?", think=5.0),
    Line("还有呢?", think=1.0),
    Line("这个项目的时间要求和审批流程是怎样的?", think=6.0, wait_reply=False),
    Line("预算大概是多少?", think=0.3, type_for=0.5),
    Line("我们的系统支持4K高清影像,去年在二十多家医院上线,非常稳定。", think=4.5),
    Line("如果故障两小时内有人到现场,您是不是就放心多了?", think=5.0),
    Line("我确认一下,您是希望先拿一家县医院试点,稳定了再推广,对吗?", think=5.0),
    Line("下周三上午能请您提供一下近三个月的故障记录,我们帮您分析原因吗?", think=5.0),
]
PITCHY = [
    Line("王主任您好,我们的远程会诊系统是业内最好的,功能最全。", think=0.5),
    Line("我们还支持4K高清和AI辅助诊断,服务过上百家医院。", think=1.0),
    Line("价格也很有优势,比同类产品便宜两成。", think=1.0),
    Line("下周能安排您和院长看一下我们的演示吗?", think=1.5),
]
ENGLISH = [
    Line("Hi Daniel, thanks for making the time today.", think=0.5),
    Line("What is the biggest problem your team has with incidents today?", think=5.0),
    Line("Tell me more.", think=5.0),
    Line("So, to make sure I have it: the alert noise is what hurts most, right?", think=5.0),
]
SHORT_PAUSES = [
    Line("您好王主任,我们公司是做远程会诊的。", think=0.5),
    Line("您现在用的是哪家的系统?", think=1.0),
    Line("我们的系统比他们的稳定很多。", think=0.5),
]
GROWTH = [
    Line("陈总您好,今天想先听听您对车间数字化的想法。", think=0.5),
    Line("您希望三年后车间是什么样子?", think=5.0),
    Line("还有呢?", think=5.0),
    Line("我确认一下,您最看重的是设备联网和质量追溯,对吗?", think=5.0),
]


@dataclass
class Library:
    server: LiveServer
    sessions: dict[str, list[str]] = field(default_factory=dict)  # trainee -> session ids, in order
    cards: dict[str, dict[str, Any]] = field(default_factory=dict)  # session id -> scorecard
    transcripts: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def rich(self) -> str:
        return self.sessions["alice"][0]

    @property
    def pitchy(self) -> str:
        return self.sessions["alice"][1]

    def all_ids(self) -> set[str]:
        return {sid for ids in self.sessions.values() for sid in ids}

    def url(self, path: str) -> str:
        return f"{self.server.url}{path}"


@pytest.fixture(scope="module")
def lib(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Library]:
    db = tmp_path_factory.mktemp("review") / "peilian.db"
    settings = Settings(DATABASE_URL=f"sqlite:///{db}", customer_delay_scale=1.0)
    with run_server(settings, FakeClock()) as server:
        server.add_user("laoshi", role="coach")
        server.add_user("alice", coach="laoshi")
        server.add_user("bob", coach="laoshi")
        library = Library(server)

        async def build() -> None:
            plan = [("alice", "hospital-it-rescue", RICH), ("alice", "hospital-it-rescue", PITCHY),
                    ("alice", "saas-observability-rescue", ENGLISH), ("bob", "hospital-it-rescue", SHORT_PAUSES),
                    ("bob", "auto-parts-mes-growth", GROWTH)]
            for user, persona, lines in plan:
                sid = await run_session(server, user, persona, lines)
                library.sessions.setdefault(user, []).append(sid)

        asyncio.run(asyncio.wait_for(build(), timeout=180))
        coach = server.client("laoshi")
        for sid in library.all_ids():
            library.cards[sid] = coach.get(f"/api/sessions/{sid}/scorecard").json()
            library.transcripts[sid] = coach.get(f"/api/sessions/{sid}/transcript").json()
        yield library


def rows(page: Any) -> list[str]:
    return page.locator("#library tbody tr").evaluate_all("rs => rs.map(r => r.dataset.sessionId)")


def clock_text(seconds: float) -> str:
    """mm:ss.s, a tie rounded up as JavaScript's toFixed rounds it."""
    minutes, rest = divmod(max(seconds, 0.0), 60)
    tenths = Decimal(rest).quantize(Decimal("0.1"), ROUND_HALF_UP)
    if tenths >= 60:
        minutes, tenths = minutes + 1, tenths - 60
    return f"{int(minutes):02d}:{tenths:04}"


def read_clock(page: Any) -> float:
    minutes, seconds = page.locator("#clock").inner_text().split(":")
    return int(minutes) * 60 + float(seconds)


def open_replay(page: Any, lib: Library, sid: str, lang: str = "zh") -> None:
    page.goto(lib.url(f"/sessions/{sid}/replay?lang={lang}"))
    page.wait_for_selector("body[data-replay-ready=true]")


def turn_of(lib: Library, sid: str, seq: int) -> dict[str, Any]:
    return next(t for t in lib.transcripts[sid]["turns"] if t["seq"] == seq)


# ---- sign-in ----

def test_sign_in_wrong_then_right_password_then_sign_out(lib: Library) -> None:
    with chromium_page() as page:
        page.goto(lib.url("/sessions?lang=zh"))
        assert "/login" in page.url  # pages need a sign-in
        page.fill("input[name=username]", "laoshi")
        page.fill("input[name=password]", "not the password")
        page.click("#login-form button[type=submit]")
        assert page.locator(".form-error").inner_text() == "用户名或密码不正确"
        assert page.locator("#who-am-i").count() == 0
        page.fill("input[name=password]", PASSWORD)
        page.click("#login-form button[type=submit]")
        page.wait_for_selector("#library")
        assert page.url.startswith(lib.url("/sessions"))  # back to the page asked for
        assert "laoshi" in page.locator("#who-am-i").inner_text()
        page.click("#logout")
        page.wait_for_selector("#login-form")
        page.goto(lib.url("/sessions"))
        assert "/login" in page.url and page.locator("#library").count() == 0


# ---- the library ----

def test_library_filters_sort_and_pages_for_the_coach(lib: Library) -> None:
    alice, bob = set(lib.sessions["alice"]), set(lib.sessions["bob"])
    scores = {sid: card["overall"] for sid, card in lib.cards.items()}
    with chromium_page(width=1280, height=800) as page:
        sign_in(page, lib.server, "laoshi", next_path="/sessions")
        page.goto(lib.url("/sessions?lang=zh"))
        assert set(rows(page)) == alice | bob
        assert page.locator("#library-count").inner_text() == "共 5 条练习记录"

        # Trainee filter, through the form; the URL keeps it and a reload shows the same rows.
        page.fill("#f-trainee", "bob")
        page.click("#apply-filters")
        page.wait_for_url(re.compile(r"trainee=bob"))
        assert set(rows(page)) == bob
        assert set(page.locator("td.col-trainee").all_inner_texts()) == {"bob"}
        page.reload()
        assert page.locator("#f-trainee").input_value() == "bob" and set(rows(page)) == bob

        # Score range: exactly the sessions whose overall lies inside it.
        ordered = sorted(scores.values())
        low, high = ordered[1], ordered[3]
        page.goto(lib.url(f"/sessions?lang=zh&score_min={low}&score_max={high}"))
        assert set(rows(page)) == {sid for sid, s in scores.items() if low <= s <= high}
        assert page.locator("#f-score-min").input_value() == str(low)
        for text in page.locator("td.col-score").all_inner_texts():
            assert low <= int(text) <= high

        # Passed yes / no.
        page.goto(lib.url("/sessions?lang=zh"))
        page.select_option("#f-passed", "yes")
        page.click("#apply-filters")
        page.wait_for_url(re.compile(r"passed=yes"))
        assert set(rows(page)) == {sid for sid, card in lib.cards.items() if card["passed"] is True}
        page.goto(lib.url("/sessions?lang=zh&passed=no"))
        assert set(rows(page)) == {sid for sid, card in lib.cards.items() if card["passed"] is False}

        # Persona filter.
        page.goto(lib.url("/sessions?lang=zh"))
        page.select_option("#f-persona", "hospital-it-rescue")
        page.click("#apply-filters")
        page.wait_for_url(re.compile(r"persona=hospital-it-rescue"))
        expected = {sid for sid, tr in lib.transcripts.items() if tr["persona_id"] == "hospital-it-rescue"}
        assert set(rows(page)) == expected and len(expected) == 3

        # Sort by score: highest first, then a second click turns it round.
        page.goto(lib.url("/sessions?lang=zh"))
        page.click("a.sort[data-sort=overall]")
        page.wait_for_url(re.compile(r"sort=overall"))
        by_score = [int(s) for s in page.locator("td.col-score").all_inner_texts()]
        assert by_score == sorted(scores.values(), reverse=True)
        page.click("a.sort[data-sort=overall]")
        page.wait_for_url(re.compile(r"order=asc"))
        assert [int(s) for s in page.locator("td.col-score").all_inner_texts()] == sorted(scores.values())
        page.click("a.sort[data-sort=trainee]")
        page.wait_for_url(re.compile(r"sort=trainee"))
        assert page.locator("td.col-trainee").all_inner_texts() == ["alice"] * 3 + ["bob"] * 2

        # Pages of two: 2 + 2 + 1 rows, every session once, "page N of M" and the total.
        page.goto(lib.url("/sessions?lang=zh&page_size=2&sort=overall&order=desc"))
        seen: list[str] = []
        for number in (1, 2, 3):
            assert page.locator("#page-of").inner_text() == f"第 {number} / 3 页"
            assert page.locator("#library-count").inner_text() == "共 5 条练习记录"
            seen += rows(page)
            if number < 3:
                page.click("#next-page")
                page.wait_for_url(re.compile(rf"page={number + 1}"))
        assert len(seen) == 5 and set(seen) == alice | bob
        assert [scores[s] for s in seen] == sorted(scores.values(), reverse=True)  # the sort holds across pages
        assert page.locator("#next-page").count() == 0
        page.click("#prev-page")
        page.wait_for_url(re.compile(r"page=2"))
        assert rows(page) == seen[2:4]

        # Dates: the day the sessions were made (UTC) holds them all, the day before none.
        made = datetime.fromisoformat(lib.server.client("laoshi").get(f"/api/sessions/{lib.rich}").json()["created_at"])
        day = made.date()
        page.goto(lib.url(f"/sessions?lang=zh&date_from={day}&date_to={day}"))
        assert set(rows(page)) == alice | bob
        assert page.locator("#f-date-from").input_value() == day.isoformat()
        page.goto(lib.url(f"/sessions?lang=zh&date_to={day - timedelta(days=1)}"))
        assert rows(page) == [] and page.locator("#library-empty").count() == 1

        # Each row opens its replay.
        page.goto(lib.url("/sessions?lang=zh"))
        page.locator(f"tr[data-session-id='{lib.rich}'] a.replay-link").click()
        page.wait_for_selector("body[data-replay-ready=true]")
        assert page.url.startswith(lib.url(f"/sessions/{lib.rich}/replay"))

        page.goto(lib.url("/sessions?lang=zh"))
        screenshot(page, "library")


def test_a_trainee_sees_only_their_own_sessions(lib: Library) -> None:
    with chromium_page() as page:
        sign_in(page, lib.server, "alice", next_path="/sessions")
        page.goto(lib.url("/sessions?lang=zh"))
        assert set(rows(page)) == set(lib.sessions["alice"])
        assert page.locator("#f-trainee").count() == 0  # no trainee filter for a trainee
        page.goto(lib.url("/sessions?lang=zh&trainee=bob"))  # a crafted URL changes nothing
        assert set(rows(page)) == set(lib.sessions["alice"])
        page.goto(lib.url(f"/sessions/{lib.sessions['bob'][0]}/replay"))
        assert page.locator("#error-page").count() == 1  # bob's session does not exist for alice
        page.goto(lib.url("/calibration"))
        assert page.locator("#error-page h1").inner_text() == "没有权限"
        assert page.locator("a.nav-link[href^='/calibration']").count() == 0


# ---- the replay ----

def test_replay_plays_pauses_and_reveals_turns_in_order(lib: Library) -> None:
    sid = lib.rich
    with chromium_page() as page:
        sign_in(page, lib.server, "laoshi")
        open_replay(page, lib, sid)
        assert page.locator("#turns .turn[data-state=done]:not([hidden])").count() == len(lib.transcripts[sid]["turns"])
        assert page.locator("#h-trainee").inner_text() == "alice"
        assert page.locator("#h-overall").inner_text() == str(lib.cards[sid]["overall"])

        page.click(".speed[data-speed='4']")
        page.click("#play")
        page.wait_for_function("document.querySelectorAll('#turns .turn[data-state=done]').length >= 3")
        page.click("#play")  # pause
        paused_at = read_clock(page)
        assert paused_at > 4.0
        page.wait_for_timeout(600)
        assert read_clock(page) == paused_at  # paused: the clock stands still
        states = page.locator("#turns .turn").evaluate_all(
            "ts => ts.map(t => [Number(t.dataset.seq), t.dataset.state])")
        shown = [seq for seq, state in states if state != "hidden"]
        hidden = [seq for seq, state in states if state == "hidden"]
        assert shown == sorted(shown) and (not hidden or max(shown) < min(hidden))  # revealed in order
        for turn in lib.transcripts[sid]["turns"]:  # and exactly those whose time has come
            trainee = turn["speaker"] == "trainee"
            start = turn.get("typing_started_at", turn.get("sent_at")) if trainee else turn["started_at"]
            if abs(start - paused_at) > 0.1:  # the clock shows tenths
                assert (turn["seq"] in shown) == (start < paused_at), (turn["seq"], start, paused_at)

        # 4× runs about four times faster than 1× (measured loosely in real time).
        def advance_for(ms: int) -> float:
            before = read_clock(page)
            page.click("#play")
            page.wait_for_timeout(ms)
            page.click("#play")
            return read_clock(page) - before

        fast = advance_for(1000)
        page.click(".speed[data-speed='1']")
        slow = advance_for(1000)
        assert slow > 0.5 and 2.5 < fast / slow < 6

        # A customer reply is revealed progressively between its start and its end.
        reply = turn_of(lib, sid, 4)
        assert reply["ended_at"] - reply["started_at"] > 1
        mid = (reply["started_at"] + reply["ended_at"]) / 2
        page.locator("#timeline").click(position=timeline_position(page, lib, sid, mid))
        shown_text = page.locator("#turn-4 .text").inner_text()
        assert page.locator("#turn-4").get_attribute("data-state") == "speaking"
        assert 0 < len(shown_text) < len(reply["text"]) and reply["text"].startswith(shown_text)


def timeline_position(page: Any, lib: Library, sid: str, seconds: float) -> dict[str, float]:
    """Where on the timeline SVG (in CSS pixels) a moment lies."""
    box = page.locator("#timeline").bounding_box()
    view = page.locator("#timeline").evaluate("s => s.viewBox.baseVal.width")
    duration = max(t.get("sent_at", t.get("ended_at", 0)) for t in lib.transcripts[sid]["turns"])
    x = 64 + seconds / duration * (view - 64 - 14)
    return {"x": x * box["width"] / view, "y": 73}  # below the lanes and marks: a seek, not a jump


def test_replay_jumps_labels_and_timeline_marks(lib: Library) -> None:
    sid = lib.rich
    card = lib.cards[sid]
    lines = [t["seq"] for t in lib.transcripts[sid]["turns"] if t["speaker"] == "trainee"]
    missed_at, broken_at = lines[2], lines[3]  # RICH: line 3 answers after 1 s; line 4 is cut off by line 5
    with chromium_page() as page:
        sign_in(page, lib.server, "laoshi")
        open_replay(page, lib, sid)

        # Jump with the turn select: the clock shows the moment line 5 was sent; the line is highlighted.
        page.select_option("#turn-select", "5")
        assert page.locator("#clock").inner_text() == clock_text(turn_of(lib, sid, 5)["sent_at"])
        assert "highlight" in page.locator("#turn-5").get_attribute("class")
        assert page.locator("#turn-5").get_attribute("data-state") == "done"
        assert page.locator("#turn-6").get_attribute("data-state") == "hidden"
        assert page.locator(".turn.highlight").count() == 1

        # Every trainee line shows its label and the rule's reason, not the rule's id.
        for turn in card["turns"]:
            node = page.locator(f"#turn-{turn['seq']}")
            page.select_option("#turn-select", str(turn["seq"]))
            assert node.locator(".feedback-chip.auto").get_attribute("data-label") == turn["label"]
            assert turn["reason"] in node.locator(".feedback-reason").inner_text()
            assert turn["rule"] not in node.inner_text()
        assert "探索类提问 · 需求" in page.locator("#turn-3 .feedback-chip.auto").inner_text()

        # The timeline: a mark for every answer pause (held or missed) and every question silence.
        kinds = page.locator("#timeline .mark").evaluate_all(
            "ms => ms.map(m => [m.dataset.kind, Number(m.dataset.seq)])")
        answers = {(("answer_held" if p["held"] else "answer_missed"), p["seq"]) for p in card["pauses"]}
        assert {tuple(k) for k in kinds if k[0].startswith("answer")} == answers
        broken = {p["seq"] for p in card["points"] if p["rule"] == "listening.question_broken"}
        assert broken == {broken_at}
        assert {k[1] for k in kinds if k[0] == "question_broken"} == broken
        questions = [t["seq"] for t in card["turns"] if t["label"] != "statement"]
        assert sorted(k[1] for k in kinds if k[0].startswith("question")) == questions
        assert card["silence"]["after_question"]["held"] == sum(1 for k in kinds if k[0] in ("question_held",
                                                                                          "question_answered"))
        assert ("answer_missed", missed_at) in answers and ("answer_held", broken_at) in answers  # the known ones
        missed = page.locator(f"#timeline .mark.missed[data-seq='{missed_at}']")
        shown_s = next(p["shown_s"] for p in card["pauses"] if p["seq"] == missed_at)
        assert missed.locator("text").text_content() == f"{shown_s:.1f}/4 s"
        assert f"{shown_s:.1f}" in missed.locator("title").text_content()
        assert page.locator("#timeline .mark.broken").count() == 1
        assert page.locator("#timeline .mark.held, #timeline .mark.answered").count() == len(kinds) - 2
        assert page.locator("#timeline rect.pause").count() > 5  # every pause is drawn

        # Clicking a mark jumps to its line; clicking a point of the scorecard too.
        page.select_option("#turn-select", "1")
        page.locator(f"#timeline .mark.missed[data-seq='{missed_at}'] circle").click(force=True)
        assert "highlight" in page.locator(f"#turn-{missed_at}").get_attribute("class")
        assert page.locator(f"#turn-{missed_at} .silence-chip.missed").count() == 1
        page.locator(f"#points tbody[data-dimension=listening] tr.point[data-seq='{broken_at}'] button.point-turn").first.click()
        assert "highlight" in page.locator(f"#turn-{broken_at}").get_attribute("class")
        assert page.locator("#clock").inner_text() == clock_text(turn_of(lib, sid, broken_at)["sent_at"])
        assert page.locator(f"#turn-{broken_at} .silence-chip.broken").count() == 1

        # Scorecard, radar and trend.
        assert page.locator("#points tr.point").count() == len(card["points"])
        assert page.locator("#radar polygon.area.auto").count() == 1
        trend = page.locator("#trend a.point")
        assert trend.count() == 3  # alice's three scored sessions
        assert page.locator(f"#trend a.point.current[data-session-id='{sid}']").count() == 1

        # The export link is the transcript JSON; the printable page is server-rendered.
        href = page.locator("#export-json").get_attribute("href")
        assert lib.server.client("laoshi").get(href).json() == lib.transcripts[sid]


def test_replay_shows_what_the_customer_decided_on_each_turn(lib: Library) -> None:
    """The engine's record (DESIGN 4.1 acts) beside each customer turn, in the page's language."""
    for sid, lang, told in ((lib.rich, "zh", "透露"), (lib.sessions["alice"][2], "en", "Told")):
        customer = [t for t in lib.transcripts[sid]["turns"] if t["speaker"] == "customer"]
        assert customer and all(t["acts"] for t in customer)
        with chromium_page() as page:
            sign_in(page, lib.server, "laoshi")
            open_replay(page, lib, sid, lang=lang)
            page.select_option("#turn-select", str(customer[-1]["seq"]))
            for turn in customer:
                chips = page.locator(f"#turn-{turn['seq']} .turn-acts .act-chip")
                assert chips.evaluate_all("cs => cs.map(c => c.dataset.kind)") == [a["kind"] for a in turn["acts"]]
            reveals = [(t["seq"], a) for t in customer for a in t["acts"] if a["kind"] == "reveal"]
            if reveals:
                seq, act = reveals[0]
                chip = page.locator(f"#turn-{seq} .act-chip[data-kind='reveal']").first.inner_text()
                assert chip.startswith(told)


# ---- comments and corrections ----

def test_coach_comments_on_a_turn_and_the_session_and_the_trainee_reads_them(lib: Library) -> None:
    sid = lib.rich
    with chromium_page() as page:
        sign_in(page, lib.server, "laoshi")
        open_replay(page, lib, sid)
        page.click("#show-all")
        turn = page.locator("#turn-3")
        turn.locator("button.comment-open").click()
        turn.locator("textarea.turn-comment-text").fill("问得好:直接请客户说出最头疼的问题。")
        turn.locator("button.turn-comment-save").click()
        page.wait_for_selector("#turn-3 .turn-comments .comment")
        page.select_option("#comment-target", "")
        page.fill("#comment-text", "整体节奏不错;客户回答后多停几秒。")
        page.click("#comment-submit")
        page.wait_for_function("document.querySelectorAll('#comments .comment').length >= 2")
        listed = page.locator("#comments").inner_text()
        assert "问得好" in listed and "整体节奏不错" in listed

    with chromium_page() as page:
        sign_in(page, lib.server, "alice")
        open_replay(page, lib, sid)
        page.click("#show-all")
        comments = page.locator("#comments .comment")
        texts = comments.all_inner_texts()
        assert any("问得好" in t and "#3" in t for t in texts)
        assert any("整体节奏不错" in t for t in texts)
        assert "问得好" in page.locator("#turn-3 .turn-comments").inner_text()
        assert page.locator("#turn-5 .turn-comments .comment").count() == 0
        assert page.locator("#comment-form").count() == 0  # read-only for the trainee
        assert page.locator(".annotate").count() == 0 and page.locator(".score-fix").count() == 0

    printed = lib.server.client("alice").get(f"/sessions/{sid}/print?lang=zh")
    assert printed.status_code == 200
    assert "问得好" in printed.text and "整体节奏不错" in printed.text and "replay.js" not in printed.text


def test_replay_shows_all_with_the_graders_figures_and_threads_replies_marked_new(lib: Library) -> None:
    """Bob's quick session: the whole conversation before Play; chips coloured by the grader's verdicts,
    never green below the norm; the same talk share and pauses on the replay and the printable page; the
    coach's comment new to bob (en), his reply under it, new to the coach in the library and the replay (zh)."""
    sid = lib.sessions["bob"][0]
    card, turns = lib.cards[sid], lib.transcripts[sid]["turns"]
    norm = card["silence"]["threshold_s"]
    expected = {}  # chip kind per trainee line, from the grader's verdicts
    for q in card["question_pauses"]:
        if q["held"] is not None and q["shown_s"] is not None:
            kind = ("broken" if q["held"] is False else "answered" if q["answered"] and q["shown_s"] < norm else "held")
            assert q["verdict"] == kind
            expected.setdefault(q["seq"], []).append((kind, f"{q['shown_s']:.1f}"))
    for p in card["pauses"]:
        expected.setdefault(p["seq"], []).append(("held" if p["held"] else "missed", f"{p['shown_s']:.1f}"))
    kinds = {kind for marks in expected.values() for kind, _ in marks}
    assert {"answered", "missed"} <= kinds  # answered at once, and the trainee spoke again at once
    coach = lib.server.client("laoshi")
    comment = coach.post(f"/api/sessions/{sid}/comments", json={"seq": None, "text": "回答后先停四秒。"}).json()

    with chromium_page() as page:
        sign_in(page, lib.server, "laoshi")
        open_replay(page, lib, sid)
        assert page.locator("#turns .turn[data-state=done]:not([hidden])").count() == len(turns)
        assert page.locator(f"#turn-{turns[-1]['seq']} .text").inner_text() == turns[-1]["text"]
        page.click("#play")  # Play starts from the beginning
        assert page.locator(f"#turn-{turns[-1]['seq']}").get_attribute("data-state") == "hidden"
        page.click("#play")
        page.click("#show-all")

        chips = {}
        for node in page.locator(".silence-chip").all():
            seq = int(node.evaluate("c => c.closest('.turn').dataset.seq"))
            chips.setdefault(seq, []).append((node.get_attribute("class").split()[-1], node.inner_text()))
        assert {seq: sorted(k for k, _ in marks) for seq, marks in chips.items()} == \
            {seq: sorted(k for k, _ in marks) for seq, marks in expected.items()}
        for seq, marks in expected.items():
            for kind, figure in marks:
                assert any(k == kind and f" {figure} " in f" {text} " for k, text in chips[seq]), (seq, kind, figure)
        for node in page.locator(".silence-chip.held").all():  # green only for a silence that met the norm
            assert float(re.search(r"(\d+\.\d) 秒", node.inner_text()).group(1)) >= norm
        talk = f"学员说话占比 {card['talk_percent']}%"
        assert page.locator("#talk-share").inner_text() == talk
        assert f"{card['talk_percent']}%" in page.locator("#points tbody[data-dimension=listening]").inner_text()
        replay_chips = {seq: sorted(text for _, text in marks) for seq, marks in chips.items()}

        page.goto(lib.url(f"/sessions/{sid}/print?lang=zh"))
        assert page.locator("#print-talk-share").inner_text() == talk
        printed = {}
        for node in page.locator(".print-silence").all():
            seq = int(node.evaluate("c => c.closest('tr').dataset.seq"))
            printed.setdefault(seq, []).append(node.inner_text())
        assert {seq: sorted(texts) for seq, texts in printed.items()} == replay_chips

    with chromium_page() as page:  # bob, in English: the coach's comment is new to him; he replies
        sign_in(page, lib.server, "bob", lang="en")
        open_replay(page, lib, sid, lang="en")
        item = page.locator(f"#comments li.comment[data-comment-id='{comment['id']}']")
        assert item.locator(".comment-new").first.inner_text() == "new"
        item.locator("button.reply-open").click()
        item.locator("textarea.reply-text").fill("Got it, I will wait next time.")
        item.locator("button.reply-save").click()
        page.wait_for_selector(f"#comments li.comment[data-comment-id='{comment['id']}'] .replies .comment")
        assert "Got it" in item.locator(".replies").inner_text() and "bob" in item.locator(".replies").inner_text()
        assert page.locator("#comment-form").count() == 0  # a reply, never a new thread

    with chromium_page() as page:  # the coach: one new comment in the library, marked on the replay, then read
        sign_in(page, lib.server, "laoshi")
        page.goto(lib.url("/sessions?lang=zh&trainee=bob"))
        assert page.locator(f"tr[data-session-id='{sid}'] .new-comments").inner_text() == "1 条新点评"
        with page.expect_response(lambda r: r.url.endswith("/comments/seen")):
            open_replay(page, lib, sid)
        thread = page.locator(f"#comments li.comment[data-comment-id='{comment['id']}']")
        reply = thread.locator(".replies .comment")
        assert reply.locator(".comment-new").inner_text() == "新" and "I will wait" in reply.inner_text()
        assert thread.locator(":scope > .comment-meta .comment-new").count() == 0  # his own comment is not news
        page.goto(lib.url("/sessions?lang=zh&trainee=bob"))
        assert page.locator(f"tr[data-session-id='{sid}'] .new-comments").count() == 0
        open_replay(page, lib, sid)
        assert page.locator("#comments .comment-new").count() == 0
        assert "I will wait" in page.locator("#comments .replies").inner_text()


def test_correcting_a_label_shows_both_and_the_calibration_page_reports_it(lib: Library) -> None:
    sid = lib.pitchy
    card = lib.cards[sid]
    target = card["turns"][-1]  # 下周能安排您和院长看一下我们的演示吗?
    auto = target["label"]
    coach = "control" if auto != "control" else "confirmation"
    with chromium_page() as page:
        sign_in(page, lib.server, "laoshi")
        page.goto(lib.url("/calibration?lang=zh"))
        assert page.locator("#cal-empty").count() == 1  # no correction yet: nothing to report

        open_replay(page, lib, sid)
        page.select_option("#turn-select", str(target["seq"]))
        node = page.locator(f"#turn-{target['seq']}")
        node.locator("button.fix-open").click()
        node.locator("select.fix-label").select_option(coach)
        assert node.locator("select.fix-topic").is_disabled()  # a topic only for exploratory
        node.locator("button.fix-save").click()
        page.wait_for_selector(f"#turn-{target['seq']} .feedback-chip.coach")
        assert node.locator(".feedback-chip.coach").get_attribute("data-label") == coach
        assert node.locator(".feedback-chip.auto").get_attribute("data-label") == auto  # kept beside it
        assert "laoshi" in node.locator(".feedback-chip.coach").inner_text()

        # A dimension score too: both values shown, and the coach overlay on the radar.
        first = page.locator("#dimensions .score-fix").first
        first.locator("button.score-fix-open").click()
        first.locator("input").fill("55")
        first.locator("button[type=submit]").click()
        page.wait_for_selector("#dimensions .coach-score")
        assert page.locator("#dimensions .coach-score").first.inner_text().endswith("55")
        assert page.locator("#radar polygon.area.coach").count() == 1

        open_replay(page, lib, sid)  # stored: a reload shows both labels still
        page.click("#show-all")
        assert page.locator(f"#turn-{target['seq']} .feedback-chip").count() == 2

        page.goto(lib.url("/calibration?lang=zh"))
        agreement = page.locator("#agreement").inner_text()
        assert agreement.endswith("%") and float(agreement.rstrip(" %")) < 100
        cell = page.locator(f"#confusion td[data-auto='{auto}'][data-coach='{coach}']")
        assert int(cell.inner_text()) >= 1 and "off" in cell.get_attribute("class")
        assert page.locator("#confusion td.diag").count() == 6
        assert page.locator("#score-fixes tr[data-dimension='questioning']").count() == 1


def test_after_a_session_the_chat_page_links_to_its_replay(lib: Library) -> None:
    with chromium_page() as page:
        sign_in(page, lib.server, "dave")  # a trainee of no coach: the library counts above stay
        page.goto(lib.url("/?lang=zh&persona=hospital-it-rescue"))
        page.wait_for_function("document.querySelector('#conn')?.textContent === '已连接'")
        page.once("dialog", lambda dialog: dialog.accept())  # "end and score?"
        page.click("#end")
        page.wait_for_selector("#result a.replay-link")
        assert page.locator("#result a.replay-link").inner_text() == "查看回放"
        page.click("#result a.replay-link")
        page.wait_for_selector("body[data-replay-ready=true]")
        assert re.search(r"/sessions/\w+/replay", page.url)
        assert page.locator("#h-trainee").inner_text() == "dave"


def test_replay_screenshot(lib: Library) -> None:
    sid = lib.rich
    coach = lib.server.client("laoshi")
    comments = coach.get(f"/api/sessions/{sid}/comments").json()
    if not any(c["seq"] == 3 for c in comments):
        coach.post(f"/api/sessions/{sid}/comments", json={"seq": 3, "text": "问得好:直接请客户说出最头疼的问题。"})
    coach.post(f"/api/sessions/{sid}/comments",
               json={"seq": 8, "text": "这里刚问完就追问预算,打断了客户。问完一个问题就停下来。"})
    coach.post(f"/api/sessions/{sid}/comments",
               json={"seq": 5, "text": "客户刚说完就接话了,先停四秒,让他把话说完。"})
    assert coach.put(f"/api/sessions/{sid}/corrections/labels/12", json={"label": "statement"}).status_code == 200
    assert coach.put(f"/api/sessions/{sid}/corrections/scores/listening", json={"score": 70}).status_code == 200
    with chromium_page(width=1280, height=900) as page:
        sign_in(page, lib.server, "laoshi")
        open_replay(page, lib, sid)
        page.select_option("#turn-select", "8")
        page.click("#show-all")
        assert page.locator("#turns .turn[data-state=done]").count() == len(lib.transcripts[sid]["turns"])
        page.evaluate("window.scrollTo(0, 0)")  # the player is sticky: keep it at the top of the picture
        screenshot(page, "replay")


def test_pages_answer_bad_input_and_strangers_plainly(lib: Library) -> None:
    coach, alice = lib.server.client("laoshi"), lib.server.client("alice")
    odd = coach.get("/sessions?score_min=abc&score_max=500&page=0&page_size=-3&sort=evil&order=up&passed=maybe")
    assert odd.status_code == 200 and all(sid in odd.text for sid in lib.all_ids())  # bad values are dropped
    assert alice.get("/calibration").status_code == 403
    assert alice.get(f"/sessions/{lib.sessions['bob'][0]}/replay").status_code == 404
    assert alice.get(f"/sessions/{lib.sessions['bob'][0]}/print").status_code == 404
    assert coach.get("/sessions/no-such-session/replay").status_code == 404
    lib.server.add_user("hr1", role="hr")
    hr = lib.server.client("hr1")
    page = hr.get(f"/sessions/{lib.rich}/replay")
    assert page.status_code == 200 and '"canAnnotate": false' in page.text  # HR reads, never annotates
    assert '"canAnnotate": true' in coach.get(f"/sessions/{lib.rich}/replay").text

    printed = coach.get(f"/sessions/{lib.rich}/print?lang=zh").text
    card = lib.cards[lib.rich]
    for turn in lib.transcripts[lib.rich]["turns"]:
        assert str(escape(turn["text"])) in printed
    for line in card["turns"]:
        assert line["rule"] not in printed and str(escape(line["reason"])) in printed
    for point in card["points"]:
        assert str(escape(point["reason"])) in printed
    assert "<script src" not in printed  # the printable page needs no script


@pytest.mark.parametrize(("lang", "user"), [("zh", "laoshi"), ("en", "alice")])
def test_replay_and_print_lead_with_the_next_steps_and_show_the_rubric_by_name(lib: Library, lang: str,
                                                                                user: str) -> None:
    """The coach (zh) and the trainee (en) read the three next steps first, each tied to a turn with a
    better line; the pass mark, weights and minimums; the points grouped by dimension, by name.
    Rule ids stay in the JSON and out of the pages."""
    sid = lib.rich if lang == "zh" else lib.sessions["alice"][2]
    card = lib.cards[sid]
    assert card["language"] == lang and all(step["rule"] for step in card["next_steps"])  # the JSON keeps the ids
    trainee_turns = {t["seq"] for t in card["turns"]}
    assert {step["seq"] for step in card["next_steps"]} <= trainee_turns
    with chromium_page() as page:
        sign_in(page, lib.server, user, lang=lang)
        open_replay(page, lib, sid, lang)
        assert_scorecard_shown(page, "aside.replay-side", card, lang)
        first = card["next_steps"][0]["seq"]
        page.locator("#next-steps li.next-step").first.locator("button.turn-ref").click()
        assert "highlight" in page.locator(f"#turn-{first}").get_attribute("class")  # the step jumps to its turn
        assert page.locator("#rubric .pass-mark").inner_text() == text(lang, "pass_mark_line", n=card["pass_mark"])

        page.goto(lib.url(f"/sessions/{sid}/print?lang={lang}"))
        assert_scorecard_shown(page, "#print-page", card, lang, ("next-steps", "print-dimensions", "print-points"))


def _replace_card(db: Any, session_id: str, data: dict[str, Any]) -> None:
    """Put a scorecard of another shape in place of the session's own (as an older release stored it)."""
    card = db.get(Scorecard, session_id)
    card.data = data
    db.add(card)
    db.commit()


def test_a_scorecard_stored_before_next_steps_still_shows_its_points(lib: Library) -> None:
    """Scorecards stored before the next steps, names and rubric were added show what they have."""
    sid = lib.sessions["bob"][1]
    old = {k: v for k, v in lib.cards[sid].items()
           if k not in ("next_steps", "pass_mark", "weights", "min_dimension", "concern_level")}
    old["points"] = [{k: v for k, v in p.items() if k != "name"} for p in old["points"]]
    with lib.server.app.state.context.db() as db:
        _replace_card(db, sid, old)
    try:
        with chromium_page() as page:
            sign_in(page, lib.server, "laoshi")
            open_replay(page, lib, sid)
            assert page.locator("#next-steps").count() == 0 and page.locator("#rubric").count() == 0
            assert page.locator("#points tr.point").count() == len(old["points"])
            shown = page.locator("#scorecard").inner_text() + page.locator("#points").inner_text()
            assert "undefined" not in shown and "null" not in shown
            page.goto(lib.url(f"/sessions/{sid}/print?lang=zh"))
            assert page.locator("#next-steps").count() == 0 and page.locator(".pass-mark").count() == 0
            assert page.locator("#print-points tr.point").count() == len(old["points"])
    finally:
        with lib.server.app.state.context.db() as db:
            _replace_card(db, sid, lib.cards[sid])
