"""One decision in the making: the state's values while a line is taken in, and the acts
decided so far. The engine's parts (step, concern, commitments, confirmations) all write here;
`finish` turns it into the new state and the move."""

from dataclasses import dataclass, field

from app.engine.personas import CONCERN_LEVELS, Fact, PersonaCard
from app.engine.rules import EngineRules, engine_rules
from app.engine.state import Act, CustomerMove, CustomerState

MAX_LEVEL = len(CONCERN_LEVELS) - 1
# Revealing facts of a category moves the customer along the purchase process (seed 002, stages 1-6).
STAGE_AFTER = {"need": 3, "motive": 4, "expectation": 5}


def clamp(value: int, low: int = 0, high: int = 100) -> int:
    return max(low, min(high, value))


@dataclass
class Decision:
    card: PersonaCard
    before: CustomerState
    rules: EngineRules
    trust: int
    patience: int
    stage: int
    concern: int
    concern_voiced: bool
    concern_said: list[str]
    steps: list[str]
    heat: int
    pretext: str
    revealed: list[str]
    confirmed: list[str]
    asked: list[str]
    held: list[str]
    heard: list[str]
    extended: list[str]
    last_subject: str | None
    explored: bool
    gates: list[str]
    motive_credit: int
    refused: list[str]
    granted: str | None
    referred: bool
    ended: str | None
    acts: list[Act] = field(default_factory=list)

    @classmethod
    def start(cls, card: PersonaCard, state: CustomerState) -> "Decision":
        return cls(
            card=card, before=state, rules=engine_rules(), trust=state.trust, patience=state.patience,
            stage=state.stage, concern=CONCERN_LEVELS.index(state.concern), concern_voiced=state.concern_voiced,
            concern_said=list(state.concern_said),
            steps=list(state.steps), heat=state.heat, pretext=state.pretext, revealed=list(state.revealed),
            confirmed=list(state.confirmed), asked=list(state.asked), held=list(state.held), heard=list(state.heard),
            extended=list(state.extended), last_subject=state.last_subject, explored=state.explored,
            gates=list(state.gates), motive_credit=state.motive_credit, refused=list(state.refused),
            granted=state.granted, referred=state.referred, ended=state.ended,
        )

    # ---- small changes every part makes

    def act(self, kind: str, **values: object) -> None:
        self.acts.append(Act(kind=kind, **values))

    def said(self, kind: str) -> bool:
        return any(a.kind == kind for a in self.acts)

    def gain(self, trust: int = 0, patience: int = 0) -> None:
        self.trust = clamp(self.trust + trust)
        self.patience = self.patience + patience

    @property
    def level(self) -> str:
        return CONCERN_LEVELS[self.concern]

    def set_level(self, rank: int) -> None:
        self.concern = max(0, min(MAX_LEVEL, rank))

    def reveal(self, fact: Fact, kind: str = "reveal", detail: str | None = None) -> None:
        self.revealed.append(fact.id)
        self.act(kind, fact=fact.id, subject=fact.subject, detail=detail)
        self.last_subject = fact.subject
        self.stage = max(self.stage, STAGE_AFTER.get(fact.kind, self.stage))

    def voice(self, detail: str = "objection") -> None:
        """The customer states its concern (the objection first, the personal concern when dug out)."""
        self.concern_voiced = True
        # what the renderers put into words for it (the objection, the personal concern, or the real
        # concern's both behind a pretext): what a summary may later read back as said
        told = {"personal": ("topic",), "real": ("real.objection", "real.topic"), "exposed": ()}.get(detail, ("objection",))
        self.concern_said.extend(t for t in told if t not in self.concern_said)
        self.last_subject = "concern"
        self.act("voice_concern", level=self.level, detail=detail)

    def finish(self, can_add: bool = False) -> tuple[CustomerState, CustomerMove]:
        if self.patience <= 0 and self.ended is None:
            self.ended = "patience"
            self.act("end", reason="patience")
        keep = self.rules.repeat.remember
        state = self.before.model_copy(update={
            "trust": self.trust, "patience": max(self.patience, 0), "stage": self.stage,
            "turn": self.before.turn + 1, "concern": self.level, "concern_voiced": self.concern_voiced,
            "concern_said": tuple(self.concern_said),
            "steps": tuple(self.steps), "heat": self.heat, "pretext": self.pretext,
            "revealed": tuple(self.revealed), "confirmed": tuple(self.confirmed), "asked": tuple(self.asked), "held": tuple(self.held),
            "heard": tuple(self.heard[-keep:]), "extended": tuple(self.extended), "last_subject": self.last_subject,
            "can_add": can_add and self.ended is None, "explored": self.explored, "gates": tuple(self.gates),
            "motive_credit": self.motive_credit, "refused": tuple(self.refused), "granted": self.granted,
            "referred": self.referred, "ended": self.ended,
        })
        move = CustomerMove(acts=tuple(self.acts), concern_before=self.before.concern, concern_after=state.concern,
                            trust_after=state.trust)
        return state, move

