"""Golden silence (黄金静默, DESIGN 2.4), measured from server-side times.

After a question: held unless the trainee sends another line before the customer answers
and within the threshold of the question (broken). After an answer (the first customer
turn after a question): the pause from the end of that turn to the trainee's next first
keystroke (typing_started_at, else sent_at) is held if >= threshold, else missed. An
answer never responded to, or one without times, counts as neither.
"""

from dataclasses import dataclass, field

from scoring.models import LineLabel, Turn


@dataclass(frozen=True)
class QuestionSilence:
    seq: int
    held: bool | None  # None: another line followed but the gap cannot be timed
    gap: float | None  # seconds to the next line: the trainee's (held or broken) or the customer's answer
    answered: bool = False  # the customer spoke next: the silence ended with the answer


@dataclass(frozen=True)
class AnswerPause:
    answer_seq: int
    seq: int  # the trainee turn that responded
    pause: float
    held: bool


@dataclass
class SilenceReport:
    questions: list[QuestionSilence] = field(default_factory=list)
    answers: list[AnswerPause] = field(default_factory=list)


def _sent(turn: Turn) -> float | None:
    return turn.sent_at if turn.sent_at is not None else turn.typing_started_at


def _first_key(turn: Turn) -> float | None:
    return turn.typing_started_at if turn.typing_started_at is not None else turn.sent_at


def _answer_start(turn: Turn) -> float | None:
    return turn.started_at if turn.started_at is not None else turn.ended_at


def _answer_end(turn: Turn) -> float | None:
    return turn.ended_at if turn.ended_at is not None else turn.started_at


def measure(turns: list[Turn], labels: dict[int, LineLabel], threshold: float) -> SilenceReport:
    """Both silences for every trainee question; `labels` maps trainee seq to its label."""
    report = SilenceReport()
    answered: set[int] = set()
    for i, turn in enumerate(turns):
        if turn.speaker != "trainee" or labels[turn.seq].label == "statement":
            continue
        nxt = turns[i + 1] if i + 1 < len(turns) else None
        if nxt is None or nxt.speaker == "customer":
            start, then = _sent(turn), _answer_start(nxt) if nxt is not None else None
            gap = None if start is None or then is None else round(max(then - start, 0.0), 2)
            report.questions.append(QuestionSilence(turn.seq, True, gap, answered=nxt is not None))
        else:
            start, then = _sent(turn), _sent(nxt)
            gap = None if start is None or then is None else round(then - start, 2)
            report.questions.append(QuestionSilence(turn.seq, None if gap is None else gap >= threshold, gap))
        answer_at = next((k for k in range(i + 1, len(turns)) if turns[k].speaker == "customer"), None)
        if answer_at is None or turns[answer_at].seq in answered:
            continue
        answer = turns[answer_at]
        answered.add(answer.seq)
        reply = next((t for t in turns[answer_at + 1:] if t.speaker == "trainee"), None)
        end = _answer_end(answer)
        start = _first_key(reply) if reply is not None else None
        if reply is None or end is None or start is None:
            continue
        pause = round(start - end, 2)
        report.answers.append(AnswerPause(answer.seq, reply.seq, pause, pause >= threshold))
    return report
