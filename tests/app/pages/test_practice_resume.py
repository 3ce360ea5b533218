"""A practice session in headless Chromium has its own address: a reload, the language switch and
the library's "continue" come back to it; ending asks first; a turn of the scorecard can be
practised again from the same customer state."""

import re

import pytest

from tests.app.pages.test_chat_page import chat
from tests.utils.browser import chromium_page, sign_in
from tests.utils.server import LiveServer

pytestmark = pytest.mark.browser
CONNECTED = {"zh": "document.querySelector('#conn')?.textContent === '已连接'",
             "en": "document.querySelector('#conn')?.textContent === 'Connected'"}
LINES = ["王主任您好,今天想先听听您这边远程会诊的情况。", "现在县医院和咱们之间会诊,最让您头疼的是什么?",
         "这个项目的时间要求和审批流程是怎样的?"]
SHOWN = "[...document.querySelectorAll('#messages .msg')].map(m => m.querySelector('.text').textContent)"


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_reload_language_switch_continue_end_confirmation_and_retry(server: LiveServer) -> None:
    with chromium_page() as page:
        sign_in(page, server, "keeper")
        page.goto(f"{server.url}/?lang=zh")
        page.locator("article[data-persona-id='hospital-it-rescue'] button").click()
        page.wait_for_function(CONNECTED["zh"])
        session_id = re.fullmatch(rf"{server.url}/practice/(\w+)\?lang=zh", page.url).group(1)
        assert page.locator(".lang-switch").get_attribute("href") == f"/practice/{session_id}?lang=en"
        replies = [chat(page, text, index) for index, text in enumerate(LINES[:2])]

        page.go_back()  # Back: the picker, the session still open
        page.wait_for_selector("article[data-persona-id='hospital-it-rescue']")
        assert page.url == f"{server.url}/?lang=zh"
        page.go_forward()  # and Forward to it again
        page.wait_for_function(CONNECTED["zh"])
        page.reload()  # F5 in the middle of the practice
        page.wait_for_function(CONNECTED["zh"])
        assert page.evaluate(SHOWN) == [LINES[0], replies[0], LINES[1], replies[1]]
        page.wait_for_function("document.querySelectorAll('.msg.trainee .feedback-chip').length === 2")
        replies.append(chat(page, LINES[2], 2))

        page.locator(".lang-switch").click()  # 中文 → English keeps the session
        page.wait_for_function(CONNECTED["en"])
        assert page.url == f"{server.url}/practice/{session_id}?lang=en"
        assert page.evaluate(SHOWN) == [LINES[0], replies[0], LINES[1], replies[1], LINES[2], replies[2]]

        page.goto(f"{server.url}/sessions?lang=zh")  # away; the library offers the way back
        page.locator(f"tr[data-session-id='{session_id}'] a.continue-link").click()
        page.wait_for_function(CONNECTED["zh"])
        assert page.locator("#messages .msg").count() == 6

        asked: list[str] = []
        page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
        page.locator("#end").click()
        assert asked == ["结束这次练习并评分吗？结束后不能再继续对话。"] and not page.locator("#input").is_disabled()
        page.once("dialog", lambda dialog: dialog.accept())
        page.locator("#end").click()
        page.wait_for_selector("#result .overall")
        buttons = page.locator("#result .feedback .retry-turn")
        assert [buttons.nth(i).get_attribute("data-seq") for i in range(buttons.count())] == ["1", "3", "5"]
        assert buttons.first.inner_text() == "重练这一轮"

        page.reload()  # an ended session's address shows its scorecard
        page.wait_for_selector("#result .overall")
        assert page.locator("#input").is_disabled()
        page.locator("#result .feedback .retry-turn[data-seq='5']").click()
        page.wait_for_function(CONNECTED["zh"])
        retry_id = re.fullmatch(rf"{server.url}/practice/(\w+)\?lang=zh", page.url).group(1)
        assert retry_id != session_id and "第 5 轮" in page.locator(".retry-note").inner_text()
        assert page.evaluate(SHOWN) == [LINES[0], replies[0], LINES[1], replies[1]]
        assert chat(page, LINES[2], 2) == replies[2]  # the same line from the same state: the same answer

        page.goto(f"{server.url}/sessions/{session_id}/replay?lang=en")
        page.wait_for_selector("body[data-replay-ready=true]")
        assert page.locator(".turn .retry-turn").count() == 3
        assert page.locator(".turn .retry-turn").first.inner_text() == "Try this turn again"
    transcript = server.get(f"/api/sessions/{retry_id}/transcript", "keeper").json()
    assert transcript["retry_of"] == {"session_id": session_id, "seq": 5}
