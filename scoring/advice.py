"""Next steps: the three things that cost a session the most, each with a better line.

A scorecard lists every point; a trainee needs to know what to do differently. `advise`
weighs every deduction taken, and every credit the session shows was within reach but not
earned (a commitment asked for and not won, a topic never explored, a concern-handling step
never taken, nothing said to the customer's motive…), by what it cost the overall score: the
points on its dimension times the dimension's weight, no dimension counted above 100. What
keeps a dimension under the rubric's minimum comes first, since that alone fails the session.

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

import yaml

from scoring.cues import Cues, load_cues
from scoring.customer import rank
from scoring.models import ELEMENTS, TOPICS, Advice, Point, Scorecard
from scoring.rubric import POINT_RULES, Rubric

ADVICE_DIR = Path(__file__).resolve().parent / "advice"
TOP = 3
VARIANTS = ("motives", "levels", "topics", "steps")  # what a rule's advice may vary by
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
    data = yaml.safe_load((ADVICE_DIR / f"{lang}.yaml").read_text(encoding="utf-8"))
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


@dataclass
class _Candidate:
    rule: str
    kind: str  # "deduction" | "missed"
    change: int  # what removing the deduction, or earning the credit, adds to its dimension
    seq: int | None
    why: str = ""  # a deduction's reason; a credit missed takes its `missed` text
    variant: tuple[str, str | None] | None = None
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
        self.card = card
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


def _deductions(card: Scorecard, by_rule: dict[str, list[Point]], turns: _Turns) -> list[_Candidate]:
    out = []
    for rule, points in by_rule.items():
        total = sum(p.delta for p in points)
        if total >= 0:
            continue
        placed = [p for p in points if p.seq is not None]
        worst = min(placed or points, key=lambda p: (p.delta, p.seq or 0))  # the costliest, the earliest of equals
        if worst.seq is not None:
            seq = turns.at_or_before(worst.seq)
        elif rule in _MONOLOGUE_RULES:
            run = card.talk.longest_monologue.seq
            seq = run if run in turns.labels else (turns.first("statement") or turns.last)
        else:
            seq = turns.last  # the whole session: where the close, or the summary, belonged
        variant = None
        if rule == "motive_fit.misfit":
            variant = ("motives", card.motive)
        elif rule in ("concerns.pushed", "concerns.ignored"):
            variant = ("levels", card.concern_level)
        out.append(_Candidate(rule, "deduction", -total, seq, worst.reason, variant))
    return out


def _missed(card: Scorecard, rubric: Rubric, totals: dict[str, int], by_rule: dict[str, list[Point]],
            turns: _Turns, cues: Cues) -> list[_Candidate]:
    """Credits within reach that the session did not earn, with what they would have brought."""
    if not turns.seqs:
        return []

    def room(rule: str, events: int = 1) -> int:
        price = rubric.points[rule]
        want = price.delta * events
        if price.cap is not None:
            want = min(want, price.cap - totals.get(rule, 0))
        return max(0, want)

    def first_seq(*rules: str) -> int | None:
        seqs = [p.seq for r in rules for p in by_rule.get(r, []) if p.seq is not None]
        return turns.at_or_before(min(seqs)) if seqs else None

    out: list[_Candidate] = []
    level = rank(card.concern_level)
    commit = card.commitment
    if commit.requested and "commitment.held_back" not in totals and level < rank("no_commitment"):
        request = turns.final("commitment_request") or turns.last
        if not commit.secured:
            out.append(_Candidate("commitment.secured", "missed", room("commitment.secured"), request))
        missing = [e for e in ELEMENTS if e not in commit.elements]
        if missing:
            out.append(_Candidate("commitment.element", "missed", room("commitment.element", len(missing)),
                                  first_seq("commitment.element") or request,
                                  ctx={"elements": cues.join([cues.name("elements", e) for e in missing])}))
    explored = {t.topic for t in card.turns if t.seq in {p.seq for p in by_rule.get("questioning.topic", [])}}
    unexplored = [t for t in TOPICS if t not in explored]
    if unexplored:
        out.append(_Candidate("questioning.topic", "missed", room("questioning.topic", len(unexplored)),
                              turns.final("exploratory") or turns.seqs[0], variant=("topics", unexplored[0]),
                              ctx={"topic": cues.name("topics", unexplored[0])}))
    if not totals.get("listening.extension") and not card.counts.extension:
        story = card.talk.longest_customer_story.seq
        out.append(_Candidate("listening.extension", "missed", room("listening.extension"),
                              turns.after(story) or turns.last))
    statement = next((s for s in turns.seqs[1:] if turns.labels[s] == "statement"), None)  # past the greeting
    if statement is not None:
        out.append(_Candidate("questioning.explore", "missed", room("questioning.explore"), statement))
    if card.motive and not totals.get("motive_fit.fit"):
        out.append(_Candidate("motive_fit.fit", "missed", room("motive_fit.fit"),
                              turns.first("exploratory") or turns.seqs[0], variant=("motives", card.motive),
                              ctx={"motive": cues.name("motives", card.motive)}))
    if rank("hesitation") <= level <= rank("objection"):
        needed = ["explore", *(["emotion"] if level == rank("objection") else []), "dig", "remedy", "confirm"]
        done = len(by_rule.get("concerns.step", []))
        if done < len(needed):
            steps = [p.seq for p in by_rule.get("concerns.step", []) if p.seq is not None]
            seq = (turns.after(max(steps)) if steps else None) or first_seq("concerns.pushed", "concerns.ignored")
            out.append(_Candidate("concerns.step", "missed", room("concerns.step", len(needed) - done),
                                  seq or turns.final("commitment_request") or turns.last,
                                  variant=("steps", needed[done]), ctx={"step": cues.name("steps", needed[done])}))
    elif level >= rank("no_commitment"):
        pushed = first_seq("concerns.reasked", "concerns.pushed_at_high_level")
        wanted = ["concerns.reflected"] if level == rank("no_commitment") else ["concerns.calmed", "concerns.other_person"]
        for rule in [*wanted, "concerns.withdrew"]:
            if not totals.get(rule):
                seq = turns.last if rule == "concerns.withdrew" else pushed or turns.last
                out.append(_Candidate(rule, "missed", room(rule), seq))
    return out


def advise(card: Scorecard, rubric: Rubric) -> list[Advice]:
    """The three deductions or credits missed that cost `card` the most, costliest first."""
    lang = card.language
    cues = load_cues(lang)
    turns = _Turns(card)
    by_rule: dict[str, list[Point]] = defaultdict(list)
    totals: dict[str, int] = defaultdict(int)
    raw = dict(rubric.base)
    for p in card.points:
        by_rule[p.rule].append(p)
        totals[p.rule] += p.delta
        raw[p.dimension] += p.delta
    weight_sum = sum(rubric.weights.values())
    ranked = []
    for c in _deductions(card, by_rule, turns) + _missed(card, rubric, totals, by_rule, turns, cues):
        dim = POINT_RULES[c.rule]
        cost = rubric.weights[dim] / weight_sum * (min(100, raw[dim] + c.change) - min(100, raw[dim]))
        advice = entry(lang, c.rule, *(c.variant or (None, None)))
        if cost <= 0 or advice is None or not advice.lines:
            continue
        floor = rubric.min_dimension.get(dim)
        below = floor is not None and max(0, min(100, raw[dim])) < floor
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
