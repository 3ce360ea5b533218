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


HIGH_LEVELS = frozenset({"argument", "resistance"})


@dataclass(frozen=True)
class Removal:
    """A voiced concern the trainee later asked a commitment for: was its removal confirmed first?"""

    concern_seq: int
    request_seq: int
    confirmed_seq: int | None


def _voiced(turns: list[Turn], lang: str) -> list[int]:
    seqs = []
    for turn in turns:
        if turn.speaker == "customer":
            text, text_lang = normalise(turn.text, lang)
            if load_cues(text_lang).has("concern", text):
                seqs.append(turn.seq)
    return seqs


def removals(turns: list[Turn], labels: dict[int, LineLabel], lang: str) -> list[Removal]:
    """Seed: 确认排除 — before asking again, check with the customer that the concern is gone."""
    out = []
    for concern_seq in _voiced(turns, lang):
        confirmed = None
        for turn in turns:
            if turn.seq <= concern_seq or turn.speaker != "trainee":
                continue
            line = labels[turn.seq]
            if line.label == "confirmation" and confirmed is None:
                confirmed = turn.seq
            if line.label == "commitment_request":
                out.append(Removal(concern_seq, turn.seq, confirmed))
                break
    unique: dict[int, Removal] = {}
    for removal in out:  # several concerns before one request: judged once, at the request
        unique.setdefault(removal.request_seq, removal)
    return list(unique.values())


def pushes_at_high_level(turns: list[Turn], labels: dict[int, LineLabel], lang: str, level: str | None) -> list[int]:
    """Seed: at argument or resistance (levels 5-6), do not push for commitment at all once the
    concern is in the open: every commitment request after it is a push."""
    if level not in HIGH_LEVELS:
        return []
    voiced = _voiced(turns, lang)
    if not voiced:
        return []
    return [t.seq for t in turns if t.speaker == "trainee" and t.seq > voiced[0]
            and labels[t.seq].label == "commitment_request"]
