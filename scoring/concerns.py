"""Concern handling scored by level (DESIGN 2.2, seed 002 第五篇第五章 处理顾虑).

Once the customer voices a concern, the trainee's lines are judged by the concern's level:
- 犹豫/疑问/反对 (1-3): each step of the sequence taken in order earns credit (explore the
  objection; at objection handle the emotion first; dig out the personal concern; offer a
  remedy; confirm it is gone); asking for a commitment before the removal is confirmed pushes.
- 不承诺 (4): asking again deducts; reflecting on our part and withdrawing gracefully earn credit.
- 争论/抵触 (5-6), and a false objection once seen through: every commitment request is a heavy
  deduction; lowering the temperature and finding someone else to talk to earn credit. Only a
  session that does one of them is "held back" rightly: asking for nothing while ignoring the
  argument leaves it where it was.
- Whatever the level, the first line after the concern must take it up: a pitch, or talk or a
  question on something else, ignores it.
- 假异议: testing the objection earns credit; buying it off with a discount deducts.
The level is the persona's when known (else what the customer's words show), and follows the
customer when it changes (a concern made worse by pushing, a pretext seen through).
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from scoring.commitment import own_task_only
from scoring.cues import load_cues, normalise
from scoring.customer import LEVELS, Event, rank, replies
from scoring.hearing import Heard, hear_line, presses
from scoring.hearing.content import pieces, shares
from scoring.models import LineLabel, Turn

Point = tuple[str, int | None, dict[str, Any]]
_ABOUT_CONCERN = ("concern", "personal", "pain")  # what a line must be about to take the concern up


@dataclass
class ConcernReport:
    points: list[Point] = field(default_factory=list)
    level: str = "none"  # the level the concern reached in the open (the highest), or none
    held_back: bool = False  # a level 4-6 session handled as the method says, nothing asked for again
    unhandled_pushes: int = 0  # requests pushed past an objection (level 3) before a remedy was offered for it


def _needed(level: int) -> list[str]:
    return ["explore", *(["emotion"] if level == 3 else []), "dig", "remedy", "confirm"]


@dataclass
class _Walk:
    """The concern as the conversation goes: its level, the steps done, what was credited."""

    level: int
    steps: list[str] = field(default_factory=list)
    removed: bool = False
    requests: int = 0
    once: set[str] = field(default_factory=set)
    points: list[Point] = field(default_factory=list)

    def add(self, rule: str, seq: int, **ctx: Any) -> None:
        self.points.append((rule, seq, ctx))

    def first(self, rule: str, seq: int) -> None:
        if rule not in self.once:
            self.once.add(rule)
            self.add(rule, seq)


def _sequence(walk: _Walk, seq: int, heard: set[str], names: dict[str, str]) -> None:
    """Levels 1-3: credit the steps taken in order, one a line (naming the feeling may come with it)."""
    needed = _needed(walk.level)
    took: list[str] = []
    for step in needed:
        if step not in heard or step in walk.steps:
            continue
        if any(prior not in walk.steps for prior in needed[: needed.index(step)]):
            continue
        if step != "emotion" and any(t != "emotion" for t in took):
            break
        walk.steps.append(step)
        took.append(step)
        walk.add("concerns.step", seq, step=names.get(step, step))
    if "confirm" in walk.steps:
        walk.removed = True


def _echoes(text: str, concern: str, lang: str) -> bool:
    """A question that takes up the customer's own words of the concern ("您看过的那几家,照搬是搬在
    哪儿" after "…会不会就是照搬那一套") is about it, whatever subject the tables hear."""
    return len(pieces(text, lang) & pieces(concern, lang)) >= 2


def _found_someone(heard: Heard, reply: list[Event], heard_before: list[Event]) -> bool:
    """换个人攻关: the line asks for someone else, or who handles it day to day, and the reply names one;
    or the customer has just named one and the line takes them up ("去找无锡项目的赵磊" / "那这周四
    我自己去无锡找赵经理请教")."""
    return ("referral" in heard.moves or heard.subject in ("other_person", "people")) \
        and any(e.kind == "named" for e in (*reply, *heard_before))


def _drew_out(turns: list[Turn], labels: dict[int, LineLabel], lang: str, voiced: int) -> int | None:
    """The trainee's question that the customer's first concern answers, when it asked about the
    worry ("之前看过的平台里,哪一点最让您不放心?", "What worries you most about it?")."""
    before = [t for t in turns if t.speaker == "trainee" and t.seq < voiced]
    if not before or any(t.speaker == "customer" and before[-1].seq < t.seq < voiced for t in turns):
        return None
    line = before[-1]
    heard = hear_line(line.text, lang)
    asks = labels[line.seq].label == "exploratory" and (heard.subject == "concern" or "explore" in heard.steps)
    return line.seq if asks else None


def offers_remedy(text: str, lang: str, heard: Heard, remedy: Sequence[str]) -> bool:
    """A proposal meeting the concern: any proposal when the persona is unknown; with the
    persona's remedy (its text and cues), one that names a cue or shares enough of its words."""
    if not remedy:
        return heard.proposal
    clean = heard.text
    if any(cue.lower() in clean for cue in remedy[1:]):
        return heard.proposal or heard.label.label != "exploratory"
    if load_cues(heard.lang).has("promise", clean):
        return False  # "Trust me, it's just a pilot": words of the remedy with nothing to check in them
    return heard.proposal and shares(pieces(clean, lang), frozenset().union(*(pieces(r, lang) for r in remedy)), lang)


def read(turns: list[Turn], labels: dict[int, LineLabel], lang: str, events: list[Event],
         concern_level: str | None, false_objection: bool = False, from_acts: bool = False,
         remedy: Sequence[str] = ()) -> ConcernReport:
    """`remedy`: the persona's remedy text then its cues, when known (what meets this concern)."""
    voiced = [e for e in events if e.kind == "voice_concern"]
    first = next((t for t in turns if t.speaker == "customer"), None)
    if rank(concern_level) >= rank("no_commitment") and first is not None and (not voiced or voiced[0].seq > first.seq):
        # A customer with no faith, an argument or a pretext shows it from the start, in its own words,
        # even when the words are not the cue tables' ("we just renewed, nothing to talk about").
        voiced = [Event(first.seq, "voice_concern", concern_level), *voiced]
    if not voiced:
        return ConcernReport(points=[("concerns.none_voiced", None, {})], level="none")
    names = load_cues(lang).names.get("steps", {})
    assert isinstance(names, dict)
    # The persona's level when known; the words' level only for a transcript from elsewhere (a
    # record's level is the engine's own, and follows it below).
    start = rank(concern_level) if concern_level else rank(voiced[0].level)
    if from_acts:
        start = max(start, rank(voiced[0].level))
    walk = _Walk(level=start or 1)
    highest = walk.level
    answered = replies(turns, events)
    after = [t for t in turns if t.speaker == "trainee" and t.seq > voiced[0].seq]
    said = {t.seq: t.text for t in turns if t.speaker == "customer"}
    exposed = False
    real_told = False  # tested, the customer dropped the pretext at once and told the real concern
    worsened = False  # the trainee's own push raised the concern to 不承诺: withdrawing then is no credit to them
    asked_again = 0  # the requests made after the concern (our own next task offered is none)
    unhandled = 0
    drew = _drew_out(turns, labels, lang, voiced[0].seq)
    if drew is not None and walk.level <= rank("objection") and not false_objection:
        _sequence(walk, drew, {"explore"}, names)  # "哪一点最让您不放心?" asked it out: the objection explored
    trainee_seqs = [t.seq for t in turns if t.speaker == "trainee"]
    previous = dict(zip(trainee_seqs[1:], trainee_seqs))  # each trainee line's line before it
    opening = [e for e in events if not trainee_seqs or e.seq < trainee_seqs[0]]  # said before any line
    for index, turn in enumerate(after):
        line = labels[turn.seq]
        heard = hear_line(turn.text, lang)
        reply = answered.get(turn.seq, [])
        # what the customer said just before the line: its reply to the line before, or its opening
        heard_before = answered[previous[turn.seq]] if turn.seq in previous else opening
        text, text_lang = normalise(turn.text, lang)
        steps = set(heard.steps)
        request = line.label == "commitment_request" and not own_task_only(text, load_cues(text_lang))
        asked_again += request
        gone = any(e.kind == "ease_concern" and e.level in (None, "none") for e in reply)  # "这个顾虑基本没有了"
        concern_said = said.get(max((e.seq for e in voiced if e.seq < turn.seq), default=voiced[0].seq), "")
        if index == 0 and (line.pitch or (not steps and not heard.moves and (
                line.label == "statement" or (line.label in ("exploratory", "control")
                                              and heard.subject not in _ABOUT_CONCERN
                                              and not _echoes(turn.text, concern_said, lang))))):
            walk.first("concerns.ignored", turn.seq)  # a pitch, or talk or a question on something else
        tested_now = False
        offers_value = "inducement" in heard.moves  # 硬价值: gifts, a kickback or a discount handle no concern
        if false_objection and not exposed and not real_told:
            if "test" in steps:
                tested_now = True  # "imagine the contract ended tomorrow: would you be looking?" tests; it asks for nothing
                walk.first("concerns.tested", turn.seq)
                exposed = True
                walk.level = rank("resistance")
                if not from_acts and any(load_cues(text_lang).has("real_reason", said.get(e.seq, "")) for e in reply):
                    # "it's not really the contract. Truth is…": the real concern told in answer to the test is
                    # handled at its own level, not as the resistance a pretext kept up would be
                    exposed, real_told, walk.level = False, True, start or 1
            offers_value = offers_value or load_cues(text_lang).has("discount", text)  # a pretext answered with a price cut
        if offers_value:
            walk.add("concerns.bought_off", turn.seq)
        if walk.level >= rank("argument") or exposed:
            if request or (presses(heard) and not tested_now):  # "如果…您愿意吗" asks for the yes again
                if not (request and walk.removed):  # cooled, and the concern gone in the customer's words: no push
                    walk.add("concerns.pushed_at_high_level", turn.seq)
            elif not line.pitch and line.label != "extension" and "inducement" not in heard.moves and (
                    heard.moves & {"calm", "reflect"} or steps & {"emotion", "explore"}
                    or any(e.kind == "ease_concern" for e in reply)):  # calming, not asking for more
                walk.add("concerns.calmed", turn.seq)
            if _found_someone(heard, reply, heard_before):
                walk.first("concerns.other_person", turn.seq)
            if not from_acts and gone and any(rule == "concerns.calmed" for rule, _, _ in walk.points):
                walk.removed = True  # cooled first, then the customer says the concern is dealt with
        elif walk.level == rank("no_commitment"):
            if request:
                walk.requests += 1
                if walk.requests > 1:
                    walk.add("concerns.reasked", turn.seq)
            if "reflect" in heard.moves:
                walk.first("concerns.reflected", turn.seq)
            if _found_someone(heard, reply, heard_before):
                walk.first("concerns.other_person", turn.seq)  # 该放弃就放弃, but a door left open through someone else
        else:
            if heard.subject in ("personal", "pain") and line.label == "exploratory":
                steps.add("dig")  # the personal stake behind the objection, as the customer engine hears it
            if line.label == "exploratory" and "test" not in steps and (
                    heard.subject == "concern" or _echoes(turn.text, concern_said, lang)):
                steps.add("explore")  # asking about the objection once it is in the open explores it
            if "dig" in walk.steps and offers_remedy(turn.text, lang, heard, remedy):
                steps.add("remedy")
            eased = any(e.kind == "ease_concern" for e in reply)
            if from_acts and not eased:
                steps -= {"remedy", "confirm"}  # the record decides: a remedy or a check the customer did not take moved nothing
            elif not eased and any(e.kind in ("voice_concern", "correct") for e in reply):
                steps.discard("confirm")  # "你连我为什么不放心都没问": asked whether it is gone, told it is not
            for event in reply:
                if event.kind == "ease_concern" and "dig" in walk.steps:
                    steps.add("confirm" if event.level == "none" or "remedy" in walk.steps else "remedy")
            before = len(walk.steps)
            _sequence(walk, turn.seq, steps, names)
            proposed = "remedy" in walk.steps[before:]  # "先试点三个月…您看这样行吗?": a remedy offered, not a push
            if gone:
                walk.removed = True  # the customer says it is gone: asking now is no push, whatever steps were credited
            if request and not walk.removed and not proposed and not any(e.kind == "grant" for e in reply):
                walk.add("concerns.pushed", turn.seq)
                if walk.level == rank("objection") and "remedy" not in walk.steps:
                    unhandled += 1
        if "withdraw" in heard.moves and line.label == "statement" and walk.level >= rank("no_commitment"):
            walk.first("concerns.withdrew", turn.seq)
        for event in reply:  # the recorded level follows the customer: made worse, a pretext seen through
            if from_acts and event.kind == "voice_concern" and event.level in ("argument", "resistance", "no_commitment"):
                if rank(event.level) > walk.level and (request or presses(heard)):
                    worsened = True
                walk.level = max(walk.level, rank(event.level))
        highest = max(highest, walk.level)
    # at 5-6 asking for nothing is half the play: the temperature lowered or another person found
    # (one calm line among murmurs and a "还有呢" is not a temperature lowered: it takes two, or the
    # other person found; a pretext seen through may be left after one, with a graceful leave)
    calmed = sum(rule == "concerns.calmed" for rule, _, _ in walk.points)
    left = "concerns.withdrew" in walk.once
    handled = "concerns.other_person" in walk.once or calmed >= 2 or (exposed and calmed and left)
    # at 不承诺 the seed asks for reflecting on our own part (反思) or another way in, then for leaving (果断退出)
    bought = any(rule == "concerns.bought_off" for rule, _, _ in walk.points)  # perks offered are no asking-for-nothing
    held_back = not bought and ((highest >= rank("argument") or exposed) and asked_again == 0 and bool(handled) or (
        highest == rank("no_commitment") and asked_again <= 1 and left and not worsened
        and bool(walk.once & {"concerns.reflected", "concerns.other_person"})))
    return ConcernReport(points=walk.points, level=LEVELS[highest], held_back=held_back, unhandled_pushes=unhandled)
