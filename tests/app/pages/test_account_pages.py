"""Accounts in real headless Chromium: a one-time password is changed before anything else, the admin
manages users on their page, HR uploads a GBK CSV and a rubric; and no page breaks its own
Content-Security-Policy (every script, style and socket of the pages is allowed by it)."""

from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.utils.browser import chromium_page, sign_in
from tests.utils.server import LiveServer

pytestmark = pytest.mark.browser
NEW_PASSWORD = "my own password 42"
# Every Content-Security-Policy violation of the page is kept in window.__csp.
WATCH_CSP = """
window.__csp = [];
document.addEventListener("securitypolicyviolation",
  (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`));
"""


def violations(page: Any) -> list[str]:
    return page.evaluate("window.__csp")


def sign_in_with(page: Any, server: LiveServer, username: str, password: str, next_path: str = "/") -> None:
    page.goto(f"{server.url}/login?lang=zh&next={next_path}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("#login-form button[type=submit]")


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_one_time_password_leads_to_the_password_page_first(server: LiveServer) -> None:
    from app.accounts import manage
    from app.accounts.service import get_user

    server.add_user("newbie")
    with server.app.state.context.db() as db:
        once = manage.reset_password(db, user=get_user(db, username="newbie"), actor_id=None)
    with chromium_page(enforce_csp=True) as page:
        page.add_init_script(WATCH_CSP)
        sign_in_with(page, server, "newbie", once, next_path="/sessions")
        page.wait_for_selector("#password-form")
        assert page.url.endswith("/password?next=/sessions")
        assert "一次性密码" in page.locator("#password-page .hint").inner_text()
        page.goto(f"{server.url}/personas?lang=zh")  # any other page sends them back
        page.wait_for_selector("#password-form")
        page.fill("input[name=current_password]", once)
        page.fill("input[name=new_password]", NEW_PASSWORD)
        page.fill("input[name=confirm_password]", NEW_PASSWORD)
        page.click("#password-form button[type=submit]")
        page.wait_for_selector("#who-am-i")
        assert page.url.startswith(f"{server.url}/personas")
        page.goto(f"{server.url}/?lang=zh")  # the chat page: its script and its socket run under the policy
        page.locator("article[data-persona-id='hospital-it-rescue'] button").click()
        expect(page.locator("#conn")).to_have_text("已连接")
        assert violations(page) == []
    assert httpx.post(f"{server.url}/api/auth/login",
                      json={"username": "newbie", "password": NEW_PASSWORD}).json()["must_change_password"] is False


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_admin_manages_users_on_their_page(server: LiveServer) -> None:
    server.add_user("laoshi", role="coach")
    server.add_user("laoshi2", role="coach")
    server.add_user("alice", coach="laoshi")
    server.add_user("carol")
    with chromium_page(width=1300, enforce_csp=True) as page:
        page.add_init_script(WATCH_CSP)
        page.on("dialog", lambda dialog: dialog.accept())
        sign_in(page, server, "root", role="admin", next_path="/admin/users")
        page.goto(f"{server.url}/admin/users?lang=zh")
        page.wait_for_selector("#users-table[data-loaded=true]")
        names = page.locator("#users-table tbody td.username").all_inner_texts()
        assert names == ["alice", "carol", "laoshi", "laoshi2", "root"]
        alice = page.locator("#users-table tr[data-username=alice]")
        assert alice.locator("select.coach").input_value() == "laoshi"

        alice.locator("select.coach").select_option("laoshi2")
        carol = page.locator("#users-table tr[data-username=carol]")
        carol.locator("select.role").select_option("hr")  # an edit in another row, not saved yet
        alice.locator("button.save").click()
        page.wait_for_selector("tr[data-username=alice][data-saved=true]")
        expect(page.locator("#users-status")).to_have_text("已保存：alice")
        expect(alice.locator("select.coach")).to_have_value("laoshi2")
        expect(carol.locator("select.role")).to_have_value("hr")  # saving alice kept carol's edit
        carol.locator("button.save").click()
        page.wait_for_selector("tr[data-username=carol][data-saved=true]")
        expect(carol.locator("select.role")).to_have_value("hr")

        alice.locator("button.reset").click()
        page.locator("#users-password").wait_for(state="visible")
        shown = page.locator("#users-password-text").inner_text()
        assert shown.startswith("alice 的一次性密码：")
        once = shown.split("：", 1)[1]
        page.wait_for_selector("tr[data-username=alice][data-saved=true] td.status .tag")

        carol.locator("button.deactivate").click()
        page.wait_for_selector("tr[data-username=carol].inactive")
        assert "已停用" in page.locator("tr[data-username=carol] td.status").inner_text()
        page.locator("tr[data-username=root] button.deactivate").click()  # the only admin stays
        page.locator("#users-message").wait_for(state="visible")
        assert "唯一" in page.locator("#users-message").inner_text()
        assert violations(page) == []
    users = {u["username"]: u for u in server.get("/api/users", "root").json()}
    assert users["alice"]["coach"] == "laoshi2" and users["alice"]["must_change_password"]
    assert users["carol"]["role"] == "hr" and users["carol"]["active"] is False and users["root"]["active"]
    fresh = httpx.post(f"{server.url}/api/auth/login", json={"username": "alice", "password": once})
    assert fresh.status_code == 200 and fresh.json()["must_change_password"]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_only_admins_open_the_users_page(server: LiveServer) -> None:
    with chromium_page(enforce_csp=True) as page:
        sign_in(page, server, "hr1", role="hr")
        assert page.locator("#nav-users").count() == 0
        page.goto(f"{server.url}/admin/users?lang=zh")
        assert page.locator("#error-page h1").inner_text() == "没有权限"


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_hr_uploads_a_gbk_csv_and_a_rubric(server: LiveServer, tmp_path: Any) -> None:
    from datetime import datetime, timedelta, timezone

    now = datetime.now(timezone.utc)
    server.add_user("hr1", role="hr")
    made = server.client("hr1").post("/api/certifications", json={
        "name": "季度认证", "persona_ids": ["hospital-it-rescue"], "rubric": "certification", "pass_mark": 60,
        "time_limit_s": 600, "attempts": 1, "opens_at": (now - timedelta(hours=1)).isoformat(),
        "closes_at": (now + timedelta(hours=5)).isoformat()})
    cert_id = made.json()["id"]
    with chromium_page(width=1300, enforce_csp=True) as page:
        page.add_init_script(WATCH_CSP)
        sign_in(page, server, "hr1", role="hr", next_path=f"/certifications/{cert_id}")
        page.goto(f"{server.url}/certifications/{cert_id}?lang=zh")
        page.set_input_files("#csv-file", files=[{"name": "名单.csv", "mimeType": "text/csv",
                                                  "buffer": "姓名,部门\r\n张伟,销售部\r\n".encode("gbk")}])
        page.click("#csv-submit")
        page.locator("#passwords").wait_for(state="visible")
        assert page.locator("#passwords-table tbody tr td").first.inner_text() == "张伟"

        page.set_input_files("#csv-file", files=[{"name": "bad.csv", "mimeType": "text/csv",
                                                  "buffer": "姓名\n李娜\n王\u200b五\n".encode()}])
        page.click("#csv-submit")
        page.wait_for_selector("#enrol-result .form-error")
        assert "第 3 行" in page.locator("#enrol-result").inner_text()

        page.goto(f"{server.url}/certifications?lang=zh")
        page.wait_for_selector("#rubric-list tbody tr[data-name=certification]")
        page.fill("#rubric-name", "gentle")
        page.set_input_files("#rubric-file", files=[{"name": "gentle.yaml", "mimeType": "text/yaml",
                                                     "buffer": b"extends: default\npass_mark: 40\n"}])
        page.click("#rubric-submit")
        page.wait_for_selector("#rubric-list tbody tr[data-name=gentle]")
        assert page.locator("#f-rubric option[value=gentle]").count() == 1
        assert violations(page) == []
    from sqlmodel import select

    from app.storage.models import User

    with server.app.state.context.db() as db:
        assert set(db.exec(select(User.username))) == {"hr1", "张伟"}  # the bad file created nobody


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_no_page_breaks_its_content_security_policy(server: LiveServer) -> None:
    session = server.start_session("hospital-it-rescue", user="xiaoli")
    with chromium_page(enforce_csp=True) as page:
        page.add_init_script(WATCH_CSP)
        sign_in(page, server, "root", role="admin")
        for path in ("/", "/personas", "/sessions", f"/sessions/{session['id']}/replay", f"/sessions/{session['id']}/print",
                     "/calibration", "/certifications", "/my/certifications", "/admin/users", "/password"):
            page.goto(f"{server.url}{path}?lang=zh")
            page.wait_for_load_state("networkidle")
            assert violations(page) == [], path
        framed = page.evaluate("""async (url) => {
            const frame = document.createElement("iframe");
            frame.src = url;
            document.body.append(frame);
            await new Promise((done) => setTimeout(done, 500));
            try { return Boolean(frame.contentDocument && frame.contentDocument.querySelector("#who-am-i")); }
            catch (error) { return false; }
        }""", f"{server.url}/")
        assert framed is False  # a page of ours will not show inside a frame
