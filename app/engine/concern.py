"""Concern handling as a sequence (DESIGN 2.2, seed 002 第五篇第五章 处理顾虑).

Levels 1-3 go down only when their steps are done in order: explore the objection, at
objection handle the emotion before digging, dig out the personal
concern, propose a remedy that meets it (the card's remedy cues), confirm it is gone. The
remedy eases the concern one level; the confirmation removes it. At level 4 nothing is
granted in this meeting: reflecting earns back a little trust, nothing more. At levels 5-6
calm handling lowers the temperature and grants nothing. A false objection does not move
when handled; testing it exposes it, it is then handled as resistance until, calm again,
the trainee digs for the real concern, which is then handled by its own level.
"""

from app.engine.decision import Decision
from app.engine.personas import CONCERN_LEVELS
from app.engine.state import TraineeLine

NO_COMMITMENT = CONCERN_LEVELS.index("no_commitment")
ARGUMENT = CONCERN_LEVELS.index("argument")
RESISTANCE = CONCERN_LEVELS.index("resistance")


def heated(d: Decision) -> bool:
    """Levels 5-6, or a false objection seen through: the temperature rules."""
    return d.concern >= ARGUMENT or d.pretext == "exposed"


def _needed(level: int) -> list[str]:
    """The steps of a level 1-3 concern, in order (seed: 犹豫/疑问 探寻异议、挖掘顾虑、提供方案、确认排除;
    反对 adds 处理情绪 before digging)."""
    emotion = ["emotion"] if level == 3 else []
    return ["explore", *emotion, "dig", "remedy", "confirm"]


def _about_concern(d: Decision, line: TraineeLine) -> bool:
    return line.on_concern or line.subject == "concern" or d.last_subject == "concern"


def _heard_steps(d: Decision, line: TraineeLine) -> set[str]:
    """The steps this line takes on the voiced concern."""
    steps = set()
    about = _about_concern(d, line)
    if "explore" in line.steps and about:
        steps.add("explore")
    if line.subject == "concern" and line.label == "exploratory" and "test" not in line.steps:
        steps.add("explore")  # asking about the objection once it is in the open explores it
    if line.label == "extension" and d.last_subject == "concern" and "concern" not in d.extended:
        steps.add("explore")  # "为什么这么说?" / "Tell me more" right after the objection explores it, once
    if "emotion" in line.steps:
        steps.add("emotion")
    if "dig" in line.steps or (line.subject in ("personal", "pain") and line.label == "exploratory"):
        steps.add("dig")
    if line.remedy:
        steps.add("remedy")
    if "confirm" in line.steps:
        steps.add("confirm")
    if "test" in line.steps:
        steps.add("test")
    if line.label == "commitment_request":
        # 确认排除 is asked and answered before the close: a check (or "so that worry's gone") in the same
        # breath as an ask is not the customer's word, and a remedy put with a card's step asked for is
        # not yet agreed; the customer answers the ask with its concern as it stands
        steps.discard("confirm")
        if line.commitment is not None:
            steps.discard("remedy")
    return steps


def addresses(d: Decision, line: TraineeLine) -> bool:
    """Whether the line takes a step on the concern (so asking about it again is not a repeat)."""
    return bool(_heard_steps(d, line))


def _sequence(d: Decision, line: TraineeLine, heard: set[str]) -> bool:
    """Levels 1-3: take the steps the line makes in their order; a step out of order moves nothing."""
    needed = _needed(d.concern)
    took: list[str] = []
    for step in needed:
        if step not in heard or step in d.steps:
            continue
        if any(prior not in d.steps for prior in needed[: needed.index(step)]):
            continue
        if step != "emotion" and any(t != "emotion" for t in took):
            break  # a sequence is walked over turns: one step a line (naming the feeling may come with it)
        d.steps.append(step)
        took.append(step)
    if not took:
        if heard - {"test"}:
            d.act("answer", subject="concern", detail="not_yet")
            return True
        if "test" in heard:
            d.act("answer", subject="concern", detail="only_this")
            return True
        return False
    d.gain(trust=d.rules.trust.step)
    if "confirm" in took:
        d.set_level(0)
        d.steps = []
        d.act("ease_concern", level=d.level, detail="removed")
    elif "remedy" in took:
        d.set_level(max(1, d.concern - 1))
        d.act("ease_concern", level=d.level, detail="eased")
    elif "dig" in took:
        d.voice(detail="personal")
    else:
        d.act("answer", subject="concern", detail=took[-1])
    return True


def _high(d: Decision, line: TraineeLine, heard: set[str]) -> bool:
    """Levels 5-6 (or a false objection seen through): calm lowers the temperature; at the
    real concern behind a pretext, digging while calm reaches it."""
    rules = d.rules.concern
    # Calm: conceding, apologising, owning our part, naming the feeling, listening to the objection,
    # or speaking to what moves this customer without asking for anything.
    calm = bool(line.moves & {"calm", "reflect"}) or bool(heard & {"emotion", "explore"}) or line.motive_fit == "fit"
    # a statement naming the card's step hints at the ask: at 5-6 that is no calming, however softly put
    asks = line.label == "commitment_request" or line.pitch or line.presses or line.hints_step
    if d.pretext == "exposed" and heard & {"dig", "test", "explore"} and d.heat <= rules.cool_at_heat \
            and d.trust >= rules.real_at_trust:
        real = d.card.concern.real
        assert real is not None
        d.pretext = "real"
        d.heat = 0
        d.steps = []
        d.set_level(CONCERN_LEVELS.index(real.level))
        d.voice(detail="real")
        return True
    if not calm or asks or d.heat == 0:
        return False  # nothing to cool: calm words go on to be answered as what they are
    d.heat -= 1
    d.gain(trust=d.rules.trust.calm)
    if d.concern == RESISTANCE and d.heat <= rules.cool_at_heat and d.pretext != "exposed":
        d.set_level(ARGUMENT)
    d.act("ease_concern", level=d.level, detail="cooler")
    return True


def _no_commitment(d: Decision, line: TraineeLine, heard: set[str]) -> bool:
    """Level 4: the customer has lost faith; reflecting on our part earns back some trust, no more."""
    if line.moves & {"reflect", "calm"} or "emotion" in heard:
        if "reflect" in line.moves or "emotion" in heard:
            d.gain(trust=d.rules.trust.calm)
        d.act("answer", subject="concern", detail="reflect")
        return True
    if heard & {"explore", "dig"}:
        d.act("answer", subject="concern", detail="no_faith")
        return True
    return False


def _pretext(d: Decision, line: TraineeLine, heard: set[str]) -> bool:
    """A false objection: handling it changes nothing; testing it shows it up."""
    if "test" in heard:
        d.pretext = "exposed"
        d.heat = d.rules.concern.heat["resistance"]
        d.act("voice_concern", level="resistance", detail="exposed")
        return True
    if heard & {"explore", "dig", "remedy", "confirm"}:
        d.act("answer", subject="concern", detail="brush_off")
        return True
    return False


def handle(d: Decision, line: TraineeLine) -> bool:
    """Apply the line's concern-handling steps to the voiced concern; True when the customer's
    reply is about the concern."""
    if not d.concern_voiced or (d.concern == 0 and d.pretext in ("none", "real")):
        return False
    heard = _heard_steps(d, line)
    if line.label == "extension" and "explore" in heard:
        d.extended.append("concern")
    if d.pretext == "held":
        return _pretext(d, line, heard)
    if heated(d):
        return _high(d, line, heard)
    if d.concern == NO_COMMITMENT:
        return _no_commitment(d, line, heard)
    return _sequence(d, line, heard)


def raise_after_push(d: Decision) -> None:
    """Seed: pushing for a commitment before the concern is removed makes it worse (never past 4)."""
    if d.concern < NO_COMMITMENT:
        d.set_level(d.concern + 1)
        d.steps = [s for s in d.steps if s in _needed(d.concern)[:1]]
        d.voice(detail="worse")


def understood(d: Decision, line: TraineeLine) -> None:
    """A right summary that restates the voiced objection explores it (seed: 确认类提问 keeps both on one channel)."""
    needed = _needed(d.concern) if 0 < d.concern < NO_COMMITMENT else []
    if d.concern_voiced and line.on_concern and d.said("agree") and needed and needed[0] not in d.steps:
        d.steps.append(needed[0])


def invited(d: Decision) -> None:
    """The trainee asked what worries the customer and heard the objection: that is its first
    exploration (探寻异议), as long as the concern is one the sequence can lower."""
    if 0 < d.concern < NO_COMMITMENT and d.pretext in ("none", "real") and "explore" not in d.steps:
        d.steps.append("explore")
