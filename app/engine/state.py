"""What the simulated customer remembers between turns, what it hears, and what it decides.

All plain values: the state is stored as JSON on the session row, so any worker can pick a
conversation up where another left it; the decision is a list of acts (DESIGN 4.1), which is
what the transcript records and the grader reads.
"""

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from app.engine.personas import PersonaCard
from app.engine.rules import engine_rules
from scoring.hearing.claims import Number


class CustomerState(BaseModel):
    """The customer's mind: trust and patience (0-100), the concern (DESIGN 2.2), what it has told."""

    model_config = ConfigDict(frozen=True)

    trust: int
    patience: int = 100
    stage: int
    seed: int = 0
    turn: int = 0
    last_seq: int = Field(default=0, description="the last trainee turn the customer has taken in")
    # the concern (DESIGN 2.2): its level, whether it is in the open, the handling steps done,
    # the temperature at levels 5-6, and for a false objection whether it has been seen through
    concern: str
    concern_voiced: bool = False
    concern_said: tuple[str, ...] = Field(default=(), description="what of the concern the customer has put into "
                                          "words: objection, topic (the personal concern), real.objection, real.topic")
    steps: tuple[str, ...] = ()
    heat: int = 0
    pretext: str = Field(default="none", description="false objection: held | exposed | real | none")
    # what has been said and asked
    revealed: tuple[str, ...] = ()
    confirmed: tuple[str, ...] = Field(default=(), description="facts a correct summary has confirmed")
    asked: tuple[str, ...] = Field(default=(), description="label:subject of questions answered")
    held: tuple[str, ...] = Field(default=(), description="subject@trust of questions held back for lack of trust")
    heard: tuple[str, ...] = Field(default=(), description="recent lines, normalised, to spot repeats")
    extended: tuple[str, ...] = Field(default=(), description="subjects a 'tell me more' has deepened")
    last_subject: str | None = None
    can_add: bool = Field(default=False, description="a held silence may deepen the last answer")
    explored: bool = False
    # motive (DESIGN 2.2b): the gates met, and how often a fitting line has already earned trust
    gates: tuple[str, ...] = ()
    motive_credit: int = 0
    # commitments
    refused: tuple[str, ...] = ()
    granted: str | None = None
    referred: bool = False
    ended: str | None = Field(default=None, description="why the customer closed the conversation")
    # wording memory (renderers): phrase keys and openers already used, wordings chosen
    said: tuple[str, ...] = ()
    openers: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json")

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "CustomerState":
        return cls.model_validate(data)


def initial_state(card: PersonaCard, seed: int = 0) -> CustomerState:
    """A customer at the start of the meeting; an arguing or resisting one starts hot."""
    return CustomerState(
        trust=card.trust, concern=card.concern.level, stage=card.stage, patience=card.starting_patience, seed=seed,
        pretext="held" if card.concern.false_objection else "none",
        heat=engine_rules().concern.heat.get(card.concern.level, 0),
    )


class TraineeLine(BaseModel):
    """A trainee line as this customer hears it: the shared hearing plus this card's own cues."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    text: str
    label: str
    topic: str | None = None
    pitch: bool = False
    subject: str | None = None
    steps: frozenset[str] = frozenset()
    moves: frozenset[str] = frozenset()
    motive_fit: str | None = Field(default=None, description="fit | misfit | None, for the persona's motive")
    on_concern: bool = Field(default=False, description="talks about the card's concern (its cues)")
    remedy: bool = Field(default=False, description="proposes something that meets the concern")
    presses: bool = Field(default=False, description="asks for the yes again on a new condition (如果…您愿意吗)")
    commitment: str | None = Field(default=None, description="the card commitment a request asks for")
    hints_step: bool = Field(default=False, description="a statement that names one of the card's commitments")
    terse: bool = Field(default=False, description="a question of a bare word or two (预算? Budget?)")
    clean: str = Field(default="", description="the line cleaned (lower case in English), for card cues")
    numbers: tuple[Number, ...] = ()
    names: tuple[str, ...] = ()
    normal: str = Field(default="", description="the line without punctuation, for spotting repeats")


class Act(BaseModel):
    """One decision of the customer, as the transcript records it (DESIGN 4.1 `acts`)."""

    model_config = ConfigDict(frozen=True)

    kind: str
    fact: str | None = None
    subject: str | None = None
    reason: str | None = None
    level: str | None = None
    commitment: str | None = None
    rank: int | None = None
    detail: str | None = Field(default=None, description="how the renderer words it (not part of the record)")

    def record(self) -> dict[str, Any]:
        """The act as the transcript stores it: its kind and the fields that say what happened."""
        out: dict[str, Any] = {"kind": self.kind}
        if self.kind in ("reveal", "add_after_silence"):
            out["fact"] = self.fact
            out["subject"] = self.subject
        elif self.kind == "answer":
            out["subject"] = self.subject
        elif self.kind in ("deflect", "end"):
            out["reason"] = self.reason
            if self.subject is not None:
                out["subject"] = self.subject
        elif self.kind in ("voice_concern", "ease_concern"):
            out["level"] = self.level
        elif self.kind == "grant":
            out["commitment"], out["rank"] = self.commitment, self.rank
        elif self.kind == "refuse":
            out["commitment"], out["reason"] = self.commitment, self.reason
            if self.rank is not None:
                out["rank"] = self.rank
        elif self.kind == "correct" and self.fact is not None:
            out["fact"] = self.fact
        return out


class CustomerMove(BaseModel):
    """What the customer does this turn: its acts, spoken in order; renderers only word them."""

    model_config = ConfigDict(frozen=True)

    acts: tuple[Act, ...]
    concern_before: str
    concern_after: str
    trust_after: int

    def record(self) -> list[dict[str, Any]]:
        return [act.record() for act in self.acts]

    @property
    def facts(self) -> tuple[str, ...]:
        return tuple(a.fact for a in self.acts if a.kind in ("reveal", "add_after_silence") and a.fact)

    @property
    def commitment(self) -> str | None:
        return next((a.commitment for a in self.acts if a.kind == "grant"), None)

    @property
    def ends(self) -> bool:
        return any(a.kind == "end" for a in self.acts)
