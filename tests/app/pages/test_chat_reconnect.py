"""The chat page in headless Chromium when its socket drops in the middle of a reply: after the
reconnect the reply is shown whole, once, in its place, and no half-typed bubble is left."""

import pytest

from tests.utils.browser import chromium_page, sign_in
from tests.utils.server import LiveServer

pytestmark = pytest.mark.browser

CONNECTED = "document.querySelector('#conn')?.textContent === '已连接'"
PAGE_TURNS = """[...document.querySelectorAll('#messages .msg')].map(item => ({
    speaker: item.classList.contains('trainee') ? 'trainee' : item.classList.contains('customer') ? 'customer' : 'other',
    seq: Number(item.dataset.seq), text: item.querySelector('.text').textContent, typing: item.classList.contains('typing'),
}))"""


def advance_until(server: LiveServer, page, condition: str, step_s: float = 0.2) -> None:  # type: ignore[no-untyped-def]
    """Move the server's clock in small steps until `condition` holds on the page."""
    for _ in range(500):
        if page.evaluate(condition):
            return
        server.clock.advance(step_s)
        page.wait_for_timeout(20)
    raise AssertionError(f"never true: {condition}")


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("settings", [{"customer_delay_scale": 1.0}], indirect=True)
def test_a_reply_cut_with_the_socket_is_shown_whole_once_after_the_reconnect(server: LiveServer) -> None:
    with chromium_page() as page:
        sign_in(page, server, "cut")
        page.goto(f"{server.url}/?lang=zh&persona=hospital-it-rescue")
        page.wait_for_function(CONNECTED)
        page.locator("#input").fill("现在会诊最让您头疼的是什么?")
        page.locator("#input").press("Enter")
        advance_until(server, page, "(document.querySelector('.msg.customer.typing .text') || {}).textContent > ''")
        page.evaluate("window.PEILIAN.socket.close()")  # the network drops while the customer is typing
        page.locator("#input").fill("还有呢?")
        page.locator("#input").press("Enter")  # sent while the socket is down
        page.wait_for_function(CONNECTED)
        advance_until(server, page, "document.querySelectorAll('.msg.customer:not(.typing)').length === 2 && "
                                    "!document.querySelector('.msg.customer.typing')")
        shown = page.evaluate(PAGE_TURNS)
        session_id = page.evaluate("window.PEILIAN.socket.url.split('/').pop()")
    transcript = server.get(f"/api/sessions/{session_id}/transcript", "cut").json()
    assert [(t["speaker"], t["seq"], t["text"]) for t in transcript["turns"]] == [
        (t["speaker"], t["seq"], t["text"]) for t in shown if t["speaker"] != "other"]
    assert [t["speaker"] for t in shown] == ["trainee", "customer", "trainee", "customer"]
