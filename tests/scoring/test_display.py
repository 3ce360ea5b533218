"""The figures every page shows (scoring/display.py): rounded once, the same in the reasons and the fields."""

from scoring import grade
from scoring.display import complete, percent, shown, tenths
from tests.scoring.test_grader import points, tx


def test_halves_round_up_and_a_missed_pause_never_reads_as_the_norm() -> None:
    assert (percent(0.445), percent(0.444), percent(0.4)) == (45, 44, 40)
    assert (tenths(1.25), tenths(1.449), tenths(1.44)) == (1.3, 1.5, 1.4)
    assert shown(3.96, 4.0, held=False) == 3.9
    assert shown(3.96, 4.0, held=True) == 4.0


def test_reasons_and_fields_show_one_figure_and_stored_cards_get_the_same() -> None:
    # pause after the answer: 11.25 - 10 = 1.25 s (missed, shown 1.3); question 5 broken after 3.96 s
    transcript = tx(("t", "预算大概是多少?", 1, 3), ("c", "八十万左右,明年还要再加一些,主要看院长。", 4, 10),
                    ("t", "审批流程是怎样的?", 11.25, 12), ("c", "院长办公会定。", 13, 14),
                    ("t", "谁参加办公会?", 19, 20), ("t", "还有谁?", 22, 23.96))
    card = grade(transcript)
    missed = points(card, "listening.answer_missed")[0]
    pause = next(p for p in card.pauses if p.seq == missed.seq)
    assert (pause.pause_s, pause.shown_s, pause.held) == (1.25, 1.3, False)
    assert "1.3" in missed.reason and "1.2 " not in missed.reason
    broken = next(q for q in card.question_pauses if q.held is False)
    assert (broken.seq, broken.gap_s, broken.shown_s, broken.verdict) == (5, 3.96, 3.9, "broken")
    assert "3.9" in points(card, "listening.question_broken")[0].reason
    answered = next(q for q in card.question_pauses if q.seq == 1)
    assert (answered.held, answered.answered, answered.shown_s, answered.verdict) == (True, True, 1.0, "answered")
    waited = next(q for q in card.question_pauses if q.seq == 3)  # the customer answered after 1 s too
    assert waited.verdict == "answered"
    held = grade(tx(("t", "预算大概是多少?", 1, 3), ("c", "八十万左右。", 7.5, 9))).question_pauses[0]
    assert (held.shown_s, held.verdict) == (4.5, "held")  # a silence that met the norm
    talk = points(card, "listening.talk_ratio_ok") + points(card, "listening.talk_ratio_high")
    assert card.talk_percent == percent(card.talk_ratio) and f"{card.talk_percent}%" in talk[0].reason

    stored = card.model_dump()
    for key in ("talk_percent", "question_pauses"):
        del stored[key]
    for p in stored["pauses"]:
        del p["shown_s"]
    filled = complete(stored, transcript)
    fresh = card.model_dump()
    assert {k: filled[k] for k in ("talk_percent", "pauses", "question_pauses")} == \
        {k: fresh[k] for k in ("talk_percent", "pauses", "question_pauses")}
