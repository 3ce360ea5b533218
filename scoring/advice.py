"""Next steps: the three things that cost a session the most, each with a better line.

A scorecard lists every point; a trainee needs to know what to do differently. `advise`
weighs every deduction taken, and every credit the session shows was within reach but not
earned (a commitment asked for and not won, a topic never explored, a concern-handling step
never taken, nothing said to the customer's motive…), by what it cost the overall score: the
points on each dimension it touches times the dimension's weight, every dimension clipped to
0..100 as the scorecard shows it. What keeps a dimension under the rubric's minimum comes first,
since that alone fails the session.

The concern decides what advice fits (DESIGN 2.2, seed 002). A push past an open concern is
advised as the step that was due there, and carries the steps left; a commitment the concern
refused is not advised as "fall back" (the concern is the only reason a customer refuses). At
levels 4-6 nobody is told how to ask better: asking for nothing is the play there, and what a
push or a re-ask cost includes the commitment score the rubric gives for holding back.

Each next step is tied to a trainee turn (the point's own; for a point of the whole session,
the turn where doing it would have belonged) and carries a better line for its rule from
advice/{zh,en}.yaml in the session's language, picked by the session id, so a session always
shows the same line. Pure: values in, values out.

    advise(card, rubric) -> list[Advice]      at most three, costliest first
    entry(lang, rule, group=None, key=None)   a rule's advice (do, missed, lines), or None
"""

import zlib
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from scoring.cues import Cues, load_cues
from scoring.customer import LEVELS, rank
from scoring.models import ELEMENTS, MOTIVES, TOPICS, Advice, Point, Scorecard
from scoring.rubric import POINT_RULES, Rubric
from scoring.yamlfast import safe_load

ADVICE_DIR = Path(__file__).resolve().parent / "advice"
TOP = 3
STEPS = ("explore", "emotion", "dig", "remedy", "confirm")  # handling a level 1-3 concern, in order (DESIGN 2.2)


@dataclass(frozen=True)
class Varies:
    """What a rule's advice varies by: a group of advice/*.yaml (`name`) and its `keys`."""

    name: str
    keys: tuple[str, ...]


VARIES: dict[str, Varies] = {
    "questioning.topic": Varies("topics", TOPICS),  # the first topic not explored
    "concerns.step": Varies("steps", STEPS),  # the next step not taken
    "concerns.pushed": Varies("steps", STEPS),  # the step due where the trainee pushed instead
    "concerns.ignored": Varies("levels", LEVELS[1:]),  # the concern's level
    "motive_fit.fit": Varies("motives", MOTIVES),
    "motive_fit.misfit": Varies("motives", MOTIVES),
}
_ORDER = {rule: index for index, rule in enumerate(POINT_RULES)}
_MONOLOGUE_RULES = ("questioning.tell_more_than_ask", "listening.talk_ratio_high")


@dataclass(frozen=True)
class Entry:
    """A rule's advice in one language: what to do, why (for a credit missed), better lines."""

    do: str
    missed: str
    lines: tuple[str, ...]


@cache
def _rules(lang: str) -> dict[str, dict[str, Any]]:
    data = safe_load((ADVICE_DIR / f"{lang}.yaml").read_text(encoding="utf-8"))
    return data["rules"]


def entry(lang: str, rule: str, group: str | None = None, key: str | None = None) -> Entry | None:
    """The advice for `rule`, its `group` variant `key` (a motive, level, topic or step) when the
    file has one; None when the file has nothing for the rule."""
    base = _rules(lang).get(rule)
    if base is None:
        return None
    variant = (base.get(group) or {}).get(key) if group else None
    merged = {**base, **(variant or {})}
    return Entry(merged.get("do", ""), merged.get("missed", ""), tuple(merged.get("lines") or ()))


def _needed(level: int) -> list[str]:
    """The steps a level 1-3 concern needs; emotion only at objection (seed 002: 处理顾虑)."""
    return [s for s in STEPS if s != "emotion" or level == rank("objection")]


def _step_due(card: Scorecard, by_rule: dict[str, list[Point]], before: int | None) -> str:
    """The concern-handling step due at turn `before`: the first of the sequence not yet taken."""
    level = rank(card.concern_level)
    needed = _needed(level if level <= rank("objection") else rank("hesitation"))
    done = sum(1 for p in by_rule.get("concerns.step", []) if p.seq is not None and (before is None or p.seq < before))
    return needed[min(done, len(needed) - 1)]


@dataclass
class _Candidate:
    rule: str
    kind: str  # "deduction" | "missed"
    change: dict[str, int]  # what removing the deduction, or earning the credit, adds to each dimension
    seq: int | None
    why: str = ""  # a deduction's reason; a credit missed takes its `missed` text
    key: str | None = None  # the variant of the rule's advice (VARIES), when it has any
    ctx: dict[str, str] = field(default_factory=dict)


class _Blank(dict):  # str.format_map: a placeholder without a value stays empty
    def __missing__(self, key: str) -> str:
        return ""


def _pick(lines: tuple[str, ...], session_id: str | None, rule: str) -> str:
    """One of the lines, the same for a session every time (no randomness between processes)."""
    if not lines:
        return ""
    return lines[zlib.crc32(f"{session_id or ''}|{rule}".encode()) % len(lines)]


class _Turns:
    """The trainee turns of a scorecard, for tying advice to the turn where it belongs."""

    def __init__(self, card: Scorecard) -> None:
        self.seqs = [t.seq for t in card.turns]
        self.labels = {t.seq: t.label for t in card.turns}

    @property
    def last(self) -> int | None:
        return self.seqs[-1] if self.seqs else None

    def first(self, *labels: str) -> int | None:
        return next((s for s in self.seqs if self.labels[s] in labels), None)

    def final(self, *labels: str) -> int | None:
        return next((s for s in reversed(self.seqs) if self.labels[s] in labels), None)

    def after(self, seq: int | None) -> int | None:
        """The first trainee turn after `seq`."""
        return next((s for s in self.seqs if seq is not None and s > seq), None)

    def at_or_before(self, seq: int) -> int | None:
        """A trainee turn for `seq` (a customer turn's seq goes to the trainee line before it)."""
        return next((s for s in reversed(self.seqs) if s <= seq), self.seqs[0] if self.seqs else None)


@dataclass
class _Session:
    """A scorecard read for advice: its points by rule, each dimension before clipping, its turns."""

    card: Scorecard
    rubric: Rubric
    cues: Cues
    turns: _Turns
    by_rule: dict[str, list[Point]]
    totals: dict[str, int]
    raw: dict[str, int]

    @property
    def level(self) -> int:
        return rank(self.card.concern_level)

    def room(self, rule: str, events: int = 1) -> int:
        """What `events` more of a credit would add, within its cap."""
        price = self.rubric.points[rule]
        want = price.delta * events
        if price.cap is not None:
            want = min(want, price.cap - self.totals.get(rule, 0))
        return max(0, want)

    def first_seq(self, *rules: str) -> int | None:
        seqs = [p.seq for r in rules for p in self.by_rule.get(r, []) if p.seq is not None]
        return self.turns.at_or_before(min(seqs)) if seqs else None

    def held_back_gain(self) -> int:
        """What asking for nothing more would add to the commitment dimension (DESIGN 2.2: at
        levels 4-6 that is the right play, and the rubric credits it in place of the requests)."""
        if "commitment.held_back" in self.totals or self.card.commitment.secured:
            return 0
        handled = self.totals.get("concerns.calmed") or self.totals.get("concerns.other_person")
        if self.level >= rank("argument") and not handled:
            return 0  # at 5-6 nothing asked holds back only with the temperature lowered or another person found
        held = self.rubric.base["commitment"] + self.rubric.points["commitment.held_back"].delta
        return held - self.raw["commitment"]

    def steps_left(self) -> tuple[list[str], int]:
        """At levels 1-3: the steps the concern needs, and how many were taken."""
        return _needed(self.level), len(self.by_rule.get("concerns.step", []))


_ASKING = ("commitment.none", "commitment.too_early")  # how to ask: not the method at levels 4-6


def _deductions(s: _Session) -> list[_Candidate]:
    out = []
    for rule, points in s.by_rule.items():
        total = sum(p.delta for p in points)
        if total >= 0 or (rule in _ASKING and s.level >= rank("no_commitment")):
            continue
        placed = [p for p in points if p.seq is not None]
        worst = min(placed or points, key=lambda p: (p.delta, p.seq or 0))  # the costliest, the earliest of equals
        if worst.seq is not None:
            seq = s.turns.at_or_before(worst.seq)
        elif rule in _MONOLOGUE_RULES:
            run = s.card.talk.longest_monologue.seq
            seq = run if run in s.turns.labels else (s.turns.first("statement") or s.turns.last)
        else:
            seq = s.turns.last  # the whole session: where the close, or the summary, belonged
        change = {POINT_RULES[rule]: -total}
        key = {"motive_fit.misfit": s.card.motive, "concerns.ignored": s.card.concern_level}.get(rule)
        if rule == "concerns.pushed":
            # the step due where the trainee pushed, and with it the rest of the sequence
            key = _step_due(s.card, s.by_rule, worst.seq)
            needed, done = s.steps_left()
            change["concerns"] += s.room("concerns.step", max(0, len(needed) - done))
        elif rule == "concerns.pushed_at_high_level" or (
                rule == "concerns.reasked" and "concerns.withdrew" in s.totals):
            change["commitment"] = s.held_back_gain()  # without it, the session would have held back
        out.append(_Candidate(rule, "deduction", change, seq, worst.reason, key))
    return out


def _missed(s: _Session) -> list[_Candidate]:
    """Credits within reach that the session did not earn, with what they would have brought."""
    turns, card, cues = s.turns, s.card, s.cues
    if not turns.seqs:
        return []

    def missed(rule: str, seq: int | None, events: int = 1, **kw: Any) -> _Candidate:
        return _Candidate(rule, "missed", {POINT_RULES[rule]: s.room(rule, events)}, seq, **kw)

    out: list[_Candidate] = []
    commit = card.commitment
    if commit.requested and "commitment.held_back" not in s.totals and s.level < rank("no_commitment"):
        request = turns.final("commitment_request") or turns.last
        blocked = "concerns.pushed" in s.totals  # a concern refused it: handling the concern is the advice
        if not commit.secured and not blocked and "commitment.fall_back" not in s.totals:
            out.append(missed("commitment.secured", request))
        absent = [e for e in ELEMENTS if e not in commit.elements]
        if absent:
            out.append(missed("commitment.element", s.first_seq("commitment.element") or request, len(absent),
                              ctx={"elements": cues.join([cues.name("elements", e) for e in absent])}))
    explored = {t.topic for t in card.turns if t.seq in {p.seq for p in s.by_rule.get("questioning.topic", [])}}
    unexplored = [t for t in TOPICS if t not in explored]
    if unexplored:
        out.append(missed("questioning.topic", turns.final("exploratory") or turns.seqs[0], len(unexplored),
                          key=unexplored[0], ctx={"topic": cues.name("topics", unexplored[0])}))
    if not s.totals.get("listening.extension") and not card.counts.extension:
        out.append(missed("listening.extension", turns.after(card.talk.longest_customer_story.seq) or turns.last))
    statement = next((q for q in turns.seqs[1:] if turns.labels[q] == "statement"), None)  # past the greeting
    if statement is not None:
        out.append(missed("questioning.explore", statement))
    if card.motive and not s.totals.get("motive_fit.fit"):
        out.append(missed("motive_fit.fit", turns.first("exploratory") or turns.seqs[0], key=card.motive,
                          ctx={"motive": cues.name("motives", card.motive)}))
    if rank("hesitation") <= s.level <= rank("objection"):
        needed, done = s.steps_left()
        if done < len(needed) and "concerns.pushed" not in s.totals:  # a push carries the steps left (above)
            steps = [p.seq for p in s.by_rule.get("concerns.step", []) if p.seq is not None]
            seq = (turns.after(max(steps)) if steps else None) or s.first_seq("concerns.ignored")
            out.append(missed("concerns.step", seq or turns.final("commitment_request") or turns.last,
                              len(needed) - done, key=needed[done], ctx={"step": cues.name("steps", needed[done])}))
    elif s.level >= rank("no_commitment"):
        pushed = s.first_seq("concerns.reasked", "concerns.pushed_at_high_level")
        level_4 = s.level == rank("no_commitment")
        wanted = ["concerns.reflected"] if level_4 else ["concerns.calmed", "concerns.other_person"]
        for rule in [*wanted, "concerns.withdrew"]:
            if not s.totals.get(rule):
                candidate = missed(rule, s.turns.last if rule == "concerns.withdrew" else pushed or turns.last)
                if rule == "concerns.withdrew" and level_4 and "concerns.reasked" not in s.totals:
                    candidate.change["commitment"] = s.held_back_gain()  # withdrawing is what holds back at level 4
                out.append(candidate)
    return out


def _clip(score: int) -> int:
    """A dimension as the scorecard shows it: 0..100."""
    return max(0, min(100, score))


def advise(card: Scorecard, rubric: Rubric) -> list[Advice]:
    """The three deductions or credits missed that cost `card` the most, costliest first."""
    lang = card.language
    cues = load_cues(lang)
    by_rule: dict[str, list[Point]] = defaultdict(list)
    totals: dict[str, int] = defaultdict(int)
    raw = dict(rubric.base)
    for p in card.points:
        by_rule[p.rule].append(p)
        totals[p.rule] += p.delta
        raw[p.dimension] += p.delta
    session = _Session(card, rubric, cues, _Turns(card), by_rule, totals, raw)
    weight_sum = sum(rubric.weights.values())
    ranked = []
    for c in _deductions(session) + _missed(session):
        cost = sum(rubric.weights[d] / weight_sum * (_clip(raw[d] + n) - _clip(raw[d])) for d, n in c.change.items())
        varies = VARIES.get(c.rule)
        advice = entry(lang, c.rule, varies.name if varies else None, c.key)
        if cost <= 0 or advice is None or not advice.lines:
            continue
        # what keeps a dimension under the rubric's minimum fails the session whatever the total: first
        below = any(n > 0 and _clip(raw[d]) < rubric.min_dimension.get(d, 0) for d, n in c.change.items())
        ranked.append(((not below, -round(cost, 6), c.kind != "deduction", _ORDER[c.rule]), c, cost, advice))
    ranked.sort(key=lambda item: item[0])
    values = _Blank(threshold=f"{rubric.silence_threshold_s:g}")
    steps = []
    for _, c, cost, advice in ranked[:TOP]:
        why = c.why or advice.missed.format_map(_Blank(c.ctx))
        steps.append(Advice(rule=c.rule, name=cues.name("rules", c.rule), dimension=POINT_RULES[c.rule], seq=c.seq,
                            why=why, better_line=_pick(advice.lines, card.session_id, c.rule),
                            do=advice.do.format_map(values), kind=c.kind, cost=round(cost, 1)))
    return steps
