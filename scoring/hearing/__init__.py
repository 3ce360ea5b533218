"""What a trainee line does beyond its label (DESIGN 2.2, 2.2b).

The labeller says what kind of line it is (exploratory, confirmation, …). The customer also
has to know *what* was asked (the subject: budget, timing, …), which concern-handling steps
the line takes (explore the objection, handle the emotion, dig out the concern, confirm it is
gone, test a false objection), what else it does (ask for another person, withdraw, reflect,
calm things down, insult), whether it proposes something, and which numbers and names it
claims. All of it is read from cue tables, `hearing/zh.yaml` and `hearing/en.yaml`, on the
labeller's own reading of the line, so the engine and the grader hear the same thing.

    hear_line(text, lang) -> Heard
    SUBJECTS: the subjects of `hearing/subjects.yaml`, by id
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache, cached_property, lru_cache
from pathlib import Path
from typing import Any

from scoring.hearing import claims
from scoring.hearing.claims import Number
from scoring.labeller.engine import Analysis, analyse
from scoring.labeller.derived import DERIVED
from scoring.labeller.prefilter import Shortlist
from scoring.labeller.table import TableError, compile_pattern, load_table, read_table
from scoring.models import LineLabel

HEARING_DIR = Path(__file__).resolve().parent
STEPS: tuple[str, ...] = ("explore", "emotion", "dig", "confirm", "test")
MOVES: tuple[str, ...] = ("referral", "withdraw", "reflect", "calm", "rude", "inducement", "kickback")
# escapes and character classes, where ^ and $ anchor nothing
_ESCAPES_AND_CLASSES = re.compile(r"\\[^AZ]|\[(?:\\.|[^\]])*\]")


def _anchored(source: str) -> bool:
    """Whether a pattern anchors at the start or end of the text (^, $, \\A, \\Z outside a class)."""
    bare = _ESCAPES_AND_CLASSES.sub("", source)
    return any(anchor in bare for anchor in ("^", "$", "\\A", "\\Z"))


@dataclass(frozen=True, slots=True)
class Subject:
    id: str
    category: str
    fact: bool
    falls_to: tuple[str, ...]
    names: dict[str, str]
    near: tuple[str, ...] = ()
    spoken: dict[str, str] | None = None  # how the customer says it; the shown name when not given

    def said(self, lang: str) -> str:
        return (self.spoken or self.names)[lang]


@cache
def subjects() -> dict[str, Subject]:
    """The subjects of hearing/subjects.yaml, in file order."""
    raw = read_table(HEARING_DIR / "subjects.yaml")
    out = {}
    for key, value in raw.items():
        out[key] = Subject(key, value["category"], bool(value.get("fact")), tuple(value.get("falls_to", ())),
                           {"zh": value["zh"], "en": value["en"]}, tuple(value.get("near", ())),
                           {"zh": value["say_zh"], "en": value["say_en"]} if "say_zh" in value else None)
    for subject in out.values():
        for target in subject.falls_to + subject.near:
            if target not in out or not out[target].fact:
                raise TableError(f"subjects.yaml: {subject.id}: {target!r} is not a fact subject")
    return out


@dataclass(frozen=True, slots=True)
class _Cue:
    id: str
    value: str
    pattern: re.Pattern[str]
    where: str  # asked: the line's question (last clause first) | sentence: its whole sentence first | line: anywhere
    unless: re.Pattern[str] | None = None
    weak: bool = False  # a subject cue tried only when no other cue names a subject anywhere in the question
    free: bool = False  # not anchored: found in a clause, it is found in the sentence holding the clause

    def found_in(self, text: str, context: str = "") -> bool:
        """Found in the text, and `unless` found neither there nor in its context (the sentence a
        clause belongs to: "如果要往前推进,您觉得卡在哪里" is not a business obstacle)."""
        if self.pattern.search(text) is None:
            return False
        return self.unless is None or (self.unless.search(text) is None and self.unless.search(context) is None)


@dataclass(frozen=True)
class Tables:
    lang: str
    subjects: tuple[_Cue, ...]
    steps: tuple[_Cue, ...]
    moves: tuple[_Cue, ...]
    proposal: re.Pattern[str]
    person: re.Pattern[str] | None
    asks: re.Pattern[str] | None = None  # a sentence the labeller did not take as a question, but it asks
    request: re.Pattern[str] | None = None  # a commitment request that asks for an action, not about a subject
    no_subject: re.Pattern[str] | None = None  # a sentence that asks about no subject (offer, put-down, summary)
    # small talk (the customer's family, holidays, a colleague's free afternoons): a line holding it asks about
    # the deal only where its asking sentence names the deal (DESIGN 2.2b: it draws none of the deal's facts)
    small_talk: re.Pattern[str] | None = None
    on_the_deal: re.Pattern[str] | None = None
    # a flat denial (从来不, never): a summary saying it of what was told turns it round
    denial: re.Pattern[str] | None = None
    press: re.Pattern[str] | None = None  # asks for the yes again on a new condition (如果…您愿意吗, would you be willing)
    # a question of a bare word or two ("预算?", "Timeline?"): clear enough to answer, too thin to open up for
    terse: re.Pattern[str] | None = None
    rise: re.Pattern[str] | None = None  # a change upward (涨, increase) and downward (降, cut): a summary that turns
    fall: re.Pattern[str] | None = None  # the customer's direction round (涨价 for 降本) misstates it
    fold: tuple[tuple[re.Pattern[str], str], ...] = ()  # colloquial forms read as standard ones (啥 → 什么, r u → are you)
    # words of the other language read as this one's (Budget 这块 → 预算这块): one pattern for all of them,
    # tried only on a text with Latin letters in it
    words: re.Pattern[str] | None = None
    word_for: dict[str, str] = field(default_factory=dict)

    @cached_property
    def strong_subjects(self) -> tuple[_Cue, ...]:
        return tuple(c for c in self.subjects if not c.weak)

    @cached_property
    def weak_subjects(self) -> tuple[_Cue, ...]:
        return tuple(c for c in self.subjects if c.weak)

    @cached_property
    def shortlists(self) -> tuple[Shortlist, Shortlist]:
        """For the strong and the weak subject cues, the ones a text may hold: a cue read on the
        question itself is tried only where its literals are (one read on the sentence or the whole
        line is always tried)."""
        return tuple(Shortlist([c.pattern if c.where == "asked" else None for c in cues])  # type: ignore[return-value]
                     for cues in (self.strong_subjects, self.weak_subjects))

    @cached_property
    def step_and_move_shortlists(self) -> tuple[Shortlist, Shortlist]:
        """For the step and the move cues, the ones a line may hold: a cue none of whose literals is
        in the line or its question is not read at all."""
        return Shortlist([c.pattern for c in self.steps]), Shortlist([c.pattern for c in self.moves])

    @cached_property
    def _any_fold(self) -> re.Pattern[str] | None:
        """One search for all the fold patterns: a text none of them matches is left as it is,
        unchanged by the loop (a fold applies only where an earlier fold or the text made a match)."""
        if not self.fold:
            return None
        return re.compile("|".join(f"(?:{pattern.pattern})" for pattern, _ in self.fold))

    def folded(self, text: str) -> str:
        if self._any_fold is not None and self._any_fold.search(text):
            for pattern, replacement in self.fold:
                text = pattern.sub(replacement, text)
        if self.words is not None and _LATIN.search(text):
            text = self.words.sub(lambda m: self.word_for[m.group(1).lower()], text)
        return text


def _cues(raw: list[dict[str, Any]], kind: str, allowed: set[str], vocab: dict[str, str], where: str) -> list[_Cue]:
    out = []
    for i, item in enumerate(raw):
        value = item.get(kind)
        if value not in allowed:
            raise TableError(f"{where}[{i}].{kind}: {value!r} is not one of {', '.join(sorted(allowed))}")
        unless = item.get("unless")
        where_read = item.get("in", "asked" if kind in ("subject", "step") else "line")
        if where_read not in ("asked", "sentence", "line") or (where_read == "sentence" and kind != "subject"):
            raise TableError(f"{where}[{i}].in: {where_read!r} is not asked, line (or sentence, for subjects)")
        pattern = compile_pattern(item.get("pattern"), vocab, f"{where}[{i}].pattern")
        out.append(_Cue(
            id=f"{where.split(':')[0].removesuffix('.yaml')}.{kind}.{value}.{i}",
            value=value,
            pattern=pattern,
            where=where_read,
            weak=bool(item.get("weak")),
            free=not _anchored(pattern.pattern),
            unless=compile_pattern(unless, vocab, f"{where}[{i}].unless") if unless else None,
        ))
    return out


_LATIN = re.compile(r"[A-Za-z]")


def _words_pattern(words: dict[str, str]) -> re.Pattern[str]:
    """One pattern for the other language's words, longest first, the spaces around them taken too."""
    alternatives = "|".join(re.escape(w).replace(r"\ ", r"\s?") for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"\s*(?<![A-Za-z])({alternatives})(?![A-Za-z])\s*", re.IGNORECASE)


@cache
def tables(lang: str) -> Tables:
    """The compiled hearing cues for zh or en, read once per process."""
    path = HEARING_DIR / f"{lang}.yaml"
    data = read_table(path)
    vocab = {**load_table(lang).vocab, **{k: str(v) for k, v in (data.get("vocab") or {}).items()}}
    name = path.name
    person = vocab.get("person")

    def optional(key: str) -> re.Pattern[str] | None:
        return compile_pattern(data[key], vocab, f"{name}: {key}") if data.get(key) else None

    compiled = Tables(
        lang=lang,
        subjects=tuple(_cues(data["subjects"], "subject", set(subjects()), vocab, f"{name}: subjects")),
        steps=tuple(_cues(data["steps"], "step", set(STEPS), vocab, f"{name}: steps")),
        moves=tuple(_cues(data["moves"], "move", set(MOVES), vocab, f"{name}: moves")),
        proposal=compile_pattern(data["proposal"], vocab, f"{name}: proposal"),
        person=compile_pattern(person, vocab, f"{name}: vocab.person") if person else None,
        asks=optional("asks"),
        request=optional("request"),
        no_subject=optional("no_subject"),
        small_talk=optional("small_talk"),
        on_the_deal=optional("on_the_deal"),
        denial=optional("denial"),
        press=optional("press"),
        terse=optional("terse"),
        rise=optional("rise"),
        fall=optional("fall"),
        fold=tuple((compile_pattern(str(k), vocab, f"{name}: fold"), str(v))
                   for k, v in (data.get("fold") or {}).items()),
        words=_words_pattern(words) if (words := {str(k).lower(): str(v) for k, v in (data.get("words") or {}).items()})
        else None,
        word_for=words,
    )
    DERIVED.save()
    return compiled


@dataclass(frozen=True)
class Heard:
    """One trainee line as the customer hears it."""

    label: LineLabel
    lang: str  # the language the line is written in
    text: str  # cleaned (folded, simplified), lower-case in English: what card cues are matched against
    subject: str | None
    subject_rule: str | None
    steps: frozenset[str]
    moves: frozenset[str]
    proposal: bool
    asked: tuple[str, ...]  # where the question is (last clause first), for card cues that must be asked
    read: str = ""  # the line as the cue tables read it (colloquial and other-language words folded)
    terse: bool = False  # a question of a bare word or two ("预算?", "Budget?")
    cleaned: str = ""  # the line as the labeller cleaned it, its case kept: where figures and names are read

    # Figures and names are read when first asked for: the customer engine checks a summary's figures
    # and names against what it told; grading never looks at them.
    @cached_property
    def numbers(self) -> tuple[Number, ...]:
        return claims.numbers(self.cleaned, self.lang)

    @cached_property
    def names(self) -> tuple[str, ...]:
        return claims.names(self.cleaned, self.lang, tables(self.lang).person)


def _asked(analysis: Analysis, table: Tables, fold: Callable[[str], str]) -> list[str]:
    """Where the line asks, most telling first: the labeller's reading (last clause of the deciding
    question, that sentence, earlier questions), preceded by a later sentence that plainly asks
    although the labeller did not take it as a question ("您给我介绍一下…吧", "是什么原因导致的",
    "Tell me how things are going"). A line with no question at all is read this way too."""
    asked = [fold(t) for t in analysis.asked_texts()]
    if table.asks is None:
        return asked
    start = 0 if analysis.asked is None else analysis.asked + 1
    for s in reversed(analysis.sentences[start:]):
        text = fold(s.text)
        if not s.rhetorical and table.asks.search(table.folded(text)):
            return [fold(s.clause), text] + asked
    return asked


def _clause_in_sentence(asked: list[str]) -> bool:
    """Whether the last clause asked is part of the deciding sentence (and not the whole of it):
    then a free cue absent from the sentence is absent from the clause, and one found in the clause
    is found in the sentence."""
    return len(asked) > 1 and asked[0] != asked[1] and asked[0] in asked[1]


def _subject(asked: list[str], whole: str, table: Tables, nested: bool) -> tuple[str | None, str | None]:
    """The first subject cue (in table order) found in the last clause, else the sentence, else
    earlier questions. When the deciding sentence asks about no one subject (an offer, a
    put-down, a summary) the line has none; such an earlier question is skipped. A cue marked
    `in: sentence` reads the deciding sentence from the start (a construction spanning it,
    "您提到价格偏高,是跟预算比,还是跟别家比?", outranks a topic word in its last clause); one
    marked `in: line` reads the whole line ("负责人是谁?我想约他聊聊"), even when nothing in it
    was asked. Cues marked `weak` (a bare count, a bare "how is it") are
    tried only when no other cue names a subject anywhere in the question."""
    if not asked:
        for cue in table.subjects:
            if cue.where == "line" and cue.found_in(whole):
                return cue.value, cue.id
        return None, None
    sentence = asked[1] if len(asked) > 1 else asked[0]
    if table.no_subject is not None and table.no_subject.search(sentence):
        return None, None  # the deciding sentence asks about no one subject: neither do the ones before
    absent: set[str] = set()  # free cues not in the deciding sentence, so not in its last clause either
    # which texts to read: a one-clause sentence once; an earlier question that asks about no one subject not at
    # all (the deciding sentence, asked[1], was checked above)
    read = [not (i == 1 and text == asked[0]) and not (i > 1 and table.no_subject is not None
                                                       and table.no_subject.search(text))
            for i, text in enumerate(asked)]
    for cues, shortlist in zip((table.strong_subjects, table.weak_subjects), table.shortlists):
        for i, text in enumerate(asked):
            if not read[i]:
                continue
            context = sentence if i == 0 else text
            for position in shortlist.of(text):
                cue = cues[position]
                if cue.where == "asked" and nested and i < 2 and cue.free:
                    if cue.id in absent or (i == 0 and cue.pattern.search(sentence) is None):
                        absent.add(cue.id)
                        continue
                if cue.where == "asked":
                    found = cue.found_in(text, context)
                elif cue.where == "sentence":  # read on the deciding sentence at the clause (i == 1 reads it again)
                    found = i != 1 and cue.found_in(sentence if i == 0 else text)
                else:
                    found = i == 0 and cue.found_in(whole)
                if found:
                    return cue.value, cue.id
    return None, None


def _small_talk(asked: list[str], whole: str, table: Tables) -> bool:
    """Whether the line makes small talk ("您孩子今年高考吧,目标是哪所大学?", "When are you taking your
    holidays?"): in its asking sentence, or elsewhere in the line when the asking sentence does not name
    the deal ("…那咱们项目的预算定了吗?" still asks)."""
    if table.small_talk is None or table.small_talk.search(whole) is None:
        return False
    sentence = asked[1] if len(asked) > 1 else asked[0] if asked else whole
    if table.small_talk.search(sentence):
        return True  # "您家装修预算定了多少?", "Who decides the snack budget at your kid's school?": private life, whatever it names
    return table.on_the_deal is None or table.on_the_deal.search(sentence) is None


def _found(cue: _Cue, asked: list[str], whole: str, nested: bool) -> bool:
    """A step or move cue: on the whole line, or on the line's question (the last clause read
    with its sentence as the context for `unless`)."""
    if cue.where != "asked":
        return cue.found_in(whole)
    skip_clause = nested and cue.free  # found in the last clause, it is found in the sentence: read that alone
    return any(cue.found_in(text, asked[1] if i == 0 and len(asked) > 1 else text)
               for i, text in enumerate(asked) if (i != 1 or text != asked[0]) and not (i == 0 and skip_clause))


def presses(heard: Heard) -> bool:
    """Whether the line asks for the yes again on a new condition (如果…您愿意吗, would you be
    willing…): read only where it matters (an arguing customer), not for every line."""
    table = tables(heard.lang)
    return table.press is not None and table.press.search(heard.read) is not None


@lru_cache(maxsize=8192)
def hear_line(text: str, lang: str) -> Heard:
    """Read one trainee line; `lang` is the session's language (a line in the other script is
    read in its own)."""
    analysis = analyse(text, lang)
    table = tables(analysis.lang)
    fold = str.lower if analysis.lang == "en" else str
    whole = fold(analysis.text)
    asked = _asked(analysis, table, fold)
    # cues read colloquial forms as standard ones; `text` and `asked` stay as cleaned, for card cues
    whole_read, asked_read = table.folded(whole), [table.folded(t) for t in asked]
    nested = _clause_in_sentence(asked_read)
    subject, rule = _subject(asked_read, whole_read, table, nested)
    if subject is not None and _small_talk(asked_read, whole_read, table):
        subject, rule = None, None
    if (subject not in (None, "other_person", "concern") and analysis.label.label == "commitment_request"
            and table.request is not None and any(table.request.search(t) for t in asked_read[:2])):
        subject, rule = None, None  # it asks the customer to do something, not about a subject
    texts = {whole_read, *asked_read}
    step_list, move_list = table.step_and_move_shortlists
    steps = frozenset(table.steps[i].value for i in step_list.of_any(texts)
                      if _found(table.steps[i], asked_read, whole_read, nested))
    moves = frozenset(table.moves[i].value for i in move_list.of_any(texts)
                      if _found(table.moves[i], asked_read, whole_read, nested))
    if "kickback" in moves:
        moves |= {"inducement"}  # money for the person is hard value too
    return Heard(
        label=analysis.label,
        lang=analysis.lang,
        text=whole,
        subject=subject,
        subject_rule=rule,
        steps=steps,
        moves=moves,
        proposal=table.proposal.search(whole_read) is not None,
        asked=tuple(asked),
        read=whole_read,
        terse=table.terse is not None and table.terse.search(whole_read.strip()) is not None,
        cleaned=analysis.text,
    )


__all__ = ["Heard", "Subject", "STEPS", "MOVES", "hear_line", "presses", "subjects", "tables"]
