"""grade(): a transcript to a scorecard, every number traceable to a point with a reason.

Each dimension starts at the rubric's base; each event found adds a priced point naming
its turn (seq) and rule; the dimension is the clipped sum. The same reason becomes a note
on the trainee turn concerned, in the session's language.
"""

from collections import defaultdict
from collections.abc import Sequence

from scoring import commitment as commitment_mod
from scoring import display
from scoring import concerns as concerns_mod
from scoring import customer as customer_mod
from scoring import motive as motive_mod
from scoring import repeats as repeats_mod
from scoring.advice import advise
from scoring.cues import Cues, load_cues
from scoring.forms import form_of
from scoring.hearing import hear_line
from scoring.labeller import label
from scoring.models import (
    DIMENSIONS, LABELS, MOTIVES, AfterAnswer, AfterQuestion, Commitment, Counts, Dimensions, LineLabel,
    Point, Run, Scorecard, Silence, Talk, Transcript, Turn, TurnCard,
)
from scoring.rubric import POINT_RULES, Rubric, load_rubric
from scoring.silence import SilenceReport, measure


class Ledger:
    """Collects points (within each rule's cap) and the notes they leave on turns."""

    def __init__(self, rubric: Rubric, cues: Cues) -> None:
        self.rubric, self.cues = rubric, cues
        self.points: list[Point] = []
        self.notes: dict[int, list[str]] = defaultdict(list)
        self.session_notes: list[str] = []
        self._totals: dict[str, int] = defaultdict(int)

    def note(self, seq: int | None, text: str) -> None:
        (self.notes[seq] if seq is not None else self.session_notes).append(text)

    def add(self, rule: str, seq: int | None, note_on: int | None = None, **ctx: object) -> None:
        """Award `rule` for the event at `seq`; the reason also becomes a note on `note_on` (default seq)."""
        reason = self.cues.points[rule].format(**ctx)
        self.note(note_on if note_on is not None else seq, reason)
        price = self.rubric.points[rule]
        delta = price.delta
        if price.cap is not None:
            room = price.cap - abs(self._totals[rule])
            if room <= 0:
                return
            delta = delta if abs(delta) <= room else (room if delta > 0 else -room)
        if delta:
            self._totals[rule] += delta
            self.points.append(Point(dimension=POINT_RULES[rule], delta=delta, seq=seq, rule=rule, reason=reason,
                                     name=self.cues.name("rules", rule)))


def _questioning(trainee: list[Turn], labels: dict[int, LineLabel], repeats: repeats_mod.Repeats,
                 forms: dict[int, str | None], answers: dict[int, list[customer_mod.Event]], ledger: Ledger,
                 held_back: bool, terse: frozenset[int]) -> None:
    explored = False
    topics: set[str] = set()
    confirmed_at: int | None = None
    closed = False
    opened = False
    closed_run: list[int] = []
    for turn in trainee:
        line = labels[turn.seq]
        form = forms.get(turn.seq)
        if line.label in ("exploratory", "control") and turn.seq not in repeats.questions:
            if form in ("open", "imperative") and not opened:
                opened = True
                if not closed_run:
                    ledger.add("questioning.broad_first", turn.seq)
            elif form in ("closed", "choice", "tag") and not opened:
                closed_run.append(turn.seq)
                if len(closed_run) % 3 == 0:  # every third closed guess more: the longer the run, the less explored
                    ledger.add("questioning.closed_run", turn.seq, count=len(closed_run))
        corrected = any(e.kind == "correct" for e in answers.get(turn.seq, []))
        narrow_first = line.label == "exploratory" and form in ("closed", "choice", "tag") and not opened
        if turn.seq in repeats.questions:
            ledger.add("questioning.repeat", turn.seq)
            ledger.add("listening.asked_again", turn.seq)  # the customer had told it: it was not heard
        elif line.label == "confirmation" and corrected:
            ledger.add("questioning.confirm_corrected", turn.seq)
        elif narrow_first:
            pass  # a yes/no before any open question explores little (由宽到窄): no credit, and no ground to lead on
        elif line.label == "exploratory" and turn.seq in terse:
            explored = True  # "预算?" / "Budget?": the customer knows what it is about and says no more
            ledger.note(turn.seq, ledger.cues.notes["terse_question"])
        elif line.label == "exploratory":
            explored = True
            topic = ledger.cues.name("topics", line.topic or "need")
            ledger.add("questioning.explore", turn.seq, topic=topic)
            if line.topic and line.topic not in topics:
                topics.add(line.topic)
                ledger.add("questioning.topic", turn.seq, topic=topic)
        elif line.label == "control":
            ledger.add("questioning.control_after_explore" if explored else "questioning.control_before_explore",
                       turn.seq)
        elif line.label == "confirmation":
            confirmed_at = turn.seq
            ledger.add("questioning.confirm", turn.seq)
        elif line.label == "commitment_request" and not closed:
            closed = True
            if confirmed_at is not None:
                ledger.add("questioning.summary_before_close", confirmed_at)
            else:
                ledger.add("questioning.no_summary_before_close", turn.seq)
        if line.pitch and not explored:
            ledger.add("questioning.early_pitch", turn.seq)
    if trainee and not closed:
        if confirmed_at is not None:
            ledger.add("questioning.summary_before_close", confirmed_at)
        elif not held_back:  # held back at levels 4-6 there is no close to summarise before
            ledger.add("questioning.no_summary_before_close", None)
    questions = sum(labels[t.seq].label != "statement" for t in trainee)
    statements = len(trainee) - questions
    # at 4-6 handled as the method says, calming is said, not asked: asking as much as telling earns it
    if trainee and (questions > statements or (held_back and questions == statements)):
        ledger.add("questioning.ask_more_than_tell", None, questions=questions, statements=statements)
    elif trainee and statements > questions and not held_back:  # at 4-6, calming is said, not asked
        ledger.add("questioning.tell_more_than_ask", None, questions=questions, statements=statements)


def _talk_ratio(turns: list[Turn]) -> float | None:
    size = {"trainee": 0, "customer": 0}
    for turn in turns:
        size[turn.speaker] += len("".join(turn.text.split()))
    total = size["trainee"] + size["customer"]
    return round(size["trainee"] / total, 3) if total and size["customer"] else None


def _longest_run(turns: list[Turn], speaker: str) -> Run:
    """The longest run of consecutive lines by `speaker` (by characters; ties: the earlier)."""
    best: tuple[int | None, int, int] = (None, 0, 0)  # (first seq, lines, characters): one Run made at the end
    start, lines, chars = None, 0, 0
    for turn in turns:
        if turn.speaker != speaker:
            start, lines, chars = None, 0, 0
            continue
        start, lines, chars = start or turn.seq, lines + 1, chars + len("".join(turn.text.split()))
        if chars > best[2]:
            best = (start, lines, chars)
    return Run(seq=best[0], lines=best[1], chars=best[2])


def _talk(turns: list[Turn], trainee: list[Turn], labels: dict[int, LineLabel], ratio: float | None) -> Talk:
    questions = sum(labels[t.seq].label != "statement" for t in trainee)
    statements = len(trainee) - questions
    return Talk(ratio=ratio, longest_monologue=_longest_run(turns, "trainee"),
                longest_customer_story=_longest_run(turns, "customer"), questions=questions,
                statements=statements,
                questions_per_statement=round(questions / statements, 2) if statements else None)


def _listening(trainee: list[Turn], labels: dict[int, LineLabel], silence: SilenceReport,
               ratio: float | None, repeats: repeats_mod.Repeats, answers: dict[int, list[customer_mod.Event]],
               ledger: Ledger) -> None:
    limit = ledger.rubric.silence_threshold_s
    threshold = f"{limit:g}"
    for q in silence.questions:
        if q.held is None:
            ledger.note(q.seq, ledger.cues.notes["question_unknown_gap"])
        elif q.held:
            ledger.add("listening.question_held", q.seq)
        else:
            ledger.add("listening.question_broken", q.seq, gap=f"{display.shown(q.gap or 0.0, limit, False):.1f}",
                       threshold=threshold)
    for a in silence.answers:
        rule = "listening.answer_held" if a.held else "listening.answer_missed"
        ledger.add(rule, a.seq, pause=f"{display.shown(a.pause, limit, a.held):.1f}", threshold=threshold)
    for turn in trainee:
        if turn.seq in repeats.farmed:
            ledger.add("listening.extension_farmed", turn.seq)
        elif labels[turn.seq].label == "extension":
            # credit only where the customer had more to say (DESIGN 2.2b: it deepens, it is not pumped)
            more = any(e.kind == "more" for e in answers.get(turn.seq, []))
            ledger.add("listening.extension" if more else "listening.extension_empty", turn.seq)
    if ratio is not None:
        # within the tolerance: credit; beyond one and a half times it: too much talking; between,
        # neither, so a few characters more never swing the dimension by the whole of both
        target, tolerance = ledger.rubric.talk_ratio_target, ledger.rubric.talk_ratio_tolerance
        rule = ("listening.talk_ratio_ok" if ratio <= target + tolerance
                else "listening.talk_ratio_high" if ratio > target + 1.5 * tolerance else None)
        if rule is not None:
            ledger.add(rule, None, ratio=display.percent(ratio), target=display.percent(target))


def _commitment(report: commitment_mod.CommitmentReport, labels: dict[int, LineLabel], trainee: list[Turn],
                concern: concerns_mod.ConcernReport, ledger: Ledger, commitments: int | None) -> None:
    if concern.held_back and not report.secured_by:
        # DESIGN 2.2: at levels 4-6 the right play asks for nothing more; such a session can pass.
        ledger.add("commitment.held_back", None, level=ledger.cues.name("levels", concern.level))
        return
    if not report.requested:
        ledger.add("commitment.none", None)
        return
    pushed = {seq for rule, seq, _ in concern.points if rule == "concerns.pushed_at_high_level"}
    if pushed and not report.secured_by:
        # DESIGN 2.2: at 争论/抵触 asking is the error itself; a request made there earns no
        # commitment credit (concerns deducts it), only the requests made before it might.
        for seq in sorted(pushed):
            ledger.note(seq, ledger.cues.notes["commitment_at_high_level"])
        report = commitment_mod.CommitmentReport(
            requests=[r for r in report.requests if r.seq not in pushed],
            elements=report.elements if any(r.seq not in pushed for r in report.requests) else [])
        if not report.requested:
            return
    first = report.requests[0]
    ledger.add("commitment.requested", first.seq)
    first_explore = next((t.seq for t in trainee if labels[t.seq].label == "exploratory"), None)
    if first_explore is None or first_explore > first.seq:
        ledger.add("commitment.too_early", first.seq)
    if first.secured and commitments is not None and commitments > 1 and first.rank == commitments:
        # 从高到低 (seed 002): the first thing asked for was the card's smallest step, and it was given;
        # the bigger ones were never tried. Known only from the engine's record (the rank it granted).
        ledger.add("commitment.started_low", first.seq)
    # 从高到低: after a refusal, asking for the same step again costs patience (at 不承诺 concerns
    # already deducts it as reasked, and at 争论/抵触 as a push)
    counted = {seq for rule, seq, _ in concern.points if rule in ("concerns.reasked", "concerns.pushed_at_high_level")}
    for req in report.requests:
        if req.again and req.seq not in counted:
            ledger.add("commitment.asked_again", req.seq)
    declined = False
    for req in report.requests:
        if declined and not req.again:
            ledger.add("commitment.fall_back", req.seq)
        if req.secured:
            ledger.add("commitment.secured", req.reply_seq, note_on=req.seq)
            break
        if req.reply != "none":
            ledger.note(req.seq, ledger.cues.notes["commitment_unsecured"])
        declined = declined or req.reply in ("vague", "refused", "unclear")
    best = report.secured_by or report.requests[-1]
    for element in report.elements:
        ledger.add("commitment.element", best.seq, elements=ledger.cues.name("elements", element))


def _concerns(report: concerns_mod.ConcernReport, ledger: Ledger) -> None:
    for rule, seq, ctx in report.points:
        ledger.add(rule, seq, **ctx)


def _motive(events: list[motive_mod.MotiveEvent] | None, motive: str | None, ledger: Ledger) -> None:
    if events is None:
        ledger.add("motive_fit.unknown", None)
        return
    name = ledger.cues.name("motives", motive or "")
    for e in events:
        ledger.add(f"motive_fit.{e.kind}", e.seq, motive=name)


def grade(transcript: Transcript, rubric: Rubric | None = None, motive: str | None = None,
          concern_level: str | None = None, false_objection: bool = False, remedy: Sequence[str] = (),
          commitments: int | None = None) -> Scorecard:
    """Score one transcript. `motive` is the persona's motive (growth, rescue, balanced,
    complacent) when known; without it motive_fit is a neutral score, with a note saying so.
    `concern_level` is the persona's concern level (DESIGN 2.2) when known, and
    `false_objection` whether the concern it voices is a pretext: concern handling is judged by
    the level (the words' level otherwise); `remedy`, the persona's remedy text and cues, tells
    which proposal meets the concern; `commitments`, how many the persona's card lists, tells
    whether a granted one was its lowest. The customer's side is read from the engine's record
    when the transcript carries one (`source: acts`), else from its words."""
    if motive is not None and motive not in MOTIVES:
        raise ValueError(f"motive must be one of {', '.join(MOTIVES)} or None, not {motive!r}")
    rubric = rubric or load_rubric()
    lang = transcript.language
    ledger = Ledger(rubric, load_cues(lang))
    turns = sorted(transcript.turns, key=lambda t: t.seq)
    trainee = [t for t in turns if t.speaker == "trainee"]
    labels = {t.seq: label(t.text, lang) for t in trainee}

    source = "acts" if transcript.has_acts else "text"
    events = customer_mod.read(turns, lang, from_acts=source == "acts")
    answers = customer_mod.replies(turns, events)
    forms = {t.seq: form_of(t.text, lang) for t in trainee}
    repeats = repeats_mod.read(turns, labels, lang, from_acts=source == "acts")
    concern = concerns_mod.read(turns, labels, lang, events, concern_level, false_objection,
                               from_acts=source == "acts", remedy=remedy)
    terse = frozenset(t.seq for t in trainee if labels[t.seq].label == "exploratory" and hear_line(t.text, lang).terse)
    _questioning(trainee, labels, repeats, forms, answers, ledger, concern.held_back, terse)
    silence = measure(turns, labels, rubric.silence_threshold_s)
    ratio = _talk_ratio(turns)
    _listening(trainee, labels, silence, ratio, repeats, answers, ledger)
    report = commitment_mod.read(turns, labels, lang, from_acts=source == "acts")
    _commitment(report, labels, trainee, concern, ledger, commitments)
    _concerns(concern, ledger)
    cut_in = frozenset(a.seq for a in silence.answers if not a.held)
    _motive(motive_mod.read(turns, labels, lang, motive, cut_in) if motive else None, motive, ledger)

    sums: dict[str, int] = defaultdict(int)
    for p in ledger.points:
        sums[p.dimension] += p.delta
    dims = {d: max(0, min(100, rubric.base[d] + sums[d])) for d in DIMENSIONS}
    overall = round(sum(rubric.weights[d] * dims[d] for d in DIMENSIONS) / sum(rubric.weights.values()))
    passed = None
    if rubric.pass_mark is not None:
        passed = overall >= rubric.pass_mark and all(dims[d] >= m for d, m in rubric.min_dimension.items())
        if rubric.commitment_required and not (report.secured_by or concern.held_back):
            passed = False  # the scorecard says why: no commitment, and nothing that excused it
            ledger.note(None, ledger.cues.notes["commitment_required"])
        if rubric.objection_pushes_fail is not None and concern.unhandled_pushes >= rubric.objection_pushes_fail:
            passed = False  # a step given to end the meeting does not excuse pushing past an objection
            ledger.note(None, ledger.cues.notes["objection_pushed"].format(times=concern.unhandled_pushes))
        if rubric.kickback_fails:
            for seq in (t.seq for t in trainee if "kickback" in hear_line(t.text, lang).moves):
                passed = False  # 绕过组织利益满足个人动机: no pass, however well the rest went
                ledger.note(seq, ledger.cues.notes["kickback"])

    counts = Counts(**{name: sum(labels[t.seq].label == name for t in trainee) for name in LABELS},
                    pitch=sum(labels[t.seq].pitch for t in trainee))
    held_q = sum(q.held is True for q in silence.questions)
    broken_q = sum(q.held is False for q in silence.questions)
    held_a = sum(a.held for a in silence.answers)
    secured = report.secured_by
    card = Scorecard(
        session_id=transcript.session_id,
        persona_id=transcript.persona_id,
        language=lang,
        source=source,
        rubric=rubric.name,
        motive=motive,
        overall=overall,
        passed=passed,
        dimensions=Dimensions(**dims),
        counts=counts,
        silence=Silence(threshold_s=rubric.silence_threshold_s,
                        after_question=AfterQuestion(held=held_q, broken=broken_q),
                        after_answer=AfterAnswer(held=held_a, missed=len(silence.answers) - held_a)),
        commitment=Commitment(requested=report.requested, secured=secured is not None,
                              seq=secured.reply_seq if secured else None, elements=report.elements),
        outcome="advance" if secured else "continuation",
        talk_ratio=ratio,
        talk_percent=None if ratio is None else display.percent(ratio),
        talk=_talk(turns, trainee, labels, ratio),
        turns=[TurnCard(seq=t.seq, notes=ledger.notes.get(t.seq, []), form=forms[t.seq], **labels[t.seq].to_dict())
               for t in trainee],
        points=ledger.points,
        pauses=display.answer_pauses(silence, rubric.silence_threshold_s),
        question_pauses=display.question_pauses(silence, rubric.silence_threshold_s),
        notes=ledger.session_notes,
        concern_level=concern.level,
        pass_mark=rubric.pass_mark,
        weights=rubric.weights,
        min_dimension=rubric.min_dimension,
    )
    card.next_steps = advise(card, rubric)  # what to do next time: the costliest points, with better lines
    return card
