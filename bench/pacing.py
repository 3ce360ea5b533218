"""Pacing benchmark: how long a trainee waits for the customer, measured over a real socket.

Starts `peilian serve` (real clock, PEILIAN_CUSTOMER_DELAY_SCALE=--scale, default 1, i.e. the
pacing a trainee gets) on a fresh SQLite file and plays one session per persona card at once,
both languages: the built-in `good` trainee's lines, each sent shortly after the customer's
previous reply has ended (so no golden-silence additions interfere). For every line it times,
from the moment the line is sent:

- first sign: the first frame that shows the customer is answering (`thinking`, or
  `customer_start` when the server sends no thinking frame);
- full reply: the `customer_end` of the reply to that line.

Prints median and p90 per language, and the full-reply median of the shortest and longest
third of the replies (by characters in Chinese, words in English). With --scale other than 1
the times are divided by the scale (customer seconds); the thinking frame is not scaled.

    .venv/bin/python bench/pacing.py [--scale 1] [--lines 10]
"""

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from websockets.asyncio.client import connect

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.engine.personas import load_cards  # noqa: E402
from app.simulation import strategy_script  # noqa: E402
from tests.utils.process import ServeProcess  # noqa: E402

PASSWORD = "pacing-bench-password"
FIRST_SIGN = ("thinking", "customer_start", "customer_delta", "customer_end")


@dataclass
class Reply:
    language: str
    text: str
    first_sign_s: float
    full_s: float

    @property
    def size(self) -> int:
        """Characters in Chinese, words in English: what a person types."""
        return len(self.text) if self.language == "zh" else len(self.text.split())


@dataclass
class Figures:
    replies: list[Reply] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


async def session(server: ServeProcess, http: httpx.Client, cookie: str, persona_id: str, lines: list[str],
                  scale: float, figures: Figures, language: str) -> None:
    ws_url = http.post("/api/sessions", json={"persona_id": persona_id}).json()["ws_url"]
    try:
        async with connect(server.ws_base + ws_url, additional_headers={"Cookie": cookie}) as ws:
            for text in lines:
                message_id = uuid.uuid4().hex
                sent = time.perf_counter()
                await ws.send(json.dumps({"type": "message", "id": message_id, "text": text}, ensure_ascii=False))
                reply_seq = None
                first = None
                while True:
                    frame = json.loads(await asyncio.wait_for(ws.recv(), 60))
                    kind = frame.get("type")
                    if kind == "ack" and frame.get("id") == message_id:
                        reply_seq = frame["seq"] + 1
                    elif kind == "error":  # session_ended: the customer closed the meeting; no error
                        if frame["code"] != "session_ended":
                            figures.errors.append(frame["code"])
                        return
                    elif first is None and kind in FIRST_SIGN and frame.get("seq", reply_seq) == reply_seq:
                        waited = time.perf_counter() - sent
                        first = waited if kind == "thinking" else waited / scale
                    if kind == "customer_end" and frame.get("seq") == reply_seq:
                        full = (time.perf_counter() - sent) / scale
                        figures.replies.append(Reply(language, frame["text"], first or full, full))
                        break
                await asyncio.sleep(0.3 * scale)
            await ws.send(json.dumps({"type": "end"}))
    except Exception as exc:  # every failure is counted, none stops the run
        figures.errors.append(f"{persona_id}: {type(exc).__name__}: {exc}")


def report(figures: Figures, language: str) -> str:
    replies = [r for r in figures.replies if r.language == language]
    if not replies:
        return f"{language}: no replies"
    first = [r.first_sign_s for r in replies]
    full = [r.full_s for r in replies]
    by_size = sorted(replies, key=lambda r: r.size)
    third = max(len(by_size) // 3, 1)
    short, long_ = by_size[:third], by_size[-third:]
    unit = "chars" if language == "zh" else "words"
    return (f"{language}: {len(replies):>3} replies  first sign median {statistics.median(first):.2f} s "
            f"p90 {quantile(first, 0.9):.2f} s  |  full reply median {statistics.median(full):.2f} s "
            f"p90 {quantile(full, 0.9):.2f} s  |  full reply median, shortest third "
            f"(≤{short[-1].size} {unit}) {statistics.median(r.full_s for r in short):.2f} s, longest third "
            f"(≥{long_[0].size} {unit}) {statistics.median(r.full_s for r in long_):.2f} s")


async def run(server: ServeProcess, args: argparse.Namespace) -> Figures:
    http = httpx.Client(base_url=server.url, timeout=60)
    http.post("/api/auth/login", json={"username": "bench", "password": PASSWORD}).raise_for_status()
    cookie = "; ".join(f"{k}={v}" for k, v in http.cookies.items())
    cards = load_cards(ROOT / "personas")
    figures = Figures()
    tasks = []
    for card in cards.values():
        next_line = strategy_script(card, "good", ROOT / "prompts")
        lines = []
        while len(lines) < args.lines and (line := next_line(None)) is not None:
            lines.append(line.text)
        tasks.append(session(server, http, cookie, card.id, lines, args.scale, figures, card.language))
    await asyncio.gather(*tasks)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0, help="PEILIAN_CUSTOMER_DELAY_SCALE of the server (> 0)")
    parser.add_argument("--lines", type=int, default=10, help="trainee lines per session")
    args = parser.parse_args()
    if args.scale <= 0:
        parser.error("--scale must be above 0 (at 0 the customer answers at once)")
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/pacing.db"
        from sqlmodel import Session

        from app.accounts.service import create_user
        from app.storage.db import make_engine, migrate

        engine = make_engine(url)
        migrate(engine)
        with Session(engine) as db:
            create_user(db, username="bench", password=PASSWORD, role="trainee")
        engine.dispose()
        server = ServeProcess(url, Path(tmp), PEILIAN_CUSTOMER_DELAY_SCALE=str(args.scale),
                              PEILIAN_LOG_LEVEL="WARNING")
        try:
            started = time.perf_counter()
            figures = asyncio.run(run(server, args))
            print(f"pacing: one session per persona card, {args.lines} lines each, real clock, "
                  f"delay scale {args.scale:g}; seconds from sending a line ({time.perf_counter() - started:.0f} s)")
            for language in ("zh", "en"):
                print(report(figures, language))
            if figures.errors:
                print(f"errors: {figures.errors}")
        finally:
            server.stop()


if __name__ == "__main__":
    main()
