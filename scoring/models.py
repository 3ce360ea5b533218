"""The value types of scoring: a labelled line, the transcript read in, the scorecard written out.

Transcript and Turn follow DESIGN 4.1 and ignore unknown fields, so transcripts from other
tools grade as they are. The Scorecard is a superset of DESIGN 4.1b; `points` lists every
credit and deduction with the turn and the reason behind it.
"""

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Label = Literal["exploratory", "extension", "control", "confirmation", "commitment_request", "statement"]
Topic = Literal["process", "expectation", "need", "motive"]
Language = Literal["zh", "en"]
Dimension = Literal["questioning", "listening", "commitment", "concerns", "motive_fit"]
Element = Literal["time", "people", "action", "benefit"]
Form = Literal["open", "closed", "choice", "tag", "declarative", "imperative"]

LABELS: tuple[Label, ...] = ("exploratory", "extension", "control", "confirmation", "commitment_request", "statement")
TOPICS: tuple[Topic, ...] = ("process", "expectation", "need", "motive")
DIMENSIONS: tuple[Dimension, ...] = ("questioning", "listening", "commitment", "concerns", "motive_fit")
ELEMENTS: tuple[Element, ...] = ("time", "people", "action", "benefit")
MOTIVES = ("growth", "rescue", "balanced", "complacent")


class LineLabel(BaseModel):
    """One trainee line's label, with the rule that decided it and a reason a trainee can read."""

    model_config = ConfigDict(frozen=True)

    label: Label
    topic: Topic | None = None
    pitch: bool = False
    rule: str
    reason: str

    def to_dict(self) -> dict:
        return {"label": self.label, "topic": self.topic, "pitch": self.pitch, "rule": self.rule, "reason": self.reason}


class Turn(BaseModel):
    """One line of a transcript; times are seconds from the session start, server-side."""

    model_config = ConfigDict(extra="ignore")

    seq: int
    speaker: Literal["trainee", "customer"]
    text: str
    typing_started_at: float | None = None
    sent_at: float | None = None
    started_at: float | None = None
    ended_at: float | None = None
    acts: list[dict[str, Any]] | None = Field(
        default=None, description="customer turns played in Peilian: the engine's decisions (DESIGN 4.1)"
    )


class Transcript(BaseModel):
    """DESIGN 4.1: the interchange format every grader input arrives in."""

    model_config = ConfigDict(extra="ignore")

    session_id: str | None = None
    persona_id: str | None = None
    language: Language = "zh"
    turns: list[Turn]

    @property
    def has_acts(self) -> bool:
        """Whether the customer's side comes with the engine's record (a session played in Peilian)."""
        return any(t.acts is not None for t in self.turns if t.speaker == "customer")


class Dimensions(BaseModel):
    questioning: int
    listening: int
    commitment: int
    concerns: int
    motive_fit: int


class Counts(BaseModel):
    exploratory: int = 0
    extension: int = 0
    control: int = 0
    confirmation: int = 0
    commitment_request: int = 0
    statement: int = 0
    pitch: int = 0


class AfterQuestion(BaseModel):
    held: int = 0
    broken: int = 0


class AfterAnswer(BaseModel):
    held: int = 0
    missed: int = 0


class Silence(BaseModel):
    threshold_s: float
    after_question: AfterQuestion
    after_answer: AfterAnswer


class Commitment(BaseModel):
    requested: bool
    secured: bool
    seq: int | None
    elements: list[Element]


class TurnCard(BaseModel):
    """One trainee turn on the scorecard: its label and what it did right or wrong."""

    seq: int
    label: Label
    topic: Topic | None
    pitch: bool
    rule: str
    reason: str
    form: Form | None = Field(default=None, description="a question's form (DESIGN 4.1b); None for a statement")
    notes: list[str] = Field(default_factory=list)


class Point(BaseModel):
    """One credit (+) or deduction (-) on a dimension, naming the turn and the reason."""

    dimension: Dimension
    delta: int
    seq: int | None
    rule: str
    reason: str
    name: str = Field(default="", description="the rule's name for people (grading/{zh,en}.yaml names.rules)")


class Advice(BaseModel):
    """One thing to do next time: a deduction (or a credit missed) that cost the most, tied to a
    turn, with a better line from the method (scoring/advice/{zh,en}.yaml)."""

    rule: str
    name: str
    dimension: Dimension
    seq: int | None = Field(description="the trainee turn it is tied to; None only without trainee turns")
    why: str
    better_line: str
    do: str = Field(description="what to do next time, in one sentence")
    kind: Literal["deduction", "missed"] = Field(description="a deduction taken, or a credit not earned")
    cost: float = Field(description="overall points it cost (a deduction) or left on the table (a credit)")


class Run(BaseModel):
    """The longest stretch of one speaker's consecutive lines: where it starts, how many, how long."""

    seq: int | None = None
    lines: int = 0
    chars: int = 0


class Talk(BaseModel):
    """Who talked how much: the method's 'ask more than you tell' and 'let the customer finish'."""

    ratio: float | None
    longest_monologue: Run
    longest_customer_story: Run
    questions: int
    statements: int
    questions_per_statement: float | None


class Pause(BaseModel):
    """The pause after a customer answer, beside the norm (DESIGN 2.4: show the actual pause)."""

    answer_seq: int
    seq: int
    pause_s: float
    held: bool
    shown_s: float | None = Field(default=None, description="pause_s as every page shows it (scoring/display.py)")


class QuestionPause(BaseModel):
    """The silence after a trainee question (DESIGN 2.4) and the grader's verdict on it."""

    seq: int
    held: bool | None = Field(description="None: another line followed but the gap cannot be timed")
    answered: bool = Field(description="the customer spoke next, ending the silence")
    gap_s: float | None = Field(description="seconds to the next line, the trainee's or the customer's")
    shown_s: float | None = Field(description="gap_s as every page shows it (scoring/display.py)")
    verdict: Literal["held", "broken", "answered"] | None = Field(
        default=None, description="held: a silence that met the norm; answered: the customer answered before it; "
                                  "None: not timed")


class Scorecard(BaseModel):
    """DESIGN 4.1b plus points, pauses, the rubric's pass mark and weights, next steps and a few session facts."""

    session_id: str | None
    persona_id: str | None
    language: Language
    source: Literal["acts", "text"] = Field(description="where the customer's side was read from")
    rubric: str
    motive: str | None
    overall: int
    passed: bool | None
    dimensions: Dimensions
    counts: Counts
    silence: Silence
    commitment: Commitment
    outcome: Literal["advance", "continuation"]
    talk_ratio: float | None
    talk_percent: int | None = Field(default=None, description="talk_ratio as every page shows it, whole percent")
    talk: Talk
    turns: list[TurnCard]
    points: list[Point]
    pauses: list[Pause]
    question_pauses: list[QuestionPause] = Field(default_factory=list)
    notes: list[str]
    concern_level: str | None = Field(default=None, description="the level the customer's concern reached (DESIGN 2.2)")
    pass_mark: int | None = None
    weights: dict[Dimension, float] = Field(default_factory=dict)
    min_dimension: dict[Dimension, int] = Field(default_factory=dict)
    next_steps: list[Advice] = Field(default_factory=list, description="three things to do next time, costliest first")
