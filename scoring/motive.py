"""Motive fit (DESIGN 2.1, seed 003): does the trainee speak to what moves this customer?

growth: ask for their ideas, co-design; a finished solution pushed at them backfires.
rescue: cases, proof, reliability; grand visions and feature lists backfire.
balanced: small low-risk steps, no pressure; fear or dream selling backfires.
complacent: the future, staying ahead; "what problems do you have?" backfires.
"""

import re
from dataclasses import dataclass
from typing import Literal

from scoring.cues import Cues, load_cues, normalise
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


def _without(normal: str, patterns: tuple[re.Pattern[str], ...]) -> str:
    for pattern in patterns:
        normal = pattern.sub(" ", normal)
    return normal


def scattered(normal: str, lang: str) -> bool:
    """Whether a line piles up the words of several motives at once ("同行案例, 小范围试点, 您来定怎么
    一起设计, 为未来布局"). Seed 003 has the seller read which motive moves this customer and speak to
    it; a line that says every motive's words to everyone has read none, so it fits none. Two motives
    in one line (proof and a small first step) is ordinary and stays."""
    cues = load_cues(lang)
    found = [sum(1 for _ in cues.patterns[f"{m}.fit"].finditer(normal)) for m in MOTIVES]
    return sum(1 for n in found if n) >= SCATTERED_MOTIVES and sum(found) >= SCATTERED_CUES


def _weak(cues: Cues, motive: str, normal: str) -> tuple[re.Pattern[str], bool] | None:
    """The motive's weak words (deference, asking their view) and whether the line is about the plan,
    where they count; None for a motive without weak words."""
    weak, plan = cues.patterns.get(f"{motive}.fit_weak"), cues.patterns.get(f"{motive}.plan")
    if weak is None or plan is None:
        return None
    return weak, plan.search(normal) is not None


def _fit_patterns(cues: Cues, motive: str, normal: str) -> tuple[re.Pattern[str], ...]:
    """The motive's cue patterns the line's fit rests on: its own words, and its weak ones only in a
    line about the plan itself; none when it holds neither."""
    fit = cues.patterns[f"{motive}.fit"]
    weak = _weak(cues, motive, normal)
    if weak is not None and weak[1] and weak[0].search(normal) is not None:
        return (fit, weak[0])
    return (fit,) if fit.search(normal) is not None else ()


def fit_words(normal: str, cues: Cues, motive: str) -> set[str]:
    """The motive's words a fitting line says (its weak words only where they count)."""
    return {m.group().strip() for p in _fit_patterns(cues, motive, normal) for m in p.finditer(normal)}


def proof_of(normal: str, cues: Cues, motive: str) -> str:
    """The line without what is no experience of ours: a rival's failures ("友商的系统上线以后经常出故障",
    "their platform crashes every other week") or a go-live only supposed ("如果新系统上线后又出状况").
    Seed 003 has the seller show the rescue customer its own past experience, so a fit is read on the rest."""
    no_proof = cues.patterns.get(f"{motive}.no_proof")
    return normal if no_proof is None else no_proof.sub(" ", normal)


def hollow(normal: str, cues: Cues, motive: str) -> bool:
    """Whether the line claims the motive's proof in bulk with nothing to check ("类似的案例多得是",
    "we have many similar cases"): to the rescue customer a claim is not a past case (seed 003)."""
    bulk, concrete = cues.patterns.get(f"{motive}.hollow"), cues.patterns.get(f"{motive}.concrete")
    return bulk is not None and concrete is not None and bulk.search(normal) is not None \
        and concrete.search(normal) is None


def weak_only(words: re.Pattern[str], normal: str, cues: Cues, motive: str) -> bool:
    """Whether the words `words` finds in a line (a card's own motive words) are all the motive's weak
    ones ("您来定", "your ideas") in a line not about the plan: they fit nothing there either."""
    weak = _weak(cues, motive, normal)
    if weak is None or weak[1]:
        return False
    return all(weak[0].search(m.group()) is not None for m in words.finditer(normal))


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
    normal = proof_of(normal, cues, motive)
    found = _fit_patterns(cues, motive, normal)
    fit = bool(found) and says_more(_without(normal, found[1:]), found[0], text_lang) and not scattered(normal, text_lang) \
        and not hollow(normal, cues, motive)
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
            cues = load_cues(text_lang)
            words = fit_words(proof_of(normal, cues, motive), cues, motive)
            if words <= said:
                continue  # "不着急,您慢慢想" for the fifth time is no new reading of the customer
            said |= words
        if kind is not None:
            events.append(MotiveEvent(turn.seq, kind))
    return events
