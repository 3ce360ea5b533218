"""Teams: a trainee sees their own sessions, a coach their trainees', HR and admin all.

A session someone may not see answers 404 over REST and is refused over the WebSocket.
"""

import pytest
from websockets.exceptions import InvalidStatus

from tests.utils.server import LiveServer, open_client


@pytest.fixture
def team(server: LiveServer) -> dict[str, str]:
    """coach laoshi with trainees alice and bob; carol has another coach; hr and admin see all."""
    server.add_user("laoshi", role="coach")
    server.add_user("other", role="coach")
    server.add_user("alice", coach="laoshi")
    server.add_user("bob", coach="laoshi")
    server.add_user("carol", coach="other")
    server.add_user("hr1", role="hr")
    server.add_user("root", role="admin")
    return {name: server.start_session("hospital-it-rescue", user=name)["id"] for name in ("alice", "bob", "carol")}


def listing(server: LiveServer, user: str) -> set[str]:
    return {item["id"] for item in server.get("/api/sessions?page_size=100", user).json()["items"]}


def test_each_role_sees_exactly_its_sessions(server: LiveServer, team: dict[str, str]) -> None:
    assert listing(server, "alice") == {team["alice"]}
    assert listing(server, "laoshi") == {team["alice"], team["bob"]}
    assert listing(server, "other") == {team["carol"]}
    assert listing(server, "hr1") == set(team.values())
    assert listing(server, "root") == set(team.values())


@pytest.mark.parametrize(("viewer", "owner"), [("alice", "bob"), ("bob", "carol"), ("laoshi", "carol"),
                                               ("other", "alice")])
def test_a_hidden_session_is_404_on_every_endpoint(server: LiveServer, team: dict[str, str], viewer: str,
                                                   owner: str) -> None:
    sid = team[owner]
    for path in ("", "/transcript", "/scorecard", "/comments", "/corrections", "/trend"):
        response = server.get(f"/api/sessions/{sid}{path}", viewer)
        assert response.status_code == 404, path
        assert response.json()["code"] == "no_session" and "no such session" in response.json()["detail"]
    posted = server.client(viewer).post(f"/api/sessions/{sid}/comments", json={"seq": None, "text": "hi"})
    assert posted.status_code == 404


@pytest.mark.parametrize("viewer", ["laoshi", "hr1", "root", "alice"])
def test_a_visible_session_can_be_read(server: LiveServer, team: dict[str, str], viewer: str) -> None:
    response = server.get(f"/api/sessions/{team['alice']}", viewer)
    assert response.status_code == 200 and response.json()["trainee"] == "alice"


@pytest.mark.parametrize("intruder", ["bob", "laoshi", "hr1"])
async def test_only_the_owner_talks_in_a_session(server: LiveServer, team: dict[str, str], intruder: str) -> None:
    url = f"/ws/sessions/{team['alice']}"
    with pytest.raises(InvalidStatus):
        await open_client(server, url, user=intruder)
    client = await open_client(server, url, user="alice")
    await client.send({"type": "message", "id": "m", "text": "您好"})
    assert (await client.until("ack"))["seq"] == 1


def test_who_may_comment_and_correct(server: LiveServer, team: dict[str, str]) -> None:
    sid = team["alice"]
    for user, expected in [("laoshi", 201), ("root", 201), ("hr1", 403), ("alice", 403)]:
        response = server.client(user).post(f"/api/sessions/{sid}/comments", json={"seq": None, "text": f"by {user}"})
        assert response.status_code == expected, user
    comments = server.get(f"/api/sessions/{sid}/comments", "alice").json()
    assert [(c["author"], c["text"]) for c in comments] == [("laoshi", "by laoshi"), ("root", "by root")]


def test_trainees_cannot_read_the_calibration_report(server: LiveServer, team: dict[str, str]) -> None:
    assert server.get("/api/calibration", "alice").status_code == 403
    assert server.get("/api/calibration", "laoshi").status_code == 200
