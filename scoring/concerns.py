"""Concerns (顾虑, seed 002 第五章): what the trainee does right after the customer voices one.

The seed's handling for every level starts the same way: explore the objection, dig out
the concern, confirm it is gone. So the trainee's next line should be an exploratory,
confirmation or extension question; a pitch or a commitment request pushes past it.
"""

from dataclasses import dataclass
from typing import Literal

from scoring.cues import load_cues, normalise
from scoring.models import LineLabel, Turn

Handling = Literal["explored", "pushed", "ignored"]


@dataclass(frozen=True)
class ConcernResponse:
    concern_seq: int
    seq: int  # the trainee turn that followed
    handling: Handling


def handling_of(line: LineLabel) -> Handling:
    if line.label in ("exploratory", "confirmation", "extension"):
        return "explored"
    if line.label == "commitment_request" or line.pitch:
        return "pushed"
    return "ignored"


def read(turns: list[Turn], labels: dict[int, LineLabel], lang: str) -> list[ConcernResponse]:
    """One response per voiced concern that the trainee answered (consecutive concerns count once)."""
    out: list[ConcernResponse] = []
    pending: int | None = None
    for turn in turns:
        if turn.speaker == "customer":
            text, text_lang = normalise(turn.text, lang)
            if load_cues(text_lang).has("concern", text) and pending is None:
                pending = turn.seq
        elif pending is not None:
            out.append(ConcernResponse(pending, turn.seq, handling_of(labels[turn.seq])))
            pending = None
    return out
