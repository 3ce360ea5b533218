"""A prefiltered pattern answers exactly as the pattern does; it only skips searches that must fail.

Random patterns are built from the pieces the cue tables use (words, one-of groups, classes,
repeats, optional parts, word boundaries, lookarounds, nested alternations) and matched against
random texts over the same few characters. Every match must hold one of the literals `required`
names, and the prefiltered pattern must give the same spans, full matches, substitutions and
splits. The real cue tables are then checked on the corpus lines.
"""

import csv
import re
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scoring.hearing import tables
from scoring.labeller.engine import analyse
from scoring.labeller.prefilter import LITERALS, Branches, Prefiltered, Shortlist, branches, prefiltered, required
from scoring.labeller.table import load_table

CHARS = "ab您你 ,x"
word = st.text(alphabet="ab您你x", min_size=1, max_size=4)
DATA = Path(__file__).resolve().parent.parent / "data"


def _pattern(depth: int) -> st.SearchStrategy[str]:
    atom = st.one_of(
        word,
        st.sampled_from(["(?:您|你)", "[ab]", "[a-c]", "[^,]", "\\b", "(?<!a)", "(?=你)", "(?!b)", "a+", "b?",
                         "ab{1,3}", "x*?", ".", "\\w*", "\\s", "x{0,2}", "^", "$"]),
    )
    if depth > 0:
        inner = _pattern(depth - 1)
        # a repeated group is tried on fixed examples below: random ones that can match nothing make
        # `re` itself backtrack for minutes
        atom = st.one_of(atom, inner.map(lambda p: f"(?:{p})"), inner.map(lambda p: f"(?:{p})?"))
    alternative = st.lists(atom, min_size=0, max_size=4).map("".join)
    return st.lists(alternative, min_size=1, max_size=6).map("|".join)


def _same(regex: re.Pattern[str], filtered: Prefiltered, text: str) -> None:
    a, b = regex.search(text), filtered.search(text)
    assert (a and a.span()) == (b and b.span()), (regex.pattern, text)
    assert bool(regex.match(text)) == bool(filtered.match(text)), (regex.pattern, text)
    assert bool(regex.fullmatch(text)) == bool(filtered.fullmatch(text)), (regex.pattern, text)
    assert regex.sub("#", text) == filtered.sub("#", text), (regex.pattern, text)
    assert regex.split(text) == filtered.split(text), (regex.pattern, text)
    assert [m.span() for m in regex.finditer(text)] == [m.span() for m in filtered.finditer(text)]


# Drawing a nested pattern costs far more than matching it: fewer patterns, each against more texts.
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(_pattern(2), st.lists(st.text(alphabet=CHARS, max_size=12), min_size=8, max_size=30))
def test_every_match_holds_a_required_literal_and_the_answers_are_the_patterns(source: str, texts: list[str]) -> None:
    regex = re.compile(source)
    needs = required(regex)
    for text in texts:
        for m in regex.finditer(text):
            assert needs is None or any(literal in m.group() for literal in needs), (source, needs, m.group())
    if needs is not None:
        filtered = Prefiltered(regex, LITERALS.register(needs))
        for text in texts:
            _same(regex, filtered, text)


def _same_spans(regex: re.Pattern[str], cut: Branches, text: str) -> None:
    for method in ("search", "match", "fullmatch"):
        a, b = getattr(regex, method)(text), getattr(cut, method)(text)
        assert (a and a.span()) == (b and b.span()), (method, regex.pattern, text)
    for replacement in ("#", "", "<\\g<0>>"):  # the last refers to the match: the whole pattern substitutes
        assert regex.sub(replacement, text) == cut.sub(replacement, text), (regex.pattern, text)
    assert regex.split(text) == cut.split(text), (regex.pattern, text)
    assert [m.span() for m in regex.finditer(text)] == [m.span() for m in cut.finditer(text)]


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(_pattern(2), st.lists(st.text(alphabet=CHARS, max_size=12), min_size=8, max_size=30))
def test_a_pattern_searched_by_its_alternatives_answers_as_the_pattern(source: str, texts: list[str]) -> None:
    """Cut into its top-level alternatives (those of an alternative that is one group taken in its place),
    each searched only where its literals are, a pattern gives the same leftmost match (the earliest
    alternative among equals), full match, substitutions and splits."""
    regex = re.compile(source)
    parts = branches(regex)
    if parts is None:
        return
    assert re.sub(r"\(\?:|\)", "", "|".join(part for part, _, _ in parts)) == re.sub(r"\(\?:|\)", "", source)
    cut = prefiltered(source + "(?:)" * 20, None, parts)  # long enough to be cut
    assert isinstance(cut, Branches)
    for text in texts:
        _same_spans(regex, cut, text)


def test_alternatives_are_cut_where_a_search_tries_them_in_earnest() -> None:
    """Alternatives that start with a known character (or at the start) stay together: `re` passes
    over them cheaply. One that starts with a lookbehind, a word boundary or a wide class is a part
    of its own; a named group keeps its name in its part; numbered groups and folded case are not cut."""
    regex = re.compile(r"您看|你看|(?<![不没])能(?:不能|否)[^,]{0,8}吗|^至于[^,]*$|,(?P<w>谁|哪)[^,]{0,6}(?P=w)")
    assert branches(regex) == (("您看|你看", frozenset({"您看", "你看"}), 2),
                               ("(?<![不没])能(?:不能|否)[^,]{0,8}吗", frozenset({"能不能", "能否"}), 12),
                               ("^至于[^,]*$|,(?P<w>谁|哪)[^,]{0,6}(?P=w)", frozenset({"至于", ",谁", ",哪"}), None))
    cut = prefiltered(regex.pattern, required(regex), branches(regex))
    for text in ("您看行吗", "这个能不能再便宜点吗", "至于价格", "好的,谁去谁负责", "还有别的吗", ""):
        _same_spans(regex, cut, text)
    assert cut.search("好的,谁去谁负责").group("w") == "谁"
    assert branches(re.compile(r"([ab])x\1|\sy")) is None
    assert branches(re.compile(r"(?i)\bhello|\sworld")) is None
    assert branches(re.compile(r"预算|费用|价格")) is None  # one part: searched whole
    wrapped = re.compile(r"(?:您看|你看)|(?:(?<![不没])能(?:不能|否)|\s+可以吗)")  # a group's alternatives are the pattern's
    assert [part for part, _, _ in branches(wrapped)] == ["您看|你看", "(?<![不没])能(?:不能|否)", "\\s+可以吗"]


def test_a_worry_that_must_land_on_the_customer_needs_one_of_its_words_and_one_of_the_landings() -> None:
    """The best requirement is the one whose shortest word is longest: here, the landing."""
    regex = re.compile(r"\b(?:worr\w*|concern\w*|risk\w*).{0,60}(?:you personally|on your desk)")
    assert required(regex) == {"you personally", "on your desk"}
    assert required(re.compile("[您你]们?(?:觉得|认为)")) == {f"{a}{b}{c}" for a in "您你" for b in ("", "们")
                                                           for c in ("觉得", "认为")}
    assert required(re.compile(r"ok(?:ay)?$")) == {"ok", "okay"}
    assert required(re.compile(r"(?:\w+ ){1,4}went wrong")) == {"went wrong"}
    assert required(re.compile(r"\bfoo(?=x)(?<!y)bar$")) == {"foobar"}  # lookarounds and anchors match no text
    repeated = re.compile(r"(?:foo|bar){1,3}baz|(?:qux){2}")
    assert required(repeated) == {"baz", "qux"}
    filtered = Prefiltered(repeated, LITERALS.register(required(repeated)))
    for text in ("foobarbaz", "barbaz", "baz", "quxqux", "qux", "foobar", "fobaz", ""):
        _same(repeated, filtered, text)


def test_what_it_cannot_know_it_does_not_require() -> None:
    assert required(re.compile(r"\w+")) is None
    assert required(re.compile(r"a|\w")) is None  # one alternative needs nothing
    assert required(re.compile(r"(?i)hello")) is None  # case folded: the literal may be spelt otherwise
    assert required(re.compile(r"(?i:he)llo")) == {"llo"}
    assert required(re.compile(r"x?y*")) is None
    short = prefiltered("预算|费用", frozenset({"预算", "费用"}))
    assert isinstance(short, re.Pattern) and short.pattern == "预算|费用"  # a short pattern is searched at once


def _corpus_texts(limit: int) -> list[tuple[str, str]]:
    texts: set[tuple[str, str]] = set()
    for lang in ("zh", "en"):
        with open(DATA / f"labels_{lang}.tsv", encoding="utf-8", newline="") as fh:
            rows = list(csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))[1:limit]
        for row in rows:
            if not row or not row[0].strip():
                continue
            a = analyse(row[0], lang)
            texts.update((lang, t) for t in (a.text, a.text.lower()))
            texts.update((lang, t) for s in a.sentences for t in (s.text, s.clause, s.text.lower()))
    return sorted(texts)


def test_the_cue_tables_answer_as_their_regexes_on_the_corpus_lines() -> None:
    """Most long patterns of the labeller and the hearing get a requirement, and on the corpus lines
    (their sentences, clauses and lower-cased forms) each answers exactly as its regex."""
    texts = _corpus_texts(400)
    for lang in ("zh", "en"):
        table, heard = load_table(lang), tables(lang)
        patterns = [*table.patterns.values(), *(r.pattern for r in table.rules), *(c.pattern for c in table.topics),
                    *(c.pattern for c in heard.subjects + heard.steps + heard.moves)]
        long = [p for p in patterns if len(p.pattern) >= 40]
        filtered = [p for p in long if isinstance(p, (Prefiltered, Branches))]
        assert len(filtered) >= 0.9 * len(long), (lang, len(filtered), len(long))
        assert sum(isinstance(p, Branches) for p in filtered) > 0.1 * len(filtered)
        skipped = 0
        for pattern in filtered:
            for text_lang, text in texts:
                if text_lang != lang:
                    continue
                a, b = pattern.regex.search(text), pattern.search(text)
                assert (a and a.span()) == (b and b.span()), (pattern.pattern[:80], text)
                skipped += pattern._cannot_match(text) if isinstance(pattern, Prefiltered) else not pattern._live(text)
        lines = sum(1 for t in texts if t[0] == lang)
        assert skipped > 0.5 * len(filtered) * lines  # most searches never reach the regex


def test_a_text_read_before_a_pattern_was_compiled_is_read_again_for_its_literals() -> None:
    """A card's cues are compiled after lines were read: their literals must not be missed in a line
    whose literals were looked up before."""
    text = "我们想先请您安排一次现场勘查可以吗"
    early = prefiltered("(?:预算|费用|价格)[^,]{0,20}(?:多少|怎么样|高不高|贵不贵)",
                        frozenset({"预算", "费用", "价格"}))
    assert early.search(text) is None  # the text is read once for the literals known so far
    late = prefiltered("(?:安排一次|约一次)现场(?:勘查|调研|考察)[^,]{0,10}(?:可以吗|行吗|好吗)",
                       required(re.compile("(?:安排一次|约一次)现场(?:勘查|调研|考察)[^,]{0,10}(?:可以吗|行吗|好吗)")))
    assert isinstance(late, Prefiltered)
    assert late.search(text) is not None



def test_a_shortlist_holds_every_pattern_that_matches_in_order_and_few_that_cannot() -> None:
    """The labeller's rules and the hearing's subject cues are tried only from their shortlist: on the
    corpus sentences every pattern that matches is on it, in table order, and most that cannot are not."""
    texts = _corpus_texts(400)
    for lang in ("zh", "en"):
        table, heard = load_table(lang), tables(lang)
        lists = [[r.pattern for r in table.rules], [c.pattern for c in heard.subjects]]
        for patterns in lists:
            shortlist = Shortlist([*patterns, None])
            listed = 0
            for text_lang, text in texts:
                if text_lang != lang:
                    continue
                picked = shortlist.of(text)
                assert picked == sorted(set(picked))
                assert len(patterns) in picked  # None (nothing known of it) is always tried
                assert {i for i, p in enumerate(patterns) if p.search(text)} <= set(picked), text
                listed += len(picked)
            lines = sum(1 for t in texts if t[0] == lang)
            assert listed < 0.5 * len(patterns) * lines  # most are never tried


def test_a_shortlist_of_several_texts_holds_every_pattern_that_matches_one_of_them() -> None:
    """A line's step and move cues are tried on the whole line and on its question: the shortlist of
    both texts holds every cue that matches either, and is the union of the two shortlists."""
    texts = _corpus_texts(400)
    for lang in ("zh", "en"):
        heard = tables(lang)
        patterns = [c.pattern for c in (*heard.steps, *heard.moves, *heard.subjects)]
        shortlist = Shortlist(patterns)
        same_lang = [text for text_lang, text in texts if text_lang == lang]
        for first, second in zip(same_lang, same_lang[1:]):
            picked = shortlist.of_any([first, second])
            assert picked == sorted(set(shortlist.of(first)) | set(shortlist.of(second)))
            assert {i for i, p in enumerate(patterns) if p.search(first) or p.search(second)} <= set(picked)
        assert shortlist.of_any([]) == shortlist.of("")  # no text: only the patterns always tried
