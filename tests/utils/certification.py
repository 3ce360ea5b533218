"""Taking a certification attempt over the WebSocket, as a candidate would."""

from pathlib import Path
from typing import Any

import yaml

from tests.utils.server import LiveServer, open_client

# An attempt that passes: the method session for the first certification persona
# (tests/app/engine/scenarios/zh/hospital-it-rescue-method.yaml), which secures a commitment.
_METHOD = Path(__file__).resolve().parents[1] / "app/engine/scenarios/zh/hospital-it-rescue-method.yaml"
PASSING_LINES: list[str] = [line["text"] for line in yaml.safe_load(_METHOD.read_text(encoding="utf-8"))["lines"]]


async def take_attempt(server: LiveServer, cert_id: str, user: str, lines: list[str],
                       pauses: list[float] | None = None) -> tuple[dict[str, Any], list[dict]]:
    """One whole attempt: start, talk (waiting `pauses[i]` fake seconds, else 5, before line i), end;
    returns the attempt and every frame received."""
    response = server.client(user).post(f"/api/certifications/{cert_id}/attempts")
    assert response.status_code == 201, response.text
    attempt = response.json()
    client = await open_client(server, attempt["ws_url"], user=user)
    for index, text in enumerate(lines):
        server.clock.advance(pauses[index] if pauses else 5)
        await client.send({"type": "message", "id": f"{user}-{index}", "text": text})
        ack = await client.until("ack")
        await client.until("customer_end", seq=ack["seq"] + 1)
    await client.send({"type": "end"})
    await client.until("ended")
    await client.conn.close()
    return attempt, client.frames
