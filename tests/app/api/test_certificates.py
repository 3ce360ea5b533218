"""Certificates HR can trust: re-grading versions the scorecards, reissues a kept pass, revokes a fail,
never switches the rubric unasked, and /verify tells valid, revoked and superseded apart from tampered.
Certificates are signed with a key kept outside the database: a database write alone forges none."""

import asyncio
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from pydantic import SecretStr
from sqlmodel import select

from app.accounts.service import get_user
from app.certification import signing
from app.storage.models import Certificate, RegradeRun, Scorecard, ScorecardVersion, Turn
from app.transcripts import load_transcript
from tests.utils.certification import take_attempt
from tests.utils.server import LiveServer, run_server

PITCH = ["我们的系统是业内最好的。"]
# A well-run meeting that secures a commitment (tests/app/engine/scenarios/zh/hospital-it-rescue-method.yaml),
# with two answers not waited for: the two rubrics price that differently (−5 or −8 each, a listening
# weight of 0.25: 1.5 points overall, so the rounded scores always differ), and both pass it.
METHOD = yaml.safe_load((Path(__file__).parents[1] / "engine/scenarios/zh/hospital-it-rescue-method.yaml")
                        .read_text(encoding="utf-8"))["lines"]
METHOD_LINES = [line["text"] for line in METHOD]
METHOD_PAUSES = [2.0 if index in (2, 4) else line["pause_s"] for index, line in enumerate(METHOD)]
GOOD = METHOD_LINES  # a passing attempt (a commitment secured) with the default 5 s pauses


def iso(delta_hours: float) -> str:
    return (datetime.now(timezone.utc) + timedelta(hours=delta_hours)).isoformat()


def definition(**changes: object) -> dict[str, Any]:
    return {"name": "季度上岗认证", "persona_ids": ["hospital-it-rescue"], "rubric": "certification", "pass_mark": 1,
            "time_limit_s": 600, "attempts": 2, "opens_at": iso(-1), "closes_at": iso(24)} | changes


def certification(server: LiveServer, **changes: object) -> str:
    server.add_user("hr1", role="hr")
    for name in ("alice", "bob"):
        server.add_user(name)
    made = server.client("hr1").post("/api/certifications", json=definition(**changes))
    assert made.status_code == 201, made.text
    cert_id = made.json()["id"]
    server.client("hr1").post(f"/api/certifications/{cert_id}/candidates", json={"usernames": ["alice", "bob"]})
    return cert_id


def results(server: LiveServer, cert_id: str) -> dict[str, dict[str, Any]]:
    return {r["candidate"]: r for r in server.get(f"/api/certifications/{cert_id}/results", "hr1").json()}


def verify(server: LiveServer, code: str) -> dict[str, Any]:
    answer = httpx.get(f"{server.url}/api/verify/{code}")  # public: no sign-in
    assert answer.status_code == 200, answer.text
    return answer.json()


def release(server: LiveServer, cert_id: str) -> dict[str, str]:
    """Release the results; the certificate code of each candidate who passed."""
    answer = server.client("hr1").post(f"/api/certifications/{cert_id}/release")
    assert answer.status_code == 200, answer.text
    return {c["session_id"]: c["code"] for c in answer.json()["certificates"]}


async def regrade(server: LiveServer, cert_id: str, **body: object) -> dict[str, Any]:
    started = server.client("hr1").post(f"/api/certifications/{cert_id}/regrade", json=body)
    assert started.status_code == 202, started.text
    for _ in range(400):
        run = server.get(f"/api/certifications/{cert_id}/regrade/{started.json()['run_id']}", "hr1").json()
        if run["status"] == "done":
            return run
        await asyncio.sleep(0.05)
    raise AssertionError("the re-grade did not finish")


def audit(server: LiveServer, cert_id: str) -> list[dict[str, Any]]:
    return server.get(f"/api/certifications/{cert_id}/audit", "hr1").json()


def revive(server: LiveServer, code: str, ended: str) -> None:
    """Clear a revoked or superseded certificate's end straight in the database, as an intruder would."""
    with server.app.state.context.db() as db:
        found = db.get(Certificate, code)
        setattr(found, ended, None)
        db.add(found)
        db.commit()


def my_certificate(server: LiveServer, cert_id: str, user: str) -> str | None:
    return server.get(f"/api/certifications/{cert_id}/my-result", user).json()["certificate"]


async def test_a_regrade_that_changes_the_score_but_keeps_the_pass_supersedes_the_certificate(server: LiveServer) -> None:
    cert_id = certification(server)
    attempt, _ = await take_attempt(server, cert_id, "alice", METHOD_LINES, METHOD_PAUSES)
    first = release(server, cert_id)[attempt["id"]]
    issued = verify(server, first)
    assert issued["state"] == "valid" and issued["valid"] and issued["version"] == 1
    before = results(server, cert_id)["alice"]

    run = await regrade(server, cert_id, rubric="default", change_rubric=True)
    after = results(server, cert_id)["alice"]
    assert after["passed"] and after["overall"] != before["overall"]  # the score changed, the pass held
    assert run["comparison"][0]["changed"]

    old = verify(server, first)  # HR's own change: superseded, with the date and the new code; never tampered
    assert old["state"] == "superseded" and old["valid"] is False
    assert old["overall"] == before["overall"] and old["version"] == 1
    assert datetime.fromisoformat(old["superseded_at"]).date() == datetime.now(timezone.utc).date()
    second = my_certificate(server, cert_id, "alice")
    assert second is not None and old["superseded_by"] == second != first
    new = verify(server, second)
    assert new["state"] == "valid" and new["overall"] == after["overall"] and new["version"] == 2
    revive(server, first, "superseded_at")  # the audit log says replaced: a record claiming otherwise is tampered
    assert verify(server, first)["state"] == "tampered" and verify(server, second)["state"] == "valid"

    with server.app.state.context.db() as db:  # the replaced scorecard is kept as it was
        kept = db.exec(select(ScorecardVersion).where(ScorecardVersion.session_id == attempt["id"])).all()
        assert [(k.version, k.overall, k.rubric) for k in kept] == [(1, before["overall"], "certification")]
        current = db.get(Scorecard, attempt["id"])
        assert (current.version, current.overall, current.rubric) == (2, after["overall"], "default")

    log = audit(server, cert_id)
    regraded = next(e for e in log if e["action"] == "scorecard_regraded")
    assert regraded["session_id"] == attempt["id"] and regraded["actor"] == "hr1"
    assert regraded["detail"]["version"] == {"from": 1, "to": 2}
    assert regraded["detail"]["overall"] == {"from": before["overall"], "to": after["overall"]}
    reissued = next(e for e in log if e["action"] == "certificate_reissued")
    assert reissued["detail"]["replaces"] == first and reissued["detail"]["code"] == second
    assert reissued["detail"]["reason"] == "regrade" and reissued["actor"] == "hr1"
    issued_events = [e["detail"]["code"] for e in log if e["action"] == "certificate_issued"]
    assert issued_events == [first]


async def test_a_regrade_that_turns_the_pass_into_a_fail_revokes_the_certificate(server: LiveServer) -> None:
    cert_id = certification(server)
    attempt, _ = await take_attempt(server, cert_id, "alice", GOOD)
    code = release(server, cert_id)[attempt["id"]]
    edited = server.client("hr1").put(f"/api/certifications/{cert_id}", json=definition(pass_mark=100))
    assert edited.status_code == 200
    assert verify(server, code)["state"] == "valid"  # editing the definition changes no certificate
    await regrade(server, cert_id)
    assert results(server, cert_id)["alice"]["passed"] is False

    revoked = verify(server, code)
    assert revoked["state"] == "revoked" and revoked["valid"] is False
    assert datetime.fromisoformat(revoked["revoked_at"]).date() == datetime.now(timezone.utc).date()
    assert revoked["pass_mark"] == 1  # what the certificate stated when it was issued
    assert my_certificate(server, cert_id, "alice") is None
    event = next(e for e in audit(server, cert_id) if e["action"] == "certificate_revoked")
    assert event["detail"]["code"] == code and event["detail"]["passed"] is False and event["actor"] == "hr1"

    server.client("hr1").put(f"/api/certifications/{cert_id}", json=definition(pass_mark=1))
    await regrade(server, cert_id)  # passes again: a new certificate; the revoked one stays revoked
    again = my_certificate(server, cert_id, "alice")
    assert again not in (None, code) and verify(server, again)["state"] == "valid"
    assert verify(server, code)["state"] == "revoked"

    revive(server, code, "revoked_at")  # a database write cannot bring it back: the audit log says revoked
    assert verify(server, code)["state"] == "tampered"
    assert verify(server, again)["state"] == "valid"


async def test_a_regrade_never_switches_the_rubric_unasked(server: LiveServer) -> None:
    cert_id = certification(server)
    await take_attempt(server, cert_id, "alice", GOOD)
    unasked = server.client("hr1").post(f"/api/certifications/{cert_id}/regrade", json={"rubric": "default"})
    assert unasked.status_code == 409 and unasked.json()["detail"]["code"] == "rubric_change_unconfirmed"
    assert server.get(f"/api/certifications/{cert_id}", "hr1").json()["rubric"] == "certification"

    same = await regrade(server, cert_id)  # no rubric named: the certification's own
    assert same["rubric"] == "certification"
    assert server.get(f"/api/certifications/{cert_id}", "hr1").json()["rubric"] == "certification"
    assert not any(e["action"] == "rubric_changed" for e in audit(server, cert_id))

    switched = await regrade(server, cert_id, rubric="default", change_rubric=True)
    assert switched["rubric"] == "default"
    assert server.get(f"/api/certifications/{cert_id}", "hr1").json()["rubric"] == "default"
    changed = [e for e in audit(server, cert_id) if e["action"] == "rubric_changed"]
    assert len(changed) == 1 and changed[0]["actor"] == "hr1"
    assert changed[0]["detail"]["rubric"] == {"from": "certification", "to": "default"}
    with server.app.state.context.db() as db:  # every re-grade kept what it replaced
        versions = db.exec(select(ScorecardVersion.version, ScorecardVersion.rubric)).all()
        assert sorted(versions) == [(1, "certification"), (2, "certification")]


async def test_a_database_write_alone_cannot_forge_or_alter_a_certificate(server: LiveServer) -> None:
    cert_id = certification(server)
    alice, _ = await take_attempt(server, cert_id, "alice", GOOD)
    bob, _ = await take_attempt(server, cert_id, "bob", PITCH)
    rows = results(server, cert_id)
    assert rows["alice"]["passed"] is True and rows["bob"]["passed"] is False
    code = release(server, cert_id)[alice["id"]]
    assert verify(server, code)["state"] == "valid"

    with server.app.state.context.db() as db:
        real = db.get(Certificate, code)
        bob_id = get_user(db, username="bob").id
        card = db.get(Scorecard, bob["id"])
        transcript = load_transcript(db, session_id=bob["id"])
        # rows written straight into the table, with the digests one can compute or copy without the key
        for forged_code, digest in (("FORGED0001", signing.legacy_digest(transcript, card.overall)),
                                    ("FORGED0002", real.digest)):
            db.add(Certificate(code=forged_code, certification_id=cert_id, user_id=bob_id, session_id=bob["id"],
                               overall=card.overall, version=card.version, pass_mark=1, digest=digest))
        real.overall += 5  # and a genuine one, made to say more
        db.add(real)
        db.commit()
    for forged in ("FORGED0001", "FORGED0002"):
        assert verify(server, forged)["state"] == "tampered"
    assert verify(server, code)["state"] == "tampered"


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_the_signing_key_is_generated_once_kept_and_needed(server: LiveServer) -> None:
    key_file = server.settings.certificate_key_file
    assert key_file is not None and key_file.is_file()
    key = key_file.read_bytes()
    with server.app.state.context.db() as db:
        assert key.strip() not in str([c.model_dump() for c in db.exec(select(Certificate)).all()]).encode()
    cert_id = certification(server)
    attempt, _ = await take_attempt(server, cert_id, "alice", GOOD)
    code = release(server, cert_id)[attempt["id"]]
    assert verify(server, code)["state"] == "valid"

    with run_server(server.settings, server.clock) as restarted:  # a restart keeps and reads the same key
        assert key_file.read_bytes() == key
        assert verify(restarted, code)["state"] == "valid"
    other = server.settings.model_copy(update={"certificate_key": SecretStr("x" * 40)})
    with run_server(other, server.clock) as wrong_key:  # the same database signed by another key
        assert verify(wrong_key, code)["state"] == "tampered"


async def test_an_unsigned_certificate_from_before_signing_is_signed_when_results_are_released_again(
    server: LiveServer,
) -> None:
    cert_id = certification(server)
    attempt, _ = await take_attempt(server, cert_id, "alice", GOOD)
    code = release(server, cert_id)[attempt["id"]]
    with server.app.state.context.db() as db:  # as a certificate issued before signing was stored
        old = db.get(Certificate, code)
        old.version, old.pass_mark = None, None
        old.digest = signing.legacy_digest(load_transcript(db, session_id=attempt["id"]), old.overall)
        db.add(old)
        db.commit()
    unsigned = verify(server, code)
    assert unsigned["state"] == "unsigned" and unsigned["valid"] is False
    assert release(server, cert_id)[attempt["id"]] == code  # the same certificate, now signed
    assert verify(server, code)["state"] == "valid"
    assert any(e["action"] == "certificate_signed" and e["detail"]["code"] == code for e in audit(server, cert_id))


async def _settled(server: LiveServer, cert_id: str, run_id: int) -> dict[str, Any]:
    for _ in range(400):
        run = server.get(f"/api/certifications/{cert_id}/regrade/{run_id}", "hr1").json()
        if run["status"] != "running":
            return run
        await asyncio.sleep(0.05)
    raise AssertionError("the re-grade is still running")


async def test_a_regrade_that_fails_or_is_cut_by_a_restart_is_closed_and_can_be_run_again(server: LiveServer) -> None:
    cert_id = certification(server)
    attempt, _ = await take_attempt(server, cert_id, "alice", GOOD)
    with server.app.state.context.db() as db:  # a stored line no transcript can hold: grading it raises
        turn = db.exec(select(Turn).where(Turn.session_id == attempt["id"]).order_by(Turn.seq)).first()
        speaker, turn.speaker = turn.speaker, "robot"
        db.add(turn)
        db.commit()
    started = server.client("hr1").post(f"/api/certifications/{cert_id}/regrade", json={})
    assert started.status_code == 202, started.text
    failed = await _settled(server, cert_id, started.json()["run_id"])
    assert failed["status"] == "failed" and failed["finished_at"] and failed["comparison"] == []
    logged = next(e for e in audit(server, cert_id) if e["action"] == "regrade_failed")
    assert logged["actor"] == "hr1" and "ValidationError" in logged["detail"]["reason"]

    with server.app.state.context.db() as db:  # the row mended; a run left running by a server that died
        turn = db.exec(select(Turn).where(Turn.session_id == attempt["id"]).order_by(Turn.seq)).first()
        turn.speaker = speaker
        db.add(turn)
        hr = get_user(db, username="hr1")
        stale = RegradeRun(certification_id=cert_id, rubric="certification", total=1, started_by=hr.id,
                           results=[{"before": []}])
        db.add(stale)
        db.commit()
        stale_id = stale.id
    blocked = server.client("hr1").post(f"/api/certifications/{cert_id}/regrade", json={})
    assert blocked.status_code == 409 and "regrade_running" in blocked.text

    with run_server(server.settings, server.clock) as restarted:
        assert restarted.get(f"/api/certifications/{cert_id}/regrade/{stale_id}", "hr1").json()["status"] == "interrupted"
        assert any(e["action"] == "regrade_interrupted" and e["detail"]["run"] == stale_id for e in audit(restarted, cert_id))
        run = await regrade(restarted, cert_id)
        assert run["status"] == "done" and run["done"] == run["total"] == 1
