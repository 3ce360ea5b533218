"""Every page speaks one language: a Chinese page shows no English phrase and an English page no
Chinese character, with real data on them (graded sessions, a certification, accounts), and the
API's error messages follow the reader's language while their `code` stays the same.

Text the page marks as another language (`lang="en"` on an English persona card's words, the
language switch) and code (`<code>`, user names) is not the page's own wording and is skipped.
"""

import asyncio
import re
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from app.core.clock import FakeClock
from app.core.config import Settings
from tests.utils.browser import chromium_page, sign_in
from tests.utils.certification import take_attempt
from tests.utils.server import PASSWORD, LiveServer, run_server

pytestmark = pytest.mark.browser

# Text nodes the page presents as its own language: not inside script/style/code, nor inside an
# element whose `lang` differs from the page's.
OWN_TEXT = """() => {
  const base = (tag) => tag.split("-")[0];
  const pageLang = base(document.documentElement.lang);
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const host = node.parentElement;
    if (!host || host.closest("script, style, code, kbd, [hidden], .username")) continue;
    const marked = host.closest("[lang]");
    if (marked && base(marked.lang) !== pageLang) continue;
    if (!host.getClientRects().length) continue;  // not shown
    const text = node.textContent.trim();
    if (text) out.push(text);
  }
  for (const field of document.querySelectorAll("input[placeholder], textarea[placeholder]")) {
    if (field.getClientRects().length) out.push(field.placeholder);
  }
  return out;
}"""
CJK = re.compile(r"[\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")
ENGLISH_PHRASE = re.compile(r"\b[A-Za-z][a-z]+(?: [A-Za-z][a-z]+)+\b")
# Names that are the same in both languages: the brand, the command line, file formats.
ALLOWED_PHRASES = {"peilian users add"}

ZH_TRANSCRIPT = [
    {"seq": 1, "speaker": "trainee", "text": "现在会诊最让您头疼的是什么？", "typing_started_at": 1.0, "sent_at": 4.0},
    {"seq": 2, "speaker": "customer", "text": "片子传得太慢。", "started_at": 5.0, "ended_at": 7.0},
    {"seq": 3, "speaker": "trainee", "text": "还有呢？", "typing_started_at": 12.0, "sent_at": 13.0},
    {"seq": 4, "speaker": "customer", "text": "还有就是专家经常约不上。", "started_at": 14.0, "ended_at": 16.0},
    {"seq": 5, "speaker": "trainee", "text": "下周三上午能请您提供近三个月的故障记录吗？", "typing_started_at": 21.0,
     "sent_at": 24.0},
    {"seq": 6, "speaker": "customer", "text": "可以，下周三上午我让人整理好发给你。", "started_at": 25.0,
     "ended_at": 27.0},
]
EN_TRANSCRIPT = [
    {"seq": 1, "speaker": "trainee", "text": "What is the biggest problem your team has with incidents today?",
     "typing_started_at": 1.0, "sent_at": 4.0},
    {"seq": 2, "speaker": "customer", "text": "Alert noise. Too many pages at night.", "started_at": 5.0, "ended_at": 7.0},
    {"seq": 3, "speaker": "trainee", "text": "Tell me more.", "typing_started_at": 12.0, "sent_at": 13.0},
    {"seq": 4, "speaker": "customer", "text": "Half of them are duplicates.", "started_at": 14.0, "ended_at": 16.0},
    {"seq": 5, "speaker": "trainee", "text": "Could you send me last month's incident log by Friday?",
     "typing_started_at": 21.0, "sent_at": 24.0},
    {"seq": 6, "speaker": "customer", "text": "Sure, I will send it by Friday.", "started_at": 25.0, "ended_at": 27.0},
]


SCENARIOS = Path(__file__).resolve().parents[1] / "engine" / "scenarios"
CERT_PERSONA = {"zh": "hospital-it-rescue", "en": "saas-observability-rescue"}


def _certification(server: LiveServer, lang: str, hr: str, candidate: str) -> tuple[str, str]:
    """A certification in the page's language that `candidate` took (the method session) and passed,
    with the results released: (certification id, certificate code)."""
    now = datetime.now(timezone.utc)
    body = {"name": {"zh": "季度认证", "en": "Quarterly certification"}[lang], "persona_ids": [CERT_PERSONA[lang]],
            "rubric": "default", "pass_mark": 1, "time_limit_s": 3600, "attempts": 1,
            "opens_at": (now - timedelta(hours=1)).isoformat(), "closes_at": (now + timedelta(days=1)).isoformat()}
    hr_client = server.client(hr)
    cert_id = hr_client.post("/api/certifications", json=body).json()["id"]
    assert hr_client.post(f"/api/certifications/{cert_id}/candidates", json={"usernames": [candidate]}).is_success
    script = yaml.safe_load((SCENARIOS / lang / f"{CERT_PERSONA[lang]}-method.yaml").read_text(encoding="utf-8"))
    asyncio.run(take_attempt(server, cert_id, candidate, [line["text"] for line in script["lines"]]))
    released = hr_client.post(f"/api/certifications/{cert_id}/release").json()
    (certificate,) = released["certificates"]
    return cert_id, certificate["code"]


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LiveServer]:
    """A server of one language's data: a certification HR named in Chinese is data, not wording."""
    settings = Settings(DATABASE_URL=f"sqlite:///{tmp_path / 'peilian.db'}", customer_delay_scale=0)
    with run_server(settings, FakeClock()) as live:
        yield live


def _import(server: LiveServer, user: str, persona: str, language: str, turns: list[dict[str, Any]]) -> str:
    document = {"session_id": "x", "persona_id": persona, "language": language, "turns": turns}
    response = server.client(user).post("/api/sessions/import", json=document)
    assert response.status_code in (200, 201), response.text
    return str(response.json()["id"])


def _wrong_words(texts: list[str], lang: str) -> list[str]:
    if lang == "en":
        return [text for text in texts if CJK.search(text)]
    return [phrase for text in texts for phrase in ENGLISH_PHRASE.findall(text) if phrase not in ALLOWED_PHRASES]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_page_is_in_one_language_with_real_data_and_its_errors_too(server: LiveServer, lang: str) -> None:
    coach, trainee, admin, hr = f"coach_{lang}", f"trainee_{lang}", f"admin_{lang}", f"hr_{lang}"
    server.add_user(admin, role="admin")
    server.add_user(hr, role="hr")
    server.add_user(coach, role="coach")
    server.add_user(trainee, role="trainee", coach=coach)
    session_id = _import(server, trainee, *(("hospital-it-rescue", "zh", ZH_TRANSCRIPT) if lang == "zh"
                                            else ("saas-observability-rescue", "en", EN_TRANSCRIPT)))
    cert_id, code = _certification(server, lang, hr, trainee)
    pages = {
        trainee: ["/", "/personas", "/sessions", f"/sessions/{session_id}/replay", f"/sessions/{session_id}/print",
                  "/password", "/my/certifications", f"/certificates/{code}", f"/verify/{code}", "/verify"],
        coach: ["/sessions", f"/sessions/{session_id}/replay", "/calibration", "/team", "/assignments",
                "/sessions/no-such-session/replay"],
        admin: ["/admin/users"],
        hr: ["/certifications", f"/certifications/{cert_id}", "/sessions"],
    }
    wrong: dict[str, list[str]] = {}
    with chromium_page(width=1280) as page:
        for user, paths in pages.items():
            page.context.clear_cookies()
            sign_in(page, server, user, lang=lang)
            for path in paths:
                page.goto(f"{server.url}{path}")
                page.wait_for_load_state("networkidle")
                assert page.evaluate("document.documentElement.lang").split("-")[0] == lang, path
                texts = page.evaluate(OWN_TEXT)
                assert len(texts) > 3, (path, texts)
                if found := _wrong_words(texts, lang):
                    wrong[path] = found
        assert wrong == {}, wrong
        # An error the page shows in its language: a new password that is the current one.
        page.goto(f"{server.url}/password")
        for field in ("current_password", "new_password", "confirm_password"):
            page.fill(f"input[name={field}]", PASSWORD)
        page.click("#password-form button[type=submit]")
        shown = page.locator("[role=alert]").inner_text()
        assert shown == {"zh": "新密码不能与当前密码相同", "en": "the new password must differ from the current one"}[lang]
    # The API: `detail` in the language the request names, `code` the same in every language.
    client = server.client(trainee)
    for how in ({"params": {"lang": lang}}, {"headers": {"Accept-Language": f"{lang}-XX,{lang};q=0.9"}}):
        missing = client.get("/api/sessions/no-such-session", **how)  # type: ignore[arg-type]
        assert missing.status_code == 404 and missing.json()["code"] == "no_session"
        assert missing.json()["detail"] == {"zh": "没有这次练习", "en": "no such session"}[lang]
        refused = client.get("/api/users", **how)  # type: ignore[arg-type]
        assert refused.status_code == 403 and refused.json()["code"] == "role_required"
        assert _wrong_words([refused.json()["detail"].replace("admin", "")], lang) == []
    anonymous = httpx.post(f"{server.url}/api/auth/login", json={"username": trainee, "password": "wrong-password"},
                           headers={"Accept-Language": lang})
    assert anonymous.status_code == 401 and anonymous.json()["code"] == "wrong_login"
    assert anonymous.json()["detail"] == {"zh": "用户名或密码错误", "en": "wrong user name or password"}[lang]
    # A client that names no language reads what it always read: both languages.
    plain = httpx.get(f"{server.url}/api/sessions/no-such-session", cookies={"peilian_session": "x"})
    assert plain.json()["code"] == "sign_in_first" and plain.json()["detail"].count(" / ") >= 1
