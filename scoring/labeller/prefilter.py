"""The literal text any match of a pattern must contain, so most searches are answered without the regex.

A cue table's patterns are long (a word list, up to sixty characters of anything, another word
list), and `re` tries them at every position of a line: a pattern that cannot match costs as much
as one that does. Most lines hold none of the words a given pattern needs. Like RE2's prefilter,
`required` works out from the parsed pattern a short list of literal strings one of which every
match contains ("you", "desk", "board" for a worry that must land on the customer); a line
holding none of them cannot match, and `Prefiltered.search` says so with one scan for those
literals. A pattern of many alternatives, each needing its own words, is searched by its
alternatives (`branches`, `Branches`): only those whose literals the line holds are tried. A text
longer than the longest match cannot match whole (`longest`). The answer is always the regex's
own: the prefilter only skips searches that would fail.
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


def _top_level(source: str) -> tuple[list[str], bool]:
    """`source` cut at the bars that are in no group or character class (its top-level alternatives),
    and whether the whole of it is one group, its first parenthesis closing at its end."""
    out: list[str] = []
    depth, start, i, in_class, one_group = 0, 0, 0, False, source.startswith("(")
    while i < len(source):
        char = source[i]
        if char == "\\":
            i += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
            i += 1 + (source[i + 1:i + 2] == "^")  # a ] first in a class is one of its characters
            i += source[i:i + 1] == "]"
            continue
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0 and i < len(source) - 1:
                one_group = False
        elif char == "|" and depth == 0:
            out.append(source[start:i])
            start = i + 1
        i += 1
    out.append(source[start:])
    return out, one_group


def _alternatives(source: str) -> list[str]:
    """The top-level alternatives of `source`, those of an alternative that is one plain group
    ("(?:A|B)|C", as the trie writing leaves a word list) taken in its place: at each position `re`
    tries A, B and C in that order either way."""
    out = []
    for alternative in _top_level(source)[0]:
        inner = _alternatives(alternative[3:-1]) if alternative.startswith("(?:") and _top_level(alternative)[1] else []
        out += inner if len(inner) > 1 else [alternative]
    return out


def longest(pattern: re.Pattern[str]) -> int | None:
    """The most characters a match of `pattern` can hold (None: no bound): a longer text cannot match whole."""
    if _parser is None:  # pragma: no cover
        return None
    return _most(_parser.parse(pattern.pattern, pattern.flags))


def _most(parsed: object) -> int | None:
    most = parsed.getwidth()[1]  # type: ignore[attr-defined]
    return most if most < _c.MAXREPEAT else None


Part = tuple[str, frozenset[str] | None, int | None]  # an alternative's source, the literals it needs, its longest match
Parts = tuple[Part, ...]


def branches(pattern: re.Pattern[str]) -> Parts | None:
    """A top-level alternation cut into parts searched one by one, each with the literals its matches
    need: a cue table's pattern is often a dozen constructions joined by bars, each needing its own
    words, and `re` tries every one at every position of a line, while a line holds the words of one
    or two at most. Consecutive alternatives that need nothing stay together as one part. None when
    the pattern is one alternative, has numbered groups (their numbers would change), or is folded."""
    if _parser is None or pattern.groups > len(pattern.groupindex) or pattern.flags & (re.IGNORECASE | re.LOCALE | re.VERBOSE):
        return None  # numbered groups would be numbered otherwise in a part; a named one keeps its name
    sources = _alternatives(pattern.pattern)
    if len(sources) < 2:
        return None
    parts: list[tuple[str, frozenset[str] | None, int | None, bool]] = []
    for source in sources:
        try:
            parsed = _parser.parse(source, pattern.flags)
        except re.error:  # a part that refers to a group another part names
            return None
        needs, most = _best(_sequence(list(parsed)).requirements()), _most(parsed)
        quick = _quick_start(list(parsed))
        if parts and (quick and parts[-1][3] or needs is None and parts[-1][1] is None):
            before, before_needs, before_most, before_quick = parts[-1]
            joined = None if needs is None or before_needs is None else before_needs | needs
            most = None if most is None or before_most is None else max(most, before_most)
            parts[-1] = (before + "|" + source, joined, most, quick and before_quick)
        else:
            parts.append((source, needs, most, quick))
    return tuple(part[:3] for part in parts) if len(parts) > 1 else None


def _quick_start(items: list) -> bool:
    """Whether every match starts with one of a few known characters (a literal, a small class) or
    at the start of the text: `re` passes over a position where such an alternative cannot start at
    once, so a run of them costs little searched together; one that starts with a lookaround, a
    word boundary or a wide class is tried in earnest at every position."""
    while items:
        op, value = items[0]
        if op is _c.LITERAL or op is _c.AT and value is _c.AT_BEGINNING:
            return True
        if op is _c.IN:
            return all(o is _c.LITERAL or o is _c.RANGE for o, _ in value)
        if op is _c.SUBPATTERN:
            items = list(value[3])
        elif op is _c.BRANCH:
            return all(_quick_start(list(alternative)) for alternative in value[1])
        else:
            return False
    return False


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
    longest: int | None = None  # the most characters a match holds (None: no bound)

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
        if self.longest is not None and len(text) > self.longest or self._cannot_match(text):
            return None
        return self.regex.fullmatch(text)

    def sub(self, replacement: str, text: str) -> str:
        return text if self._cannot_match(text) else self.regex.sub(replacement, text)

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        return iter(()) if self._cannot_match(text) else self.regex.finditer(text)

    def split(self, text: str) -> list[str]:
        return [text] if self._cannot_match(text) else self.regex.split(text)


class Branches:
    """A top-level alternation whose alternatives are searched apart, each only where the literals it
    needs are (`branches`): the same answers as the whole pattern, from the alternatives that can match.
    A search takes the leftmost of their matches, the earliest alternative among equals, as `re` does.
    The whole pattern is compiled only when a substitution, split or iteration first needs it."""

    __slots__ = ("pattern", "flags", "parts", "needs", "_whole")

    def __init__(self, source: str, flags: int, parts: Parts) -> None:
        self.pattern, self.flags, self._whole = source, flags, None
        self.parts = tuple((re.compile(part, flags), None if needs is None else LITERALS.register(needs), most)
                           for part, needs, most in parts)  # in order; needs None: needs nothing
        every = [needs for _, needs, _ in self.parts]
        # the literals the parts need, all together (None when a part needs none)
        self.needs: frozenset[int] | None = None if None in every else frozenset().union(*every)

    @property
    def regex(self) -> re.Pattern[str]:
        if self._whole is None:
            self._whole = re.compile(self.pattern, self.flags)
        return self._whole

    def _live(self, text: str) -> list[tuple[re.Pattern[str], frozenset[int] | None, int | None]]:
        found = LITERALS.seen.get(text)
        if found is None:
            found = LITERALS.found(text)
        if self.needs is not None and self.needs.isdisjoint(found):
            return []  # most texts: no alternative can match
        return [part for part in self.parts if part[1] is None or not part[1].isdisjoint(found)]

    def search(self, text: str) -> re.Match[str] | None:
        best = None
        for regex, _, _ in self._live(text):
            hit = regex.search(text)
            if hit is not None and (best is None or hit.start() < best.start()):
                if not hit.start():
                    return hit  # no later alternative starts earlier
                best = hit
        return best

    def match(self, text: str) -> re.Match[str] | None:
        return next((hit for regex, _, _ in self._live(text) if (hit := regex.match(text)) is not None), None)

    def fullmatch(self, text: str) -> re.Match[str] | None:
        size = len(text)
        return next((hit for regex, _, most in self._live(text)
                     if (most is None or size <= most) and (hit := regex.fullmatch(text)) is not None), None)

    def sub(self, replacement: str, text: str) -> str:
        live = self._live(text)
        if not live:
            return text
        if self.needs is None or "\\" in replacement:
            return self.regex.sub(replacement, text)  # a part may match nothing, or the text refers to groups
        pieces, done = [], 0  # each match holds a literal, so none is empty: leftmost first, on from its end
        while True:
            hit = None
            for regex, _, _ in live:
                found = regex.search(text, done)
                if found is not None and (hit is None or found.start() < hit.start()):
                    hit = found
            if hit is None:
                return "".join(pieces) + text[done:]
            pieces += (text[done:hit.start()], replacement)
            done = hit.end()

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        return self.regex.finditer(text) if self._live(text) else iter(())

    def split(self, text: str) -> list[str]:
        return self.regex.split(text) if self._live(text) else [text]


Pattern = re.Pattern[str] | Prefiltered | Branches


def prefiltered(source: str, needs: frozenset[str] | None, parts: Parts | None = None, most: int | None = None,
                flags: int = 0) -> Pattern:
    """The pattern `source` with `needs`, the literals one of which its every match holds, checked
    first (and `most`, the longest match, before a full match), or its alternatives `parts`
    (`branches`) each searched only where the literals it needs are; a plain compiled pattern when
    nothing is known, or when it is so short that the check would cost about what the search does."""
    if len(source) >= _SHORTEST and parts:
        return Branches(source, flags, parts)
    regex = re.compile(source, flags)
    if needs is None or len(source) < _SHORTEST:
        return regex
    return Prefiltered(regex, LITERALS.register(needs), most)


class Shortlist:
    """Which patterns of a list can match a text, in list order, from one look at the literals the
    text holds: a table of rules scanned for every sentence skips the rules it cannot fire without
    a call each. A pattern with nothing required (or None) is always on the list."""

    __slots__ = ("_always", "_by_literal", "_literals")

    def __init__(self, patterns: Sequence[Pattern | None]) -> None:
        by_literal: dict[int, list[int]] = {}
        always = []
        for position, pattern in enumerate(patterns):
            if isinstance(pattern, (Prefiltered, Branches)) and pattern.needs is not None:
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
        hits = self._literals.intersection(found)
        if not hits:
            return sorted(self._always)  # most texts: only the patterns always tried
        picked = set(self._always)
        for literal in hits:
            picked.update(self._by_literal[literal])
        return sorted(picked)
