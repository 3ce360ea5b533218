"""Accounts HR can trust: sign-in throttling, one-time passwords that must be changed, a single
first-run admin, and the admin's user management API."""

import threading

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from tests.utils.server import PASSWORD, LiveServer, open_client

NEW_PASSWORD = "a brand new secret"


def login(server: LiveServer, username: str, password: str, client_ip: str | None = None) -> httpx.Response:
    """A sign-in from `client_ip` (the test server trusts X-Forwarded-For from loopback, as behind a proxy)."""
    headers = {"X-Forwarded-For": client_ip} if client_ip else {}
    return httpx.post(f"{server.url}/api/auth/login", json={"username": username, "password": password},
                      headers=headers)


def test_sixty_wrong_passwords_then_the_right_one_is_refused(server: LiveServer) -> None:
    server.add_user("alice")
    codes = [login(server, "alice", f"guess-{n}").status_code for n in range(60)]
    assert codes[:5] == [401] * 5 and set(codes[5:]) == {429}
    right = login(server, "alice", PASSWORD)
    assert right.status_code == 429 and "peilian_session" not in right.cookies
    assert "请" in right.json()["detail"] and "try again" in right.json()["detail"]
    assert 1 <= int(right.headers["Retry-After"]) <= 900
    server.clock.advance(901)  # the window passes on the app's clock
    assert login(server, "alice", PASSWORD).status_code == 200


def test_throttling_is_per_account_whatever_the_client(server: LiveServer) -> None:
    server.add_user("alice")
    server.add_user("bob")
    for n in range(5):
        assert login(server, "alice", "wrong-password", client_ip=f"10.0.0.{n + 1}").status_code == 401
    assert login(server, "alice", PASSWORD, client_ip="10.0.9.9").status_code == 429  # a new client, same account
    assert login(server, "bob", PASSWORD, client_ip="10.0.0.1").status_code == 200  # another account is not held


@pytest.mark.parametrize("settings", [{"customer_delay_scale": 0, "login_failures_per_client": 8}], indirect=True)
def test_throttling_is_per_client_across_accounts(server: LiveServer) -> None:
    server.add_user("victim")
    for n in range(8):  # one guess at each of eight names (the limit set for this server)
        assert login(server, f"user{n}", "wrong-password", client_ip="10.1.1.1").status_code == 401
    assert login(server, "victim", PASSWORD, client_ip="10.1.1.1").status_code == 429
    assert login(server, "victim", PASSWORD, client_ip="10.2.2.2").status_code == 200


def test_a_burst_of_simultaneous_guesses_is_counted_as_it_happens(server: LiveServer) -> None:
    server.add_user("alice")
    barrier = threading.Barrier(30)
    codes: list[int] = []

    def guess(n: int) -> None:
        barrier.wait()
        codes.append(login(server, "alice", f"guess-{n}", client_ip=f"10.3.0.{n}").status_code)

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert codes.count(401) <= 5 and codes.count(429) >= 25  # at most five passwords were checked


def test_the_login_form_is_throttled_too(server: LiveServer) -> None:
    server.add_user("formuser")
    client = httpx.Client(base_url=server.url)

    def submit(password: str) -> httpx.Response:
        token = client.get("/login").text.split('name="csrf_token" value="')[1].split('"')[0]
        return client.post("/login", data={"username": "formuser", "password": password, "csrf_token": token},
                           follow_redirects=False)

    assert [submit("wrong-password").status_code for _ in range(5)] == [401] * 5
    held = submit(PASSWORD)
    assert held.status_code == 429 and "登录失败次数过多" in held.text


def test_a_user_name_with_nul_is_just_a_wrong_sign_in(server: LiveServer) -> None:
    """PostgreSQL cannot store or even compare NUL: a wrong sign-in, never a 500."""
    server.add_user("someone")
    assert login(server, "nul\x00name", "whatever-password").status_code == 401
    assert login(server, "someone", "whatever-password", client_ip="10.9.9.9").status_code == 401


def one_time_account(server: LiveServer, username: str) -> tuple[httpx.Client, str]:
    """An account as HR's CSV enrolment or an admin's reset leaves it: a one-time password to change."""
    from app.accounts import manage
    from app.accounts.service import get_user

    server.add_user(username)
    with server.app.state.context.db() as db:
        password = manage.reset_password(db, user=get_user(db, username=username), actor_id=None)
    client = httpx.Client(base_url=server.url)
    signed = client.post("/api/auth/login", json={"username": username, "password": password})
    assert signed.status_code == 200 and signed.json()["must_change_password"] is True
    return client, password


async def test_a_one_time_password_must_be_changed_before_anything_else(server: LiveServer) -> None:
    practised = server.start_session("hospital-it-rescue", user="helper")
    client, password = one_time_account(server, "newbie")
    for method, path in [("GET", "/api/personas"), ("POST", "/api/sessions"), ("GET", "/api/sessions"),
                         ("GET", "/api/certifications"), ("GET", "/api/calibration")]:
        response = client.request(method, path, json={"persona_id": "hospital-it-rescue"} if method == "POST" else None)
        assert response.status_code == 403, (method, path)
        assert response.json()["detail"]["code"] == "must_change_password"
    page = client.get("/sessions", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"] == "/password?next=/sessions"
    assert client.get("/password").status_code == 200
    cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
    with pytest.raises(InvalidStatus):  # nor a socket
        await connect(server.ws_base + practised["ws_url"], additional_headers={"Cookie": cookie})
    assert client.get("/api/auth/me").json()["must_change_password"] is True

    wrong = client.post("/api/auth/password", json={"current_password": "not-it-at-all", "new_password": NEW_PASSWORD})
    assert wrong.status_code == 403
    same = client.post("/api/auth/password", json={"current_password": password, "new_password": password})
    assert same.status_code == 422 and same.json()["code"] == "same_password"
    weak = client.post("/api/auth/password", json={"current_password": password, "new_password": "short"})
    assert weak.status_code == 422 and weak.json()["code"] == "weak_password" and "8" in weak.json()["detail"]
    changed = client.post("/api/auth/password", json={"current_password": password, "new_password": NEW_PASSWORD})
    assert changed.status_code == 200 and changed.json()["must_change_password"] is False
    assert client.post("/api/sessions", json={"persona_id": "hospital-it-rescue"}).status_code == 201
    assert client.get("/sessions").status_code == 200
    assert login(server, "newbie", password).status_code == 401
    assert login(server, "newbie", NEW_PASSWORD).status_code == 200


def test_changing_the_password_ends_the_other_sign_ins(server: LiveServer) -> None:
    server.add_user("carol")
    here, there = httpx.Client(base_url=server.url), httpx.Client(base_url=server.url)
    for client in (here, there):
        assert client.post("/api/auth/login", json={"username": "carol", "password": PASSWORD}).status_code == 200
    assert here.post("/api/auth/password", json={"current_password": PASSWORD,
                                                 "new_password": NEW_PASSWORD}).status_code == 200
    assert here.get("/api/auth/me").status_code == 200
    assert there.get("/api/auth/me").status_code == 401


def test_the_password_form_changes_it(server: LiveServer) -> None:
    client, password = one_time_account(server, "formnewbie")
    csrf = client.get("/api/auth/me").json()["csrf"]
    form = {"current_password": password, "new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD,
            "csrf_token": csrf, "next": "/sessions"}
    assert client.post("/password", data=form | {"csrf_token": "forged"}).status_code == 400
    mismatch = client.post("/password", data=form | {"confirm_password": "something else"})
    assert mismatch.status_code == 422 and "不一致" in mismatch.text
    done = client.post("/password", data=form, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/sessions"
    assert client.get("/sessions", follow_redirects=False).status_code == 200


def test_concurrent_first_run_setups_make_exactly_one_admin(server: LiveServer) -> None:
    from sqlmodel import select

    from app.storage.models import User

    barrier = threading.Barrier(10)
    answers: list[httpx.Response] = []

    def setup(n: int) -> None:
        barrier.wait()
        answers.append(httpx.post(f"{server.url}/api/auth/setup", json={"username": f"boss{n}", "password": PASSWORD},
                                  timeout=60))

    threads = [threading.Thread(target=setup, args=(n,)) for n in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(a.status_code for a in answers) == [201] + [409] * 9
    with server.app.state.context.db() as db:
        users = db.exec(select(User)).all()
    winner = next(a for a in answers if a.status_code == 201).json()["username"]
    assert [(u.username, u.role) for u in users] == [(winner, "admin")]


@pytest.fixture
def staff(server: LiveServer) -> dict[str, int]:
    """An admin, two coaches, two trainees of laoshi and an HR person; their ids by name."""
    server.add_user("root", role="admin")
    server.add_user("laoshi", role="coach")
    server.add_user("laoshi2", role="coach")
    server.add_user("alice", coach="laoshi")
    server.add_user("bob", coach="laoshi")
    server.add_user("hr1", role="hr")
    return {u["username"]: u["id"] for u in server.get("/api/users", "root").json()}


def test_only_admins_manage_users(server: LiveServer, staff: dict[str, int]) -> None:
    for user in ("hr1", "laoshi", "alice"):
        assert server.get("/api/users", user).status_code == 403
        assert server.client(user).patch(f"/api/users/{staff['bob']}", json={"role": "admin"}).status_code == 403
        assert server.client(user).post(f"/api/users/{staff['bob']}/password-reset").status_code == 403
    listed = {u["username"]: u for u in server.get("/api/users", "root").json()}
    assert listed["alice"] | {"id": 0, "created_at": ""} == {
        "id": 0, "username": "alice", "role": "trainee", "coach": "laoshi", "active": True,
        "must_change_password": False, "created_at": ""}
    assert "password_hash" not in str(listed)


def test_an_admin_changes_role_and_team(server: LiveServer, staff: dict[str, int]) -> None:
    admin = server.client("root")
    moved = admin.patch(f"/api/users/{staff['alice']}", json={"coach": "laoshi2"})
    assert moved.status_code == 200 and moved.json()["coach"] == "laoshi2"
    assert {s["id"] for s in server.get("/api/sessions", "laoshi2").json()["items"]} == set()
    server.start_session("hospital-it-rescue", user="alice")
    assert len(server.get("/api/sessions", "laoshi2").json()["items"]) == 1  # the new coach sees her sessions
    assert server.get("/api/sessions", "laoshi").json()["items"] == []
    not_a_coach = admin.patch(f"/api/users/{staff['alice']}", json={"coach": "hr1"})
    assert not_a_coach.status_code == 422 and "not a coach" in not_a_coach.json()["detail"]
    out = admin.patch(f"/api/users/{staff['alice']}", json={"coach": None})
    assert out.json()["coach"] is None
    still_coaching = admin.patch(f"/api/users/{staff['laoshi']}", json={"role": "trainee"})
    assert still_coaching.status_code == 422 and "trainees" in still_coaching.json()["detail"]
    promoted = admin.patch(f"/api/users/{staff['hr1']}", json={"role": "admin"})
    assert promoted.json()["role"] == "admin"
    assert server.get("/api/users", "hr1").status_code == 200
    bad = admin.patch(f"/api/users/{staff['bob']}", json={"role": "boss"})
    assert bad.status_code == 422
    admin.patch(f"/api/users/{staff['hr1']}", json={"role": "hr"})
    for change in ({"active": False}, {"role": "hr"}):  # the last active admin stays
        refused = admin.patch(f"/api/users/{staff['root']}", json=change)
        assert refused.status_code == 422 and "only active admin" in refused.json()["detail"]
    assert admin.get("/api/users").status_code == 200


def test_a_reset_gives_a_one_time_password_and_ends_sign_ins(server: LiveServer, staff: dict[str, int]) -> None:
    bob = server.client("bob")
    reset = server.client("root").post(f"/api/users/{staff['bob']}/password-reset")
    assert reset.status_code == 200 and reset.json()["username"] == "bob"
    password = reset.json()["one_time_password"]
    assert len(password) >= 8
    assert bob.get("/api/auth/me").status_code == 401  # the old sign-in is gone
    assert login(server, "bob", PASSWORD).status_code == 401
    fresh = login(server, "bob", password)
    assert fresh.status_code == 200 and fresh.json()["must_change_password"] is True


async def test_a_deactivated_account_is_signed_out_and_cannot_sign_in(server: LiveServer, staff: dict[str, int]) -> None:
    alice = server.client("alice")
    session = server.start_session("hospital-it-rescue", user="alice")
    cookie = server.cookie_header("alice")
    off = server.client("root").patch(f"/api/users/{staff['alice']}", json={"active": False})
    assert off.status_code == 200 and off.json()["active"] is False
    assert alice.get("/api/auth/me").status_code == 401
    with pytest.raises(InvalidStatus):  # nor her socket
        await connect(server.ws_base + session["ws_url"], additional_headers={"Cookie": cookie})
    refused = login(server, "alice", PASSWORD)
    assert refused.status_code == 403 and "deactivated" in refused.json()["detail"]
    assert login(server, "alice", "wrong-password").status_code == 401  # says nothing to a guesser
    server.client("root").patch(f"/api/users/{staff['alice']}", json={"active": True})
    assert login(server, "alice", PASSWORD).status_code == 200
    client = await open_client(server, server.start_session("hospital-it-rescue", user="bob")["ws_url"], user="bob")
    await client.send({"type": "message", "id": "m", "text": "您好"})
    assert (await client.until("ack"))["seq"] == 1


def test_user_changes_are_audited(server: LiveServer, staff: dict[str, int]) -> None:
    from sqlmodel import col, select

    from app.storage.models import AuditEvent

    admin = server.client("root")
    admin.patch(f"/api/users/{staff['bob']}", json={"coach": "laoshi2"})
    admin.post(f"/api/users/{staff['bob']}/password-reset")
    admin.patch(f"/api/users/{staff['bob']}", json={"active": False})
    with server.app.state.context.db() as db:
        events = db.exec(select(AuditEvent).order_by(col(AuditEvent.id))).all()
    trail = [(e.action, e.detail.get("user"), e.actor_id) for e in events]
    assert trail == [(action, "bob", staff["root"]) for action in
                     ("user_coach_changed", "user_password_reset", "user_deactivated")]
    assert events[0].detail["coach"] == {"from": "laoshi", "to": "laoshi2"}
    assert all(PASSWORD not in str(e.detail) for e in events)
