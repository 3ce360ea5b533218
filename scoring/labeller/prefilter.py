"""The literal text any match of a pattern must contain, so most searches are answered without the regex.

A cue table's patterns are long (a word list, up to sixty characters of anything, another word
list), and `re` tries them at every position of a line: a pattern that cannot match costs as much
as one that does. Most lines hold none of the words a given pattern needs. Like RE2's prefilter,
`required` works out from the parsed pattern a short list of literal strings one of which every
match contains ("you", "desk", "board" for a worry that must land on the customer); a line
holding none of them cannot match, and `Prefiltered.search` says so with one scan for those
literals. The answer is always the regex's own: the prefilter only skips searches that would fail.
"""

import re
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import product
from operator import itemgetter

import ahocorasick

try:  # the parser `re` itself uses; without it (a future Python) patterns are searched as they are
    from re import _constants as _c
    from re import _parser
except ImportError:  # pragma: no cover
    _parser = None

_EXACT_MOST = 64  # a node's finite set of matched strings is kept up to this many strings
_SET_MOST = 1000  # a requirement of more strings than this is not worth checking first
_SHORTEST = 40  # a pattern shorter than this is searched at once
_CLASS_MOST = 8  # a character class of up to this many characters is a set of one-character strings


@dataclass(frozen=True, slots=True)
class _Info:
    """What a parsed node matches: `exact`, every string it can match when there are few; and
    `needs`, requirements each of which is a set of strings at least one of which any match holds."""

    exact: frozenset[str] | None
    needs: tuple[frozenset[str], ...] = ()

    def requirements(self) -> tuple[frozenset[str], ...]:
        """Its requirements, the exact set among them (unless it may match the empty string)."""
        if self.exact is not None and "" not in self.exact:
            return (*self.needs, self.exact)
        return self.needs


_NOTHING_KNOWN = _Info(None)
_EMPTY = _Info(frozenset({""}))


def _best(needs: tuple[frozenset[str], ...]) -> frozenset[str] | None:
    """The requirement that rules out most lines: its shortest string longest, then the fewest strings.
    A long word list is still one scan for a trie of its words."""
    usable = [n for n in needs if n and "" not in n and len(n) <= _SET_MOST]
    if not usable:
        return None
    return max(usable, key=lambda n: (min(map(len, n)), -len(n)))


def _sequence(items: list) -> _Info:
    """Nodes matched one after another: a run of nodes with few strings each is multiplied out
    while it stays few; where the run breaks, the strings it matched so far become a requirement."""
    run: frozenset[str] = frozenset({""})
    needs: list[frozenset[str]] = []
    whole = True  # the run was never broken: the sequence's strings are known exactly
    literal = ""  # plain characters not yet added to the run (most of a word list is plain characters)
    for op, value in items:
        if op is _c.LITERAL:
            literal += chr(value)
            continue
        if literal:
            run, literal = frozenset(a + literal for a in run), ""
        info = _node(op, value)
        needs.extend(info.needs)
        if info.exact is not None and len(run) * len(info.exact) <= _EXACT_MOST:
            run = frozenset(a + b for a, b in product(run, info.exact))
            continue
        whole = False
        if "" not in run:
            needs.append(run)
        run = info.exact if info.exact is not None else frozenset({""})
    if literal:
        run = frozenset(a + literal for a in run)
    if whole:
        return _Info(run, tuple(needs))
    if "" not in run:
        needs.append(run)
    return _Info(None, tuple(needs))


def _branch(alternatives: list) -> _Info:
    """One of several: each requirement must come from every alternative, so the best one of each is joined."""
    infos = [_sequence(list(a)) for a in alternatives]
    if all(i.exact is not None for i in infos) and sum(len(i.exact) for i in infos) <= _EXACT_MOST:  # type: ignore[arg-type]
        return _Info(frozenset().union(*(i.exact for i in infos)))  # type: ignore[arg-type]
    joined: set[str] = set()
    for info in infos:
        best = _best(info.requirements())
        if best is None:
            return _NOTHING_KNOWN
        joined |= best
    return _Info(None, (frozenset(joined),))


def _class(items: list) -> _Info:
    chars: set[str] = set()
    for op, value in items:
        if op is _c.LITERAL:
            chars.add(chr(value))
        elif op is _c.RANGE and value[1] - value[0] < _CLASS_MOST:
            chars.update(chr(c) for c in range(value[0], value[1] + 1))
        else:  # a negation, a category (\w, \d), a wide range
            return _NOTHING_KNOWN
    return _Info(frozenset(chars)) if len(chars) <= _CLASS_MOST else _NOTHING_KNOWN


def _node(op: object, value: object) -> _Info:  # noqa: C901 - one branch per kind of node
    if op is _c.LITERAL:
        return _Info(frozenset({chr(value)}))
    if op is _c.IN:
        return _class(value)
    if op in (_c.AT, _c.ASSERT, _c.ASSERT_NOT):
        return _EMPTY  # zero width: it adds nothing to the text matched
    if op is _c.SUBPATTERN:
        _, add_flags, del_flags, body = value
        if (add_flags | del_flags) & (_c.SRE_FLAG_IGNORECASE | _c.SRE_FLAG_LOCALE):
            return _NOTHING_KNOWN
        return _sequence(list(body))
    if op is _c.BRANCH:
        return _branch(value[1])
    if op in (_c.MAX_REPEAT, _c.MIN_REPEAT, getattr(_c, "POSSESSIVE_REPEAT", None)):
        low, high, body = value
        info = _sequence(list(body))
        if low == 0:  # optional: x? is x or nothing; more than once is anything
            return _Info(info.exact | {""}) if high == 1 and info.exact is not None else _EMPTY if high == 0 else _Info(None)
        if low == high == 1:
            return info
        return _Info(None, info.requirements())
    if op is getattr(_c, "ATOMIC_GROUP", None):
        return _sequence(list(value))
    return _NOTHING_KNOWN  # any character, a back-reference, a conditional group


def required(pattern: re.Pattern[str]) -> frozenset[str] | None:
    """Strings one of which every match of `pattern` contains, or None when there are none worth checking."""
    if _parser is None or pattern.flags & (re.IGNORECASE | re.LOCALE):
        return None
    try:
        info = _sequence(list(_parser.parse(pattern.pattern, pattern.flags)))
    except (re.error, RecursionError):  # pragma: no cover - the pattern compiled, so it parses
        return None
    return _best(info.requirements())


class _Literals:
    """Every literal some pattern needs, in one Aho-Corasick automaton: a text is scanned once for
    all of them, and each pattern then asks only whether one of its own was among those found."""

    def __init__(self) -> None:
        self._ids: dict[str, int] = {}
        self._automaton: ahocorasick.Automaton | None = None
        self.seen: dict[str, frozenset[int]] = {}  # the literals in a text, for the texts read lately
        self._lock = threading.Lock()

    def register(self, literals: frozenset[str]) -> frozenset[int]:
        """The ids of `literals`, adding the new ones (the automaton is rebuilt on the next scan)."""
        with self._lock:
            for literal in literals:
                if literal not in self._ids:
                    self._ids[literal] = len(self._ids)
                    self._automaton = None
                    self.seen = {}  # a text read before holds none of the new literals in its entry
            return frozenset(self._ids[literal] for literal in literals)

    def _built(self) -> ahocorasick.Automaton:
        with self._lock:
            if self._automaton is None:
                automaton = ahocorasick.Automaton(ahocorasick.STORE_INTS)
                for literal, index in self._ids.items():
                    automaton.add_word(literal, index)
                automaton.make_automaton()
                self._automaton = automaton
            return self._automaton

    def cache_clear(self) -> None:
        """Forget the texts read so far (as `functools.lru_cache` does): the benchmark's cold run."""
        self.seen = {}

    def found(self, text: str) -> frozenset[int]:
        """The ids of the registered literals that occur in `text` (overlapping ones included)."""
        seen = self.seen  # a registration meanwhile replaces the dict: an entry read with the old automaton goes with it
        hit = seen.get(text)
        if hit is None:
            automaton = self._automaton if self._automaton is not None else self._built()
            hit = frozenset(map(_SECOND, automaton.iter(text))) if text else frozenset()
            if len(seen) >= _TEXTS_KEPT:
                seen = self.seen = {}
            seen[text] = hit
        return hit


_TEXTS_KEPT = 4096
_SECOND = itemgetter(1)  # the literal's id of an automaton hit (end, id)
LITERALS = _Literals()


@dataclass(frozen=True, slots=True)
class Prefiltered:
    """A compiled pattern that first checks for the literals its matches need: the same answers, faster."""

    regex: re.Pattern[str]
    needs: frozenset[int]  # ids of the literals one of which every match holds

    @property
    def pattern(self) -> str:
        return self.regex.pattern

    def _cannot_match(self, text: str) -> bool:
        found = LITERALS.seen.get(text)  # inline, as in `search`: most texts were scanned already
        return self.needs.isdisjoint(LITERALS.found(text) if found is None else found)

    def search(self, text: str) -> re.Match[str] | None:
        # the hottest call of grading: the text's literals are looked up inline, not through two calls
        found = LITERALS.seen.get(text)
        if found is None:
            found = LITERALS.found(text)
        return None if self.needs.isdisjoint(found) else self.regex.search(text)

    def match(self, text: str) -> re.Match[str] | None:
        return None if self._cannot_match(text) else self.regex.match(text)

    def fullmatch(self, text: str) -> re.Match[str] | None:
        return None if self._cannot_match(text) else self.regex.fullmatch(text)

    def sub(self, replacement: str, text: str) -> str:
        return text if self._cannot_match(text) else self.regex.sub(replacement, text)

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        return iter(()) if self._cannot_match(text) else self.regex.finditer(text)

    def split(self, text: str) -> list[str]:
        return [text] if self._cannot_match(text) else self.regex.split(text)


Pattern = re.Pattern[str] | Prefiltered


def prefiltered(regex: re.Pattern[str], needs: frozenset[str] | None) -> Pattern:
    """`regex` with `needs`, the literals one of which its every match holds, checked first; or
    `regex` itself when none are known, or when it is so short that the check would cost about
    what the search does."""
    if needs is None or len(regex.pattern) < _SHORTEST:
        return regex
    return Prefiltered(regex, LITERALS.register(needs))


class Shortlist:
    """Which patterns of a list can match a text, in list order, from one look at the literals the
    text holds: a table of rules scanned for every sentence skips the rules it cannot fire without
    a call each. A pattern with nothing required (or None) is always on the list."""

    __slots__ = ("_always", "_by_literal", "_literals")

    def __init__(self, patterns: Sequence[Pattern | None]) -> None:
        by_literal: dict[int, list[int]] = {}
        always = []
        for position, pattern in enumerate(patterns):
            if isinstance(pattern, Prefiltered):
                for literal in pattern.needs:
                    by_literal.setdefault(literal, []).append(position)
            else:
                always.append(position)
        self._always = frozenset(always)
        self._by_literal = {literal: tuple(positions) for literal, positions in by_literal.items()}
        self._literals = frozenset(by_literal)

    def of(self, text: str) -> list[int]:
        """The positions of the patterns that may match `text` (a superset of those that do)."""
        return self._picked(LITERALS.found(text))

    def of_any(self, texts: Iterable[str]) -> list[int]:
        """The positions of the patterns that may match one of `texts` (a line read as a whole and
        as its question: a cue tried on either)."""
        return self._picked(frozenset().union(*map(LITERALS.found, texts)))

    def _picked(self, found: frozenset[int]) -> list[int]:
        picked = set(self._always)
        for literal in self._literals.intersection(found):
            picked.update(self._by_literal[literal])
        return sorted(picked)
