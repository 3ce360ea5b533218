"""The figures people read (talk share, seconds of silence), rounded once, here.

Every page (the chat result, the replay, the printable page) and every reason the grader writes
shows these values, so a pause never reads 1.4 s on one page and 1.5 s on another. Halves round
up, on the hundredths the grader measures in (`silence.py`)."""

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from scoring.models import LineLabel, Pause, QuestionPause, Transcript
from scoring.silence import SilenceReport, measure


def percent(ratio: float) -> int:
    """A share (0..1) as whole percent: 0.445 is 45."""
    return int((Decimal(repr(ratio)) * 100).quantize(Decimal(1), ROUND_HALF_UP))


def tenths(seconds: float) -> float:
    """Seconds to one decimal, from their hundredths: 1.449 is 1.45, shown 1.5."""
    hundredths = Decimal(repr(seconds)).quantize(Decimal("0.01"), ROUND_HALF_UP)
    return float(hundredths.quantize(Decimal("0.1"), ROUND_HALF_UP))


def shown(seconds: float, threshold: float, held: bool) -> float:
    """`tenths`, kept on the side of the verdict: a missed 3.96 s pause reads 3.9, not 4.0 beside a 4 s norm."""
    value = tenths(seconds)
    if not held and value >= threshold:
        return float(Decimal(repr(threshold)) - Decimal("0.1"))
    return value


def answer_pauses(report: SilenceReport, threshold: float) -> list[Pause]:
    """The scorecard's `pauses`: each pause after an answer with the grader's verdict and its shown figure."""
    return [Pause(answer_seq=a.answer_seq, seq=a.seq, pause_s=a.pause, held=a.held,
                  shown_s=shown(a.pause, threshold, a.held)) for a in report.answers]


def question_pauses(report: SilenceReport, threshold: float) -> list[QuestionPause]:
    """The scorecard's `question_pauses`: the silence after each question, the verdict, the shown figure."""
    out = []
    for q in report.questions:
        value = None if q.gap is None else shown(q.gap, threshold, q.held is not False)
        verdict = (None if q.held is None or value is None else "broken" if not q.held
                   else "answered" if q.answered and value < threshold else "held")
        out.append(QuestionPause(seq=q.seq, held=q.held, answered=q.answered, gap_s=q.gap, shown_s=value,
                                 verdict=verdict))
    return out


def complete(card: dict[str, Any], transcript: Transcript) -> dict[str, Any]:
    """A stored scorecard with the figures above filled in where it was graded before they existed."""
    if "talk_percent" in card and "question_pauses" in card:
        return card
    threshold = card["silence"]["threshold_s"]
    labels = {t["seq"]: LineLabel(label=t["label"], rule=t.get("rule", ""), reason="") for t in card.get("turns", [])}
    turns = sorted((t for t in transcript.turns if t.speaker == "customer" or t.seq in labels), key=lambda t: t.seq)
    report = measure(turns, labels, threshold)
    ratio = card.get("talk_ratio")
    return card | {
        "talk_percent": None if ratio is None else percent(ratio),
        "pauses": [p.model_dump() for p in answer_pauses(report, threshold)],
        "question_pauses": [q.model_dump() for q in question_pauses(report, threshold)],
    }
