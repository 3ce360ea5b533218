"""Persona cards (DESIGN 4.4, docs/persona-cards.md): the YAML schema, loading, and errors that
name file and field."""

import re
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from app.core.yamlio import load_yaml
from scoring.hearing import subjects
from scoring.hearing.content import pieces

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


# The labeller's four topics each subject category belongs to (competitors are a process question).
_TOPIC_OF = {"process": "process", "competition": "process", "need": "need", "expectation": "expectation",
             "motive": "motive"}


class Fact(_Strict):
    id: str = Field(min_length=1)
    subject: str
    category: Literal["process", "expectation", "need", "motive", "competition"] | None = None
    text: str = Field(min_length=1)
    paraphrases: list[str] = Field(min_length=1, description="other wordings of the same fact")
    terms: list[str] = Field(default_factory=list, description="what a correct summary contains")
    reveal: RevealRule

    @model_validator(mode="after")
    def _subject_known(self) -> "Fact":
        known = subjects()
        if self.subject not in known or not known[self.subject].fact:
            facts = ", ".join(s.id for s in known.values() if s.fact)
            raise ValueError(f"subject: {self.subject!r} is not a fact subject ({facts})")
        category = known[self.subject].category
        if self.category is not None and self.category != category:
            raise ValueError(f"category: {self.category!r} does not agree with subject {self.subject!r} ({category})")
        topic = _TOPIC_OF[category]
        if self.reveal.topics and topic not in self.reveal.topics:
            raise ValueError(f"reveal.topics: {self.reveal.topics} does not include {topic!r}, the subject's topic")
        return self

    @property
    def kind(self) -> str:
        """The category: given on the card or implied by the subject."""
        return self.category or subjects()[self.subject].category

    @property
    def wordings(self) -> tuple[str, ...]:
        return (self.text, *self.paraphrases)


class Remedy(_Strict):
    text: str = Field(min_length=1)
    cues: list[str] = Field(min_length=1)


class RealConcern(_Strict):
    """The concern behind a false objection (假异议)."""

    level: ConcernKey
    objection: str = Field(min_length=1)
    topic: str = Field(min_length=1)
    cues: list[str] = Field(min_length=1)
    remedy: Remedy


class Concern(_Strict):
    level: ConcernKey
    objection: str = Field(min_length=1, description="the organisational coat, voiced first")
    topic: str = Field(min_length=1, description="the personal concern, told once dug out")
    cues: list[str] = Field(min_length=1)
    remedy: Remedy
    false_objection: bool = False
    real: RealConcern | None = None

    @model_validator(mode="after")
    def _real_with_false_objection(self) -> "Concern":
        if self.false_objection and self.real is None:
            raise ValueError("real: a false objection needs the real concern behind it")
        if not self.false_objection and self.real is not None:
            raise ValueError("real: only a false objection has a real concern behind it")
        return self


class OtherPerson(_Strict):
    """Someone else on the customer's side the trainee could talk to (换个人攻关)."""

    id: str = Field(min_length=1)
    name: str = Field(min_length=1)
    text: str = Field(min_length=1)
    paraphrases: list[str] = Field(default_factory=list)
    min_trust: int = Field(default=25, ge=0, le=100)

    @property
    def wordings(self) -> tuple[str, ...]:
        return (self.text, *self.paraphrases)


class MotiveCues(_Strict):
    fit: list[str] = Field(default_factory=list)
    misfit: list[str] = Field(default_factory=list)


class Commitment(_Strict):
    id: str = Field(min_length=1)
    action: str = Field(min_length=1)
    max_concern: ConcernKey
    min_trust: int = Field(default=0, ge=0, le=100)
    cues: list[str] = Field(default_factory=list)
    small: bool = Field(default=False, description="a small, low-risk step (all a balanced customer gives at once)")


def _terms_pattern(terms: list[str]) -> re.Pattern[str] | None:
    """Plain words, matched case-insensitively; None when there are none."""
    words = sorted({t.strip().lower() for t in terms if t.strip()}, key=len, reverse=True)
    return re.compile("|".join(map(re.escape, words))) if words else None


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
    motive_cues: MotiveCues = Field(default_factory=MotiveCues)
    concern: Concern
    other_person: OtherPerson
    stage: int = Field(ge=1, le=10)
    difficulty: Literal["easy", "medium", "hard"]
    trust: int = Field(default=20, ge=0, le=100)
    patience: int | None = Field(default=None, ge=1, le=200, description="default by difficulty")
    facts: list[Fact] = Field(min_length=1)
    commitments: list[Commitment] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_ids(self) -> "PersonaCard":
        seen: set[str] = {self.other_person.id}
        for kind, items in (("facts", self.facts), ("commitments", self.commitments)):
            for index, item in enumerate(items):
                if item.id in seen:
                    raise ValueError(f"{kind}.{index}.id: duplicate id {item.id!r}")
                seen.add(item.id)
        if self.motive == "balanced" and not any(c.small for c in self.commitments):
            raise ValueError("commitments: a balanced customer gives only small steps; mark at least one `small: true`")
        return self

    @property
    def starting_patience(self) -> int:
        """How much pitching and pushing the customer puts up with before wrapping up."""
        return self.patience or {"easy": 100, "medium": 80, "hard": 60}[self.difficulty]

    def grading_hints(self) -> dict[str, Any]:
        """What the grader may know of this persona: its motive, its concern level, whether the
        concern it voices is a pretext, what would meet the concern (its remedy) and how many
        commitments it lists (so a grant of the last is known as its smallest)."""
        remedy = self.concern.real.remedy if self.concern.real is not None else self.concern.remedy
        return {"motive": self.motive, "concern_level": self.concern.level,
                "false_objection": self.concern.false_objection, "remedy": [remedy.text, *remedy.cues],
                "commitments": len(self.commitments)}

    @cached_property
    def fact_by_id(self) -> dict[str, Fact]:
        return {fact.id: fact for fact in self.facts}

    def rank(self, commitment_id: str) -> int:
        """1 for the card's highest commitment."""
        return next(i for i, c in enumerate(self.commitments, 1) if c.id == commitment_id)

    @cached_property
    def cue_patterns(self) -> dict[str, re.Pattern[str] | None]:
        """This card's own cues, compiled once: concern words, remedies, motive words, commitments."""
        patterns = {
            "concern": _terms_pattern(self.concern.cues),
            "remedy": _terms_pattern(self.concern.remedy.cues),
            "motive.fit": _terms_pattern(self.motive_cues.fit),
            "motive.misfit": _terms_pattern(self.motive_cues.misfit),
        }
        if self.concern.real is not None:
            patterns["real.concern"] = _terms_pattern(self.concern.real.cues)
            patterns["real.remedy"] = _terms_pattern(self.concern.real.remedy.cues)
        for commitment in self.commitments:
            patterns[f"commit.{commitment.id}"] = _terms_pattern(commitment.cues)
        return patterns

    @cached_property
    def remedy_pieces(self) -> frozenset[str]:
        """What the remedies say (text and cues), as content pieces: a proposal sharing enough of
        them meets the concern even in other words."""
        texts = [self.concern.remedy.text, *self.concern.remedy.cues]
        if self.concern.real is not None:
            texts += [self.concern.real.remedy.text, *self.concern.real.remedy.cues]
        return frozenset().union(*(pieces(t, self.language) for t in texts))

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


Problem = tuple[str, str, str, dict[str, Any]]


def field_problems(exc: ValidationError) -> list[Problem]:
    """(dotted field, problem, pydantic error type, its parameters) per problem (facts.3.subject), a
    validator's own field prefix folded in."""
    out = []
    for error in exc.errors():
        field = ".".join(str(part) for part in error["loc"])
        message = error["msg"]
        if message.startswith("Value error, ") and ": " in message:
            inner, message = message.removeprefix("Value error, ").split(": ", 1)
            field = f"{field}.{inner}" if field else inner
        params = {k: str(v) for k, v in (error.get("ctx") or {}).items() if k != "error"}
        out.append((field or "(card)", message, error["type"], params))
    return out


def check_card(raw: Any) -> tuple[PersonaCard | None, list[Problem]]:
    """Validate card data however it arrived (a file, a form, an import): the card, or every
    (field, problem, error type) found in it. The rules of `peilian personas check`, in one place."""
    if not isinstance(raw, dict):
        return None, [("(card)", "a persona card must be a YAML mapping", "dict_type", {})]
    try:
        return PersonaCard.model_validate(raw), []
    except ValidationError as exc:
        return None, field_problems(exc)


def read_card(path: Path) -> tuple[PersonaCard | None, list[PersonaError]]:
    """Read and validate one card file: the card, or every problem found in it."""
    try:
        raw = load_yaml(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        return None, [PersonaError(path, "(file)", f"not valid YAML: {exc}")]
    if not isinstance(raw, dict):
        return None, [PersonaError(path, "(file)", "a persona card must be a YAML mapping")]
    card, problems = check_card(raw)
    if card is None:
        return None, [PersonaError(path, field, problem) for field, problem, *_ in problems]
    if card.id != path.stem:
        return None, [PersonaError(path, "id", f"{card.id!r} must equal the file name {path.stem!r}")]
    return card, []


def load_card(path: Path) -> PersonaCard:
    """Read and validate one card file; the first problem raises PersonaError."""
    card, errors = read_card(path)
    if errors:
        raise errors[0]
    assert card is not None
    return card


def card_files(folder: Path) -> list[Path]:
    files = sorted(folder.glob("*.yaml"))
    if not files:
        raise PersonaError(folder, "(folder)", "no persona cards (*.yaml) found")
    return files


def load_cards(folder: Path) -> dict[str, PersonaCard]:
    """Every card in `folder`, by id; the first broken card raises PersonaError."""
    return {card.id: card for card in map(load_card, card_files(folder))}
