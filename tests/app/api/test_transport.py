"""Transport: the origin check compares the scheme too, the cookie's Secure flag is a setting, and pages
carry a Content-Security-Policy and refuse to be framed."""

import re

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from tests.utils.server import PASSWORD, LiveServer


def origin(server: LiveServer, scheme: str) -> str:
    return server.url.replace("http://", f"{scheme}://")


async def test_a_socket_from_the_https_twin_of_an_http_server_is_refused(server: LiveServer) -> None:
    session = server.start_session("hospital-it-rescue")
    cookie = {"Cookie": server.cookie_header()}
    for foreign in (origin(server, "https"), server.url.rsplit(":", 1)[0] + ":1", "null"):
        with pytest.raises(InvalidStatus):
            await connect(server.ws_base + session["ws_url"], origin=foreign, additional_headers=cookie)  # type: ignore[arg-type]
    same = await connect(server.ws_base + session["ws_url"], origin=server.url, additional_headers=cookie)  # type: ignore[arg-type]
    await same.close()


def test_an_unsafe_request_from_the_https_twin_is_refused(server: LiveServer) -> None:
    client = server.client()
    body = {"persona_id": "hospital-it-rescue"}
    assert client.post("/api/sessions", json=body, headers={"Origin": origin(server, "https")}).status_code == 403
    assert client.post("/api/sessions", json=body, headers={"Origin": server.url}).status_code == 201
    # behind a TLS proxy (X-Forwarded-Proto from a trusted address) the server is the https one
    proxied = {"X-Forwarded-Proto": "https"}
    assert client.post("/api/sessions", json=body, headers=proxied | {"Origin": origin(server, "https")}).status_code == 201
    assert client.post("/api/sessions", json=body, headers=proxied | {"Origin": server.url}).status_code == 403


def sign_in_cookie(server: LiveServer, **headers: str) -> str:
    """The Set-Cookie of a sign-in sent with these headers."""
    from app.accounts.service import get_user

    with server.app.state.context.db() as db:
        if get_user(db, username="cookie-user") is None:
            server.add_user("cookie-user")
    response = httpx.post(f"{server.url}/api/auth/login", json={"username": "cookie-user", "password": PASSWORD},
                          headers=headers)
    assert response.status_code == 200
    return response.headers["set-cookie"].lower()


def test_the_cookie_is_secure_when_the_request_came_over_https(server: LiveServer) -> None:
    assert "secure" not in sign_in_cookie(server)  # plain http on localhost: a Secure cookie would never return
    assert "; secure" in sign_in_cookie(server, **{"X-Forwarded-Proto": "https"})


@pytest.mark.parametrize("settings", [{"cookie_secure": True}], indirect=True)
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_cookie_can_be_made_secure_always(server: LiveServer) -> None:
    assert "; secure" in sign_in_cookie(server)


@pytest.mark.parametrize("settings", [{"cookie_secure": False}], indirect=True)
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_cookie_can_be_made_never_secure(server: LiveServer) -> None:
    assert "secure" not in sign_in_cookie(server, **{"X-Forwarded-Proto": "https"})


def test_pages_carry_a_content_security_policy_and_refuse_framing(server: LiveServer) -> None:
    client = server.client()
    page = client.get("/")
    assert page.status_code == 200
    policy = page.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy and "default-src 'self'" in policy
    assert page.headers["x-frame-options"] == "DENY" and page.headers["x-content-type-options"] == "nosniff"
    nonce = re.search(r"script-src 'self' 'nonce-([^']+)'", policy).group(1)  # type: ignore[union-attr]
    inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", page.text)
    assert inline and all(f'nonce="{nonce}"' in attrs or 'type="application/json"' in attrs for attrs in inline)
    assert re.search(r"<[^>]*\son[a-z]+\s*=", page.text) is None  # no inline event handlers
    second = client.get("/").headers["content-security-policy"]
    assert second != policy  # a fresh nonce each time
    for path in ("/login", "/api/auth/me", "/static/chat.js", "/healthz"):
        answer = httpx.get(f"{server.url}{path}")
        assert answer.headers["x-frame-options"] == "DENY", path
        assert "frame-ancestors 'none'" in answer.headers["content-security-policy"], path


def test_a_lone_surrogate_in_a_json_body_is_refused_and_an_escaped_pair_is_text(server: LiveServer) -> None:
    """JSON may escape half a surrogate pair ("\\ud800"): such text cannot be stored or echoed, so it
    is refused with 422 wherever it stands; an emoji escaped as a pair is ordinary text."""
    client = server.client()
    json_body = {"content-type": "application/json"}
    started = client.post("/api/sessions", content=b'{"persona_id": "\\ud800"}', headers=json_body)
    assert started.status_code == 422 and started.json()["code"] == "bad_text"
    server.add_user("laoshi", role="coach")
    server.add_user("xiaowang", coach="laoshi")
    sid = server.client("xiaowang").post("/api/sessions", json={"persona_id": "hospital-it-rescue"}).json()["id"]
    coach = server.client("laoshi")
    lone = coach.post(f"/api/sessions/{sid}/comments", content=b'{"seq": null, "text": ["a", "b\\udc00"]}',
                      headers=json_body)
    assert lone.status_code == 422 and lone.json()["code"] == "bad_text"
    paired = coach.post(f"/api/sessions/{sid}/comments", content=b'{"seq": null, "text": "\\ud83d\\udc4d well done"}',
                        headers=json_body)
    assert paired.status_code == 201 and paired.json()["text"] == "\U0001f44d well done"
    literal = coach.post(f"/api/sessions/{sid}/comments", json={"seq": None, "text": "\\ud800 is how JSON writes it"})
    assert literal.status_code == 201 and literal.json()["text"] == "\\ud800 is how JSON writes it"
