"""A whole practice session against a real uvicorn server over a real WebSocket (DESIGN 4.2)."""

import asyncio
import uuid

import pytest
from websockets.exceptions import InvalidStatus

from app.core.clock import FakeClock
from app.core.config import Settings
from app.accounts.service import get_user
from app.engine.state import initial_state
from app.storage import repo
from app.core.pacing import speaking_time, think_delay
from tests.utils.server import matches, Client, LiveServer, open_client, run_server

SCORECARD_FIELDS = {"session_id", "overall", "passed", "dimensions", "counts", "silence", "commitment", "turns"}


async def typing_recorded(server: LiveServer, session_id: str) -> None:
    """Wait until the server has stored the first keystroke (typing frames get no reply)."""
    ctx = server.app.state.context
    for _ in range(500):
        with ctx.db() as db:  # the server's own DB lane belongs to its event loop, not this one
            chat = repo.get_session(db, session_id=session_id)
        if chat.pending_typing_at is not None:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the typing frame was not recorded")


async def say(client: Client, server: LiveServer, session_id: str, text: str, *, think: float, type_for: float = 2.0) -> dict:
    """Wait `think` seconds, type for `type_for` seconds, send; return the ack."""
    server.clock.advance(think)
    await client.send({"type": "typing"})
    await typing_recorded(server, session_id)
    server.clock.advance(type_for)
    frame_id = str(uuid.uuid4())
    await client.send({"type": "message", "id": frame_id, "text": text})
    ack = await client.until("ack", id=frame_id)
    return ack


async def reply(client: Client, seq: int | None = None) -> tuple[dict, list[dict], dict]:
    """The customer turn numbered `seq` (the next one when None): start, deltas, end."""
    start = await client.until("customer_start", **({} if seq is None else {"seq": seq}))
    deltas: list[dict] = []
    while True:
        frame = await client.next()
        if frame["type"] == "customer_delta" and frame["seq"] == start["seq"]:
            deltas.append(frame)
        elif frame["type"] == "customer_end" and frame["seq"] == start["seq"]:
            return start, deltas, frame


async def test_whole_session_leaves_transcript_and_scorecard(server: LiveServer) -> None:
    session = server.start_session("hospital-it-rescue")
    assert session["ws_url"] == f"/ws/sessions/{session['id']}"
    client = await open_client(server, session["ws_url"])
    lines = [
        "王主任您好,我是远程会诊系统的小李,今天主要想听听您这边的情况。",
        "现在县医院和咱们之间会诊,最让您头疼的是什么?",
        "还有呢?",
        "这个项目的时间和审批流程是怎样的?",
        "我确认一下,您是希望先稳定运行、再逐步推广,对吗?",
        "下周三上午能请您提供一下近三个月的故障记录,我们帮您分析原因吗?",
    ]
    sent: list[dict] = []
    for index, text in enumerate(lines):
        # 5 s after each answer: the golden silence is held (the customer may add a fact meanwhile).
        ack = await say(client, server, session["id"], text, think=5.0 if index else 0.5)
        start, deltas, end = await reply(client, ack["seq"] + 1)
        assert deltas and "".join(d["text"] for d in deltas) == end["text"] and end["text"]
        sent.append({"seq": ack["seq"], "text": text})
    sent += [{"seq": f["seq"], "text": f["text"]} for f in client.frames if f["type"] == "customer_end"]
    sent.sort(key=lambda turn: turn["seq"])

    await client.send({"type": "end"})
    card = await client.until("scorecard")
    assert SCORECARD_FIELDS <= card.keys()
    assert set(card["dimensions"]) == {"questioning", "listening", "commitment", "concerns", "motive_fit"}
    assert sum(card["counts"][k] for k in card["counts"] if k != "pitch") == len(lines)
    trainee_seqs = [f["seq"] for f in client.frames if f["type"] == "ack"]
    assert [t["seq"] for t in card["turns"]] == trainee_seqs
    assert card["silence"]["after_answer"]["held"] >= 4  # five 5-second pauses after answers

    transcript = server.get(f"/api/sessions/{session['id']}/transcript").json()
    assert transcript["session_id"] == session["id"] and transcript["language"] == "zh"
    assert [{"seq": t["seq"], "text": t["text"]} for t in transcript["turns"]] == sent
    trainee = [t for t in transcript["turns"] if t["speaker"] == "trainee"]
    # Server-side times on the injected clock: 2 s of typing before each send.
    assert all(round(t["sent_at"] - t["typing_started_at"], 3) == 2.0 for t in trainee)
    customer = [t for t in transcript["turns"] if t["speaker"] == "customer"]
    assert all(t["started_at"] <= t["ended_at"] for t in customer)
    stored = server.get(f"/api/sessions/{session['id']}/scorecard").json()
    assert stored == {k: v for k, v in card.items() if k != "type"}
    await client.conn.close()


async def test_repeated_message_id_is_stored_once_and_answered_once(server: LiveServer) -> None:
    session = server.start_session("hospital-it-rescue")
    client = await open_client(server, session["ws_url"])
    frame = {"type": "message", "id": "same-id", "text": "您现在最关心的是什么?"}
    await client.send(frame)
    first = await client.until("ack")
    await reply(client)
    await client.send(frame)
    second = await client.until("ack")
    retried_at = len(client.frames)
    assert first == second == {"type": "ack", "id": "same-id", "seq": 1}
    await client.send({"type": "end"})
    await client.until("scorecard")
    assert not [f for f in client.frames[retried_at:] if f["type"] == "customer_start"]
    turns = server.get(f"/api/sessions/{session['id']}/transcript").json()["turns"]
    assert [t["speaker"] for t in turns] == ["trainee", "customer"]


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("{not json", "bad_json"),
        ('{"type": "shout"}', "unknown_type"),
        ('{"type": "message", "id": "x"}', "bad_frame"),
        ('{"type": "message", "id": "x", "text": "   "}', "bad_frame"),
        ('{"type": "resume", "last_seq": -1}', "bad_frame"),
        ('[1, 2]', "bad_frame"),
        ('{"type": "message", "id": "x", "text": "' + "长" * 2001 + '"}', "too_large"),
    ],
)
async def test_bad_frames_get_an_error_and_the_socket_stays_open(server: LiveServer, raw: str, code: str) -> None:
    session = server.start_session("hospital-it-rescue")
    client = await open_client(server, session["ws_url"])
    await client.send(raw)
    error = await client.until("error")
    assert error["code"] == code and error["message"]
    await client.send({"type": "message", "id": "ok", "text": "您好"})
    assert (await client.until("ack"))["seq"] == 1


async def test_a_message_after_the_end_is_refused(server: LiveServer) -> None:
    session = server.start_session("hospital-it-rescue")
    client = await open_client(server, session["ws_url"])
    await client.send({"type": "end"})
    await client.until("ended")  # nothing said: ended, not scored
    await client.send({"type": "message", "id": "late", "text": "还在吗?"})
    assert (await client.until("error"))["code"] == "session_ended"
    # A new connection to the ended session is refused the same way.
    again = await open_client(server, session["ws_url"])
    await again.send({"type": "message", "id": "late2", "text": "还在吗?"})
    assert (await again.until("error"))["code"] == "session_ended"


async def test_unknown_session_is_refused(server: LiveServer) -> None:
    with pytest.raises(InvalidStatus):
        await open_client(server, "/ws/sessions/does-not-exist")


async def test_resume_sends_customer_turns_the_client_missed(server: LiveServer) -> None:
    session = server.start_session("hospital-it-rescue")
    client = await open_client(server, session["ws_url"])
    await client.send({"type": "message", "id": "a", "text": "您最近在忙什么项目?"})
    _, _, end = await reply(client)
    await client.conn.close()
    again = await open_client(server, session["ws_url"])
    await again.send({"type": "resume", "last_seq": 1})
    start = await again.until("customer_start")
    replayed = await again.until("customer_end")
    assert start["seq"] == replayed["seq"] == end["seq"] and replayed["text"] == end["text"]


async def test_a_line_sent_before_the_reply_starts_replaces_it(server: LiveServer) -> None:
    """Two lines in a row: the customer answers the last one, once."""
    with run_server(server.settings.model_copy(update={"customer_delay_scale": 1.0}), FakeClock()) as slow:
        session = slow.start_session("hospital-it-rescue")
        client = await open_client(slow, session["ws_url"])
        await client.send({"type": "message", "id": "1", "text": "您好,王主任。"})
        await client.until("ack")
        await client.send({"type": "message", "id": "2", "text": "现在会诊最让您头疼的是什么?"})
        await client.until("ack")
        for _ in range(400):
            slow.clock.advance(0.05)
            await asyncio.sleep(0.003)
        frames = []
        while True:
            try:
                frames.append(await client.next(timeout=0.5))
            except TimeoutError:
                break
        starts = [f["seq"] for f in frames if f["type"] == "customer_start"]
        assert starts[0] == 3  # no answer to line 1 (seq 1); the answer to line 2 (seq 2)
        # Later customer turns can only be golden-silence additions, one fact each.
        assert len(starts) <= 2


async def test_customer_thinks_at_once_then_answers_at_a_pace_set_by_its_reply(db_url: str) -> None:
    """The thinking frame comes with the ack, before the clock moves and before any customer
    text; the think and typing times are those pacing gives the reply that came (injected clock)."""
    settings = Settings(DATABASE_URL=db_url, customer_delay_scale=1.0)
    clock = FakeClock()
    text = "现在县医院和咱们之间会诊,最让您头疼的是什么?"
    with run_server(settings, clock) as live:
        session = live.start_session("hospital-it-rescue")
        client = await open_client(live, session["ws_url"])
        await client.send({"type": "message", "id": "q", "text": text})
        thinking = await client.until("thinking")  # the clock has not moved
        ack = await client.seen("ack")
        assert thinking == {"type": "thinking", "reply_to": ack["seq"]}
        assert [f["type"] for f in client.frames] == ["ack", "feedback", "thinking"]
        with pytest.raises(TimeoutError):
            await client.until("customer_start", timeout=0.3)  # thinking, not yet typing
        task = asyncio.ensure_future(client.until("customer_end", timeout=20))
        while not task.done():
            # half real time: a loaded server still sees each step of the clock before the next
            clock.advance(0.01)
            await asyncio.sleep(0.005)
        await task
        turns = live.get(f"/api/sessions/{session['id']}/transcript").json()["turns"]
    question, answer = turns
    kinds = [f["type"] for f in client.frames]
    assert kinds.index("thinking") < kinds.index("customer_start") < kinds.index("customer_delta")
    think = think_delay(answer["text"], "zh", answer["acts"], text)
    assert think <= answer["started_at"] - question["sent_at"] <= think + 0.1
    typed = speaking_time(answer["text"], "zh")
    assert typed > 0.5 and typed <= answer["ended_at"] - answer["started_at"] <= typed * 1.5  # typed out, not dumped


FARM_QUESTION = "现在浇水这块,最让您头疼的是什么?"  # the farm card holds two facts on this subject


async def test_held_silence_after_an_answer_earns_one_more_fact_on_its_subject(server: LiveServer) -> None:
    session = server.start_session("farm-irrigation-balanced")
    client = await open_client(server, session["ws_url"])
    await client.send({"type": "message", "id": "q", "text": FARM_QUESTION})
    await reply(client, 2)
    server.clock.advance(4.1)
    _, _, added = await reply(client, 3)
    assert added["text"]
    server.clock.advance(10)
    await asyncio.sleep(0.2)
    ack = await say(client, server, session["id"], "这对今年的收成影响大吗?", think=0.5)
    assert ack["seq"] == 4  # one addition per answer, not one per silent stretch
    turns = server.get(f"/api/sessions/{session['id']}/transcript").json()["turns"]
    answer, addition = turns[1], turns[2]
    assert round(addition["started_at"] - answer["ended_at"], 1) >= 4.0
    assert answer["acts"][0]["kind"] == "reveal" and addition["acts"][0]["kind"] == "add_after_silence"
    assert addition["acts"][0]["subject"] == answer["acts"][0]["subject"]


async def test_typing_before_the_threshold_means_no_addition(server: LiveServer) -> None:
    session = server.start_session("farm-irrigation-balanced")
    client = await open_client(server, session["ws_url"])
    await client.send({"type": "message", "id": "q", "text": FARM_QUESTION})
    await reply(client, 2)
    ack = await say(client, server, session["id"], "这个影响有多大?", think=2.0, type_for=6.0)
    assert ack["seq"] == 3  # the customer waited for the trainee, who was already typing
    _, _, answer = await reply(client, 4)
    assert answer["text"]


@pytest.mark.parametrize("settings", [{"customer_delay_scale": 1.0}], indirect=True)
async def test_a_line_sent_while_the_customer_is_adding_gets_its_own_answer(server: LiveServer) -> None:
    """Turn-taking: the customer began adding after a held silence, the trainee typed and sent
    meanwhile; the addition is finished, then the new line is answered, not dropped."""
    async def run_until(kind: str, step_s: float = 0.25, **fields: object) -> dict:
        """Move the fake clock on in small steps until a frame of `kind` (with `fields`) has arrived."""
        for _ in range(2000):
            found = [f for f in client.frames if matches(f, kind, fields)]
            if found:
                return found[0]
            try:
                await client.next(timeout=0.02)
            except TimeoutError:
                server.clock.advance(step_s)
        raise AssertionError(f"no {kind} {fields}")

    session = server.start_session("farm-irrigation-balanced")
    client = await open_client(server, session["ws_url"])
    await client.send({"type": "message", "id": "q", "text": FARM_QUESTION})
    answer = await run_until("customer_end", seq=2)
    started = await run_until("customer_start", seq=3, step_s=0.1)  # the addition has begun after the silence
    assert not [f for f in client.frames if f["type"] == "customer_end" and f["seq"] == 3]
    await client.send({"type": "typing"})
    await client.send({"type": "message", "id": "next", "text": "这对今年的收成影响大吗?"})
    ack = await client.seen("ack", id="next")
    assert answer and started and ack["seq"] == 4
    await run_until("customer_end", seq=5)
    turns = server.get(f"/api/sessions/{session['id']}/transcript").json()["turns"]
    assert [t["speaker"] for t in turns] == ["trainee", "customer", "customer", "trainee", "customer"]
    assert turns[2]["acts"][0]["kind"] == "add_after_silence"
    assert turns[4]["acts"] and turns[4]["text"]  # the trainee's line got its own answer


async def test_the_record_of_decisions_is_stored_exported_and_graded(server: LiveServer) -> None:
    session = server.start_session("hospital-it-rescue")
    client = await open_client(server, session["ws_url"])
    for index, text in enumerate(["王主任您好,今天主要想听听您的情况。", "你们医院今年预算多少?", "下周能请院长参加一次演示吗?"]):
        await say(client, server, session["id"], text, think=1.0)
        await reply(client)
    await client.send({"type": "end"})
    card = await client.until("scorecard")
    turns = server.get(f"/api/sessions/{session['id']}/transcript").json()["turns"]
    customer = [t for t in turns if t["speaker"] == "customer"]
    assert all(isinstance(t["acts"], list) and t["acts"] for t in customer)
    assert customer[-1]["acts"][0]["kind"] == "refuse" and customer[-1]["acts"][0]["commitment"] == "demo-with-dean"
    assert card["source"] == "acts" and card["commitment"]["requested"] and not card["commitment"]["secured"]
    assert all("acts" not in t for t in turns if t["speaker"] == "trainee")


async def test_the_customer_closes_the_session_when_its_patience_runs_out(server: LiveServer) -> None:
    session = server.start_session("carrier-aiops-complacent")
    client = await open_client(server, session["ws_url"])
    pitches = ["我们的平台是业内领先的,功能非常全面,性价比也很高。", "我们服务了上百家运营商,技术绝对领先,价格也有优势。",
               "我们的方案能一次性解决您所有的问题,效率至少提升一倍。", "今天能不能就定下来,先签个试用协议?",
               "我们的产品真的是全国第一,您一定要试试。", "那就这周五,请您安排一次演示可以吗?"]
    turns: list[dict] = []
    for text in pitches:
        await say(client, server, session["id"], text, think=0.5)
        await reply(client)
        turns = server.get(f"/api/sessions/{session['id']}/transcript").json()["turns"]
        if turns[-1]["acts"][-1]["kind"] == "end":
            break
    assert turns[-1]["acts"][-1] == {"kind": "end", "reason": "patience"}, "the customer never closed the meeting"
    card = await client.until("scorecard")  # the session ends with the customer, without the trainee's "end"
    assert card["commitment"]["requested"] and not card["commitment"]["secured"]
    await client.send({"type": "message", "id": "late", "text": "等等,再聊两句?"})
    error = await client.until("error")
    assert error["code"] == "session_ended"


async def test_practice_shows_each_line_label_right_after_it_is_sent(server: LiveServer) -> None:
    session = server.start_session("hospital-it-rescue")
    client = await open_client(server, session["ws_url"])
    await client.send({"type": "message", "id": "f1", "text": "还有呢?"})
    ack = await client.until("ack")
    feedback = await client.next()
    assert feedback["type"] == "feedback" and feedback["seq"] == ack["seq"]
    assert feedback["label"] == "extension" and feedback["rule"] and feedback["reason"]


async def test_certification_sessions_get_no_live_feedback(server: LiveServer) -> None:
    ctx = server.app.state.context
    card = ctx.personas["hospital-it-rescue"]

    server.client()  # the default trainee exists and is signed in

    def certification_session(db):  # type: ignore[no-untyped-def]
        owner = get_user(db, username=server.default_user)
        chat = repo.create_session(db, persona_id=card.id, language="zh", engine_state=initial_state(card).to_json(),
                                   user_id=owner.id, mode="certification")
        return chat.id

    with ctx.db() as db:
        session_id = certification_session(db)
    client = await open_client(server, f"/ws/sessions/{session_id}")
    await client.send({"type": "message", "id": "c1", "text": "还有呢?"})
    await client.until("customer_end")
    assert "feedback" not in [f["type"] for f in client.frames]
