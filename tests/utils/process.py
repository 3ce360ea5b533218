"""`peilian serve` as a real process, for kill, restart, shutdown and several-worker tests."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

PEILIAN = shutil.which("peilian", path=str(Path(sys.executable).parent)) or "peilian"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# Argon2 at its lowest cost in the servers and commands tests start (the settings say how)
CHEAP_HASHING = {"PEILIAN_ARGON2_TIME_COST": "1", "PEILIAN_ARGON2_MEMORY_KIB": "32"}


class ServeProcess:
    def __init__(self, database_url: str, cwd: Path, *args: str, **env: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = cwd / f"serve-{self.port}.log"
        self._out = self.log.open("w")
        self.proc = subprocess.Popen(
            [PEILIAN, "serve", "--port", str(self.port), *args], cwd=cwd, stdout=self._out, stderr=subprocess.STDOUT,
            env={**os.environ, **CHEAP_HASHING, "DATABASE_URL": database_url, **env},
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.1)
        self.stop(signal.SIGKILL)
        raise RuntimeError(f"peilian serve did not start: {self.log.read_text()[-2000:]}")

    @property
    def ws_base(self) -> str:
        return self.url.replace("http://", "ws://")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        code = self.proc.wait(timeout=timeout)
        self._out.close()
        return code

    def output(self) -> str:
        return self.log.read_text()
