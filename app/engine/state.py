"""What the simulated customer remembers between turns, and what it decides each turn.

Both are plain values: the state is stored as JSON on the session row, so any worker can
pick a conversation up where another left it.
"""

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from app.engine.personas import PersonaCard


class CustomerState(BaseModel):
    """The customer's mind: trust 0-100, concern level (DESIGN 2.2), what it has given away."""

    model_config = ConfigDict(frozen=True)

    trust: int
    concern: str
    concern_voiced: bool = False
    stage: int
    patience: int = 100
    explored: bool = False
    turn: int = 0
    revealed: tuple[str, ...] = ()
    refused: tuple[str, ...] = ()
    granted: str | None = None
    last_category: str | None = None
    said: tuple[str, ...] = Field(default=(), description="phrase keys already used, so replies never repeat")
    seed: int = 0
    last_seq: int = Field(default=0, description="the last trainee turn the customer has taken in")

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json")

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "CustomerState":
        return cls.model_validate(data)


def initial_state(card: PersonaCard, seed: int = 0) -> CustomerState:
    return CustomerState(
        trust=card.trust, concern=card.concern.level, stage=card.stage, patience=card.starting_patience, seed=seed
    )


class TraineeLine(BaseModel):
    """A trainee line as the customer understands it: the scoring labeller's verdict."""

    model_config = ConfigDict(frozen=True)

    text: str
    label: str
    topic: str | None = None
    pitch: bool = False
    motive_fit: str | None = Field(default=None, description="fit | misfit | None, for the persona's motive")


class CustomerMove(BaseModel):
    """What the customer does this turn; renderers only decide the wording.

    `intents` are spoken in order (for example a revealed fact, then the concern).
    """

    model_config = ConfigDict(frozen=True)

    intents: tuple[str, ...]
    facts: tuple[str, ...] = ()
    commitment: str | None = None
    refused: str | None = None
    refusal_reason: str | None = None
    concern_before: str
    concern_after: str
    trust_after: int
