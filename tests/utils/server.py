"""Run the real app under uvicorn in a thread on a free port, and talk to it over WebSocket."""

import asyncio
import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from websockets.asyncio.client import ClientConnection, connect

from app.accounts.service import create_user, get_user
from app.core.clock import FakeClock
from app.core.config import Settings
from app.main import create_app


PASSWORD = "correct horse battery"


def settings_for(db_url: str, folder: Path, **overrides: Any) -> Settings:
    """Test settings: replies at once, the certificate key kept in `folder`, Argon2 at its lowest
    cost (tests sign in hundreds of times; a hash records its own cost)."""
    defaults = {"customer_delay_scale": 0, "certificate_key_file": folder / "certificate.key",
                "argon2_time_cost": 1, "argon2_memory_kib": 32}
    return Settings(DATABASE_URL=db_url, **{**defaults, **overrides})


@dataclass
class LiveServer:
    url: str
    settings: Settings
    clock: FakeClock
    app: Any
    default_user: str = "trainee1"
    clients: dict[str, httpx.Client] = field(default_factory=dict)

    @property
    def ws_base(self) -> str:
        return self.url.replace("http://", "ws://")

    def add_user(self, username: str, role: str = "trainee", coach: str | None = None) -> None:
        ctx = self.app.state.context
        with ctx.db() as db:
            create_user(db, username=username, password=PASSWORD, role=role, coach=coach)

    def client(self, username: str | None = None) -> httpx.Client:
        """An HTTP client signed in as `username` (created as a trainee on first use)."""
        username = username or self.default_user
        if username not in self.clients:
            with self.app.state.context.db() as db:
                if get_user(db, username=username) is None:
                    create_user(db, username=username, password=PASSWORD, role="trainee")
            client = httpx.Client(base_url=self.url)
            client.post("/api/auth/login", json={"username": username, "password": PASSWORD}).raise_for_status()
            self.clients[username] = client
        return self.clients[username]

    def get(self, path: str, user: str | None = None) -> httpx.Response:
        return self.client(user).get(path)

    def cookie_header(self, username: str | None = None) -> str:
        client = self.client(username)
        return "; ".join(f"{name}={value}" for name, value in client.cookies.items())

    def start_session(self, persona_id: str, user: str | None = None) -> dict[str, Any]:
        response = self.client(user).post("/api/sessions", json={"persona_id": persona_id})
        response.raise_for_status()
        return response.json()


@contextmanager
def serve_asgi(app: Any, ws_max_size: int = 16 * 1024 * 1024) -> Iterator[str]:
    """Serve any ASGI app with uvicorn in a thread on a free port; yield its base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on", ws_max_size=ws_max_size))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    for _ in range(1000):
        if server.started or not thread.is_alive():
            break
        threading.Event().wait(0.01)
    if not server.started:
        raise RuntimeError("the test server did not start")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@contextmanager
def run_server(settings: Settings, clock: FakeClock) -> Iterator[LiveServer]:
    """The Peilian app on `settings` and a fake clock, served for real."""
    app = create_app(settings, clock=clock)
    with serve_asgi(app, ws_max_size=settings.max_frame_bytes) as url:
        live = LiveServer(url=url, settings=settings, clock=clock, app=app)
        try:
            yield live
        finally:
            for client in live.clients.values():
                client.close()


def matches(frame: dict[str, Any], kind: str, fields: dict[str, Any]) -> bool:
    return frame["type"] == kind and all(frame.get(k) == v for k, v in fields.items())


class Client:
    """A WebSocket client that keeps every frame it receives, in order."""

    def __init__(self, conn: ClientConnection) -> None:
        self.conn = conn
        self.frames: list[dict[str, Any]] = []

    async def send(self, frame: dict[str, Any] | str) -> None:
        await self.conn.send(frame if isinstance(frame, str) else json.dumps(frame, ensure_ascii=False))

    async def next(self, timeout: float = 10.0) -> dict[str, Any]:
        frame = json.loads(await asyncio.wait_for(self.conn.recv(), timeout))
        self.frames.append(frame)
        return frame

    async def until(self, kind: str, timeout: float = 10.0, **match: Any) -> dict[str, Any]:
        """Read frames until one of type `kind` (and the given field values) arrives."""
        while True:
            frame = await self.next(timeout)
            if matches(frame, kind, match):
                return frame

    async def seen(self, kind: str, timeout: float = 10.0, **match: Any) -> dict[str, Any]:
        """The first frame of type `kind` (and these field values), among those already read or the next ones."""
        for frame in self.frames:
            if matches(frame, kind, match):
                return frame
        return await self.until(kind, timeout, **match)


async def open_client(server: LiveServer, ws_url: str, user: str | None = None) -> Client:
    """A WebSocket signed in with `user`'s cookie (the default test trainee when None)."""
    return Client(await connect(server.ws_base + ws_url, additional_headers={"Cookie": server.cookie_header(user)}))
