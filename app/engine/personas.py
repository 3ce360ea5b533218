"""Persona cards (DESIGN 4.4): the YAML schema, loading, and errors that name file and field."""

from functools import cached_property
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from app.core.yamlio import load_yaml

Motive = Literal["growth", "rescue", "balanced", "complacent"]
Label = Literal["exploratory", "extension", "control", "confirmation", "commitment_request", "statement"]
Topic = Literal["process", "expectation", "need", "motive"]
ConcernKey = Literal["none", "hesitation", "doubt", "objection", "no_commitment", "argument", "resistance"]

CONCERN_LEVELS: tuple[str, ...] = (
    "none", "hesitation", "doubt", "objection", "no_commitment", "argument", "resistance",
)


def concern_rank(key: str) -> int:
    """0 for `none` up to 6 for `resistance` (DESIGN 2.2)."""
    return CONCERN_LEVELS.index(key)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)


class RevealRule(_Strict):
    on: list[Label] = Field(min_length=1)
    topics: list[Topic] = Field(default_factory=list)
    min_trust: int = Field(default=0, ge=0, le=100)


class Fact(_Strict):
    id: str = Field(min_length=1)
    category: Literal["process", "expectation", "need", "motive", "competition"]
    text: str = Field(min_length=1)
    reveal: RevealRule


class Concern(_Strict):
    level: ConcernKey
    topic: str = ""
    false_objection: bool = False


class Commitment(_Strict):
    id: str = Field(min_length=1)
    action: str = Field(min_length=1)
    max_concern: ConcernKey
    min_trust: int = Field(default=0, ge=0, le=100)
    cues: list[str] = Field(default_factory=list)


class PersonaCard(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    language: Literal["zh", "en"]
    name: str = Field(min_length=1)
    title: str = Field(min_length=1)
    organization: str = Field(min_length=1)
    industry: str = Field(min_length=1)
    selling: str = Field(min_length=1)
    brief: str = ""
    motive: Motive
    concern: Concern
    stage: int = Field(ge=1, le=10)
    difficulty: Literal["easy", "medium", "hard"]
    trust: int = Field(default=20, ge=0, le=100)
    patience: int | None = Field(default=None, ge=1, le=200, description="default by difficulty")
    facts: list[Fact] = Field(min_length=1)
    commitments: list[Commitment] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_ids(self) -> "PersonaCard":
        for kind, items in (("facts", self.facts), ("commitments", self.commitments)):
            seen: set[str] = set()
            for index, item in enumerate(items):
                if item.id in seen:
                    raise ValueError(f"{kind}.{index}.id: duplicate id {item.id!r}")
                seen.add(item.id)
        return self

    @property
    def starting_patience(self) -> int:
        """How much pitching and pushing the customer puts up with before wrapping up."""
        return self.patience or {"easy": 100, "medium": 80, "hard": 60}[self.difficulty]

    def grading_hints(self) -> dict[str, str]:
        """What the grader may know of this persona: its motive and its concern level."""
        return {"motive": self.motive, "concern_level": self.concern.level}

    @cached_property
    def fact_by_id(self) -> dict[str, Fact]:
        return {fact.id: fact for fact in self.facts}

    def summary(self) -> dict[str, object]:
        """The public listing of GET /api/personas: nothing hidden."""
        return {
            "id": self.id,
            "name": self.name,
            "title": self.title,
            "organization": self.organization,
            "industry": self.industry,
            "selling": self.selling,
            "brief": self.brief,
            "language": self.language,
            "motive": self.motive,
            "concern_level": self.concern.level,
            "difficulty": self.difficulty,
        }


class PersonaError(ValueError):
    """A card that cannot be used; the message names the file and the field."""

    def __init__(self, path: Path, field: str, problem: str) -> None:
        self.path, self.field, self.problem = path, field, problem
        super().__init__(f"{path}: {field}: {problem}")


def load_card(path: Path) -> PersonaCard:
    """Read and validate one card file."""
    try:
        raw = load_yaml(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise PersonaError(path, "(file)", f"not valid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise PersonaError(path, "(file)", "a persona card must be a YAML mapping")
    try:
        card = PersonaCard.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "(card)"
        message = first["msg"]
        if message.startswith("Value error, ") and ": " in message:
            field, message = message.removeprefix("Value error, ").split(": ", 1)
        raise PersonaError(path, field, message) from exc
    if card.id != path.stem:
        raise PersonaError(path, "id", f"{card.id!r} must equal the file name {path.stem!r}")
    return card


def load_cards(folder: Path) -> dict[str, PersonaCard]:
    """Every card in `folder`, by id; the first broken card raises PersonaError."""
    files = sorted(folder.glob("*.yaml"))
    if not files:
        raise PersonaError(folder, "(folder)", "no persona cards (*.yaml) found")
    return {card.id: card for card in map(load_card, files)}
