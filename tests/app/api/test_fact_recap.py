"""The fact recap of an ended session: the customer's facts the trainee uncovered, by subject."""

import pytest

from tests.app.ws.test_session import FARM_QUESTION, reply
from tests.utils.server import LiveServer, open_client


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_recap_counts_the_facts_the_lines_earned_by_subject(server: LiveServer) -> None:
    card = server.app.state.context.personas["farm-irrigation-balanced"]
    session = server.start_session(card.id)
    client = await open_client(server, session["ws_url"])
    # an obstacle question earns one obstacle fact; a held silence the other; a timing question the timing fact
    await client.send({"type": "message", "id": "1", "text": FARM_QUESTION})
    await reply(client, 2)
    server.clock.advance(4.1)
    await reply(client, 3)
    path = f"/api/sessions/{session['id']}/facts"
    assert server.get(path).status_code == 409  # not before the session has ended
    await client.send({"type": "message", "id": "2", "text": "这个项目打算什么时候动工?"})
    await reply(client, 5)
    await client.send({"type": "end"})
    await client.until("scorecard")

    recap = server.get(path).json()
    by_subject = {g["subject"]: g for g in recap["subjects"]}
    assert (recap["uncovered"], recap["total"]) == (3, len(card.facts))
    assert set(by_subject) == {f.subject for f in card.facts}
    assert sum(g["total"] for g in recap["subjects"]) == len(card.facts)
    obstacle = [f for f in card.facts if f.subject == "obstacle"]
    assert by_subject["obstacle"]["facts"] == [{"id": f.id, "text": f.text, "seq": seq}
                                               for f, seq in zip(obstacle, (2, 3))]
    assert by_subject["obstacle"]["uncovered"] == by_subject["obstacle"]["total"] == 2
    assert [(f["id"], f["seq"]) for f in by_subject["timing"]["facts"]] == [("winter-window", 5)]
    assert by_subject["pain"] == {"subject": "pain", "uncovered": 0, "total": 1, "facts": []}
    missed = [f for f in card.facts if f.id not in {"water-quota", "ageing-crew", "winter-window"}]
    assert not any(f.text in server.get(path).text for f in missed)  # counted, never handed out
    assert server.get(path, "someone-else").status_code == 404
