"""Rubric names HR gives are names, never file paths: only shipped rubrics and those HR uploaded."""

from pathlib import Path

import pytest

from scoring.rubric import RUBRICS_DIR
from tests.app.api.test_certifications import definition
from tests.utils.certification import take_attempt
from tests.utils.server import LiveServer

LINES = ["王主任您好,今天主要想听听您这边的情况。", "现在县医院和咱们之间会诊,最让您头疼的是什么?"]
STRICT = """
extends: default
description: 只看提问 / questioning only
pass_mark: 99
weights: {questioning: 1, listening: 0, commitment: 0, concerns: 0, motive_fit: 0}
"""


@pytest.fixture
def hr(server: LiveServer) -> str:
    server.add_user("hr1", role="hr")
    server.add_user("alice")
    return "hr1"


PATHS = ["/etc/passwd", "../../../../etc/passwd", "/etc/hostname", str(RUBRICS_DIR / "default.yaml"), "default.yaml",
         "scoring/rubrics/default", "~/x"]


def test_a_path_is_no_rubric_name(server: LiveServer, hr: str) -> None:
    for name in PATHS:
        response = server.client(hr).post("/api/certifications", json=definition(rubric=name))
        assert response.status_code == 422, name
        assert response.json()["detail"]["code"] == "bad_rubric", name
        assert "root:" not in response.text and "weights" not in response.text, name  # nothing of a file is quoted
        assert "default" in response.json()["detail"]["message"], name  # it names the rubrics there are


def test_a_rubric_shaped_file_on_disk_is_refused(server: LiveServer, hr: str, tmp_path: Path) -> None:
    planted = tmp_path / "lenient.yaml"
    planted.write_text((RUBRICS_DIR / "default.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    made = server.client(hr).post("/api/certifications", json=definition(rubric=str(planted)))
    assert made.status_code == 422 and made.json()["detail"]["code"] == "bad_rubric"
    cert_id = server.client(hr).post("/api/certifications", json=definition()).json()["id"]
    regrade = server.client(hr).post(f"/api/certifications/{cert_id}/regrade", json={"rubric": str(planted)})
    assert regrade.status_code == 422
    edited = server.client(hr).put(f"/api/certifications/{cert_id}", json=definition(rubric="/etc/passwd"))
    assert edited.status_code == 422 and "root:" not in edited.text


def test_hr_uploads_a_rubric_and_a_certification_grades_with_it(server: LiveServer, hr: str) -> None:
    client = server.client(hr)
    assert server.client("alice").post("/api/rubrics", json={"name": "strict", "yaml": STRICT}).status_code == 403
    stored = client.post("/api/rubrics", json={"name": "strict", "yaml": STRICT})
    assert stored.status_code == 201 and stored.json()["pass_mark"] == 99
    listed = {r["name"]: r for r in client.get("/api/rubrics").json()}
    assert listed["strict"]["source"] == "uploaded" and listed["default"]["source"] == "shipped"
    assert listed["certification"]["pass_mark"] == 80
    again = client.post("/api/rubrics", json={"name": "strict", "yaml": STRICT})
    assert again.status_code == 409  # a stored rubric never changes
    shadow = client.post("/api/rubrics", json={"name": "default", "yaml": STRICT})
    assert shadow.status_code == 409  # nor hides a shipped one
    for name, text, needle in [("../x", STRICT, "letters"), ("bad", "weights: [1", "not valid YAML"),
                               ("bad", "extends: /etc/passwd", "extends"), ("bad", "points: {nope: {delta: 1}}", "weights")]:
        refused = client.post("/api/rubrics", json={"name": name, "yaml": text})
        assert refused.status_code == 422 and needle in refused.json()["detail"]["message"], (name, text)
    assert "bad" not in {r["name"] for r in client.get("/api/rubrics").json()}

    made = client.post("/api/certifications", json=definition(rubric="strict", pass_mark=0))
    assert made.status_code == 201 and made.json()["rubric"] == "strict"
    audit = [e["action"] for e in server.get(f"/api/certifications/{made.json()['id']}/audit", hr).json()]
    assert "certification_created" in audit


async def test_an_uploaded_rubric_weights_the_grade(server: LiveServer, hr: str) -> None:
    server.client(hr).post("/api/rubrics", json={"name": "strict", "yaml": STRICT})
    cert_id = server.client(hr).post("/api/certifications", json=definition(rubric="strict", pass_mark=0)).json()["id"]
    server.client(hr).post(f"/api/certifications/{cert_id}/candidates", json={"usernames": ["alice"]})
    attempt, _frames = await take_attempt(server, cert_id, "alice", LINES)
    card = server.get(f"/api/sessions/{attempt['id']}/scorecard", hr).json()
    assert card["overall"] == card["dimensions"]["questioning"]  # only questioning weighs, as uploaded
