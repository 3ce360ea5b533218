"""The customer's decision for one trainee line: step(card, state, line) -> (state, move).

Pure and deterministic. The rules follow the method (seed 002): the right kind of question
earns information; pitching early and pushing for commitment at a high concern raise the
concern; exploring and confirming a voiced concern lower it; a commitment is granted only
when asked for, with trust high enough and the concern low enough. A false objection does
not move when handled.
"""

from app.engine.personas import CONCERN_LEVELS, Commitment, Fact, PersonaCard, concern_rank
from app.engine.state import CustomerMove, CustomerState, TraineeLine

TRUST_GAIN = {"exploratory": 5, "extension": 3, "confirmation": 4, "control": 2}
VOICE_CONCERN_AT_TRUST = 35
HIGH_CONCERN = concern_rank("argument")
# A customer commits only to someone who has learned something about them (test before asking).
MIN_FACTS_FOR_COMMITMENT = 2


def _clamp(value: int, low: int = 0, high: int = 100) -> int:
    return max(low, min(high, value))


def _earnable(card: PersonaCard, state: CustomerState, line: TraineeLine, trust: int) -> tuple[Fact | None, bool]:
    """The first unrevealed fact this line earns, and whether one was held back for trust."""
    gated = False
    candidates = [f for f in card.facts if f.id not in state.revealed and line.label in f.reveal.on]
    if line.label == "exploratory":
        candidates = [f for f in candidates if not f.reveal.topics or line.topic in f.reveal.topics]
    elif line.label == "extension" and state.last_category:
        # "Tell me more" continues the subject the customer was on.
        candidates.sort(key=lambda f: f.category != state.last_category)
    for fact in candidates:
        if trust >= fact.reveal.min_trust:
            return fact, gated
        gated = True
    return None, gated


def _requested_commitment(card: PersonaCard, state: CustomerState, text: str) -> Commitment:
    """The card commitment the trainee is asking for: by its cues, else the highest not yet refused."""
    lowered = text.lower()
    scored = [(sum(cue.lower() in lowered for cue in c.cues), -i, c) for i, c in enumerate(card.commitments)]
    best = max(scored, key=lambda item: (item[0], item[1]))
    if best[0] > 0:
        return best[2]
    open_ones = [c for c in card.commitments if c.id not in state.refused]
    return open_ones[0] if open_ones else card.commitments[-1]


def step(card: PersonaCard, state: CustomerState, line: TraineeLine) -> tuple[CustomerState, CustomerMove]:
    """Decide the customer's reaction to one labelled trainee line."""
    trust = state.trust
    concern = concern_rank(state.concern)
    false_objection = card.concern.false_objection
    intents: list[str] = []
    facts: list[str] = []
    explored = state.explored
    voiced = state.concern_voiced
    refused = list(state.refused)
    granted = state.granted
    committed: str | None = None
    refused_now: str | None = None
    reason: str | None = None
    last_category = state.last_category

    def reveal(fact: Fact, intent: str) -> None:
        nonlocal last_category
        facts.append(fact.id)
        intents.append(intent)
        last_category = fact.category

    label = line.label
    if label == "exploratory":
        explored = True
        if voiced and concern > 0 and not false_objection and line.topic in ("motive", "need"):
            concern -= 1
            intents.append("concern_eased")
        trust = _clamp(trust + TRUST_GAIN[label])
        fact, gated = _earnable(card, state, line, trust)
        if fact is not None:
            reveal(fact, "reveal")
        elif not intents:
            intents.append("vague")
    elif label == "extension":
        trust = _clamp(trust + TRUST_GAIN[label])
        fact, _ = _earnable(card, state, line, trust)
        if fact is not None:
            reveal(fact, "reveal_more")
        else:
            intents.append("no_more")
    elif label == "confirmation":
        trust = _clamp(trust + TRUST_GAIN[label])
        if voiced and concern > 0 and not false_objection:
            concern -= 1
            intents.append("concern_eased")
        else:
            intents.append("confirm_yes")
        fact, _ = _earnable(card, state, line, trust)
        if fact is not None:
            reveal(fact, "reveal")
    elif label == "control":
        if explored:
            trust = _clamp(trust + TRUST_GAIN[label])
            intents.append("control_agree")
        else:
            trust = _clamp(trust - 5)
            intents.append("control_doubt")
    elif label == "commitment_request":
        wanted = _requested_commitment(card, state, line.text)
        if concern > concern_rank(wanted.max_concern):
            refused_now, reason = wanted.id, "concern"
            if concern >= HIGH_CONCERN:
                concern = min(concern + 1, len(CONCERN_LEVELS) - 1)
                trust = _clamp(trust - 5)
            intents.append("commit_refuse_concern")
            if not voiced and card.concern.topic:
                intents.append("concern")
                voiced = True
        elif trust < wanted.min_trust or len(state.revealed) < MIN_FACTS_FOR_COMMITMENT:
            refused_now, reason = wanted.id, "trust"
            trust = _clamp(trust - 2)
            intents.append("commit_refuse_trust")
        else:
            committed = granted = wanted.id
            intents.append("commit_grant")
        if refused_now and refused_now not in refused:
            refused.append(refused_now)
    elif line.pitch:
        trust = _clamp(trust - 3)
        if not explored or state.stage < 5:
            if concern > 0:
                concern = min(concern + 1, len(CONCERN_LEVELS) - 1)
            intents.append("pitch_pushback")
        else:
            intents.append("ack")
    else:
        intents.append("greeting" if state.turn == 0 else "ack")

    if (
        not voiced
        and concern > 0
        and card.concern.topic
        and trust >= VOICE_CONCERN_AT_TRUST
        and label in ("exploratory", "confirmation")
    ):
        intents.append("concern")
        voiced = True

    new_state = state.model_copy(
        update={
            "trust": trust,
            "concern": CONCERN_LEVELS[concern],
            "concern_voiced": voiced,
            "explored": explored,
            "turn": state.turn + 1,
            "revealed": state.revealed + tuple(facts),
            "refused": tuple(refused),
            "granted": granted,
            "last_category": last_category,
        }
    )
    move = CustomerMove(
        intents=tuple(intents),
        facts=tuple(facts),
        commitment=committed,
        refused=refused_now,
        refusal_reason=reason,
        concern_before=state.concern,
        concern_after=new_state.concern,
        trust_after=trust,
    )
    return new_state, move


def step_lines(card: PersonaCard, state: CustomerState, lines: list[TraineeLine]) -> tuple[CustomerState, CustomerMove]:
    """Take in several lines sent before the customer could answer; answer the last one.

    The earlier lines still move trust and concern, but give nothing away: the customer
    answers what was asked last (DESIGN 2.3).
    """
    for line in lines[:-1]:
        moved, _ = step(card, state, line)
        state = moved.model_copy(
            update={"revealed": state.revealed, "last_category": state.last_category, "granted": state.granted}
        )
    return step(card, state, lines[-1])


SILENCE_TRUST_GAIN = 2


def silence_step(card: PersonaCard, state: CustomerState) -> tuple[CustomerState, CustomerMove | None]:
    """After the trainee held a golden silence, the customer adds one more fact (让客户把话说完).

    It goes on with what it was talking about when it can; None when there is nothing the
    customer is ready to add.
    """
    trust = _clamp(state.trust + SILENCE_TRUST_GAIN)
    ready = [f for f in card.facts if f.id not in state.revealed and trust >= f.reveal.min_trust]
    ready.sort(key=lambda f: (f.category != state.last_category, f.reveal.min_trust))
    if not ready:
        return state, None
    fact = ready[0]
    new_state = state.model_copy(
        update={"trust": trust, "revealed": state.revealed + (fact.id,), "last_category": fact.category}
    )
    move = CustomerMove(
        intents=("silence_addition",),
        facts=(fact.id,),
        concern_before=state.concern,
        concern_after=state.concern,
        trust_after=trust,
    )
    return new_state, move
