"""The trainee chat page in real headless Chromium: pick, type, see the reply arrive, end, read the scorecard."""

import pytest

from tests.app.pages.scorecard import assert_scorecard_shown, text
from tests.utils.browser import chromium_page, screenshot, sign_in
from tests.utils.server import LiveServer

pytestmark = pytest.mark.browser


def chat(page, text: str, replies_before: int) -> str:  # type: ignore[no-untyped-def]
    """Type a line key by key, press Enter, and return the customer's finished reply."""
    page.locator("#input").press_sequentially(text, delay=5)
    page.locator("#input").press("Enter")
    finished = page.locator(".msg.customer:not(.typing) .text")
    page.wait_for_function(
        "n => document.querySelectorAll('.msg.customer:not(.typing) .text').length > n && "
        "[...document.querySelectorAll('.msg.customer .text')].every(e => e.textContent.length > 0)",
        arg=replies_before,
    )
    return finished.nth(replies_before).inner_text()


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_trainee_chats_and_reads_the_scorecard_in_chinese(server: LiveServer) -> None:
    with chromium_page() as page:
        sign_in(page, server, "xiaoli")
        page.goto(f"{server.url}/?lang=zh")
        assert page.locator("h1").inner_text() == "选择客户"
        page.locator("article[data-persona-id='hospital-it-rescue'] button").click()
        page.wait_for_function("document.querySelector('#conn')?.textContent === '已连接'")
        lines = [
            "王主任您好,今天想先听听您这边远程会诊的情况。",
            "现在县医院和咱们之间会诊,最让您头疼的是什么?",
            "还有呢?",
            "这个项目的时间要求和审批流程是怎样的?",
        ]
        replies = [chat(page, line, index) for index, line in enumerate(lines)]
        assert all(replies)
        assert page.locator(".msg.trainee").count() == len(lines)
        page.wait_for_function("[...document.querySelectorAll('.msg.trainee .meta')].every(e => e.textContent.includes('已送达'))")
        chips = page.locator(".msg.trainee .feedback-chip")
        assert chips.count() == len(lines)
        assert chips.nth(2).inner_text() == "扩展类提问"  # 还有呢?
        assert page.locator(".msg.trainee .feedback-reason").nth(2).inner_text()
        screenshot(page, "chat")

        page.once("dialog", lambda dialog: dialog.accept())  # "end and score?"
        page.locator("#end").click()
        page.wait_for_selector("#result .overall")
        result = page.locator("#result")
        assert "评分卡" in result.inner_text() and "黄金静默" in result.inner_text()
        assert result.locator(".bars .dim-value").count() == 5
        assert result.locator(".feedback li").count() == len(lines)
        screenshot(page, "scorecard")



SESSIONS = {
    "zh": ("hospital-it-rescue", ["王主任您好,我们的远程会诊系统是业内领先的,功能非常全面。",
                                  "现在县医院和咱们之间会诊,最让您头疼的是什么?",
                                  "我们的系统很稳定,下周能请您和院长看一下演示吗?"]),
    "en": ("saas-observability-rescue", ["Hi Daniel, our platform is the industry's most advanced, with every feature you need.",
                                         "What is the biggest problem your team has with incidents today?",
                                         "Our system is very stable. Could you and your CTO join a demo next week?"]),
}


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_scorecard_leads_with_next_steps_and_shows_the_rubric_by_name(server: LiveServer, lang: str) -> None:
    """After the session: three next steps first (name, turn, why, what to do, a better line), the
    pass mark, weights and minimums, the points grouped by dimension; no rule id on the page."""
    persona, lines = SESSIONS[lang]
    user = f"learner-{lang}"
    with chromium_page() as page:
        sign_in(page, server, user, lang=lang)
        page.goto(f"{server.url}/?lang={lang}&persona={persona}")
        page.wait_for_function(f"document.querySelector('#conn')?.textContent === {text(lang, 'connected')!r}")
        for index, line in enumerate(lines):
            chat(page, line, index)
        session_id = page.evaluate("window.PEILIAN.socket.url.split('/').pop()")
        page.once("dialog", lambda dialog: dialog.accept())  # "end and score?"
        page.locator("#end").click()
        page.wait_for_selector("#result #next-steps")
        card = server.get(f"/api/sessions/{session_id}/scorecard", user).json()
        assert all(step["rule"] for step in card["next_steps"])  # the JSON keeps the ids
        assert {step["seq"] for step in card["next_steps"]} <= {turn["seq"] for turn in card["turns"]}
        assert_scorecard_shown(page, "#result", card, lang)
        assert page.locator("#result #next-steps .next-line").first.inner_text().endswith(
            f"“{card['next_steps'][0]['better_line']}”")


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_english_page_and_typing_is_reported(server: LiveServer) -> None:
    with chromium_page() as page:
        sign_in(page, server, "sam", lang="en")
        page.goto(f"{server.url}/?lang=en")
        assert page.locator("h1").inner_text() == "Choose a customer"
        card = page.locator("article[data-persona-id]").filter(has_text="English").first
        card.locator("button").click()
        page.wait_for_function("document.querySelector('#conn')?.textContent === 'Connected'")
        reply = chat(page, "What is the biggest problem you face with this today?", 0)
        assert reply
        page.once("dialog", lambda dialog: dialog.accept())  # "end and score?"
        page.locator("#end").click()
        page.wait_for_selector("#result .overall")
        assert "Scorecard" in page.locator("#result").inner_text()


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_catalogue_lists_every_card_and_starts_one(server: LiveServer) -> None:
    cards = server.app.state.context.personas
    with chromium_page() as page:
        sign_in(page, server, "xiaowang")
        page.goto(f"{server.url}/personas?lang=zh")
        rows = page.locator("tr[data-persona-id]")
        assert rows.count() == len(cards)
        row = page.locator("tr[data-persona-id='hospital-it-rescue']")
        assert "解困动机" in row.inner_text() and "反对" in row.inner_text() and "中等" in row.inner_text()
        row.locator("a.button").click()
        page.wait_for_function("document.querySelector('#conn')?.textContent === '已连接'")
        assert "王建国" in page.locator("#persona-name").inner_text()
        page.goto(f"{server.url}/personas?lang=en")
        assert page.locator("tr[data-persona-id]").count() == len(cards)
        screenshot(page, "catalogue")


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_dropped_socket_reconnects_and_nothing_is_lost(server: LiveServer) -> None:
    with chromium_page() as page:
        sign_in(page, server, "flaky")
        page.goto(f"{server.url}/?lang=zh&persona=hospital-it-rescue")
        page.wait_for_function("document.querySelector('#conn')?.textContent === '已连接'")
        chat(page, "现在会诊最让您头疼的是什么?", 0)
        page.evaluate("window.PEILIAN.socket.close()")  # the network drops
        page.locator("#input").fill("还有呢?")
        page.locator("#input").press("Enter")  # sent while the socket is down: kept until acknowledged
        page.wait_for_function("document.querySelector('#conn')?.textContent === '已连接'")
        page.wait_for_function("[...document.querySelectorAll('.msg.trainee .meta')].every(e => e.textContent.includes('已送达'))")
        page.wait_for_function("document.querySelectorAll('.msg.customer:not(.typing)').length === 2")
        session_id = page.evaluate("window.PEILIAN.socket.url.split('/').pop()")
    transcript = server.get(f"/api/sessions/{session_id}/transcript", "flaky").json()
    trainee = [t["text"] for t in transcript["turns"] if t["speaker"] == "trainee"]
    assert trainee == ["现在会诊最让您头疼的是什么?", "还有呢?"]  # each stored once
    assert [t["speaker"] for t in transcript["turns"]] == ["trainee", "customer", "trainee", "customer"]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_when_the_customer_closes_the_meeting_the_page_shows_the_scorecard_and_stops_the_input(
        server: LiveServer) -> None:
    pitches = ["我们的平台是业内领先的,功能非常全面,性价比也很高。", "我们服务了上百家运营商,技术绝对领先,价格也有优势。",
               "我们的方案能一次性解决您所有的问题,效率至少提升一倍。", "今天能不能就定下来,先签个试用协议?",
               "我们的产品真的是全国第一,您一定要试试。", "那就这周五,请您安排一次演示可以吗?"]
    with chromium_page() as page:
        sign_in(page, server, "pushy")
        page.goto(f"{server.url}/?lang=zh&persona=carrier-aiops-complacent")
        page.wait_for_function("document.querySelector('#conn')?.textContent === '已连接'")
        session_id = page.url.split("/practice/")[1].split("?")[0]
        for index, line in enumerate(pitches):
            chat(page, line, index)
            turns = server.get(f"/api/sessions/{session_id}/transcript", "pushy").json()["turns"]
            if any(act["kind"] == "end" for act in turns[-1].get("acts") or []):
                break  # the customer closed the meeting with that reply (the scorecard follows)
        else:
            raise AssertionError("the customer never closed the meeting")
        page.wait_for_selector("#result .overall", timeout=10_000)
        assert page.locator("#input").is_disabled() and page.locator("#send").is_disabled()
        assert page.locator("#end").is_disabled()
