"""The log format: readable on a terminal, JSON lines for programs, and either when configured."""

import json
import os
import subprocess
import sys

import pytest

# What `peilian serve` does with its logging, in a process of its own whose stderr is a terminal or a pipe.
LOG_ONE_LINE = """
import logging, logging.config
from app.core.config import Settings
from app.core.logs import log_config
settings = Settings()
logging.config.dictConfig(log_config(settings.log_format, settings.log_level))
logging.getLogger("app.ws").info("reply sent", extra={"session_id": "s-1", "seq": 3})
"""


def _stderr_of(setting: str | None, *, terminal: bool) -> str:
    env = {k: v for k, v in os.environ.items() if k != "PEILIAN_LOG_FORMAT"}
    if setting is not None:
        env["PEILIAN_LOG_FORMAT"] = setting
    if not terminal:
        return subprocess.run([sys.executable, "-c", LOG_ONE_LINE], env=env, capture_output=True, text=True,
                              check=True, timeout=60).stderr
    main, tty = os.openpty()
    try:
        subprocess.run([sys.executable, "-c", LOG_ONE_LINE], env=env, stderr=tty, check=True, timeout=60)
        return os.read(main, 65536).decode()
    finally:
        os.close(tty)
        os.close(main)


@pytest.mark.parametrize(("setting", "terminal", "expected"), [
    (None, True, "text"), (None, False, "json"), ("auto", True, "text"),
    ("json", True, "json"), ("text", False, "text"),
])
def test_logs_are_text_on_a_terminal_and_json_elsewhere_unless_configured(
        setting: str | None, terminal: bool, expected: str) -> None:
    (line,) = _stderr_of(setting, terminal=terminal).strip().splitlines()
    if expected == "json":
        entry = json.loads(line)
        assert (entry["level"], entry["logger"], entry["message"]) == ("info", "app.ws", "reply sent")
        assert (entry["session_id"], entry["seq"]) == ("s-1", 3)
    else:
        assert not line.startswith("{")
        assert "INFO" in line and "app.ws: reply sent" in line and "session_id=s-1 seq=3" in line


def test_an_unknown_log_format_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    from app.core.config import Settings

    monkeypatch.setenv("PEILIAN_LOG_FORMAT", "yaml")
    with pytest.raises(ValueError, match="log_format"):
        Settings()
