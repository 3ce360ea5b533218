"""Every page on a phone (390 px) and under an automated accessibility check (axe-core, bundled by
axe-playwright-python: no network), in Chinese and English, as the roles that use it."""

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx
import pytest

from app.core.clock import FakeClock
from app.core.config import Settings
from tests.app.pages.drive import Line, run_session
from tests.utils.browser import chromium_page, sign_in
from tests.utils.certification import PASSING_LINES, take_attempt
from tests.utils.server import LiveServer, run_server

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}
MAX_CHARS = 300  # the server's limit on a trainee line, here lower than the default
LEFT = {"zh": "还可输入 {n} 字（每条最多 300 字）", "en": "{n} characters left (at most 300 per message)"}
LINES = {
    "zh": ("hospital-it-rescue", [Line("王主任您好,今天想先听听您这边远程会诊的情况。", think=5.0),
                                  Line("现在县医院和咱们之间会诊,最让您头疼的是什么?", think=5.0)]),
    "en": ("saas-observability-rescue", [Line("Hi Daniel, what is the biggest problem your team has with incidents?",
                                              think=5.0),
                                         Line("What else?", think=5.0)]),
}


@dataclass
class Site:
    server: LiveServer
    sessions: dict[str, str]  # lang -> a scored practice session of the trainee
    cert_id: str  # released: the trainee passed
    attempt: str  # /certifications/{id}/attempt/{session}: the trainee's attempt at another, still running
    code: str  # a released certificate's verification code

    def url(self, path: str) -> str:
        return f"{self.server.url}{path}"


def iso(hours: float) -> str:
    return (datetime.now(timezone.utc) + timedelta(hours=hours)).isoformat()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """One server for the module: an admin, HR, a coach and their trainee; a scored session per language; a
    certification the trainee passed (released, with a certificate) and a second one whose attempt runs."""
    folder = tmp_path_factory.mktemp("phone-a11y")
    settings = Settings(DATABASE_URL=f"sqlite:///{folder / 'peilian.db'}", customer_delay_scale=0,
                        certificate_key_file=folder / "certificate.key", max_message_chars=MAX_CHARS)
    with run_server(settings, FakeClock()) as server:
        server.add_user("admin1", role="admin")
        server.add_user("hr1", role="hr")
        server.add_user("laoshi", role="coach")
        server.add_user("alice", coach="laoshi")
        hr = server.client("hr1")

        def certification(name: str) -> str:
            body = {"name": name, "persona_ids": ["hospital-it-rescue"], "rubric": "certification", "pass_mark": 50,
                    "time_limit_s": 600, "attempts": 1, "opens_at": iso(-1), "closes_at": iso(24)}
            cert_id = hr.post("/api/certifications", json=body).json()["id"]
            hr.post(f"/api/certifications/{cert_id}/candidates", json={"usernames": ["alice"]}).raise_for_status()
            return cert_id

        async def build() -> dict[str, str]:
            sessions = {lang: await run_session(server, "alice", persona, lines)
                        for lang, (persona, lines) in LINES.items()}
            await take_attempt(server, passed, "alice", PASSING_LINES)
            return sessions

        passed = certification("季度上岗认证")
        sessions = asyncio.run(asyncio.wait_for(build(), timeout=120))
        issued = hr.post(f"/api/certifications/{passed}/release").json()["certificates"]
        running = certification("复训认证")
        attempt = server.client("alice").post(f"/api/certifications/{running}/attempts").json()
        yield Site(server, sessions, passed, f"/certifications/{running}/attempt/{attempt['id']}", issued[0]["code"])


def no_page_scroll(page: Any) -> None:
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"{page.url} scrolls sideways: {width}"


def in_viewport(page: Any, selector: str) -> None:
    box = page.locator(selector).bounding_box()
    size = page.viewport_size
    assert box is not None, selector
    assert box["x"] >= 0 and box["y"] >= 0 and box["x"] + box["width"] <= size["width"] \
        and box["y"] + box["height"] <= size["height"], f"{selector} is outside the viewport: {box}"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_phone_layout_of_chat_library_replay_and_attempt(site: Site, lang: str) -> None:
    """At 390 px nothing scrolls the page sideways; in a session the input and the end button are on
    screen; the library's replay link is on screen."""
    persona = LINES[lang][0]
    with chromium_page(**PHONE) as page:
        sign_in(page, site.server, "alice", lang=lang)
        page.goto(site.url(f"/?lang={lang}"))
        page.wait_for_selector("article[data-persona-id] button")
        no_page_scroll(page)
        page.goto(site.url(f"/?lang={lang}&persona={persona}"))
        page.wait_for_selector("#chat:not([hidden]) #persona-name:not(:empty)")
        for _ in range(6):  # a long conversation must not push the composer off screen
            page.evaluate("""() => { const li = document.createElement('li'); li.className = 'msg customer';
                li.textContent = 'x '.repeat(120); document.querySelector('#messages').append(li); }""")
        no_page_scroll(page)
        in_viewport(page, "#input")
        in_viewport(page, "#end")
        problems = serious_violations(page)
        # the server's limit holds in the page: a counter near it, and nothing past it can be typed or pasted
        assert page.get_attribute("#input", "maxlength") == str(MAX_CHARS) and page.locator("#char-count").is_hidden()
        page.locator("#input").fill("好" * 250)
        assert page.locator("#char-count").is_hidden()
        page.locator("#input").press_sequentially("好" * 30)
        assert page.locator("#char-count").inner_text() == LEFT[lang].format(n=20)
        page.locator("#input").fill("好" * (MAX_CHARS + 50))
        assert page.input_value("#input") == "好" * MAX_CHARS
        assert page.locator("#char-count").inner_text() == LEFT[lang].format(n=0)
        in_viewport(page, "#char-count")
        page.locator("#input").press("Enter")  # at the limit the server takes the line
        page.wait_for_selector(".msg.trainee[data-seq]")  # acknowledged
        assert page.locator("#char-count").is_hidden() and page.locator(".msg.error").count() == 0
        page.wait_for_selector(".msg.customer[data-seq]:not(.typing)")
        page.once("dialog", lambda dialog: dialog.accept())  # "end and score?"
        page.click("#end")
        page.wait_for_selector("#result .overall")
        no_page_scroll(page)  # the scorecard too

        page.goto(site.url(f"/sessions?lang={lang}"))
        no_page_scroll(page)
        in_viewport(page, "#library tbody tr:first-child .replay-link")
        edges = page.locator(".replay-link").evaluate_all("ls => ls.map(l => l.getBoundingClientRect().right)")
        assert len(edges) >= 4 and max(edges) <= PHONE["width"]  # every row's link within the screen's width

        page.goto(site.url(f"/sessions/{site.sessions[lang]}/replay?lang={lang}"))
        page.wait_for_selector("body[data-replay-ready=true]")
        page.click("#show-all")
        no_page_scroll(page)
        problems += serious_violations(page)

        page.goto(site.url(f"/personas?lang={lang}"))
        no_page_scroll(page)

        page.goto(site.url(f"{site.attempt}?lang={lang}"))
        page.wait_for_selector("#persona-name")
        no_page_scroll(page)
        in_viewport(page, "#input")
        in_viewport(page, "#end")
        assert page.get_attribute("#input", "maxlength") == str(MAX_CHARS)
        problems += serious_violations(page)
        assert not problems, "\n".join(problems)


def header_on_one_line(page: Any) -> None:
    """On a 1280 px desktop the brand and every menu item share one line."""
    middles = page.evaluate("""() => [...document.querySelectorAll('.top .brand, .top .nav > *')]
        .filter(e => e.getClientRects().length)
        .map(e => { const r = e.getBoundingClientRect(); return r.top + r.height / 2; })""")
    assert max(middles) - min(middles) < 12, f"{page.url}: the header wraps: {middles}"


def serious_violations(page: Any) -> list[str]:
    """axe-core's serious and critical findings on the page as it stands, one line each."""
    from axe_playwright_python.sync_playwright import Axe

    found = Axe().run(page).response["violations"]
    return [f"{page.url}: {v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
            for v in found if v["impact"] in ("serious", "critical")]


@pytest.mark.parametrize("lang", ["zh", "en"])  # one language per test: the two run side by side
def test_every_page_passes_axe_and_is_keyboard_usable(site: Site, lang: str) -> None:
    """Each page as the role that uses it, in each language: no serious or critical axe finding.
    On the way: the favicon answers, the start buttons name their customer, the replay's timeline works
    from the keyboard."""
    ico = httpx.get(site.url("/favicon.ico"))  # asked for before any sign-in
    assert ico.status_code == 200 and ico.headers["content-type"] == "image/x-icon" and ico.content[:4] == b"\0\0\1\0"
    assert httpx.get(site.url("/static/favicon.svg")).headers["content-type"].startswith("image/svg+xml")
    sid = site.sessions["zh"]
    pages: dict[str | None, list[tuple[str, ...]]] = {  # user -> (path, selectors that say it has loaded)
        None: [("/login", "#login-form"), ("/verify", "form"), (f"/verify/{site.code}", "main")],
        "alice": [("/", "article[data-persona-id] button"),
                  ("/?persona=hospital-it-rescue", "#persona-name:not(:empty)"), ("/personas", "tr[data-persona-id]"),
                  ("/sessions", "#library"), (f"/sessions/{sid}/replay", "body[data-replay-ready=true]"),
                  (f"/sessions/{sid}/print", "main"), ("/my/certifications", "article[data-cert-id]"),
                  (site.attempt, "#persona-name"), (f"/certificates/{site.code}", "main"), ("/password", "form")],
        "laoshi": [("/calibration", "main"), (f"/sessions/{sid}/replay", "body[data-replay-ready=true]"),
                   ("/assignments", "main"), ("/team", "#team-summary:not(:empty)")],
        "hr1": [("/certifications", "#cert-list tbody tr"),
                (f"/certifications/{site.cert_id}", "#results tbody tr", "#audit tr[data-action]")],
        "admin1": [("/admin/users", "#users-table tbody tr")],
    }
    problems: list[str] = []
    with chromium_page() as first:
        browser = first.context.browser
        for user, visits in pages.items():
            context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
            page = context.new_page()
            if user:
                sign_in(page, site.server, user)
            for path, *ready in visits:
                page.goto(site.url(f"{path}{'&' if '?' in path else '?'}lang={lang}"))
                for selector in ready:
                    page.wait_for_selector(selector, state="attached")
                if "/replay" in path:
                    page.click("#show-all")  # every turn with its labels, acts and forms
                header_on_one_line(page)
                problems += serious_violations(page)
            # the start buttons' names are English, the timeline is driven in Chinese: each once
            if user == "alice" and lang == "en":
                page.goto(site.url("/?lang=en"))
                page.wait_for_selector("article[data-persona-id] button")
                names = page.locator("article[data-persona-id] button").evaluate_all(
                    "bs => bs.map(b => b.getAttribute('aria-label'))")
                cards = page.locator("article[data-persona-id] h3").all_inner_texts()
                assert names == [f"Start practice: {name}" for name in cards] and len(cards) >= 12
            if user == "laoshi" and lang == "zh":
                page.goto(site.url(f"/sessions/{sid}/replay?lang=zh"))
                page.wait_for_selector("body[data-replay-ready=true]")
                mark = page.locator("#timeline .mark").first
                seq = mark.get_attribute("data-seq")
                mark.focus()
                assert page.evaluate("document.activeElement.matches('#timeline .mark')")
                page.keyboard.press("Enter")
                page.wait_for_selector(f"#turn-{seq}.highlight")
                bar = page.locator("#timeline .bar[data-seq]").nth(2)
                bar.focus()
                page.keyboard.press(" ")
                page.wait_for_selector(f"#turn-{bar.get_attribute('data-seq')}.highlight")
            context.close()
    assert not problems, "\n".join(problems)
