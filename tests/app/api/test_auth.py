"""Sign-in: cookie, roles, first-run admin, CSRF and origin checks; every API needs the cookie."""

import httpx
import pytest
from websockets.exceptions import InvalidStatus

from tests.utils.server import PASSWORD, LiveServer, open_client


def test_every_api_needs_a_sign_in(server: LiveServer) -> None:
    anonymous = httpx.Client(base_url=server.url)
    session = server.start_session("hospital-it-rescue")
    for method, path in [("GET", "/api/personas"), ("POST", "/api/sessions"), ("GET", "/api/sessions"),
                         ("GET", f"/api/sessions/{session['id']}"), ("GET", f"/api/sessions/{session['id']}/transcript"),
                         ("GET", f"/api/sessions/{session['id']}/scorecard"), ("GET", "/api/calibration"),
                         ("GET", "/api/auth/me")]:
        response = anonymous.request(method, path, json={"persona_id": "hospital-it-rescue"} if method == "POST" else None)
        assert response.status_code == 401, (method, path)


async def test_the_websocket_needs_the_cookie(server: LiveServer) -> None:
    from websockets.asyncio.client import connect

    session = server.start_session("hospital-it-rescue")
    with pytest.raises(InvalidStatus):
        await connect(server.ws_base + session["ws_url"])
    with pytest.raises(InvalidStatus):
        await connect(server.ws_base + session["ws_url"], additional_headers={"Cookie": "peilian_session=forged"})
    client = await open_client(server, session["ws_url"])
    await client.send({"type": "message", "id": "a", "text": "您好"})
    assert (await client.until("ack"))["seq"] == 1


async def test_a_socket_from_another_site_is_refused(server: LiveServer) -> None:
    from websockets.asyncio.client import connect

    session = server.start_session("hospital-it-rescue")
    with pytest.raises(InvalidStatus):
        await connect(server.ws_base + session["ws_url"], origin="https://evil.example",
                      additional_headers={"Cookie": server.cookie_header()})


def test_login_sets_the_cookie_and_logout_ends_it(server: LiveServer) -> None:
    server.add_user("coach1", role="coach")
    client = httpx.Client(base_url=server.url)
    wrong = client.post("/api/auth/login", json={"username": "coach1", "password": "nope-nope"})
    assert wrong.status_code == 401 and "peilian_session" not in client.cookies
    ok = client.post("/api/auth/login", json={"username": "coach1", "password": PASSWORD})
    assert ok.status_code == 200 and ok.json()["role"] == "coach" and ok.json()["csrf"]
    cookie = ok.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    assert client.get("/api/auth/me").json()["username"] == "coach1"
    assert client.post("/api/auth/logout").status_code == 204
    again = httpx.Client(base_url=server.url, cookies={"peilian_session": ok.cookies["peilian_session"]})
    assert again.get("/api/auth/me").status_code == 401  # the token itself is revoked, not just the cookie


def test_passwords_are_stored_hashed(server: LiveServer) -> None:
    from app.accounts.service import get_user

    server.add_user("hashed")
    with server.app.state.context.db() as db:
        stored = get_user(db, username="hashed").password_hash
    assert PASSWORD not in stored and stored.startswith("$argon2")
    assert "m=32,t=1," in stored  # the cost the settings give (the test settings lower it)


def test_a_password_hashed_at_another_cost_still_signs_in(server: LiveServer) -> None:
    from argon2 import PasswordHasher

    from app.accounts.service import get_user

    server.add_user("older")
    with server.app.state.context.db() as db:
        user = get_user(db, username="older")
        user.password_hash = PasswordHasher().hash(PASSWORD)  # argon2-cffi's default cost, as stored before
        db.add(user)
        db.commit()
    signed_in = httpx.post(f"{server.url}/api/auth/login", json={"username": "older", "password": PASSWORD})
    wrong = httpx.post(f"{server.url}/api/auth/login", json={"username": "older", "password": "not-the-password"})
    assert signed_in.status_code == 200 and wrong.status_code == 401


def test_first_run_creates_the_admin_once(server: LiveServer) -> None:
    client = httpx.Client(base_url=server.url)
    first = client.get("/", follow_redirects=False)
    assert first.status_code == 303 and first.headers["location"] == "/setup"
    weak = client.post("/api/auth/setup", json={"username": "boss", "password": "short"})
    assert weak.status_code == 422 and "at least 8" in weak.text
    made = client.post("/api/auth/setup", json={"username": "boss", "password": PASSWORD})
    assert made.status_code == 201 and made.json()["role"] == "admin"
    again = httpx.Client(base_url=server.url).post("/api/auth/setup", json={"username": "x", "password": PASSWORD})
    assert again.status_code == 409
    assert httpx.Client(base_url=server.url).get("/", follow_redirects=False).headers["location"] == "/login?next=/"


def test_login_form_needs_its_csrf_token(server: LiveServer) -> None:
    server.add_user("formuser")
    client = httpx.Client(base_url=server.url)
    page = client.get("/login")
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    forged = httpx.Client(base_url=server.url).post(
        "/login", data={"username": "formuser", "password": PASSWORD, "csrf_token": token}, follow_redirects=False)
    assert forged.status_code == 400  # no matching cookie: a cross-site form post
    ok = client.post("/login", data={"username": "formuser", "password": PASSWORD, "csrf_token": token,
                                     "next": "//evil.example/x"}, follow_redirects=False)
    assert ok.status_code == 303 and ok.headers["location"] == "/"  # no open redirect
    assert client.get("/api/auth/me").json()["username"] == "formuser"


def test_logout_form_needs_the_session_csrf(server: LiveServer) -> None:
    client = server.client("leaver")
    assert client.post("/logout", data={"csrf_token": "wrong"}).status_code == 400
    assert client.get("/api/auth/me").status_code == 200
    csrf = client.get("/api/auth/me").json()["csrf"]
    assert client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False).status_code == 303
    assert client.get("/api/auth/me").status_code == 401


def test_unsafe_requests_from_another_site_are_refused(server: LiveServer) -> None:
    client = server.client()
    response = client.post("/api/sessions", json={"persona_id": "hospital-it-rescue"},
                           headers={"Origin": "https://evil.example"})
    assert response.status_code == 403 and "cross-site" in response.text
    same = client.post("/api/sessions", json={"persona_id": "hospital-it-rescue"}, headers={"Origin": server.url})
    assert same.status_code == 201
    as_form = client.post("/api/sessions", content='{"persona_id": "hospital-it-rescue"}',
                          headers={"Content-Type": "text/plain"})
    assert as_form.status_code == 422  # a cross-site form cannot send JSON


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_openapi_documents_every_endpoint(server: LiveServer) -> None:
    schema = httpx.get(f"{server.url}/openapi.json").json()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            assert operation.get("summary"), f"{method} {path} has no summary"
            assert operation.get("responses"), f"{method} {path} has no responses"
    assert {"/api/auth/login", "/api/sessions/{session_id}/comments", "/api/calibration",
            "/api/sessions/import"} <= schema["paths"].keys()
