"""Motive fit (DESIGN 2.1, seed 003): does the trainee speak to what moves this customer?

growth: ask for their ideas, co-design; a finished solution pushed at them backfires.
rescue: cases, proof, reliability; grand visions and feature lists backfire.
balanced: small low-risk steps, no pressure; fear or dream selling backfires.
complacent: the future, staying ahead; "what problems do you have?" backfires.
"""

import re
from dataclasses import dataclass
from typing import Literal

from scoring.cues import load_cues, normalise
from scoring.models import MOTIVES, LineLabel, Turn


@dataclass(frozen=True)
class MotiveEvent:
    seq: int
    kind: Literal["fit", "misfit"]


_NOT_WORDS = re.compile(r"[\W_]+")
SUBSTANCE = {"zh": 6, "en": 4}  # characters / words a line must say beyond the motive's cue words
# A line that piles up the cue words of this many motives (and this many cue words in all) speaks to none.
SCATTERED_MOTIVES, SCATTERED_CUES = 3, 4


def says_more(normal: str, cue: re.Pattern[str], lang: str) -> bool:
    """Whether a line says something beyond the cue words it holds: "共创。", "Co-design." or
    "共创，您来定，一起设计" name the motive without inviting anyone to anything (seed 003: the
    growth customer wants to be asked for its ideas, not told the word)."""
    rest = cue.sub(" ", normal)
    if lang == "zh":
        return len(_NOT_WORDS.sub("", rest)) >= SUBSTANCE["zh"]
    return len(_NOT_WORDS.sub(" ", rest).split()) >= SUBSTANCE["en"]


def scattered(normal: str, lang: str) -> bool:
    """Whether a line piles up the words of several motives at once ("同行案例, 小范围试点, 您来定怎么
    一起设计, 为未来布局"). Seed 003 has the seller read which motive moves this customer and speak to
    it; a line that says every motive's words to everyone has read none, so it fits none. Two motives
    in one line (proof and a small first step) is ordinary and stays."""
    cues = load_cues(lang)
    found = [sum(1 for _ in cues.patterns[f"{m}.fit"].finditer(normal)) for m in MOTIVES]
    return sum(1 for n in found if n) >= SCATTERED_MOTIVES and sum(found) >= SCATTERED_CUES


def line_fit(text: str, line: LineLabel, lang: str, motive: str) -> Literal["fit", "misfit"] | None:
    """Whether one trainee line speaks to this motive, backfires, or neither.

    The customer engine reads lines with this too, so the simulated customer reacts to
    exactly what the grader credits or deducts.
    """
    if motive not in MOTIVES:
        raise ValueError(f"motive must be one of {', '.join(MOTIVES)}, not {motive!r}")
    normal, text_lang = normalise(text, lang)
    cues = load_cues(text_lang)
    misfit = cues.asserted(f"{motive}.misfit", normal)
    fit = cues.has(f"{motive}.fit", normal) and says_more(normal, cues.patterns[f"{motive}.fit"], text_lang) \
        and not scattered(normal, text_lang)
    if motive == "complacent":
        misfit = misfit and line.label != "statement"
    elif motive == "growth":
        misfit = misfit or (line.pitch and not fit)  # our product offered for them to shape is co-creation
    if misfit:
        return "misfit"
    return "fit" if fit else None


def read(turns: list[Turn], labels: dict[int, LineLabel], lang: str, motive: str,
         cut_in: frozenset[int] = frozenset()) -> list[MotiveEvent]:
    """At most one event per trainee line; a line that both fits and backfires counts as backfiring,
    and a fit whose motive words were all credited before earns nothing again. `cut_in`: the lines
    typed before the customer's answer was let finish; to the balanced customer, who wants no
    pressure, "不着急, 您慢慢想" typed over its pause is pressure in form, whatever the words say."""
    if motive not in MOTIVES:
        raise ValueError(f"motive must be one of {', '.join(MOTIVES)}, not {motive!r}")
    events: list[MotiveEvent] = []
    said: set[str] = set()  # the motive's words already credited: said again, they earn nothing new
    for turn in turns:
        if turn.speaker != "trainee":
            continue
        kind = line_fit(turn.text, labels[turn.seq], lang, motive)
        if kind == "fit":
            if motive == "balanced" and turn.seq in cut_in:
                continue
            normal, text_lang = normalise(turn.text, lang)
            words = load_cues(text_lang).words(f"{motive}.fit", normal)
            if words <= said:
                continue  # "不着急,您慢慢想" for the fifth time is no new reading of the customer
            said |= words
        if kind is not None:
            events.append(MotiveEvent(turn.seq, kind))
    return events
