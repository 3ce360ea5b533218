""""Try this turn again" (重练这一轮): a new practice session that starts just before one trainee
turn of an earlier session, with the customer in the same state, so the trainee can say that
line differently.

The engine keeps no history of its states, only the latest, so the state before the turn is
rebuilt: the earlier trainee lines go through the engine again from the session's seed, exactly
as the live session took them in (the lines sent before each reply together, a held silence's
addition where the transcript has one), with the phrase-bank entries each templated reply used.
The engine is deterministic, so this is the state the customer was in; each rebuilt reply's acts
are checked against the stored ones, and a session the engine would no longer play the same way
(the card or the rules changed since) is refused rather than restored to something else.
"""

from typing import Any

from app.engine.hearing import hear
from app.engine.personas import PersonaCard
from app.engine.state import CustomerMove, CustomerState, initial_state
from app.engine.step import silence_step, step_lines
from app.renderers.template import TemplateRenderer


class CannotRestore(ValueError):
    """The earlier turns cannot be played back to the state they left (`code` names why)."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        super().__init__(message)


def state_before(card: PersonaCard, seed: int, turns: list[dict[str, Any]], seq: int,
                 renderer: TemplateRenderer) -> CustomerState:
    """The customer's state just before trainee turn `seq`, from the transcript turns (DESIGN 4.1, with acts)."""
    state = initial_state(card, seed)
    waiting: list[dict[str, Any]] = []  # trainee lines the customer has not answered yet
    for turn in turns:
        if turn["seq"] >= seq:
            break
        if turn["speaker"] == "trainee":
            waiting.append(turn)
            continue
        acts = turn.get("acts")
        if acts is None:
            raise CannotRestore("no_acts", f"customer turn {turn['seq']} has no recorded decisions")
        move: CustomerMove | None
        if waiting:
            after, move = step_lines(card, state, [hear(t["text"], card.language, card) for t in waiting])
            after = after.model_copy(update={"last_seq": waiting[-1]["seq"]})
            waiting = []
        else:  # a customer turn after a customer turn: what a held silence added
            after, move = silence_step(card, state)
        if move is None or move.record() != acts:
            raise CannotRestore("engine_changed",
                                f"customer turn {turn['seq']} no longer follows from the turns before it")
        keys = renderer.render(card, state, move).phrase_keys if turn.get("renderer") == renderer.name else ()
        state = after.model_copy(update={"said": after.said + keys})
    return state
