"""What an imported transcript must hold before any of it is stored.

The grader reads any DESIGN 4.1 transcript; a stored session needs more: turn numbers that
are distinct and fit the database, times that are real numbers of seconds, text and `acts`
the database can keep. The first problem found names its field; nothing is stored then.
"""

import json
import math
from dataclasses import dataclass, field
from typing import Any

from app.storage.models import MAX_PERSONA_ID, MAX_SEQ
from scoring import Transcript

MAX_TIME_S = 7 * 24 * 3600  # a week, in seconds from the session start: no session lasts longer
TIMES = ("typing_started_at", "sent_at", "started_at", "ended_at")


@dataclass(frozen=True)
class ImportProblem:
    """Where the transcript is wrong (`turns.3.seq`), and which message says why (i18n `import_errors`)."""

    where: str
    code: str
    params: dict[str, Any] = field(default_factory=dict)


def _storable_text(text: str) -> bool:
    """PostgreSQL text holds no NUL character."""
    return "\x00" not in text


def first_problem(transcript: Transcript) -> ImportProblem | None:
    persona = transcript.persona_id or ""
    if len(persona) > MAX_PERSONA_ID:
        return ImportProblem("persona_id", "too_long", {"max": MAX_PERSONA_ID})
    if not _storable_text(persona):
        return ImportProblem("persona_id", "nul")
    seen: dict[int, int] = {}
    for index, turn in enumerate(transcript.turns):
        where = f"turns.{index}"
        if not 1 <= turn.seq <= MAX_SEQ:
            return ImportProblem(f"{where}.seq", "seq_range", {"max": MAX_SEQ})
        if turn.seq in seen:
            return ImportProblem(f"{where}.seq", "seq_repeated", {"seq": turn.seq, "first": seen[turn.seq]})
        seen[turn.seq] = index
        for name in TIMES:
            value = getattr(turn, name)
            if value is not None and not (math.isfinite(value) and 0 <= value <= MAX_TIME_S):
                return ImportProblem(f"{where}.{name}", "time_range", {"max": MAX_TIME_S})
        if not _storable_text(turn.text):
            return ImportProblem(f"{where}.text", "nul")
        if turn.acts is not None:
            try:
                written = json.dumps(turn.acts, allow_nan=False)
            except ValueError:
                return ImportProblem(f"{where}.acts", "acts_json")
            if "\\u0000" in written:
                return ImportProblem(f"{where}.acts", "nul")
    return None
