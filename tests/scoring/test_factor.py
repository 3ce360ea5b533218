"""Patterns rewritten as tries match exactly as written: the same spans, at the same places.

Random patterns are built from the pieces the cue tables use (words, one-of groups, classes,
optional parts, word boundaries, lookbehinds, nested groups) and matched against random texts
over the same few characters, so that partial and overlapping matches are common.
"""

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.labeller.factor import factor

CHARS = "ab您你 ,"
word = st.text(alphabet="ab您你", min_size=1, max_size=4)


def _pattern(depth: int) -> st.SearchStrategy[str]:
    atom = st.one_of(
        word,
        st.sampled_from(["(?:您|你)", "[ab]", "[^,]", "\\b", "(?<!a)", "(?<=你)", "a+", "b?", ".", "\\w*", "x{0,2}", "^", "$"]),
    )
    if depth > 0:
        atom = st.one_of(atom, _pattern(depth - 1).map(lambda p: f"(?:{p})"),
                         _pattern(depth - 1).map(lambda p: f"(?:{p})?"))
    alternative = st.lists(atom, min_size=0, max_size=4).map("".join)
    return st.lists(alternative, min_size=1, max_size=6).map("|".join)


def _same(source: str, texts: list[str]) -> None:
    plain, rewritten = re.compile(source), re.compile(factor(source))
    for text in texts:
        a, b = plain.search(text), rewritten.search(text)
        assert (a and a.span()) == (b and b.span()), (source, factor(source), text)
        assert bool(plain.fullmatch(text)) == bool(rewritten.fullmatch(text)), (source, text)
        assert plain.sub("#", text) == rewritten.sub("#", text), (source, factor(source), text)


# Drawing a nested pattern costs far more than matching it: fewer patterns, each against more texts.
@settings(max_examples=200, deadline=None)
@given(_pattern(2), st.lists(st.text(alphabet=CHARS, max_size=10), min_size=4, max_size=16))
def test_rewritten_patterns_match_alike(source: str, texts: list[str]) -> None:
    _same(source, texts)


def test_word_lists_become_tries() -> None:
    assert factor("预算|预计|费用") == "预(?:算|计)|费用"
    assert factor("(?:您|你)看|(?:您|你)说") == "您(?:看|说)|你(?:看|说)"


def test_every_alternative_starts_with_a_character_where_it_can() -> None:
    """A word boundary or a lookbehind moves behind the first character, so `re` can skip every
    position where no alternative could start."""
    assert factor("\\bfoo|\\bbar") == "f(?<!\\wf)oo|b(?<!\\wb)ar"
    assert factor("(?<!那)我们|你们") == "我(?<!那我)们|你们"
    _same("\\bfoo|\\bbar|(?<!那)我们", ["foo", "a foo", "afoo", "bar", "那我们", "我们", "foobar"])


def test_patterns_it_cannot_read_are_left_alone() -> None:
    assert factor("(?i)ab|ac") == "(?i)ab|ac"
    assert factor("a)b|c") == "a)b|c"
