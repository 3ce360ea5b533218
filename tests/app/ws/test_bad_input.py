"""One bad client must not hurt the others: malformed, unknown, oversize and flooding frames.

The frame decoder and a live socket are fuzzed with Hypothesis.
"""

import asyncio
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from websockets.exceptions import ConnectionClosed

from app.core.config import Settings
from app.ws.frames import CLIENT_TYPES, FrameError, read_client_frame
from tests.utils.server import LiveServer, open_client, run_server

SERVER_TYPES = {"ack", "feedback", "customer_start", "customer_delta", "customer_end", "scorecard", "error", "ended"}
ERROR_CODES = {"bad_json", "unknown_type", "bad_frame", "too_large", "rate_limited", "session_ended", "time_up"}

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)
frames_like = st.one_of(
    st.text(max_size=200),
    json_values.map(json.dumps),
    st.fixed_dictionaries({"type": st.sampled_from([*CLIENT_TYPES, "x", ""])},
                          optional={"id": json_values, "text": json_values, "last_seq": json_values}).map(json.dumps),
)


@given(raw=frames_like)
@settings(max_examples=400, deadline=None)
def test_the_decoder_returns_a_frame_or_a_coded_error(raw: str) -> None:
    try:
        frame = read_client_frame(raw, 2000)
    except FrameError as exc:
        assert exc.code in {"bad_json", "unknown_type", "bad_frame", "too_large"} and str(exc)
    else:
        assert frame.type in CLIENT_TYPES


def _ends_session(raw: str) -> bool:
    try:
        return read_client_frame(raw, 2000).type == "end"
    except FrameError:
        return False


async def _fuzz_one_session(server: LiveServer, raws: list[str]) -> list[dict]:
    session = server.start_session("hospital-it-rescue")
    client = await open_client(server, session["ws_url"])
    for raw in raws:
        await client.send(raw)
    await client.send({"type": "message", "id": "after-fuzz", "text": "现在最让您头疼的是什么?"})
    await client.until("ack", id="after-fuzz", timeout=20)
    await client.conn.close()
    return client.frames


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
@given(raws=st.lists(frames_like.filter(lambda raw: not _ends_session(raw)), min_size=1, max_size=12))
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_fuzzed_frames_never_break_the_socket_or_the_server(server: LiveServer, raws: list[str]) -> None:
    """Whatever arrives, the server answers only with known frames and the socket keeps working."""
    received = asyncio.run(_fuzz_one_session(server, raws))
    for frame in received:
        assert frame["type"] in SERVER_TYPES
        if frame["type"] == "error":
            assert frame["code"] in ERROR_CODES and frame["message"]


async def test_a_flood_is_rate_limited_and_others_carry_on(server: LiveServer) -> None:
    flooder_session = server.start_session("hospital-it-rescue", user="flooder")
    calm_session = server.start_session("hospital-it-rescue", user="calm")
    flooder = await open_client(server, flooder_session["ws_url"], user="flooder")
    calm = await open_client(server, calm_session["ws_url"], user="calm")
    burst = server.settings.rate_burst
    for index in range(burst + 20):
        await flooder.send({"type": "typing"} if index % 2 else {"type": "resume", "last_seq": 0})
    limited = [await flooder.until("error") for _ in range(20)]
    assert {e["code"] for e in limited} == {"rate_limited"}
    await calm.send({"type": "message", "id": "c1", "text": "您好,最近忙吗?"})
    assert (await calm.until("ack"))["seq"] == 1
    await calm.until("customer_end")
    server.clock.advance(burst / server.settings.rate_limit_per_s + 1)  # the bucket refills with time
    await flooder.send({"type": "message", "id": "f1", "text": "还有呢?"})
    assert (await flooder.until("ack"))["seq"] == 1


async def test_message_size_limit_is_configurable(db_url: str) -> None:
    from app.core.clock import FakeClock

    with run_server(Settings(DATABASE_URL=db_url, customer_delay_scale=0, max_message_chars=10), FakeClock()) as live:
        session = live.start_session("hospital-it-rescue")
        client = await open_client(live, session["ws_url"])
        await client.send({"type": "message", "id": "long", "text": "这句话明显超过了十个字的限制"})
        error = await client.until("error")
        assert error["code"] == "too_large" and "10" in error["message"]
        await client.send({"type": "message", "id": "short", "text": "还有呢?"})
        assert (await client.until("ack"))["id"] == "short"


async def test_an_oversize_frame_closes_only_that_socket(server: LiveServer) -> None:
    big_session = server.start_session("hospital-it-rescue", user="big")
    other_session = server.start_session("hospital-it-rescue", user="other")
    big = await open_client(server, big_session["ws_url"], user="big")
    other = await open_client(server, other_session["ws_url"], user="other")
    await big.send("x" * (server.settings.max_frame_bytes + 10))
    with pytest.raises(ConnectionClosed) as closed:
        for _ in range(5):
            await big.next(timeout=5)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009
    await other.send({"type": "message", "id": "o1", "text": "您好"})
    assert (await other.until("ack"))["seq"] == 1
    again = await open_client(server, big_session["ws_url"], user="big")  # the session itself is fine
    await again.send({"type": "message", "id": "b1", "text": "您好"})
    assert (await again.until("ack"))["seq"] == 1


async def test_binary_frames_get_an_error(server: LiveServer) -> None:
    session = server.start_session("hospital-it-rescue")
    client = await open_client(server, session["ws_url"])
    await client.conn.send(b"\x00\x01binary")
    assert (await client.until("error"))["code"] == "bad_frame"
    await asyncio.sleep(0)
