"""Near-identical lines: the same question asked again in barely different words.

Both the customer (it earns nothing and costs patience) and the grader (no credit, a
deduction) treat a repeated question alike (DESIGN 2.2b). Lines are compared on their
character pairs, punctuation and spaces removed, so "预算多少?" and "预算是多少" match and
"What's your budget?" / "what is your budget" do too.
"""

import re

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
    pairs_a = {a[i:i + 2] for i in range(len(a) - 1)} or {a}
    pairs_b = {b[i:i + 2] for i in range(len(b) - 1)} or {b}
    return len(pairs_a & pairs_b) / len(pairs_a | pairs_b) >= threshold
