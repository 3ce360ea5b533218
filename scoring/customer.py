"""The customer's side of a conversation: what it decided, turn by turn.

A session played in Peilian carries the engine's record (`acts`, DESIGN 4.1) and is read from
it. A transcript from elsewhere is read from the customer's words through the cue tables of
grading/{zh,en}.yaml: a concern at its level (seed 002: 犹豫 … 抵触, tried from the highest),
relief, a summary agreed or corrected, a reply with nothing more in it, someone named to talk
to. Either way the grader sees the same events, and the scorecard's `source` says which.
"""

from dataclasses import dataclass

from scoring.cues import Cues, load_cues, normalise
from scoring.models import Turn

LEVELS: tuple[str, ...] = ("none", "hesitation", "doubt", "objection", "no_commitment", "argument", "resistance")


def rank(level: str | None) -> int:
    return LEVELS.index(level) if level in LEVELS else 0


@dataclass(frozen=True)
class Event:
    """One thing the customer did on one of its turns."""

    seq: int
    kind: str  # voice_concern, ease_concern, grant, refuse, agree, correct, reveal, add_after_silence,
    #            answer, deflect, end, more (said something new), no_more, named (another person)
    level: str | None = None
    reason: str | None = None
    subject: str | None = None


def _from_acts(turn: Turn) -> list[Event]:
    out = []
    for act in turn.acts or []:
        kind = str(act.get("kind"))
        out.append(Event(turn.seq, kind, act.get("level"), act.get("reason"), act.get("subject")))
        if kind in ("reveal", "add_after_silence"):
            out.append(Event(turn.seq, "more"))
            if act.get("subject") == "other_person":
                out.append(Event(turn.seq, "named"))
        if kind in ("answer", "deflect") or (kind == "reveal" and act.get("subject") == "other_person"):
            out.append(Event(turn.seq, "no_more"))
    return out


def _concern_level(text: str, cues: Cues) -> str | None:
    for level in reversed(LEVELS[1:]):
        if cues.has(f"concern.{level}", text):
            return level
    return "hesitation" if cues.has("concern", text) else None


def _from_text(turn: Turn, lang: str, asked: str) -> list[Event]:
    """`asked`: the trainee's line before, for a reply that means something only after it."""
    text, text_lang = normalise(turn.text, lang)
    cues = load_cues(text_lang)
    out = []
    relief = (cues.has("relief", text)
              or (cues.has("none_left", text) and cues.has("asks_left", normalise(asked, text_lang)[0]))
              or (cues.has("agree", text) and cues.has("asks_ok", normalise(asked, text_lang)[0])))
    if relief:  # "没什么顾虑了" names the concern to say it is gone
        out.append(Event(turn.seq, "ease_concern"))
    else:
        level = _concern_level(text, cues)
        if level is not None:
            out.append(Event(turn.seq, "voice_concern", level))
    if cues.has("correct", text) and not relief:  # "No, that takes care of it": nothing is still bothering
        out.append(Event(turn.seq, "correct"))
    elif cues.has("agree", text):
        out.append(Event(turn.seq, "agree"))
    long_enough = len(text) >= 12 if text_lang == "zh" else len(text.split()) >= 7
    out.append(Event(turn.seq, "no_more" if cues.has("no_more", text) or not long_enough else "more"))
    if cues.has("named_person", text):
        out.append(Event(turn.seq, "named"))
    return out


def read(turns: list[Turn], lang: str, from_acts: bool) -> list[Event]:
    """Every customer event in order."""
    out: list[Event] = []
    asked = ""
    for turn in turns:
        if turn.speaker == "trainee":
            asked = turn.text
        else:
            out += _from_acts(turn) if from_acts else _from_text(turn, lang, asked)
    return out


def replies(turns: list[Turn], events: list[Event]) -> dict[int, list[Event]]:
    """The customer events answering each trainee line: those of the customer turns after it,
    before the trainee's next line."""
    by_turn: dict[int, list[Event]] = {}
    for event in events:
        by_turn.setdefault(event.seq, []).append(event)
    out: dict[int, list[Event]] = {}
    current: int | None = None
    for turn in turns:
        if turn.speaker == "trainee":
            current = turn.seq
            out[current] = []
        elif current is not None:
            out[current] += by_turn.get(turn.seq, [])
    return out
