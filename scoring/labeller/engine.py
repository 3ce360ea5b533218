"""One line to one label: clean, split into sentences, label the last question.

The customer answers the last thing asked, so the last sentence that is a question (or an
invitation such as 您接着说 / Tell me more) decides; a line with none is a statement.
Standalone tags ("…。对吗?") join the sentence before them so they judge what it says.
Clause structure matters too: a trailing backchannel clause ("您说,我在记" / "Go on, I'm
listening") does not end the invitation before it, and a question the rep answers at once
("为什么我们能…?因为…") is a rhetorical device, not a question to the customer.
"""

import re
from dataclasses import dataclass, replace
from functools import lru_cache

from scoring.labeller import en, zh
from scoring.labeller.model import Opinion, grams, load_asks, load_model, read_together
from scoring.labeller.table import Cue, Rule, Table, fold_table, load_table
from scoring.labeller.text import clean, script_of
from scoring.models import LABELS, LineLabel

_ANALYSERS = {"zh": zh, "en": en}
# A closing quote belongs to the sentence it ends. A space between Chinese characters is a pause
# that ends one (speech transcripts and chat: "行行行 要不您先跟他沟通沟通"; "…试洗两周 ok不"), so a trailing remark
# ("您说的不合适主要指哪块 我想先弄明白") does not hide the question before it.
# A comma after a Chinese question in 吗 ends it as a question mark would ("…一起吗,她对差异最敏感").
_ENDS = re.compile(r'[。!?;\n]+"?|\.+"?(?=\s|$)|(?<=[\u4e00-\u9fff]) (?=[\u4e00-\u9fff]|(?:ok|OK|Ok)[不吗吧]?$)|(?<=[\u4e00-\u9fff]{4}吗),(?=[\u4e00-\u9fff])')
_ABBREVIATIONS = frozenset({"dr", "mr", "mrs", "ms", "st", "vs", "etc", "prof", "jr", "sr", "no", "e.g", "i.e"})
_WORD_BEFORE = re.compile(r"([\w.]+)$")
_NUMBER_NEXT = re.compile(r"\s*\d")
_CLAUSES = re.compile(r"[,、:—]| - ")
QUESTIONS = tuple(name for name in LABELS if name != "statement")


@dataclass(frozen=True, slots=True)
class Sentence:
    text: str
    clause: str
    qmark: bool
    forms: frozenset[str]
    question: bool
    rhetorical: bool = False


def _pieces(text: str) -> list[tuple[str, bool, bool]]:
    """(sentence, ended with a question mark, ended with any mark) in order; abbreviations like
    Dr. do not end one, and a pause (a space between Chinese characters) is no mark."""
    out: list[tuple[str, bool, bool]] = []
    start = 0
    for m in _ENDS.finditer(text):
        if m.group().startswith("."):
            word = _WORD_BEFORE.search(text, 0, m.start())
            if word and word.group(1).lower() in _ABBREVIATIONS and (
                    word.group(1).lower() != "no" or _NUMBER_NEXT.match(text, m.end())):
                continue  # "No. 5" abbreviates; "…rather than no. Would it…" ends a sentence
        out.append((text[start:m.start()], m.group() == "," or "?" in m.group(), bool(m.group().strip())))
        start = m.end()
    out.append((text[start:], False, False))
    return out


def sentences(text: str, table: Table) -> list[Sentence]:
    """The line's sentences with their question forms; filler-only sentences are dropped."""
    p = table.patterns
    lang = _ANALYSERS[table.lang]
    bodies: list[list] = []
    for raw, qmark, marked in _pieces(text):
        body = lang.prepare(raw.strip(" ,、~-"), qmark)
        tag = p["tag_only"].fullmatch(body) is not None
        if bodies and ("continues" in p and p["continues"].match(body)  # "是您来定 还是要上会": one choice
                       or "condition" in p and p["condition"].match(bodies[-1][0]) and not bodies[-1][1] and not tag
                       and not ("condition_stop" in p and p["condition_stop"].match(f"{bodies[-1][0]},{body}"))):
            _join(bodies, len(bodies) - 1, body, qmark or bodies[-1][1], marked)
            continue
        if bodies and "ask_lead" in p and p["ask_lead"].match(bodies[-1][0]) and not qmark and not tag:
            _join(bodies, len(bodies) - 1, body, True, marked)  # "那这样行不行 流水先不给 先让会计…"
            continue
        if bodies and tag and (qmark or _bare_tag(body, p)):
            _join(bodies, _proposal_start(bodies, body, p), body, True, marked)
            continue
        if bodies and "trailers" in p and p["trailers"].fullmatch(body):  # "接着说 我记着呢": asks nothing
            continue
        if not (qmark and "tag_alone" in p and p["tag_alone"].fullmatch(body)):  # "Right?" alone still asks
            body = p["fillers"].sub("", body).strip(" ,、~-")
        if body:
            bodies.append([body, qmark, marked])
    out = []
    for i, (body, qmark, marked) in enumerate(bodies):
        forms, question = lang.analyse(body, qmark, p)
        if "embedded" in forms and i and _licensed_by(bodies[i - 1], body, p):
            forms, question = (forms - {"embedded"}) | {"wh"}, True
        if not marked:  # typed without a mark: chat, where a playback or a question may go unmarked
            forms = forms | {"unmarked"}
            if "chat_choice" in p and p["chat_choice"].match(body):  # "budget this fy or next"
                forms, question = forms | {"alternative"}, True
        clause = _last_clause(body, p)
        out.append(Sentence(body, clause, qmark, forms, question))
    return _self_answered(out, p)


def _licensed_by(before: list, body: str, p: dict) -> bool:
    """A question word left unlicensed at the end of its own piece is licensed by the piece before
    it when a pause, not a mark, parts them and that piece addresses the customer ("您现在对新的
    检测方案 最硬的要求是什么"): the topic was said first, the question after it."""
    licence, embedded, final = p.get("licence"), p.get("embedded"), p.get("wh_final")
    if licence is None or embedded is None or final is None or before[1] or before[2] or embedded.search(body):
        return False
    return final.search(p["wh_block"].sub("#", body)) is not None and licence.search(before[0]) is not None


def _join(bodies: list[list], start: int, body: str, qmark: bool, marked: bool) -> None:
    """Read the sentences from `start` on, and `body` after them, as one sentence."""
    bodies[start:] = [[",".join([*(b[0] for b in bodies[start:]), body]), qmark, marked]]


def _proposal_start(bodies: list[list], tag: str, p: dict) -> int:
    """Where the sentences a tag judges begin. Most tags judge the sentence before them; a bare
    ask ("您看可以吗", "does that work?") asks the customer to agree to everything proposed since
    the last question ("那退一步 您这周把数据给我们 我们做一份方案 您看可以吗"), back to the
    sentence that opens the proposal (那…, 或者…, "how about…"), not into what came before it."""
    start = len(bodies) - 1
    opener = p.get("view_open")
    if opener is not None and not ("ask_tag" in p and p["ask_tag"].fullmatch(tag)):
        for i in range(start, -1, -1):
            if opener.match(bodies[i][0]):
                return i
            if i == 0 or bodies[i - 1][1] or bodies[i - 1][2]:
                break
        return start
    if "ask_tag" in p and p["ask_tag"].fullmatch(tag):
        opener = p.get("proposal_open")
        while start > 0 and not bodies[start - 1][1] and not (opener and opener.match(bodies[start][0])):
            start -= 1
    return start


def _bare_tag(body: str, p: dict) -> bool:
    """A tag without a question mark still joins when it reads as one (…。您觉得呢)."""
    return "tag_bare" in p and p["tag_bare"].fullmatch(body) is not None


def _last_clause(body: str, p: dict) -> str:
    """The clause that asks last; a trailing backchannel ("我在记", "I'm listening") asks nothing."""
    clauses = [c.strip() for c in _CLAUSES.split(body)]
    trailers = p.get("trailers")
    while trailers is not None and len(clauses) > 1 and trailers.fullmatch(clauses[-1]):
        clauses.pop()
    clause = clauses[-1] or body
    adjunct = p.get("adjunct")
    start = len(clauses) - 1
    while adjunct is not None and start > 0 and adjunct.match(clauses[start]):
        start -= 1  # "perhaps a short demo…, using your own rates": the phrase qualifies the clause before (and phrases in a row, the one before them)
    if start < len(clauses) - 1:
        clause = ", ".join(clauses[start:])
    return p["fillers"].sub("", clause).strip() or clause


def _self_answered(parts: list[Sentence], p: dict) -> list[Sentence]:
    """A question the rep answers in the next sentence (为什么…?因为… / Why…? Because…; 贵不?一点不贵:
    the next sentence denies the question's own word) is rhetorical;
    so are the questions before a sentence that hands them to the customer to settle later
    (要不要试点 怎么试 您看完报告再说), or in the sentence's own last clause (…怎么沟通,都由您来决定);
    times offered to pick from (周二还是周四 您定) still ask."""
    answer, hands_over, offered = p.get("self_answer"), p.get("hands_over"), p.get("offered")
    echo = p.get("self_answer_echo")
    can_settle = [s.question and (offered is None or offered.search(s.text) is None) for s in parts]
    for i in range(len(parts) - 1):
        denied = echo.match(parts[i + 1].text) if echo is not None else None
        if can_settle[i] and (answer is not None and answer.match(parts[i + 1].text)
                              or denied is not None and denied.group(1) in parts[i].text):
            parts[i] = replace(parts[i], question=False, rhetorical=True)
    last = max((j for j, s in enumerate(parts) if hands_over is not None and hands_over.match(s.text)), default=-1)
    for i in range(last):
        if can_settle[i]:
            parts[i] = replace(parts[i], question=False, rhetorical=True)
    for i, s in enumerate(parts):  # "…跟不跟司机沟通、怎么沟通,都由您来决定": handed over in its own last clause
        if can_settle[i] and hands_over is not None and s.clause != s.text and hands_over.match(s.clause):
            parts[i] = replace(parts[i], question=False, rhetorical=True)
    return parts


def _first_rule(s: Sentence, table: Table, pitch: bool) -> Rule | None:
    if s.rhetorical:
        return None
    rules, shortlist = (table.rules, table.shortlist) if s.question else (table.statement_rules, table.statement_shortlist)
    for position in shortlist.of(s.text):
        rule = rules[position]
        if rule.matches(s.text, s.clause, s.forms, s.question, pitch):
            return rule
    return None


def _topic(s: Sentence, earlier: list[Sentence], table: Table) -> Cue:
    """The last clause asks last ("时间上有什么要求,预算是怎么安排的?"), so it is read first. A
    follow-up with no topic of its own ("…ERP是哪家的?用了几年了") continues the question before it."""
    texts = [s.clause, s.text] + [e.text for e in reversed(earlier) if e.question]
    for text in texts:
        for position in table.topic_shortlist.of(text):
            if table.topics[position].pattern.search(text):
                return table.topics[position]
    return table.default_topic


def _pitch(parts: list[Sentence], table: Table) -> Cue | None:
    for s in parts:
        for position in table.pitch_shortlist.of(s.text):
            if table.pitch[position].pattern.search(s.text):
                return table.pitch[position]
    return None


def _closes_a_summary(s: Sentence, rule: Rule | None, earlier: list[Sentence], table: Table) -> bool:
    """"我确认一下…第一…第二…第三…。您看对吗?": a tag that closes a summary begun in an earlier
    sentence checks the summary (麦肯锡式确认), it does not lead; so does a presumptive check that nothing
    in it is wrong or missing (…这么安排没毛病吧, …我没落下啥吧)."""
    marker, leads, check = (table.patterns.get(k) for k in ("summary_marker", "leads", "summary_check"))
    checks = {"tag", "declarative"} & s.forms or (rule and rule.label == "control") or (check and check.search(s.text))
    if marker is None or not earlier or not checks:
        return False
    if leads is not None and leads.search(s.text):
        return False  # "照您这么说…,是不是先把…更要紧": a judgement after the summary leads
    return any(marker.search(e.text) for e in earlier)


def _trails_a_question(parts: list[Sentence], i: int) -> bool:
    """A chat line's one question mark ends the line, not the piece after a pause that only adds a
    purpose ("能不能先带我去废水站转一圈 看看现在的设备?"): a piece with no question form of its own,
    after an unmarked piece that asks, leaves the asking to that piece."""
    s = parts[i]
    if i == 0 or not s.qmark or s.forms - {"declarative", "unmarked"}:
        return False
    before = parts[i - 1]
    return before.question and not before.qmark and "unmarked" in before.forms


def _decide(parts: list[Sentence], table: Table) -> tuple[LineLabel, int | None]:
    """The line's label, and the index of the sentence that decided it (None: no question)."""
    pitch = _pitch(parts, table)
    for i in range(len(parts) - 1, -1, -1):
        s = parts[i]
        if _trails_a_question(parts, i):
            continue
        rule = _first_rule(s, table, pitch is not None)
        if _closes_a_summary(s, rule, parts[:i], table):
            return LineLabel(label="confirmation", topic=None, pitch=pitch is not None,
                             rule=f"{table.lang}.confirmation.summary", reason=table.reasons["summary"]), i
        if rule is not None and rule.label != "exploratory":
            return LineLabel(label=rule.label, topic=None, pitch=pitch is not None, rule=rule.id, reason=rule.reason), i
        if rule is not None or s.question:
            cue: Cue | Rule = rule if rule is not None and rule.topic else _topic(s, parts[:i], table)
            topic = cue.topic or table.default_topic.topic
            reason = table.reasons["explore"].format(topic=table.topic_names[topic], why=cue.reason)
            return LineLabel(label="exploratory", topic=topic, pitch=pitch is not None, rule=cue.id, reason=reason), i
    return _statement(parts, table, pitch), None


def _statement(parts: list[Sentence], table: Table, pitch: Cue | None) -> LineLabel:
    if pitch is not None:
        return LineLabel(label="statement", pitch=True, rule=pitch.id, reason=pitch.reason)
    if any(s.rhetorical for s in parts):
        return LineLabel(label="statement", rule=f"{table.lang}.statement.rhetorical",
                         reason=table.reasons["rhetorical"])
    if not parts:
        return LineLabel(label="statement", rule=f"{table.lang}.statement.filler", reason=table.reasons["filler"])
    if any("embedded" in s.forms for s in parts):
        return LineLabel(label="statement", rule=f"{table.lang}.statement.embedded", reason=table.reasons["embedded"])
    return LineLabel(label="statement", rule=f"{table.lang}.statement.plain", reason=table.reasons["statement"])


@dataclass(frozen=True, slots=True)
class Analysis:
    """A line as the labeller read it: its label, its sentences, and which one asked last."""

    label: LineLabel
    sentences: tuple[Sentence, ...]
    asked: int | None  # index of the sentence that decided the label; None when nothing was asked
    lang: str  # the language the line was read in
    text: str  # the cleaned line

    def asked_texts(self) -> list[str]:
        """Where the line's question is, most telling first: the last clause of the deciding
        sentence, that sentence, then the questions before it (last first)."""
        if self.asked is None:
            return []
        s = self.sentences[self.asked]
        return [s.clause, s.text] + [e.text for e in reversed(self.sentences[: self.asked]) if e.question]


@lru_cache(maxsize=8192)
def analyse(text: str, lang: str) -> Analysis:
    """Read one trainee line. `lang` is the session's language; a line written in the other
    script is read, and explained, in its own language."""
    text, table, parts, verdict, asked = _by_rules(text, lang)
    verdict, asked = _second_opinion(text, parts, verdict, asked, table)
    return Analysis(verdict, tuple(parts), asked, table.lang, text)


def _by_rules(text: str, lang: str) -> tuple[str, Table, list[Sentence], LineLabel, int | None]:
    """The line cleaned as every reading sees it (widths, traditional characters, emoji, typos and
    regional forms folded), its language's table, its sentences, and the rules' verdict."""
    if lang not in _ANALYSERS:
        raise ValueError(f"lang must be 'zh' or 'en', not {lang!r}")
    text = clean(text, fold_table())
    table = load_table(script_of(text, lang))
    text = table.fix_typos(text)
    parts = sentences(text, table)
    verdict, asked = _decide(parts, table)
    return text, table, parts, verdict, asked


@dataclass(frozen=True, slots=True)
class RulesReading:
    """A line as the rules alone read it, for training the second opinion: the cleaned text, its
    language, where the customer would answer (`_focus`) and the verdict."""

    text: str
    lang: str
    focus: str
    verdict: LineLabel


def read_by_rules(text: str, lang: str) -> RulesReading:
    """Read one line with the rules alone (what the second opinion learns beside, and may overrule)."""
    text, table, parts, verdict, asked = _by_rules(text, lang)
    return RulesReading(text, table.lang, _focus(parts, asked), verdict)


def _focus(parts: list[Sentence], asked: int | None) -> str:
    """Where the customer would answer: the last clause of the asking sentence (else of the last
    one), with its question mark if it had one."""
    if not parts:
        return ""
    s = parts[asked if asked is not None else -1]
    return s.clause + "?" if s.qmark else s.clause


def _second_opinion(text: str, parts: list[Sentence], verdict: LineLabel, asked: int | None,
                    table: Table) -> tuple[LineLabel, int | None]:
    """The rules' verdict, unless the models learned from the corpus (`model.py`) overrule it by
    their margins: the asks model (where one ships) on whether the line asks at all (a
    question it finds is the last sentence), then the kind model on which kind of question. Their
    label then stands, with the n-grams that tipped it as the reason."""
    lang = table.lang
    kind_model, asks_model = load_model(lang), load_asks(lang)
    if not parts or verdict.rule in kind_model.firm or (asks_model is None and asked is None):
        return verdict, asked
    line_grams = grams(text, _focus(parts, asked), lang)
    kind_probs, asks_probs = read_together((kind_model, asks_model), line_grams) if asks_model else (None, None)
    if asks_model is not None:
        flip = asks_model.opinion(line_grams, "statement" if verdict.label == "statement" else "asks", verdict.rule,
                                  probs=asks_probs)
        if flip is not None and flip.label == "statement":
            return LineLabel(label="statement", pitch=verdict.pitch, rule=f"{lang}.model.statement",
                             reason=table.reasons["model_statement"].format(cues=_cues(flip, text, table))), None
        if flip is not None:
            kind = kind_model.best(line_grams, QUESTIONS, probs=kind_probs)
            return _learned(kind.label, flip, text, parts, len(parts) - 1, verdict, table), len(parts) - 1
    if asked is None:
        return verdict, asked
    kind = kind_model.opinion(line_grams, verdict.label, verdict.rule, among=QUESTIONS, probs=kind_probs)
    if kind is None:
        return verdict, asked
    return _learned(kind.label, kind, text, parts, asked, verdict, table), asked


def _learned(label: str, opinion: Opinion, text: str, parts: list[Sentence], at: int, verdict: LineLabel,
             table: Table) -> LineLabel:
    """A question label the models gave, with the topic the rules' cues find in the asking sentence."""
    why = table.reasons[f"model_{label}"]
    topic = None
    if label == "exploratory":
        topic = _topic(parts[at], parts[:at], table).topic or table.default_topic.topic
        why = why.format(topic=table.topic_names[topic], cues=_cues(opinion, text, table))
    else:
        why = why.format(cues=_cues(opinion, text, table))
    return LineLabel(label=label, topic=topic, pitch=verdict.pitch, rule=f"{table.lang}.model.{label}", reason=why)


def _cues(opinion: Opinion, text: str, table: Table) -> str:
    """The n-grams that tipped a model and that the line shows (not a mark the reading added),
    quoted as the table quotes them; the line's start if none did."""
    said = text.lower().replace(" ", "")
    cues = tuple(c for c in opinion.cues if c.replace(" ", "") in said) or (text[:20],)
    return table.reasons["model_cue_sep"].join(table.reasons["model_cue"].format(cue=c) for c in cues)


def label(text: str, lang: str) -> LineLabel:
    """Label one trainee line (see `analyse`)."""
    return analyse(text, lang).label
