"""How alike the customer sounds across sessions: the share of its turns that repeat, word for word,
a turn of an earlier session of the same script with another seed (DESIGN 5: at most a quarter)."""

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Variety:
    turns: int  # customer turns of the sessions after the first
    repeated: int  # of those, the ones said word for word in an earlier session

    @property
    def share(self) -> float:
        return self.repeated / self.turns if self.turns else 0.0

    def __add__(self, other: "Variety") -> "Variety":
        return Variety(self.turns + other.turns, self.repeated + other.repeated)


def repeated_turns(sessions: Iterable[list[str]]) -> Variety:
    """`sessions`: the customer's turns of one script played with different seeds, in order."""
    seen: set[str] = set()
    turns = repeated = 0
    for index, session in enumerate(sessions):
        if index:
            turns += len(session)
            repeated += sum(text in seen for text in session)
        seen.update(session)
    return Variety(turns, repeated)
