"""`peilian simulate`: a scripted trainee plays a whole session against the customer engine.

The same hearing, engine, template renderer and grader as a live session, on a simulated
clock, so a session returns at once. The trainee's lines come from a script file (DESIGN 4.3:
`{"lines": [{"text": …, "pause_s": 4.5, "typing_s": 2.0}]}`) or from a built-in strategy:
`good` explores every topic, holds the golden silence, confirms, then asks for commitments from
high to low (the same lines whatever the motive: a motive-blind script); `method` explores the
same way, then handles the card's concern as the method says (explore it, acknowledge the
emotion, dig, speak to the motive, propose the card's remedy, test a pretext, confirm it is gone)
before asking high to low; at argument or resistance it lowers the temperature, asks for nothing,
asks for another person and leaves, and at no commitment it explores, tests a pretext and
leaves; `pushy` pitches and pushes; `silent` asks and listens but never asks for anything.

This module imports no web framework and no LLM client: `simulate` must start in well under
a second.
"""

import re
from collections.abc import Callable, Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from app.core.pacing import speaking_time, think_delay
from app.core.yamlio import load_yaml
from app.engine.hearing import hear
from app.engine.personas import CONCERN_LEVELS, PersonaCard
from app.engine.state import CustomerMove, CustomerState, initial_state
from app.engine.step import silence_step, step
from app.renderers.template import TemplateRenderer
from scoring import Rubric, Transcript, grade

Strategy = Literal["good", "method", "pushy", "silent"]
STRATEGIES: tuple[str, ...] = ("good", "method", "pushy", "silent")
PAUSE_S = {"good": 4.5, "method": 4.5, "pushy": 0.6, "silent": 6.0}
TOPICS = ("need", "process", "expectation", "motive")


class ScriptLine(BaseModel):
    """One trainee line of a script: what is typed, how long the trainee waited before typing
    (after the customer's last turn), and how long the typing took."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    text: str = Field(min_length=1, max_length=2000)
    pause_s: float = Field(ge=0, le=3600)
    typing_s: float = Field(default=2.0, ge=0, le=3600)


class Script(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    lines: list[ScriptLine] = Field(min_length=1)


# The customer's first person becomes the trainee's second person, and the other way round.
_SWAP = {
    "en": {"I": "you", "I'm": "you're", "my": "your", "me": "you", "mine": "yours", "myself": "yourself",
           "our": "your", "us": "you", "we": "you", "your": "my", "you": "me"},
    "zh": {"我们": "你们", "你们": "我们", "我": "您", "你": "我", "您": "我"},
}
_SWAP_PATTERN = {
    "en": re.compile(r"\b(" + "|".join(sorted(map(re.escape, _SWAP["en"]), key=len, reverse=True)) + r")\b"),
    "zh": re.compile("|".join(sorted(_SWAP["zh"], key=len, reverse=True))),
}


def request_form(action: str, language: str) -> str:
    """A commitment as the trainee asks for it: 'I'll bring my CFO' -> 'bring your CFO'."""
    if language == "en":
        action = re.sub(r"^I'll\s+", "", action)
    swapped = _SWAP_PATTERN[language].sub(lambda m: _SWAP[language][m.group()], action)
    return swapped.rstrip("。.")


NextLine = Callable[[CustomerMove | None], ScriptLine | None]


@lru_cache
def _trainee_lines(folder: Path, language: str) -> dict[str, Any]:
    return load_yaml((folder / "trainee" / f"{language}.yaml").read_text(encoding="utf-8"))


def _typing_s(text: str, language: str) -> float:
    return round(len(text) * (0.25 if language == "zh" else 0.06), 3)


def _strategy_lines(card: PersonaCard, strategy: Strategy, trainee_dir: Path) -> Iterator[str]:
    """The strategy's lines; `send` a move back to make `good` stop once a commitment is granted."""
    lines = {
        key: ([s.replace("{name}", card.name).replace("{selling}", card.selling) for s in value]
              if isinstance(value, list) else value)
        for key, value in _trainee_lines(trainee_dir, card.language).items()
    }
    if strategy == "pushy":
        for index, commitment in enumerate(card.commitments):
            yield lines["pitch"][index % len(lines["pitch"])]
            yield lines["push"][index % len(lines["push"])].format(action=request_form(commitment.action, card.language))
        return
    yield lines["greeting"][0]
    if strategy == "silent":
        for topic in TOPICS:
            yield lines["explore"][topic][0]
        return
    for round_ in range(3):
        for topic in TOPICS:
            questions = lines["explore"][topic]
            if round_ < len(questions):
                yield questions[round_]
        yield lines["extension"][round_ % len(lines["extension"])]
    method = lines["method"]
    level = CONCERN_LEVELS.index(card.concern.level)
    if strategy == "method" and level >= CONCERN_LEVELS.index("argument"):
        # arguing or resisting: lower the temperature, ask for nothing, find another person, leave
        yield method["acknowledge"]
        yield method["calm"]
        yield method["concern"].format(concern=card.concern.cues[0])
        yield method["refer"]
        yield method["withdraw"]
        return
    if strategy == "method" and level == CONCERN_LEVELS.index("no_commitment"):
        # no commitment to be had: explore it, test a pretext, and leave the door open
        yield from _no_commitment_lines(card, method)
        return
    if strategy == "method":
        yield from _concern_lines(card, method)
    else:
        yield from lines["confirm"]
    for commitment in card.commitments:
        yield lines["commit"][0].format(action=request_form(commitment.action, card.language))


def _concern_lines(card: PersonaCard, method: dict[str, Any]) -> Iterator[str]:
    """The concern handled step by step with the card's own words (its cues, remedy, motive fit)."""
    concern = card.concern
    real = concern.real if concern.false_objection else None
    sep = "、" if card.language == "zh" else ", "
    words = {"concern": concern.cues[0], "remedy": concern.remedy.text.rstrip("。."),
             "fit": sep.join(card.motive_cues.fit[:3]) or card.selling}
    yield method["concern"].format(**words)
    if concern.level in ("objection", "argument", "resistance"):
        yield method["acknowledge"]
    yield method["dig"]
    yield method["motive"][card.motive].format(**words)
    yield method["remedy"].format(**words)
    if real is not None:
        yield method["test"]
        yield method["concern"].format(**{**words, "concern": real.cues[0]})
        yield method["remedy"].format(**{**words, "remedy": real.remedy.text.rstrip("。.")})
    yield method["gone"]


def _no_commitment_lines(card: PersonaCard, method: dict[str, Any]) -> Iterator[str]:
    """Level 4 (seed 002: 不承诺): explore the concern and what it means to them, speak to the motive,
    test a pretext and explore what lies behind it, then leave without asking for anything."""
    concern = card.concern
    sep = "、" if card.language == "zh" else ", "
    yield method["concern"].format(concern=concern.cues[0])
    yield method["dig"]
    yield method["motive"][card.motive].format(fit=sep.join(card.motive_cues.fit[:3]) or card.selling)
    if concern.false_objection and concern.real is not None:
        yield method["test"]
        yield method["concern"].format(concern=concern.real.cues[0])
    yield method["withdraw"]


def strategy_script(card: PersonaCard, strategy: Strategy, trainee_dir: Path) -> NextLine:
    """A built-in strategy as a line source; `good` and `method` stop asking once a commitment is granted."""
    source = _strategy_lines(card, strategy, trainee_dir)

    def next_line(move: CustomerMove | None) -> ScriptLine | None:
        if strategy in ("good", "method") and move is not None and move.commitment:
            return None
        text = next(source, None)
        if text is None:
            return None
        return ScriptLine(text=text, pause_s=PAUSE_S[strategy], typing_s=_typing_s(text, card.language))

    return next_line


def file_script(script: Script) -> NextLine:
    lines = iter(script.lines)
    return lambda _move: next(lines, None)


def play(card: PersonaCard, next_line: NextLine, *, renderer: TemplateRenderer, rubric: Rubric, seed: int = 0,
         session_id: str | None = None) -> dict[str, Any]:
    """Play one session; return {"transcript": DESIGN 4.1 with acts, "scorecard": 4.1b, "outcome": …}.

    Time: the trainee starts typing `pause_s` after the customer's last turn and sends
    `typing_s` later; the customer answers after its think delay. When the trainee's next pause
    holds the golden silence, the customer may first add to its answer at the threshold, as in
    a live session; the trainee's pause then runs from the end of that addition.
    """
    state: CustomerState = initial_state(card, seed)
    turns: list[dict[str, Any]] = []
    last_end = 0.0
    threshold = rubric.silence_threshold_s
    move: CustomerMove | None = None

    def customer_says(before: CustomerState, after: CustomerState, chosen: CustomerMove, at: float,
                      line: str | None = None) -> CustomerState:
        """The customer's turn from `at`, or, in answer to `line` sent at `at`, after its think time."""
        nonlocal last_end
        rendering = renderer.render(card, before, chosen)
        start = at if line is None else at + think_delay(rendering.text, card.language, chosen.record(), line)
        end = round(start + speaking_time(rendering.text, card.language), 3)
        turns.append({"seq": len(turns) + 1, "speaker": "customer", "text": rendering.text,
                      "started_at": round(start, 3), "ended_at": end, "renderer": renderer.name,
                      "acts": chosen.record()})
        last_end = end
        return after.model_copy(update={"said": after.said + rendering.phrase_keys})

    line = next_line(None)
    while line is not None:
        if turns and line.pause_s >= threshold:
            added_state, added = silence_step(card, state)
            if added is not None:
                state = customer_says(state, added_state, added, last_end + threshold)
        typing = round(last_end + line.pause_s, 3)
        sent = round(typing + line.typing_s, 3)
        turns.append({"seq": len(turns) + 1, "speaker": "trainee", "text": line.text,
                      "typing_started_at": typing, "sent_at": sent})
        after, move = step(card, state, hear(line.text, card.language, card))
        after = after.model_copy(update={"last_seq": turns[-1]["seq"]})
        state = customer_says(state, after, move, sent, line.text)
        if move.ends:
            break  # the customer has closed the conversation
        line = next_line(move)
    transcript = {"session_id": session_id or f"sim-{card.id}-{seed}", "persona_id": card.id,
                  "language": card.language, "turns": turns}
    scorecard = grade(Transcript.model_validate(transcript), rubric, **card.grading_hints()).model_dump(mode="json")
    return {
        "transcript": transcript,
        "scorecard": scorecard,
        "outcome": {"commitment": state.granted, "revealed": list(state.revealed), "concern": state.concern,
                    "trust": state.trust, "patience": state.patience, "ended": state.ended},
    }


def simulate(card: PersonaCard, strategy: Strategy, *, renderer: TemplateRenderer, rubric: Rubric, trainee_dir: Path,
             seed: int = 0) -> dict[str, Any]:
    """A built-in strategy played through (see the module docstring)."""
    return play(card, strategy_script(card, strategy, trainee_dir), renderer=renderer, rubric=rubric, seed=seed,
                session_id=f"sim-{card.id}-{strategy}")


def simulate_script(card: PersonaCard, script: Script, *, renderer: TemplateRenderer, rubric: Rubric,
                    seed: int = 0) -> dict[str, Any]:
    """A script file played through: `peilian simulate --script FILE --seed N`."""
    return play(card, file_script(script), renderer=renderer, rubric=rubric, seed=seed)
