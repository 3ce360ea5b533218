"""REST routes of DESIGN 4.2 against the real server: personas, sessions, transcript, scorecard."""

import pytest

from tests.utils.server import LiveServer

PERSONA_FIELDS = {"id", "name", "language", "motive", "concern_level", "difficulty"}


def test_personas_list_public_fields_only(server: LiveServer) -> None:
    cards = server.get(f"/api/personas").json()
    assert len(cards) >= 3 and {c["language"] for c in cards} == {"zh", "en"}
    for card in cards:
        assert PERSONA_FIELDS <= card.keys()
        assert "facts" not in card and "commitments" not in card and "concern" not in card
    assert "hospital-it-rescue" in {c["id"] for c in cards}


def test_start_session_and_read_it_back(server: LiveServer) -> None:
    created = server.client().post(f"/api/sessions", json={"persona_id": "hospital-it-rescue"})
    assert created.status_code == 201
    body = created.json()
    assert body["ws_url"] == f"/ws/sessions/{body['id']}"
    session = server.get(f"/api/sessions/{body['id']}").json()
    assert (session["status"], session["language"], session["persona"]["name"]) == ("active", "zh", "王建国")
    transcript = server.get(f"/api/sessions/{body['id']}/transcript").json()
    assert transcript == {"session_id": body["id"], "persona_id": "hospital-it-rescue", "language": "zh", "turns": []}
    pending = server.get(f"/api/sessions/{body['id']}/scorecard")
    assert pending.status_code == 409 and "not ended" in pending.json()["detail"]


@pytest.mark.parametrize(
    ("body", "status", "needle"),
    [
        ({"persona_id": "nobody"}, 404, "hospital-it-rescue"),
        ({}, 422, "persona_id"),
        ({"persona_id": ""}, 422, "persona_id"),
    ],
)
def test_bad_session_requests_say_what_is_wrong(server: LiveServer, body: dict, status: int, needle: str) -> None:
    response = server.client().post(f"/api/sessions", json=body)
    assert response.status_code == status
    assert needle in response.text


def test_unknown_session_is_404_everywhere(server: LiveServer) -> None:
    for path in ("", "/transcript", "/scorecard"):
        assert server.get(f"/api/sessions/nope{path}").status_code == 404


def test_openapi_documents_the_api(server: LiveServer) -> None:
    paths = server.get(f"/openapi.json").json()["paths"]
    assert {"/api/personas", "/api/sessions", "/api/sessions/{session_id}/transcript",
            "/api/sessions/{session_id}/scorecard"} <= paths.keys()
