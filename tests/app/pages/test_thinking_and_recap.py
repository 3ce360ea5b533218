"""The chat page in headless Chromium: "thinking…" shows the moment a line is sent, before the
fake clock lets the customer type; after the end, the fact recap in the page's language."""

import pytest

from app.core.i18n import strings
from tests.app.pages.test_chat_reconnect import advance_until
from tests.utils.browser import chromium_page, sign_in
from tests.utils.server import LiveServer

pytestmark = pytest.mark.browser

SESSIONS = {
    "zh": ("hospital-it-rescue", "现在县医院和咱们之间会诊,最让您头疼的是什么?"),
    "en": ("saas-observability-rescue", "What is the biggest problem your team has with incidents today?"),
}


def text(lang: str, *keys: str, **values: object) -> str:
    """A UI string (app/locale/<lang>/LC_MESSAGES/messages.po) by its path of keys, its {placeholders} filled."""
    out = strings(lang)
    for key in keys:
        out = out[key]
    for name, value in values.items():
        out = out.replace("{" + name + "}", str(value))
    return out


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("settings", [{"customer_delay_scale": 1.0}], indirect=True)
def test_the_page_shows_the_customer_thinking_then_the_fact_recap(server: LiveServer) -> None:
    with chromium_page() as page:
        for lang, (persona, line) in SESSIONS.items():
            user = f"recap-{lang}"
            sign_in(page, server, user, lang=lang)
            page.goto(f"{server.url}/?lang={lang}&persona={persona}")
            page.wait_for_function(f"document.querySelector('#conn')?.textContent === {text(lang, 'connected')!r}")
            assert page.locator("#thinking").is_hidden()
            page.locator("#input").fill(line)
            page.locator("#input").press("Enter")
            page.wait_for_selector("#thinking", state="visible")  # the clock has not moved
            assert page.locator("#thinking").inner_text() == text(lang, "customer_thinking")
            assert page.locator(".msg.customer").count() == 0
            advance_until(server, page, "document.querySelectorAll('.msg.customer:not(.typing)').length === 1")
            assert page.locator("#thinking").is_hidden()

            session_id = page.evaluate("window.PEILIAN.socket.url.split('/').pop()")
            page.once("dialog", lambda dialog: dialog.accept())  # "end and score?"
            page.locator("#end").click()
            page.wait_for_selector("#fact-recap .recap-count")
            recap = server.get(f"/api/sessions/{session_id}/facts", user).json()
            assert recap["uncovered"] >= 1  # the question earned a fact
            box = page.locator("#fact-recap")
            assert box.locator("h3").inner_text() == text(lang, "recap", "title")
            assert box.locator(".recap-count").inner_text() == text(lang, "recap", "count", uncovered=recap["uncovered"], total=recap["total"])
            groups = box.locator(".recap-subject")
            assert groups.count() == len(recap["subjects"])
            for index, group in enumerate(recap["subjects"]):
                shown = groups.nth(index)
                assert shown.locator(".recap-name").inner_text() == text(lang, "subjects", group["subject"])
                assert shown.locator(".recap-n").inner_text() == f"{group['uncovered']} / {group['total']}"
                assert shown.locator(".recap-facts li").count() == len(group["facts"])
            found = next(g for g in recap["subjects"] if g["facts"])
            assert found["facts"][0]["text"] in box.inner_text()
