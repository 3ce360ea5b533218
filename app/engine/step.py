"""The customer's decision for one trainee line: step(card, state, line) -> (state, move).

Pure and deterministic. The rules follow the method (seed 002, DESIGN 2):
- the right kind of question on the right topic earns a hidden fact, once trust allows;
- pitching before the customer's expectation has formed, and pushing for commitment at a
  high concern, raise the concern; exploring and confirming a voiced concern lower it; a
  false objection does not move when handled;
- each motive reacts as DESIGN 2.1 says (the same cues the grader credits);
- a commitment is granted only when asked for, with enough trust, a low enough concern,
  and after the customer has told something (test before asking); high-to-low works;
- patience runs down with pitches, lectures and pushing; when it is gone the customer
  wraps up and gives nothing more.
"""

from dataclasses import dataclass, field

from app.engine.personas import CONCERN_LEVELS, Commitment, Fact, PersonaCard, concern_rank
from app.engine.state import CustomerMove, CustomerState, TraineeLine

TRUST_GAIN = {"exploratory": 5, "extension": 3, "confirmation": 4, "control": 2}
MOTIVE_TRUST = {"fit": 3, "misfit": -4}
VOICE_CONCERN_AT_TRUST = 35
HIGH_CONCERN = concern_rank("argument")
MAX_CONCERN = len(CONCERN_LEVELS) - 1
# A customer commits only to someone who has learned something about them (test before asking).
MIN_FACTS_FOR_COMMITMENT = 2
PATIENCE_COST = {"pitch": 15, "statement": 3, "lecture": 5, "control_early": 10, "refused": 10, "misfit": 10}
LECTURE_CHARS = {"zh": 80, "en": 200}
# Revealing facts of a category moves the customer along the purchase process (seed 002, stages 1-6).
STAGE_AFTER = {"need": 3, "motive": 4, "expectation": 5}
SILENCE_TRUST_GAIN = 2


def _clamp(value: int, low: int = 0, high: int = 100) -> int:
    return max(low, min(high, value))


@dataclass
class _Turn:
    """Scratch values for one decision; turned into the new state and the move at the end."""

    trust: int
    concern: int
    patience: int
    stage: int
    explored: bool
    voiced: bool
    last_category: str | None
    refused: list[str]
    granted: str | None
    intents: list[str] = field(default_factory=list)
    facts: list[str] = field(default_factory=list)
    committed: str | None = None
    refused_now: str | None = None
    reason: str | None = None

    def raise_concern(self) -> None:
        if self.concern > 0:
            self.concern = min(self.concern + 1, MAX_CONCERN)

    def reveal(self, fact: Fact, intent: str) -> None:
        self.facts.append(fact.id)
        self.intents.append(intent)
        self.last_category = fact.category
        self.stage = max(self.stage, STAGE_AFTER.get(fact.category, self.stage))


def _earnable(card: PersonaCard, state: CustomerState, line: TraineeLine, trust: int) -> Fact | None:
    """The first unrevealed fact this line earns at this trust."""
    candidates = [f for f in card.facts if f.id not in state.revealed and line.label in f.reveal.on]
    if line.label == "exploratory":
        candidates = [f for f in candidates if not f.reveal.topics or line.topic in f.reveal.topics]
    elif line.label == "extension" and state.last_category:
        # "Tell me more" continues the subject the customer was on.
        candidates.sort(key=lambda f: f.category != state.last_category)
    return next((f for f in candidates if trust >= f.reveal.min_trust), None)


def _requested_commitment(card: PersonaCard, state: CustomerState, text: str) -> Commitment:
    """The card commitment the trainee is asking for: by its cues, else the highest not yet refused."""
    lowered = text.lower()
    scored = [(sum(cue.lower() in lowered for cue in c.cues), -i, c) for i, c in enumerate(card.commitments)]
    best = max(scored, key=lambda item: (item[0], item[1]))
    if best[0] > 0:
        return best[2]
    open_ones = [c for c in card.commitments if c.id not in state.refused]
    return open_ones[0] if open_ones else card.commitments[-1]


def _ease_concern(card: PersonaCard, turn: _Turn) -> bool:
    """Handling a voiced, real concern lowers it one level; a false objection does not move."""
    if turn.voiced and turn.concern > 0 and not card.concern.false_objection:
        turn.concern -= 1
        turn.intents.append("concern_eased")
        return True
    return False


def _react_to_motive(card: PersonaCard, line: TraineeLine, turn: _Turn) -> bool:
    """DESIGN 2.1: what moves this motive earns trust, what backfires costs it. True: the
    customer denies having problems and gives nothing this turn (complacent)."""
    if line.motive_fit is None:
        return False
    turn.trust = _clamp(turn.trust + MOTIVE_TRUST[line.motive_fit])
    if line.motive_fit == "fit":
        if card.motive == "rescue":  # proof and safety reassure a customer in trouble
            _ease_concern(card, turn)
        return False
    turn.patience -= PATIENCE_COST["misfit"]
    if card.motive in ("growth", "balanced") and not line.pitch:  # a pitch raises it once, below
        turn.raise_concern()  # a pushed solution, or pressure, hardens them
    if card.motive == "complacent" and line.label == "exploratory":
        turn.intents.append("deny")
        return True
    return False


def _ask_for_commitment(card: PersonaCard, state: CustomerState, line: TraineeLine, turn: _Turn) -> None:
    wanted = _requested_commitment(card, state, line.text)
    if turn.concern > concern_rank(wanted.max_concern):
        turn.refused_now, turn.reason = wanted.id, "concern"
        if turn.concern >= HIGH_CONCERN:  # pushing at argument or resistance makes it worse
            turn.raise_concern()
            turn.trust = _clamp(turn.trust - 5)
        turn.intents.append("commit_refuse_concern")
        if not turn.voiced and card.concern.topic:
            turn.intents.append("concern")
            turn.voiced = True
    elif turn.trust < wanted.min_trust or len(state.revealed) < MIN_FACTS_FOR_COMMITMENT:
        turn.refused_now, turn.reason = wanted.id, "trust"
        turn.trust = _clamp(turn.trust - 2)
        turn.intents.append("commit_refuse_trust")
    else:
        turn.committed = turn.granted = wanted.id
        turn.intents.append("commit_grant")
    if turn.refused_now:
        turn.patience -= PATIENCE_COST["refused"]
        if turn.refused_now not in turn.refused:
            turn.refused.append(turn.refused_now)


def step(card: PersonaCard, state: CustomerState, line: TraineeLine) -> tuple[CustomerState, CustomerMove]:
    """Decide the customer's reaction to one labelled trainee line."""
    turn = _Turn(
        trust=state.trust,
        concern=concern_rank(state.concern),
        patience=state.patience,
        stage=state.stage,
        explored=state.explored,
        voiced=state.concern_voiced,
        last_category=state.last_category,
        refused=list(state.refused),
        granted=state.granted,
    )
    label = line.label
    if state.patience <= 0:
        turn.intents.append("wrap_up")
        if label == "commitment_request":
            turn.refused_now, turn.reason = _requested_commitment(card, state, line.text).id, "patience"
    elif _react_to_motive(card, line, turn):
        turn.explored = turn.explored or label == "exploratory"
    elif label == "exploratory":
        turn.explored = True
        if line.topic in ("motive", "need"):
            _ease_concern(card, turn)
        turn.trust = _clamp(turn.trust + TRUST_GAIN[label])
        fact = _earnable(card, state, line, turn.trust)
        if fact is not None:
            turn.reveal(fact, "reveal")
        elif not turn.intents:
            turn.intents.append("vague")
    elif label == "extension":
        turn.trust = _clamp(turn.trust + TRUST_GAIN[label])
        fact = _earnable(card, state, line, turn.trust)
        if fact is not None:
            turn.reveal(fact, "reveal_more")
        else:
            turn.intents.append("no_more")
    elif label == "confirmation":
        turn.trust = _clamp(turn.trust + TRUST_GAIN[label])
        if not _ease_concern(card, turn):
            turn.intents.append("confirm_yes")
        if turn.stage >= 5:
            turn.stage = max(turn.stage, 6)
        fact = _earnable(card, state, line, turn.trust)
        if fact is not None:
            turn.reveal(fact, "reveal")
    elif label == "control":
        if turn.explored:
            turn.trust = _clamp(turn.trust + TRUST_GAIN[label])
            turn.intents.append("control_agree")
        else:
            turn.trust = _clamp(turn.trust - 5)
            turn.patience -= PATIENCE_COST["control_early"]
            turn.intents.append("control_doubt")
    elif label == "commitment_request":
        _ask_for_commitment(card, state, line, turn)
    elif line.pitch:
        turn.trust = _clamp(turn.trust - 3)
        turn.patience -= PATIENCE_COST["pitch"]
        if not turn.explored or turn.stage < 5:  # the customer's expectation has not formed yet
            turn.raise_concern()
            turn.intents.append("pitch_pushback")
        else:
            turn.intents.append("ack")
    else:
        turn.patience -= PATIENCE_COST["statement"]
        turn.intents.append("greeting" if state.turn == 0 else "ack")
    if label == "statement" and len(line.text) > LECTURE_CHARS.get(card.language, 80):
        turn.patience -= PATIENCE_COST["lecture"]

    if (
        not turn.voiced
        and turn.concern > 0
        and card.concern.topic
        and turn.trust >= VOICE_CONCERN_AT_TRUST
        and label in ("exploratory", "confirmation")
        and state.patience > 0
        and "deny" not in turn.intents
    ):
        turn.intents.append("concern")
        turn.voiced = True

    new_state = state.model_copy(
        update={
            "trust": turn.trust,
            "concern": CONCERN_LEVELS[turn.concern],
            "concern_voiced": turn.voiced,
            "explored": turn.explored,
            "patience": max(turn.patience, 0),
            "stage": turn.stage,
            "turn": state.turn + 1,
            "revealed": state.revealed + tuple(turn.facts),
            "refused": tuple(turn.refused),
            "granted": turn.granted,
            "last_category": turn.last_category,
        }
    )
    move = CustomerMove(
        intents=tuple(turn.intents),
        facts=tuple(turn.facts),
        commitment=turn.committed,
        refused=turn.refused_now,
        refusal_reason=turn.reason,
        concern_before=state.concern,
        concern_after=new_state.concern,
        trust_after=turn.trust,
    )
    return new_state, move


def step_lines(card: PersonaCard, state: CustomerState, lines: list[TraineeLine]) -> tuple[CustomerState, CustomerMove]:
    """Take in several lines sent before the customer could answer; answer the last one.

    The earlier lines still move trust, concern and patience, but give nothing away: the
    customer answers what was asked last (DESIGN 2.3).
    """
    for line in lines[:-1]:
        moved, _ = step(card, state, line)
        state = moved.model_copy(
            update={"revealed": state.revealed, "last_category": state.last_category, "granted": state.granted}
        )
    return step(card, state, lines[-1])


def silence_step(card: PersonaCard, state: CustomerState) -> tuple[CustomerState, CustomerMove | None]:
    """After the trainee held a golden silence, the customer adds one more fact (让客户把话说完).

    It goes on with what it was talking about when it can; None when there is nothing the
    customer is ready to add, or its patience is gone.
    """
    if state.patience <= 0:
        return state, None
    trust = _clamp(state.trust + SILENCE_TRUST_GAIN)
    ready = [f for f in card.facts if f.id not in state.revealed and trust >= f.reveal.min_trust]
    ready.sort(key=lambda f: (f.category != state.last_category, f.reveal.min_trust))
    if not ready:
        return state, None
    fact = ready[0]
    new_state = state.model_copy(
        update={
            "trust": trust,
            "revealed": state.revealed + (fact.id,),
            "last_category": fact.category,
            "stage": max(state.stage, STAGE_AFTER.get(fact.category, state.stage)),
        }
    )
    move = CustomerMove(
        intents=("silence_addition",),
        facts=(fact.id,),
        concern_before=state.concern,
        concern_after=state.concern,
        trust_after=trust,
    )
    return new_state, move
