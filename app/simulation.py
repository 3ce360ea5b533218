"""`peilian simulate`: a scripted trainee plays a whole session against the customer engine.

The same engine, labeller, renderer and grader as a live session, on a simulated clock:
the strategies show what the method rewards. `good` explores every topic, holds the golden
silence, confirms, then asks for commitments from high to low; `pushy` pitches and pushes
for commitment at once; `silent` asks and listens but never asks for anything.
"""

import re
from collections.abc import Generator
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from app.core.yamlio import load_yaml
from app.engine.personas import PersonaCard
from app.engine.hearing import hear
from app.engine.state import CustomerMove, CustomerState, initial_state
from app.engine.step import silence_step, step
from app.renderers.template import TemplateRenderer
from app.ws.turn import think_delay
from scoring import Rubric, Transcript, grade

Strategy = Literal["good", "pushy", "silent"]
STRATEGIES: tuple[str, ...] = ("good", "pushy", "silent")
PAUSE_S = {"good": 4.5, "pushy": 0.6, "silent": 6.0}
TOPICS = ("need", "process", "expectation", "motive")
Script = Generator[str, CustomerMove | None, None]

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


@lru_cache
def _lines(folder: Path, language: str) -> dict[str, Any]:
    return load_yaml((folder / "trainee" / f"{language}.yaml").read_text(encoding="utf-8"))


def request_form(action: str, language: str) -> str:
    """A commitment as the trainee asks for it: 'I'll bring my CFO' -> 'bring your CFO'."""
    if language == "en":
        action = re.sub(r"^I'll\s+", "", action)
    swapped = _SWAP_PATTERN[language].sub(lambda m: _SWAP[language][m.group()], action)
    return swapped.rstrip("。.")


def _good(card: PersonaCard, lines: dict[str, Any]) -> Script:
    move = yield lines["greeting"][0]
    asked = {topic: 0 for topic in TOPICS}
    extensions = 0
    for _round in range(3):
        for topic in TOPICS:
            questions = lines["explore"][topic]
            move = yield questions[asked[topic] % len(questions)]
            asked[topic] += 1
            if move is not None and move.facts:
                move = yield lines["extension"][extensions % len(lines["extension"])]
                extensions += 1
    for confirmation in lines["confirm"]:
        move = yield confirmation
    for commitment in card.commitments:
        move = yield lines["commit"][0].format(action=request_form(commitment.action, card.language))
        if move is not None and move.commitment:
            return


def _pushy(card: PersonaCard, lines: dict[str, Any]) -> Script:
    for index, commitment in enumerate(card.commitments):
        yield lines["pitch"][index % len(lines["pitch"])].format(selling=card.selling)
        yield lines["push"][index % len(lines["push"])].format(action=request_form(commitment.action, card.language))


def _silent(card: PersonaCard, lines: dict[str, Any]) -> Script:
    yield lines["greeting"][0]
    for topic in TOPICS:
        yield lines["explore"][topic][0]


SCRIPTS = {"good": _good, "pushy": _pushy, "silent": _silent}


def _typing_s(text: str, language: str) -> float:
    return round(len(text) * (0.25 if language == "zh" else 0.06), 3)


def simulate(
    card: PersonaCard, strategy: Strategy, *, renderer: TemplateRenderer, rubric: Rubric, trainee_dir: Path, seed: int = 0
) -> dict[str, Any]:
    """Play one session; return {"transcript": DESIGN 4.1, "scorecard": DESIGN 4.1b, "outcome": …}."""
    lines = {
        key: ([s.replace("{name}", card.name).replace("{selling}", card.selling) for s in value]
              if isinstance(value, list) else value)
        for key, value in _lines(trainee_dir, card.language).items()
    }
    script = SCRIPTS[strategy](card, lines)
    state: CustomerState = initial_state(card, seed)
    turns: list[dict[str, Any]] = []
    clock = 0.0
    move: CustomerMove | None = None

    def customer_says(before: CustomerState, after: CustomerState, chosen: CustomerMove, start: float) -> CustomerState:
        nonlocal clock
        rendering = renderer.render(card, before, chosen)
        end = round(start + _typing_s(rendering.text, card.language) / 2, 3)
        turns.append({"seq": len(turns) + 1, "speaker": "customer", "text": rendering.text,
                      "started_at": round(start, 3), "ended_at": end})
        clock = end
        return after.model_copy(update={"said": after.said + rendering.phrase_keys})

    while True:
        try:
            text = script.send(move) if turns else next(script)
        except StopIteration:
            break
        typing = round(clock + PAUSE_S[strategy], 3)
        sent = round(typing + _typing_s(text, card.language), 3)
        turns.append({"seq": len(turns) + 1, "speaker": "trainee", "text": text,
                      "typing_started_at": typing, "sent_at": sent})
        line = hear(text, card.language, card.motive)
        after, move = step(card, state, line)
        state = customer_says(state, after, move, sent + think_delay(text))
        if line.label != "statement" and PAUSE_S[strategy] >= rubric.silence_threshold_s:
            added_state, added = silence_step(card, state)
            if added is not None:
                state = customer_says(state, added_state, added, clock + rubric.silence_threshold_s)
    transcript = {"session_id": f"sim-{card.id}-{strategy}", "persona_id": card.id, "language": card.language,
                  "turns": turns}
    scorecard = grade(Transcript.model_validate(transcript), rubric, **card.grading_hints()).model_dump(mode="json")
    return {
        "transcript": transcript,
        "scorecard": scorecard,
        "outcome": {"commitment": state.granted, "revealed": list(state.revealed), "concern": state.concern,
                    "trust": state.trust},
    }
