"""Cue tables: the YAML in rules/ compiled once into ordered rules.

A table is data, like ftfy's named fixers: each rule has an id, the label it gives, a
pattern, and the reason shown to the trainee. `<<name>>` in a pattern stands for the
table's vocabulary entry `name`, so a word list is written once and reused.
"""

import re
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path
from typing import Any

import yaml

from scoring.labeller.derived import DERIVED
from scoring.labeller.factor import factor
from scoring.labeller.prefilter import LITERALS, Pattern, Shortlist, prefiltered
from scoring.models import LABELS, TOPICS, Label, Topic
from scoring.yamlfast import SAFE_LOADER

RULES_DIR = Path(__file__).resolve().parent / "rules"
_PLACEHOLDER = re.compile(r"<<(\w+)>>")


@dataclass(frozen=True, slots=True)
class Rule:
    """One labelling rule: fires on a sentence when every condition holds."""

    id: str
    label: Label
    pattern: re.Pattern[str]
    reason: str
    where: str = "sentence"  # sentence | clause
    full: bool = False
    question: bool = True  # the sentence must read as a question
    forms: frozenset[str] = frozenset()
    every: tuple[re.Pattern[str], ...] = ()
    some: tuple[re.Pattern[str], ...] = ()
    unless: re.Pattern[str] | None = None
    topic: Topic | None = None
    pitch: bool | None = None  # None: either; True: only in a line that pitches; False: only in one that does not
    some_first: bool = False  # the `any` patterns are shorter than `pattern`, so they are searched first

    def matches(self, text: str, clause: str, forms: frozenset[str], is_question: bool, pitch: bool = False) -> bool:
        if self.question and not is_question:
            return False
        if self.pitch is not None and self.pitch != pitch:
            return False
        if self.forms and not self.forms & forms:
            return False
        if self.some_first and not any(p.search(text) for p in self.some):
            return False  # the short alternatives first: a long word list is searched only when they hold
        target = clause if self.where == "clause" else text
        hit = self.pattern.fullmatch(target) if self.full else self.pattern.search(target)
        if hit is None:
            return False
        if any(p.search(text) is None for p in self.every):
            return False
        if self.some and not self.some_first and not any(p.search(text) for p in self.some):
            return False
        return self.unless is None or self.unless.search(text) is None


@dataclass(frozen=True, slots=True)
class Cue:
    """A named pattern with a reason: topic cues, pitch cues."""

    id: str
    pattern: re.Pattern[str]
    reason: str
    topic: Topic | None = None


@dataclass(frozen=True)
class Table:
    lang: str
    fold: dict[int, str]
    patterns: dict[str, re.Pattern[str]]
    rules: tuple[Rule, ...]
    topics: tuple[Cue, ...]
    default_topic: Cue
    pitch: tuple[Cue, ...]
    reasons: dict[str, str]
    topic_names: dict[str, str]
    vocab: dict[str, str]
    typos: dict[str, str] = field(default_factory=dict)
    typo_pattern: re.Pattern[str] | None = None
    typo_keys: frozenset[int] = frozenset()  # the typos' keys (lower case) as literal ids: a line holding none is left alone

    @cached_property
    def statement_rules(self) -> tuple[Rule, ...]:
        """The rules that may fire on a sentence that asks nothing (a request put as a statement),
        in table order: the others are not even tried there."""
        return tuple(rule for rule in self.rules if not rule.question)

    @cached_property
    def shortlist(self) -> Shortlist:
        """The rules a question's sentence may fire. A rule read on the last clause is always tried:
        the clause drops fillers, so it may hold a literal its sentence does not."""
        return Shortlist([rule.pattern if rule.where == "sentence" else None for rule in self.rules])

    @cached_property
    def statement_shortlist(self) -> Shortlist:
        return Shortlist([rule.pattern if rule.where == "sentence" else None for rule in self.statement_rules])

    @cached_property
    def topic_shortlist(self) -> Shortlist:
        return Shortlist([cue.pattern for cue in self.topics])

    @cached_property
    def pitch_shortlist(self) -> Shortlist:
        return Shortlist([cue.pattern for cue in self.pitch])

    def fix_typos(self, text: str) -> str:
        """Common chat misspellings (因该 -> 应该, 你门 -> 你们) and regional forms (你哋 -> 你们, 好伐 -> 好吗) read as the word meant."""
        if self.typo_pattern is None:
            return text
        if self.typo_keys.isdisjoint(LITERALS.found(text.lower())) and "İ" not in text and "ı" not in text:
            return text  # no key in any case (İ and ı are the letters `re` takes for i that lower() leaves apart)
        kept = self.patterns.get("typo_kept")  # where a key is a word of its own ("next wed" is Wednesday)
        kept = getattr(kept, "regex", kept)  # the regex itself: it is matched at a position, prefiltered or not

        def fix(m: re.Match[str]) -> str:
            # tried only where a key matched (its lookbehinds see the text before it): every line pays
            # for the typo scan, not for a second one
            return m.group() if kept is not None and kept.match(text, m.start()) else self.typos[m.group().lower()]
        return self.typo_pattern.sub(fix, text)


class TableError(ValueError):
    """A cue table that does not compile; names the file and the entry."""


class _TableLoader(SAFE_LOADER):  # type: ignore[valid-type,misc]
    """YAML as the tables are read: a key written twice in one entry is an error (plain YAML would
    keep the second and silently drop the first, an `unless` or a `pattern` lost)."""


def _mapping(loader: _TableLoader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise TableError(f"{loader.name}: line {key_node.start_mark.line + 1}: {key!r} is written twice")
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_TableLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


def unique_ids(ids: list[str], where: str) -> None:
    """A rule's id names it on the scorecard and keys its advice: two rules may not share one."""
    seen: set[str] = set()
    for rule_id in ids:
        if rule_id in seen:
            raise TableError(f"{where}: the id {rule_id!r} is given to two entries")
        seen.add(rule_id)


def read_table(path: Path) -> Any:
    """A cue table's YAML, refusing a key written twice in one entry."""
    loader = _TableLoader(path.read_text(encoding="utf-8"))
    loader.name = str(path)  # libyaml's parser does not keep the file's name for the messages
    try:
        return loader.get_single_data()  # a safe loader: no arbitrary objects
    finally:
        loader.dispose()


def _expand(source: str, vocab: dict[str, str], where: str) -> str:
    def sub(m: re.Match[str]) -> str:
        if m.group(1) not in vocab:
            raise TableError(f"{where}: unknown vocabulary <<{m.group(1)}>>")
        return vocab[m.group(1)]

    for _ in range(4):
        if "<<" not in source:
            break
        source = _PLACEHOLDER.sub(sub, source)
    return source


def compile_pattern(source: Any, vocab: dict[str, str], where: str) -> Pattern:
    """A table's pattern, its word lists written as tries, checked first for the literals its matches need."""
    if not isinstance(source, str):
        raise TableError(f"{where}: expected a pattern string")
    try:
        worked = DERIVED.get(_expand(source, vocab, where))
        return prefiltered(worked.factored, worked.needs, worked.parts, worked.longest)
    except re.error as exc:
        raise TableError(f"{where}: {exc}") from exc


def _fold_table(pairs: str) -> dict[int, str]:
    chars = [c for c in pairs if not c.isspace()]
    if len(chars) % 2:
        raise TableError("traditional: the table must hold pairs of characters")
    if any(c.isascii() for c in chars[::2]):  # clean() leaves a plain-ASCII line unfolded
        raise TableError("traditional: only Chinese characters are folded, not ASCII")
    return {ord(chars[i]): chars[i + 1] for i in range(0, len(chars), 2)}


def _rule(raw: dict[str, Any], lang: str, vocab: dict[str, str], where: str) -> Rule:
    label = raw.get("label")
    if label not in LABELS:
        raise TableError(f"{where}.label: {label!r} is not one of {', '.join(LABELS)}")
    topic = raw.get("topic")
    if topic is not None and topic not in TOPICS:
        raise TableError(f"{where}.topic: {topic!r} is not one of {', '.join(TOPICS)}")
    return Rule(
        id=f"{lang}.{raw['id']}",
        label=label,
        pattern=(pattern := compile_pattern(raw.get("pattern"), vocab, f"{where}.pattern")),
        reason=str(raw.get("reason", "")),
        where=raw.get("where", "sentence"),
        full=bool(raw.get("full", False)),
        question=bool(raw.get("question", True)),
        forms=frozenset(raw.get("forms", ())),
        every=tuple(compile_pattern(p, vocab, f"{where}.all") for p in raw.get("all", ())),
        some=(some := tuple(compile_pattern(p, vocab, f"{where}.any") for p in raw.get("any", ()))),
        some_first=bool(some) and sum(len(p.pattern) for p in some) < len(pattern.pattern),
        unless=compile_pattern(raw["unless"], vocab, f"{where}.unless") if raw.get("unless") else None,
        topic=topic,
        pitch=raw.get("pitch"),
    )


def _cue(raw: dict[str, Any], prefix: str, vocab: dict[str, str], where: str) -> Cue:
    topic = raw.get("topic")
    if topic is not None and topic not in TOPICS:
        raise TableError(f"{where}.topic: {topic!r} is not one of {', '.join(TOPICS)}")
    return Cue(f"{prefix}.{raw['id']}", compile_pattern(raw.get("pattern", "(?!)"), vocab, f"{where}.pattern"),
               str(raw.get("reason", "")), topic)


def _typo_pattern(typos: dict[str, str]) -> re.Pattern[str] | None:
    """Longest first; a Latin word matches whole and in any case (Wouldnt, wouldnt), a Chinese
    string anywhere. The whole words share one \\b…\\b and are written as a trie: every line is
    read through this pattern, and word by word alternatives each with their own \\b cost an
    English line about 20 µs."""
    if not typos:
        return None
    keys = sorted(typos, key=len, reverse=True)
    is_word = {k: k.isascii() and k[0].isalnum() and k[-1].isalnum() for k in keys}
    words = [k for k in keys if is_word[k]]

    def one(key: str) -> str:
        if not key.isascii():
            return re.escape(key)
        return ("\\b" if key[0].isalnum() else "") + re.escape(key) + ("\\b" if key[-1].isalnum() else "")
    parts = [one(k) for k in keys if not is_word[k]]  # first: "w/" before the word "w"
    if words:  # keys are lower case and distinct, so no two first letters match alike in any case
        parts.append("\\b(?:" + factor("|".join(re.escape(w) for w in words)) + ")\\b")
    return re.compile("|".join(parts), re.IGNORECASE)


@cache
def load_table(lang: str) -> Table:
    """The compiled table for `lang` (zh or en), read once per process."""
    path = RULES_DIR / f"{lang}.yaml"
    data = read_table(path)
    name = path.name
    vocab = {k: str(v) for k, v in (data.get("vocab") or {}).items()}
    patterns = {k: compile_pattern(v, vocab, f"{name}: patterns.{k}") for k, v in (data.get("patterns") or {}).items()}
    rules = tuple(_rule(r, lang, vocab, f"{name}: rules[{i}]") for i, r in enumerate(data["rules"]))
    topics = tuple(_cue(t, f"{lang}.explore", vocab, f"{name}: topics[{i}]") for i, t in enumerate(data["topics"]))
    pitch = tuple(_cue(p, f"{lang}.statement", vocab, f"{name}: pitch[{i}]") for i, p in enumerate(data["pitch"]))
    unique_ids([*(r.id for r in rules), *(c.id for c in topics), *(c.id for c in pitch)], name)
    typos = {str(k): str(v) for k, v in {**(data.get("typos") or {}), **(data.get("dialect") or {})}.items()}
    typo_pattern = _typo_pattern(typos)
    DERIVED.save()
    return Table(
        lang=lang,
        fold=_fold_table(data.get("traditional", "")),
        patterns=patterns,
        rules=rules,
        topics=topics,
        default_topic=_cue(data["default_topic"], f"{lang}.explore", vocab, f"{name}: default_topic"),
        pitch=pitch,
        reasons={k: str(v) for k, v in data["reasons"].items()},
        topic_names={k: str(v) for k, v in data["topic_names"].items()},
        vocab=vocab,
        typos=typos,
        typo_pattern=typo_pattern,
        typo_keys=LITERALS.register(frozenset(typos)),
    )


@cache
def fold_table() -> dict[int, str]:
    """Traditional to simplified, applied to every line whatever its language (mixed text)."""
    return load_table("zh").fold
