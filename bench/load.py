"""Load benchmark: N concurrent scripted trainees over real WebSockets against `peilian serve`.

Starts a server (PEILIAN_CUSTOMER_DELAY_SCALE=0, its bare echo socket switched on) on a
fresh SQLite file, or on --database-url with --workers processes; signs one trainee in;
opens N sessions at once; each sends --messages lines, one every --pace seconds (with jitter), waiting for the
customer's whole reply; then ends the session and waits for its scorecard. The same N
connections then talk to /ws/echo with the same pattern. Prints sessions, messages per
second, reply latency p50/p99, errors and server memory per session, for both, and the
ratio. Target: 1,000 sessions, zero errors, p99 under 100 ms.

    .venv/bin/python bench/load.py --sessions 1000 [--pace 10] [--database-url URL --workers 2]
"""

import argparse
import asyncio
import json
import os
import random
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

from tests.utils.process import ServeProcess  # noqa: E402

LINES = ["现在会诊最让您头疼的是什么?", "还有呢?", "这个项目的预算和审批流程是怎样的?", "您对新系统有什么要求?",
         "我确认一下,您最关心的是稳定,对吗?", "下周三上午能请您提供近三个月的故障记录吗?"]
PASSWORD = "load-bench-password"


@dataclass
class Figures:
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    messages: int = 0
    sessions: int = 0

    def report(self, name: str, seconds: float, memory_kb: float) -> str:
        lat = sorted(self.latencies)
        p50 = statistics.median(lat) * 1e3 if lat else float("nan")
        p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1e3 if lat else float("nan")
        top = ", ".join(f"{x * 1e3:.0f}" for x in lat[-5:])
        return (f"{name:<8} sessions {self.sessions:>5}  messages {self.messages:>6}  {self.messages / seconds:>7.1f} msg/s  "
                f"p50 {p50:>6.1f} ms  p99 {p99:>6.1f} ms  errors {len(self.errors):>3}  "
                f"memory/session {memory_kb:>6.1f} KiB  (slowest ms: {top})")


def rss_kb(pid: int) -> int:
    """Resident memory of the server and its worker processes, in KiB."""
    total = 0
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            total += int(line.split()[1])
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            total += rss_kb(int(child))
    return total


async def trainee(url: str, cookie: str, args: argparse.Namespace, figures: Figures, opened: asyncio.Event,
                  gate: asyncio.Event, rng: random.Random, echo: bool) -> None:
    try:
        async with connect(url, additional_headers={"Cookie": cookie}, open_timeout=60, max_queue=None) as ws:
            figures.sessions += 1
            if figures.sessions == args.sessions:
                opened.set()
            await gate.wait()
            await asyncio.sleep(rng.uniform(0, args.pace))
            for index in range(args.messages):
                text = LINES[index % len(LINES)]
                message_id = uuid.uuid4().hex
                frame = json.dumps({"type": "message", "id": message_id, "text": text}, ensure_ascii=False)
                started = time.perf_counter()
                await ws.send(frame)
                reply_seq = None  # the customer turn right after our line (not a golden-silence addition)
                while True:
                    got = json.loads(await asyncio.wait_for(ws.recv(), 30))
                    kind = got.get("type")
                    if echo:
                        break
                    if kind == "ack" and got.get("id") == message_id:
                        reply_seq = got["seq"] + 1
                    elif kind == "customer_end" and got.get("seq") == reply_seq:
                        break
                    elif kind == "error":
                        figures.errors.append(got["code"])
                        break
                figures.latencies.append(time.perf_counter() - started)
                figures.messages += 1
                await asyncio.sleep(args.pace * rng.uniform(0.5, 1.5))
            if not echo and not args.no_end:
                await ws.send(json.dumps({"type": "end"}))
                while json.loads(await asyncio.wait_for(ws.recv(), 60)).get("type") != "scorecard":
                    pass
    except Exception as exc:  # every failure is counted, none stops the run
        figures.errors.append(type(exc).__name__)
        if figures.sessions >= args.sessions:
            opened.set()


async def run(server: ServeProcess, args: argparse.Namespace, echo: bool) -> tuple[Figures, float, float]:
    http = httpx.Client(base_url=server.url, timeout=60)
    http.post("/api/auth/login", json={"username": "bench", "password": PASSWORD}).raise_for_status()
    cookie = "; ".join(f"{k}={v}" for k, v in http.cookies.items())
    if echo:
        urls = [f"{server.ws_base}/ws/echo"] * args.sessions
    else:
        urls = [server.ws_base + http.post("/api/sessions", json={"persona_id": "hospital-it-rescue"}).json()["ws_url"]
                for _ in range(args.sessions)]
    figures = Figures()
    opened, gate = asyncio.Event(), asyncio.Event()
    base = rss_kb(server.proc.pid)
    tasks = [asyncio.create_task(trainee(url, cookie, args, figures, opened, gate, random.Random(i), echo))
             for i, url in enumerate(urls)]
    try:
        await asyncio.wait_for(opened.wait(), 120)
    except TimeoutError:
        print(f"only {figures.sessions} of {args.sessions} connections opened", file=sys.stderr)
    peak = rss_kb(server.proc.pid)
    started = time.perf_counter()
    gate.set()
    await asyncio.gather(*tasks)
    seconds = time.perf_counter() - started
    peak = max(peak, rss_kb(server.proc.pid))
    return figures, seconds, (peak - base) / max(figures.sessions, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, default=1000)
    parser.add_argument("--messages", type=int, default=4, help="lines per trainee")
    parser.add_argument("--pace", type=float, default=10.0, help="mean seconds between a trainee's lines")
    parser.add_argument("--database-url", default=None, help="default: a fresh SQLite file")
    parser.add_argument("--workers", type=int, default=1, help="server worker processes (PostgreSQL only)")
    parser.add_argument("--no-end", action="store_true", help="leave the sessions open (no grading at the end)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/load.db"
        from sqlmodel import Session

        from app.accounts.service import create_user, get_user
        from app.storage.db import make_engine, migrate

        engine = make_engine(url)
        migrate(engine)
        with Session(engine) as db:
            if get_user(db, username="bench") is None:
                create_user(db, username="bench", password=PASSWORD, role="trainee")
        engine.dispose()
        server = ServeProcess(url, Path(tmp), "--workers", str(args.workers), PEILIAN_CUSTOMER_DELAY_SCALE="0",
                              PEILIAN_BENCH_ECHO="true", PEILIAN_LOG_LEVEL="WARNING", PEILIAN_RATE_LIMIT_PER_S="50")
        try:
            print(f"{args.sessions} concurrent sessions, {args.messages} lines each, one every ~{args.pace:.1f} s; "
                  f"database {'SQLite' if url.startswith('sqlite') else 'PostgreSQL'}; {args.workers} server process(es)")
            peilian, p_seconds, p_mem = asyncio.run(run(server, args, echo=False))
            print(peilian.report("peilian", p_seconds, p_mem))
            echo, e_seconds, e_mem = asyncio.run(run(server, args, echo=True))
            print(echo.report("echo", e_seconds, e_mem))
            if peilian.latencies and echo.latencies:
                ratio = statistics.median(peilian.latencies) / statistics.median(echo.latencies)
                print(f"ratio    peilian p50 / echo p50 = {ratio:.1f}x")
            if peilian.errors or echo.errors:
                print(f"errors: {sorted(set(peilian.errors + echo.errors))}")
        finally:
            server.stop()
            os.sync()


if __name__ == "__main__":
    main()
