"""Repeated questions and farmed "tell me more" (DESIGN 2.2b): lines that earn nothing.

From the words: a question in near-identical words to an earlier one, or of the same type on
the same subject unless it takes up what the customer said since (a narrower follow-up); an
extension prompt straight after another, with no new question between them. From the engine's record too, when there is one: the lines the customer turned
away as repeats.
"""

from dataclasses import dataclass

from scoring.hearing import hear_line
from scoring.hearing.content import pieces, shares
from scoring.hearing.repeat import normal, similar
from scoring.models import LineLabel, Turn

_ASKING = ("exploratory", "control", "confirmation")


@dataclass(frozen=True)
class Repeats:
    questions: frozenset[int]  # trainee lines asking again what was asked before
    farmed: frozenset[int]  # extension prompts past the one a subject earns


def _from_acts(turns: list[Turn], labels: dict[int, LineLabel]) -> Repeats:
    questions, farmed = set(), set()
    asker: Turn | None = None
    for turn in turns:
        if turn.speaker == "trainee":
            asker = turn
            continue
        if asker is None:
            continue
        if any(a.get("kind") == "deflect" and a.get("reason") == "repeat" for a in turn.acts or []):
            (farmed if labels[asker.seq].label == "extension" else questions).add(asker.seq)
    return Repeats(frozenset(questions), frozenset(farmed))


def _builds_on(turn: Turn, turns: list[Turn], since: int, lang: str) -> bool:
    """Whether a question on a subject already asked takes up what the customer said since (由宽到窄:
    "前年那套是卡在哪儿没用起来的" after "前年那家…没人用"): a narrower question built on the answer, not
    the same question again."""
    own = pieces(turn.text, lang)
    said = frozenset().union(*(pieces(t.text, lang) for t in turns
                               if t.speaker == "customer" and since < t.seq < turn.seq))
    return shares(own, said, lang)


def _from_text(turns: list[Turn], labels: dict[int, LineLabel], lang: str) -> Repeats:
    questions, farmed = set(), set()
    seen: list[str] = []
    asked: dict[tuple[str, str], int] = {}  # a type of question on a subject: the seq it was last asked at
    previous: str | None = None
    for turn in turns:
        if turn.speaker != "trainee":
            continue
        label = labels[turn.seq].label
        if label == "extension":
            if previous == "extension":
                farmed.add(turn.seq)
        elif label in _ASKING:
            text = normal(turn.text)
            heard = hear_line(turn.text, lang)
            subject = heard.subject
            if heard.steps or subject == "concern":  # working through a concern is not asking again
                previous = label
                continue
            key = (label, subject) if subject and label != "confirmation" else None
            if any(similar(text, other) for other in seen) or (
                    key is not None and key in asked and not _builds_on(turn, turns, asked[key], lang)):
                questions.add(turn.seq)
            seen.append(text)
            if key is not None:
                asked[key] = turn.seq
        previous = label
    return Repeats(frozenset(questions), frozenset(farmed))


def read(turns: list[Turn], labels: dict[int, LineLabel], lang: str, from_acts: bool) -> Repeats:
    """A repeat is a repeat whatever the customer made of it: with a record, the lines it turned
    away as repeats and those the words show (a hostile customer may have turned them away for
    another reason)."""
    said = _from_text(turns, labels, lang)
    if not from_acts:
        return said
    recorded = _from_acts(turns, labels)
    return Repeats(said.questions | recorded.questions, said.farmed | recorded.farmed)
