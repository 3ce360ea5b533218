"""Hostile frames over a real socket, on SQLite and PostgreSQL: each gets a bilingual `error`
frame, nothing of it is stored, and the same socket carries on with the session."""

import re

import pytest

from tests.utils.server import LiveServer, open_client

DEEP_LIST = "[" * 30000 + "]" * 30000
DEEP_OBJECT = '{"a":' * 10000 + "1" + "}" * 10000
DEEP_IN_A_FRAME = '{"type": "message", "id": "n", "text": ' + "[" * 5000 + "]" * 5000 + "}"

HOSTILE = {
    # numbers no turn can have
    "last_seq 1e29": ('{"type": "resume", "last_seq": 1e29}', "bad_frame"),
    "last_seq of 30 digits": ('{"type": "resume", "last_seq": ' + "9" * 30 + "}", "bad_frame"),
    "last_seq 2^63": ('{"type": "resume", "last_seq": 9223372036854775808}', "bad_frame"),
    "last_seq of 5000 digits": ('{"type": "resume", "last_seq": ' + "9" * 5000 + "}", "bad_json"),
    "last_seq 1e400": ('{"type": "resume", "last_seq": 1e400}', "bad_frame"),
    "last_seq NaN": ('{"type": "resume", "last_seq": NaN}', "bad_json"),
    "last_seq -Infinity": ('{"type": "resume", "last_seq": -Infinity}', "bad_json"),
    # nesting deeper than any frame
    "a deep list": (DEEP_LIST, "bad_json"),
    "a deep object": (DEEP_OBJECT, "bad_json"),
    "a deep text": (DEEP_IN_A_FRAME, "bad_json"),
    # wrong types
    "last_seq as text": ('{"type": "resume", "last_seq": "3"}', "bad_frame"),
    "last_seq as true": ('{"type": "resume", "last_seq": true}', "bad_frame"),
    "last_seq as 2.5": ('{"type": "resume", "last_seq": 2.5}', "bad_frame"),
    "id as a number": ('{"type": "message", "id": 7, "text": "您好"}', "bad_frame"),
    "text as a list": ('{"type": "message", "id": "x", "text": ["您好"]}', "bad_frame"),
    "type as a list": ('{"type": ["message"], "id": "x", "text": "您好"}', "unknown_type"),
    "type as an object": ('{"type": {"message": 1}}', "unknown_type"),
    "a huge type": ('{"type": "' + "m" * 60000 + '"}', "unknown_type"),
    # characters no database column takes
    "NUL in the text": ('{"type": "message", "id": "x", "text": "您好\\u0000还有呢"}', "bad_frame"),
    "NUL in the id": ('{"type": "message", "id": "x\\u0000", "text": "您好"}', "bad_frame"),
    "a lone surrogate in the text": ('{"type": "message", "id": "x", "text": "您好\\ud800"}', "bad_frame"),
    "a lone surrogate in the id": ('{"type": "message", "id": "\\udfff", "text": "您好"}', "bad_frame"),
}


def bilingual(message: str) -> bool:
    return bool(re.search(r"[\u4e00-\u9fff]", message)) and bool(re.search(r"[A-Za-z]{3}", message))


@pytest.mark.parametrize("settings", [{"customer_delay_scale": 0, "rate_burst": 200}], indirect=True)
async def test_each_hostile_frame_gets_an_error_and_the_socket_carries_on(server: LiveServer) -> None:
    """One socket takes every hostile frame in turn, and serves the session after each."""
    session = server.start_session("hospital-it-rescue")
    client = await open_client(server, session["ws_url"])
    await client.send({"type": "message", "id": "first", "text": "现在会诊最让您头疼的是什么?"})
    answer = await client.until("customer_end", seq=2)
    for name, (raw, code) in HOSTILE.items():
        await client.send(raw)
        error = await client.until("error")
        assert error["code"] == code, name
        assert bilingual(error["message"]) and len(error["message"]) < 500, (name, error["message"])
        await client.send({"type": "resume", "last_seq": 1})
        assert await client.until("customer_end") == answer, name
    await client.send({"type": "message", "id": "last", "text": "还有呢?"})
    assert await client.until("ack") == {"type": "ack", "id": "last", "seq": 3}  # nothing of the bad frames stored
    assert (await client.until("customer_end"))["seq"] == 4
    await client.conn.close()


async def test_every_error_frame_speaks_chinese_first_and_english(server: LiveServer) -> None:
    session = server.start_session("hospital-it-rescue")
    client = await open_client(server, session["ws_url"])
    await client.send("{not json")
    await client.send('{"type": "shout"}')
    await client.conn.send(b"\x00binary")
    await client.send({"type": "end"})
    await client.until("ended")
    await client.send({"type": "message", "id": "late", "text": "还在吗?"})
    errors = [await client.seen("error", code=code) for code in ("bad_json", "unknown_type", "bad_frame")]
    errors.append(await client.until("error", code="session_ended"))
    for error in errors:
        zh, _, en = error["message"].partition(" / ")
        assert re.search(r"[\u4e00-\u9fff]", zh) and re.search(r"[A-Za-z]{3}", en), error
