"""One line to one label: clean, split into sentences, label the last question.

The customer answers the last thing asked, so the last sentence that is a question (or an
invitation such as 您接着说 / Tell me more) decides; a line with none is a statement.
Standalone tags ("…。对吗?") join the sentence before them so they judge what it says.
"""

import re
from dataclasses import dataclass
from functools import lru_cache

from scoring.labeller import en, zh
from scoring.labeller.table import Cue, Rule, Table, fold_table, load_table
from scoring.labeller.text import clean, script_of
from scoring.models import LineLabel

_ANALYSERS = {"zh": zh, "en": en}
_ENDS = re.compile(r"[。!?;\n]+|\.+(?=\s|$)")
_ABBREVIATIONS = frozenset({"dr", "mr", "mrs", "ms", "st", "vs", "etc", "prof", "jr", "sr", "no", "e.g", "i.e"})
_WORD_BEFORE = re.compile(r"([\w.]+)$")
_CLAUSES = re.compile(r"[,、:—]| - ")


@dataclass(frozen=True, slots=True)
class Sentence:
    text: str
    clause: str
    qmark: bool
    forms: frozenset[str]
    question: bool


def _pieces(text: str) -> list[tuple[str, bool]]:
    """(sentence, ended with a question mark) in order; abbreviations like Dr. do not end one."""
    out: list[tuple[str, bool]] = []
    start = 0
    for m in _ENDS.finditer(text):
        if m.group().startswith("."):
            word = _WORD_BEFORE.search(text, 0, m.start())
            if word and word.group(1).lower() in _ABBREVIATIONS:
                continue
        out.append((text[start:m.start()], "?" in m.group()))
        start = m.end()
    out.append((text[start:], False))
    return out


def sentences(text: str, table: Table) -> list[Sentence]:
    """The line's sentences with their question forms; filler-only sentences are dropped."""
    p = table.patterns
    lang = _ANALYSERS[table.lang]
    bodies: list[list] = []
    for raw, qmark in _pieces(text):
        body = lang.prepare(raw.strip(" ,、~-"), qmark)
        if qmark and bodies and p["tag_only"].fullmatch(body):
            bodies[-1] = [f"{bodies[-1][0]},{body}", True]
            continue
        body = p["fillers"].sub("", body).strip(" ,、~-")
        if body:
            bodies.append([body, qmark])
    out = []
    for body, qmark in bodies:
        forms, question = lang.analyse(body, qmark, p)
        clause = _CLAUSES.split(body)[-1].strip() or body
        clause = p["fillers"].sub("", clause).strip() or clause
        out.append(Sentence(body, clause, qmark, forms, question))
    return out


def _first_rule(s: Sentence, table: Table) -> Rule | None:
    for rule in table.rules:
        if rule.matches(s.text, s.clause, s.forms, s.question):
            return rule
    return None


def _topic(s: Sentence, table: Table) -> Cue:
    """The last clause asks last ("时间上有什么要求,预算是怎么安排的?"), so it is read first."""
    for text in (s.clause, s.text):
        for cue in table.topics:
            if cue.pattern.search(text):
                return cue
    return table.default_topic


def _pitch(parts: list[Sentence], table: Table) -> Cue | None:
    for s in parts:
        for cue in table.pitch:
            if cue.pattern.search(s.text):
                return cue
    return None


def _decide(parts: list[Sentence], table: Table) -> LineLabel:
    pitch = _pitch(parts, table)
    for s in reversed(parts):
        rule = _first_rule(s, table)
        if rule is not None and rule.label != "exploratory":
            return LineLabel(label=rule.label, topic=None, pitch=pitch is not None, rule=rule.id, reason=rule.reason)
        if rule is not None or s.question:
            cue: Cue | Rule = rule if rule is not None and rule.topic else _topic(s, table)
            topic = cue.topic or table.default_topic.topic
            reason = table.reasons["explore"].format(topic=table.topic_names[topic], why=cue.reason)
            return LineLabel(label="exploratory", topic=topic, pitch=pitch is not None, rule=cue.id, reason=reason)
    if pitch is not None:
        return LineLabel(label="statement", pitch=True, rule=pitch.id, reason=pitch.reason)
    if not parts:
        return LineLabel(label="statement", rule=f"{table.lang}.statement.filler", reason=table.reasons["filler"])
    if any("embedded" in s.forms for s in parts):
        return LineLabel(label="statement", rule=f"{table.lang}.statement.embedded", reason=table.reasons["embedded"])
    return LineLabel(label="statement", rule=f"{table.lang}.statement.plain", reason=table.reasons["statement"])


@lru_cache(maxsize=8192)
def label(text: str, lang: str) -> LineLabel:
    """Label one trainee line. `lang` is the session's language; a line written in the other
    script is read, and explained, in its own language."""
    if lang not in _ANALYSERS:
        raise ValueError(f"lang must be 'zh' or 'en', not {lang!r}")
    cleaned = clean(text, fold_table())
    table = load_table(script_of(cleaned, lang))
    return _decide(sentences(cleaned, table), table)
