"""Patterns rewritten as a trie of their alternatives, so a regex tries them by their first character.

The cue tables are long alternations (预算|预计|费用|…, \\bstupid|\\bdumb|\\byou don't…). Python's `re`
tries every alternative at every position of the text; written as a trie (预(?:算|计)|费用,
\\b(?:stupid|dumb|you don't…)) it checks one character to rule most of them out. `factor` rewrites
the source of a pattern that way without changing a single match, span or group: alternatives
are merged under a shared first atom (a literal character, or \\b) only where that keeps the
order in which `re` would try them. Two alternatives that start with different literal
characters can never both match at one position, so moving one past the other changes
nothing; past anything else (a class, a group, a word boundary, the end of a word) an
alternative never moves.
"""

import re
from dataclasses import dataclass, field
from functools import lru_cache

_SPECIAL = frozenset(".^$*+?{}[]()|\\")
_QUANTIFIERS = frozenset("*+?{")
Key = tuple[str, str]  # ("lit", a character), ("tok", "\\b") or ("set", one of some characters)
# one character of a few: [您你] or (?:您|你), written without ranges or escapes
_PLAIN = r"[^\\()\[\]|.^$*+?{}\-]"
_PLAIN_CLASS = re.compile(rf"\[{_PLAIN}+\]")
_ONE_OF = re.compile(rf"\(\?:{_PLAIN}(?:\|{_PLAIN})*\)")


@dataclass
class _Branch:
    """One way on from a node: a first atom shared by the alternatives merged under it, or an
    alternative's remainder that starts with no such atom (a leaf)."""

    key: Key | None
    text: str  # the atom as written, or the leaf's remainder
    first: frozenset[str] | None  # the characters its alternatives can start with; None: any
    rests: list[list[tuple[Key | None, str]]] = field(default_factory=list)


def factor(source: str) -> str:
    """The same pattern, its alternations written as tries. A pattern with inline flags is left
    alone: under (?i) two different first characters may match alike."""
    if "(?" in source and any(f"(?{flag}" in source for flag in "aiLmsux"):
        return source
    alternatives, end = _read_alternatives(source, 0)
    if end != len(source):
        return source  # an unbalanced ")": leave the pattern to re.compile's error
    leading = [_literal_first(atoms) for atoms in alternatives]
    if all(way is not None for way in leading):
        spelled = "|".join(_write([atoms for way in leading for atoms in way]))  # type: ignore[union-attr]
        if len(spelled) <= 2 * len(source) + 40:  # not at the price of a pattern grown past twice its size
            return spelled
    return "|".join(_write(alternatives))


_WORD = re.compile(r"\w")
_LOOKBEHIND = re.compile(rf"\(\?<([!=])({_PLAIN}+)\)")
_MOST_WAYS = 48  # an alternative spelled out in more ways than this is left as it is


def _literal_first(atoms: list[tuple[Key | None, str]]) -> list[list[tuple[Key | None, str]]] | None:
    """The alternative spelled out as alternatives that each start with a literal character, in
    the order `re` would try them, or None when it cannot be. A pattern whose every alternative
    starts with a character lets `re` skip at once the positions where none of them could start.
    [您你]X is 您X|你X; (?:A|B)X is AX|BX; \\bword is w(?<!\\ww)ord; (?<!那)我 is 我(?<!那我)."""
    if not atoms:
        return None
    (key, text), rest = atoms[0], atoms[1:]
    if key is not None and key[0] == "lit":
        return [atoms]
    if key is not None and key[0] == "set":
        chars = text[1:-1] if text.startswith("[") else text[3:-1].replace("|", "")
        return _each([[(("lit", c), c), *rest] for c in chars])
    if text == "\\b" or _LOOKBEHIND.fullmatch(text):
        ways = _literal_first(rest)
        if ways is None:
            return None
        out = []
        for way in ways:
            c = way[0][0][1]  # type: ignore[index]
            if text == "\\b":
                if not _WORD.fullmatch(c):
                    return None
                check = f"(?<!\\w{way[0][1]})"
            else:
                sign, before = _LOOKBEHIND.fullmatch(text).groups()  # type: ignore[union-attr]
                check = f"(?<{sign}{before}{way[0][1]})"
            out.append([way[0], (None, check), *way[1:]])
        return out
    optional = text.endswith("?") and not text.endswith("??") and not text.endswith("+?") and not text.endswith("*?")
    body = text[:-1] if optional else text
    if body.startswith("(?:") and body.endswith(")") and _closes_at_end(body):
        inner = _split(body[3:-1])
        if inner is None:
            return None
        ways = [a + rest for a in inner] + ([rest] if optional else [])
        return _each(ways)
    if len(text) == 2 and text[0] not in _SPECIAL and text[1] in "?+":
        one: tuple[Key | None, str] = (("lit", text[0]), text[0])
        if text[1] == "+":  # x+ is x, then x*
            return _each([[one, (None, text[0] + "*"), *rest]])
        return _each([[one, *rest], rest])  # x? is x, else nothing
    return None


def _each(ways: list[list[tuple[Key | None, str]]]) -> list[list[tuple[Key | None, str]]] | None:
    out: list[list[tuple[Key | None, str]]] = []
    for way in ways:
        spelled = _literal_first(way)
        if spelled is None:
            return None
        out.extend(spelled)
        if len(out) > _MOST_WAYS:
            return None
    return out


def _closes_at_end(group: str) -> bool:
    """Whether the "(" at the start of `group` is closed by its last character."""
    _, end = _group(group, 0)
    return end == len(group)


def _split(body: str) -> list[list[tuple[Key | None, str]]] | None:
    """A group's body as its alternatives' atoms."""
    alternatives, end = _read_alternatives(body, 0)
    return alternatives if end == len(body) else None


def _read_alternatives(s: str, i: int) -> tuple[list[list[tuple[Key | None, str]]], int]:
    """The alternatives' atoms from `i` up to an unmatched ")" or the end, and where they stop."""
    alternatives: list[list[tuple[Key | None, str]]] = []
    while True:
        atoms, i = _atoms(s, i)
        alternatives.append(atoms)
        if i < len(s) and s[i] == "|":
            i += 1
            continue
        return alternatives, i


def _alternation(s: str, i: int) -> tuple[str, int]:
    """Read a group's alternatives from `i` up to its ")"; return them as a trie."""
    alternatives, end = _read_alternatives(s, i)
    return "|".join(_write(alternatives)), end


def _atoms(s: str, i: int) -> tuple[list[tuple[Key | None, str]], int]:
    """One alternative as atoms (key, text): a plain character or \\b has a key; a class, a group,
    another escape or anything quantified has none."""
    atoms: list[tuple[Key | None, str]] = []
    while i < len(s) and s[i] not in "|)":
        ch = s[i]
        if ch == "\\":
            text, i = s[i:i + 2], i + 2
            if len(text) == 2 and not text[1].isalnum():
                key: Key | None = ("lit", text[1])
            else:
                key = ("tok", text) if text == "\\b" else None
        elif ch == "[":
            end = _class_end(s, i)
            text, i = s[i:end], end
            key = ("set", text) if _PLAIN_CLASS.fullmatch(text) else None
        elif ch == "(":
            text, i = _group(s, i)
            key = ("set", text) if _ONE_OF.fullmatch(text) else None
        elif ch in _SPECIAL:  # . ^ $, or a stray quantifier
            text, key, i = ch, None, i + 1
        else:
            text, key, i = ch, ("lit", ch), i + 1
        if i < len(s) and s[i] in _QUANTIFIERS:
            end = _quantifier_end(s, i)
            text, key, i = text + s[i:end], None, end
        atoms.append((key, text))
    return atoms, i


def _quantifier_end(s: str, i: int) -> int:
    """The index after a quantifier (*, +, ?, {m,n}) and its lazy or possessive mark."""
    if s[i] == "{":
        close = s.find("}", i)
        i = close + 1 if close != -1 else i + 1
    else:
        i += 1
    return i + 1 if i < len(s) and s[i] in "?+" else i


def _class_end(s: str, i: int) -> int:
    """The index after the "]" closing the character class that opens at `i`."""
    j = i + 1
    if j < len(s) and s[j] == "^":
        j += 1
    if j < len(s) and s[j] == "]":
        j += 1  # a "]" first in the class is a literal
    while j < len(s) and s[j] != "]":
        j += 2 if s[j] == "\\" else 1
    return j + 1


def _group(s: str, i: int) -> tuple[str, int]:
    """A group from its "(" to its ")", its body rewritten (unless it holds no pattern)."""
    end = _group_end(s, i)
    return _rewrite_group(s[i:end]), end


def _group_end(s: str, i: int) -> int:
    """The index after the ")" that closes the group opening at `i` (or the end of `s`)."""
    depth = 0
    while i < len(s):
        ch = s[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "[":
            i = _class_end(s, i)
            continue
        depth += (ch == "(") - (ch == ")")
        i += 1
        if depth == 0:
            return i
    return len(s)


@lru_cache(maxsize=4096)
def _rewrite_group(s: str) -> str:
    """A whole group, its body rewritten: the tables repeat their word lists, so each is rewritten once."""
    j = 1
    if s.startswith("?P=", j) or s.startswith("?#", j):
        return s
    if s.startswith("?", j):
        if s.startswith(("?:", "?=", "?!", "?>"), j):
            j += 2
        elif s.startswith(("?<=", "?<!"), j):
            j += 3
        elif s.startswith(("?P<", "?<"), j):
            j = s.index(">", j) + 1
        else:  # inline flags: left alone by `factor`
            j = s.index(")", j)
    body, end = _alternation(s, j)
    return s[:j] + body + s[end:]


_ZERO_WIDTH = ("\\b", "\\B", "^", "(?=", "(?!", "(?<=", "(?<!")


def _first(atoms: list[tuple[Key | None, str]]) -> frozenset[str] | None:
    """The character an alternative must start with, past any word boundary or lookaround;
    None when it may start with others (a class, a group, an optional atom, nothing at all)."""
    for key, text in atoms:
        if text.startswith(_ZERO_WIDTH) and text[-1] not in "*+?}":
            continue
        if key is None or key[0] == "tok":
            return None
        if key[0] == "lit":
            return frozenset(key[1])
        return frozenset(key[1][1:-1] if key[1].startswith("[") else key[1][3:-1].replace("|", ""))
    return None


def _write(alternatives: list[list[tuple[Key | None, str]]]) -> list[str]:
    """Alternatives in order as a trie's branches: each goes under an earlier branch with its
    first atom when every branch after that one is exclusive with it (they must start with
    other characters), else on a branch of its own."""
    branches: list[_Branch] = []
    for atoms in alternatives:
        key = atoms[0][0] if atoms else None
        first = _first(atoms)
        home = None
        if key is not None:
            for branch in reversed(branches):
                if branch.key == key:
                    home = branch
                    break
                if first is None or branch.first is None or first & branch.first:
                    break
        if home is None:
            home = _Branch(key, atoms[0][1] if key is not None else "".join(t for _, t in atoms), first)
            branches.append(home)
        elif home.first is not None:
            home.first = None if first is None else home.first | first
        if key is not None:
            home.rests.append(atoms[1:])
    return [_branch(b) for b in branches]


def _branch(branch: _Branch) -> str:
    if branch.key is None:
        return branch.text
    rests = _write(branch.rests)
    if len(rests) == 1:
        return branch.text + rests[0]
    if rests[-1] == "" and "" not in rests[:-1]:
        return f"{branch.text}(?:{'|'.join(rests[:-1])})?"  # longer words first, then the end: greedy
    if rests[0] == "" and "" not in rests[1:]:
        return f"{branch.text}(?:{'|'.join(rests[1:])})??"  # the end first, then the longer words: lazy
    return f"{branch.text}(?:{'|'.join(rests)})"
