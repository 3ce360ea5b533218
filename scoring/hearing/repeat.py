"""Near-identical lines: the same question asked again in barely different words.

Both the customer (it earns nothing and costs patience) and the grader (no credit, a
deduction) treat a repeated question alike (DESIGN 2.2b). Lines are compared on their
character pairs, punctuation and spaces removed, so "预算多少?" and "预算是多少" match and
"What's your budget?" / "what is your budget" do too.
"""

import re
from functools import lru_cache

_NOT_WORD = re.compile(r"[\W_]+")
SIMILAR = 0.8


def normal(text: str) -> str:
    """A line without punctuation or spaces, lower case: what two askings are compared on."""
    return _NOT_WORD.sub("", text.lower())


def similar(a: str, b: str, threshold: float = SIMILAR) -> bool:
    """Whether two normalised lines share most of their character pairs."""
    if a == b:
        return bool(a)
    if not a or not b:
        return False
    pairs_a, pairs_b = pairs(a), pairs(b)
    small, large = sorted((len(pairs_a), len(pairs_b)))
    if small < threshold * large:
        return False  # the shared pairs are at most the smaller set, the union at least the larger
    return len(pairs_a & pairs_b) / len(pairs_a | pairs_b) >= threshold


@lru_cache(maxsize=4096)
def pairs(text: str) -> frozenset[str]:
    """A normalised line's character pairs; kept, because each line is compared with every
    earlier one of its session."""
    return frozenset(text[i:i + 2] for i in range(len(text) - 1)) or frozenset({text})
