"""grade(): one small transcript per rule of DESIGN 2.4 / 2.5 and the scorecard contract of 4.1b."""

import time
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from scoring import Scorecard, Transcript, grade, label, load_rubric
from scoring.customer import read as read_customer
from scoring.hearing.claims import numbers
from scoring.models import MOTIVES
from scoring.rubric import POINT_RULES


def tx(*turns: tuple, lang: str = "zh", **extra) -> Transcript:
    """Turns as ("t", text, typing_started_at, sent_at) or ("c", text, started_at, ended_at); seq in order."""
    out = []
    for seq, (who, text, *times) in enumerate(turns, start=1):
        a, b = (times + [None, None])[:2]
        if who == "t":
            out.append({"seq": seq, "speaker": "trainee", "text": text, "typing_started_at": a, "sent_at": b})
        else:
            out.append({"seq": seq, "speaker": "customer", "text": text, "started_at": a, "ended_at": b})
    return Transcript.model_validate({"session_id": "s1", "persona_id": "p1", "language": lang, "turns": out, **extra})


def points(card: Scorecard, rule: str) -> list:
    return [p for p in card.points if p.rule == rule]


def turn(card: Scorecard, seq: int):
    return next(t for t in card.turns if t.seq == seq)


# ---- golden silence after a question

def test_question_held_when_the_customer_answers_next() -> None:
    card = grade(tx(("t", "预算大概是多少?", 1, 3), ("c", "八十万左右。", 4, 6)))
    assert card.silence.after_question.model_dump() == {"held": 1, "broken": 0}
    assert points(card, "listening.question_held")[0].seq == 1


def test_question_broken_by_a_second_line_within_the_threshold() -> None:
    card = grade(tx(("t", "预算大概是多少?", 1, 3), ("t", "我是说今年的预算。", 3.5, 4.5), ("c", "八十万。", 6, 7)))
    assert card.silence.after_question.model_dump() == {"held": 0, "broken": 1}
    (broken,) = points(card, "listening.question_broken")
    assert (broken.seq, broken.delta) == (1, load_rubric().points["listening.question_broken"].delta)
    assert "1.5" in broken.reason and "1.5" in " ".join(turn(card, 1).notes)


def test_a_second_line_after_the_threshold_does_not_break_it() -> None:
    card = grade(tx(("t", "预算大概是多少?", 1, 3), ("t", "我是说今年的预算?", 6, 7), ("c", "八十万。", 8, 9)))
    assert card.silence.after_question.model_dump() == {"held": 2, "broken": 0}


def test_the_threshold_comes_from_the_rubric(tmp_path) -> None:
    data = yaml.safe_load(load_rubric().model_dump_json()) | {"silence_threshold_s": 1.0, "name": "quick"}
    path = tmp_path / "quick.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    script = (("t", "预算大概是多少?", 1, 3), ("t", "今年的?", 4, 4.5), ("c", "八十万。", 6, 7), ("t", "好的。", 8.5, 9))
    assert grade(tx(*script)).silence.after_question.broken == 1
    card = grade(tx(*script), load_rubric(str(path)))
    assert card.silence.threshold_s == 1.0 and card.silence.after_question.broken == 0
    assert card.silence.after_answer.held == 1


# ---- golden silence after an answer

def test_answer_held_and_missed_use_the_first_keystroke() -> None:
    card = grade(tx(
        ("t", "预算大概是多少?", 1, 3), ("c", "八十万左右。", 4, 6),
        ("t", "谁来审批?", 10.5, 12), ("c", "院长办公会。", 13, 14),
        ("t", "什么时候开会?", 15, 20), ("c", "下个月。", 21, 22),
    ))
    assert card.silence.after_answer.model_dump() == {"held": 1, "missed": 1}
    assert [(p.answer_seq, p.seq, p.pause_s, p.held) for p in card.pauses] == [(2, 3, 4.5, True), (4, 5, 1.0, False)]
    assert points(card, "listening.answer_missed")[0].seq == 5
    assert any("1.0" in n for n in turn(card, 5).notes)


def test_without_typing_times_sent_at_stands_in() -> None:
    card = grade(tx(("t", "预算大概是多少?", None, 3), ("c", "八十万。", 4, 6),
                    ("t", "谁来审批?", None, 12), ("c", "院长。", 13, 14), ("t", "还有呢?", None, 15)))
    assert [(p.seq, p.pause_s) for p in card.pauses] == [(3, 6.0), (5, 1.0)]
    assert card.silence.after_answer.model_dump() == {"held": 1, "missed": 1}


def test_customer_times_fall_back_to_started_at_then_are_not_counted() -> None:
    card = grade(tx(("t", "预算大概是多少?", 1, 2), ("c", "八十万。", 3, None), ("t", "谁来审批?", 8, 9),
                    ("c", "院长。", None, None), ("t", "还有呢?", 10, 11)))
    assert [(p.answer_seq, p.pause_s) for p in card.pauses] == [(2, 5.0)]
    assert card.silence.after_answer.model_dump() == {"held": 1, "missed": 0}


def test_an_answer_never_responded_to_counts_as_neither() -> None:
    card = grade(tx(("t", "预算大概是多少?", 1, 2), ("c", "八十万。", 3, 4)))
    assert card.silence.after_answer.model_dump() == {"held": 0, "missed": 0}
    assert card.pauses == []


def test_a_statement_is_not_a_question_for_silence() -> None:
    card = grade(tx(("t", "我们的系统很稳定。", 1, 2), ("t", "支持4K。", 2.5, 3), ("c", "嗯。", 4, 5)))
    assert card.silence.after_question.model_dump() == {"held": 0, "broken": 0}


# ---- commitment

REQUEST = "下周三上午能请您和信息科的李工一起看一下演示吗?"


@pytest.mark.parametrize(("reply", "secured"), [
    ("好的,没问题。", True),
    ("可以,我来安排。", True),
    ("明天不行,下周一下午吧,我叫上刘经理。", True),
    ("回头再联系吧。", False),
    ("我考虑一下。", False),
    ("好的,我考虑一下。", False),
    ("不行,最近太忙了。", False),
    ("可以可以,这事我记下了,到时候我亲自跟。", True),
    ("这个我暂时答应不了。院长问责下来我扛不住,我跟你直说吧。", False),
    ("咱们今天先到了解情况这一步吧。", False),
    ("下周三不行,我再想想吧。", False),  # the time is the one refused; nothing is offered after it
    ("周三不行,那就周五上午吧。", True),
])
def test_commitment_secured_only_by_acceptance_or_a_concrete_counter(reply: str, secured: bool) -> None:
    card = grade(tx(("t", "这个项目的目的是什么?", 1, 2), ("c", "提升会诊效率。", 3, 5),
                    ("t", REQUEST, 10, 12), ("c", reply, 13, 15)))
    assert card.commitment.requested is True
    assert card.commitment.secured is secured
    assert card.commitment.seq == (4 if secured else None)
    assert card.outcome == ("advance" if secured else "continuation")
    assert bool(points(card, "commitment.secured")) is secured


@pytest.mark.parametrize(("reply", "secured"), [
    ("Sure, Tuesday works.", True),
    ("Not this week. How about next Monday? I'll bring our CFO.", True),
    ("I'll think about it.", False),
    ("Let's keep in touch.", False),
    ("Tuesday doesn't work for me, sorry.", False),
    ("Tuesday doesn't work. Thursday at 10, though?", True),
])
def test_commitment_in_english(reply: str, secured: bool) -> None:
    card = grade(tx(("t", "What's the goal of this project?", 1, 2), ("c", "Faster close.", 3, 5),
                    ("t", "Could we set up a demo with your CFO next Tuesday?", 10, 12), ("c", reply, 13, 15),
                    lang="en"))
    assert (card.commitment.secured, card.commitment.seq) == (secured, 4 if secured else None)


def test_elements_come_from_request_and_acceptance_in_order() -> None:
    card = grade(tx(("t", "这个项目的目的是什么?", 1, 2), ("c", "提升效率。", 3, 4),
                    ("t", "能不能麻烦您安排一次演示?", 9, 10),
                    ("c", "可以,下周二下午,我叫上王院长,这样也省得您再跑一趟。", 11, 13)))
    assert card.commitment.elements == ["time", "people", "action", "benefit"]
    assert len(points(card, "commitment.element")) == 4


def test_unsecured_request_reports_its_own_elements_and_a_fall_back_is_credited() -> None:
    card = grade(tx(("t", "这个项目的目的是什么?", 1, 2), ("c", "提升效率。", 3, 4),
                    ("t", REQUEST, 9, 10), ("c", "我考虑一下。", 11, 12),
                    ("t", "那我先把案例发给您,您周五前看一下,可以吗?", 17, 18), ("c", "好的。", 19, 20)))
    assert card.commitment.secured and card.commitment.seq == 6
    assert [p.seq for p in points(card, "commitment.fall_back")] == [5]
    assert any("没有答应" in n for n in turn(card, 3).notes)


@pytest.mark.parametrize(("lang", "offer", "reply"), [
    ("zh", "那我回去把方案整理好,这周五之前发给您,您先看看,行吗?", "行,你发过来我看看。"),
    ("zh", "资料发您之后,我下周二再给您打个电话跟进一下,您看可以吗?", "行,你先发吧。"),
    ("en", "Can I send you the case study from the Dayton plant?", "Sure, send it over."),
    ("en", "I'll call you Tuesday to follow up, is that ok?", "Fine."),
])
def test_offering_our_own_next_task_asks_the_customer_for_nothing(lang: str, offer: str, reply: str) -> None:
    """DESIGN 2.5: a commitment is the customer's action; our sending material or calling back is a plan of ours."""
    opener = ("这个项目的目的是什么?", "提升效率。") if lang == "zh" else ("What is the project for?", "Efficiency.")
    card = grade(tx(("t", opener[0], 1, 2), ("c", opener[1], 3, 4), ("t", offer, 9, 10), ("c", reply, 11, 12), lang=lang))
    assert not card.commitment.requested and not card.commitment.secured
    assert points(card, "commitment.none")


def test_no_request_is_a_deduction_and_a_continuation() -> None:
    card = grade(tx(("t", "这个项目的目的是什么?", 1, 2), ("c", "提升效率。", 3, 4)))
    assert card.commitment.model_dump() == {"requested": False, "secured": False, "seq": None, "elements": []}
    assert points(card, "commitment.none")[0].delta < 0 and card.outcome == "continuation"


def test_asking_before_exploring_is_too_early() -> None:
    card = grade(tx(("t", REQUEST, 1, 2), ("c", "好的。", 3, 4)))
    assert points(card, "commitment.too_early")[0].seq == 1


# ---- questioning

def test_control_before_exploration_is_flagged_on_its_turn() -> None:
    card = grade(tx(("t", "这个方案是不是很适合您?", 1, 2), ("c", "不一定。", 3, 4),
                    ("t", "这个项目的目的是什么?", 9, 10), ("c", "提升效率。", 11, 12),
                    ("t", "如果效率提升一倍,您是不是就能按时完成目标了?", 17, 18)))
    (flag,) = points(card, "questioning.control_before_explore")
    assert flag.seq == 1 and flag.delta < 0
    assert any("控制类提问" in n for n in turn(card, 1).notes)
    assert [p.seq for p in points(card, "questioning.control_after_explore")] == [5]


def test_early_pitch_and_ask_versus_tell() -> None:
    card = grade(tx(("t", "我们的系统支持4K拼接。", 1, 2), ("t", "我们在全国服务了200多家医院。", 3, 4),
                    ("c", "哦。", 5, 6), ("t", "这个项目的目的是什么?", 11, 12)))
    assert [p.seq for p in points(card, "questioning.early_pitch")] == [1, 2]
    assert points(card, "questioning.tell_more_than_ask")[0].seq is None
    assert card.counts.pitch == 2


def test_confirmation_before_the_close_is_credited_and_missing_one_is_not() -> None:
    good = grade(tx(("t", "这个项目的目的是什么?", 1, 2), ("c", "提升效率。", 3, 4),
                    ("t", "也就是说,关键是效率?", 9, 10), ("c", "对。", 11, 12), ("t", REQUEST, 17, 18)))
    assert points(good, "questioning.summary_before_close")[0].seq == 3
    bad = grade(tx(("t", "这个项目的目的是什么?", 1, 2), ("c", "提升效率。", 3, 4), ("t", REQUEST, 9, 10)))
    assert points(bad, "questioning.no_summary_before_close")[0].seq == 3


def test_counts_match_the_labels() -> None:
    card = grade(tx(
        ("t", "王主任您好。", 1, 2), ("t", "这个项目的目的是什么?", 2, 3), ("c", "提升效率。", 4, 5),
        ("t", "还有呢?", 10, 11), ("c", "还有稳定。", 12, 13),
        ("t", "换句话说,您最看重稳定?", 18, 19), ("c", "对。", 20, 21),
        ("t", "如果系统更稳定,您是不是就放心了?", 26, 27), ("c", "是。", 28, 29),
        ("t", "我们的系统很稳定。", 34, 35), ("t", REQUEST, 36, 37), ("c", "好的。", 38, 39),
    ))
    assert card.counts.model_dump() == {"exploratory": 1, "extension": 1, "control": 1, "confirmation": 1,
                                        "commitment_request": 1, "statement": 2, "pitch": 1}
    assert [t.label for t in card.turns] == ["statement", "exploratory", "extension", "confirmation", "control",
                                             "statement", "commitment_request"]


# ---- concerns and motive

def test_a_voiced_concern_should_be_explored_not_pushed_past() -> None:
    explored = grade(tx(("t", "您怎么看?", 1, 2), ("c", "我担心数据迁移的风险。", 3, 4),
                        ("t", "您最担心迁移的哪一部分?", 9, 10)))
    assert [p.seq for p in points(explored, "concerns.step")] == [3]  # 探寻异议, the first step
    pitched = grade(tx(("t", "您怎么看?", 1, 2), ("c", "我担心数据迁移的风险。", 3, 4),
                       ("t", "我们的平台已经服务了200多家医院,非常稳定。", 9, 10)))
    assert [p.seq for p in points(pitched, "concerns.ignored")] == [3]
    assert pitched.dimensions.concerns < explored.dimensions.concerns


def test_no_concern_is_neutral_and_says_so() -> None:
    card = grade(tx(("t", "这个项目的目的是什么?", 1, 2), ("c", "提升效率。", 3, 4)))
    assert card.dimensions.concerns == 70
    assert any("没有表达顾虑" in n for n in card.notes)


def test_unknown_motive_is_neutral_with_a_note() -> None:
    card = grade(tx(("t", "这个项目的目的是什么?", 1, 2), ("c", "提升效率。", 3, 4)))
    assert card.dimensions.motive_fit == 70 and card.motive is None
    assert any("动机" in n for n in card.notes)


def test_motive_fit_follows_the_persona() -> None:
    asks_problems = (("t", "你们现在有什么问题?", 1, 2), ("c", "没什么问题。", 3, 4))
    complacent = grade(tx(*asks_problems), motive="complacent")
    assert points(complacent, "motive_fit.misfit")[0].seq == 1 and complacent.dimensions.motive_fit < 70
    future = grade(tx(("t", "三年后行业的格局会怎么变,您怎么保持领先?", 1, 2), ("c", "好问题。", 3, 4)),
                   motive="complacent")
    assert points(future, "motive_fit.fit") and future.dimensions.motive_fit > complacent.dimensions.motive_fit
    rescue = grade(tx(("t", "同类医院的案例显示故障率降了八成,您想看看吗?", 1, 2)), motive="rescue")
    assert points(rescue, "motive_fit.fit")
    pressure = grade(tx(("t", "名额有限,您最好马上定下来。", 1, 2)), motive="balanced")
    assert points(pressure, "motive_fit.misfit")
    with pytest.raises(ValueError, match="motive"):
        grade(tx(("t", "您好。", 1, 2)), motive="greedy")


MOTIVE_LINES = yaml.safe_load((Path(__file__).resolve().parent / "cases" / "motive_lines.yaml").read_text(encoding="utf-8"))
SPOKEN_TO = [(lang, case["text"], tuple(case["motives"])) for lang, kinds in MOTIVE_LINES.items() for case in kinds["fits"]]
SCATTERED = [(lang, text) for lang, kinds in MOTIVE_LINES.items() for text in kinds["scattered"]]


@pytest.mark.parametrize(("lang", "text", "motives"), SPOKEN_TO)
def test_a_line_fits_the_motives_it_speaks_to(lang: str, text: str, motives: tuple[str, ...]) -> None:
    fitted = [m for m in MOTIVES if points(grade(tx(("t", text, 1, 2), lang=lang), motive=m), "motive_fit.fit")]
    assert tuple(fitted) == motives, text


@pytest.mark.parametrize(("lang", "text"), SCATTERED)
def test_a_line_of_every_motives_words_fits_none(lang: str, text: str) -> None:
    """Seed 003: the seller reads which motive moves this customer; saying every motive's words reads none."""
    for motive in MOTIVES:
        card = grade(tx(("t", text, 1, 2), lang=lang), motive=motive)
        assert not points(card, "motive_fit.fit"), (motive, text)


# ---- the contract

DESIGN_41B = {
    "session_id": "a1b2", "overall": 72, "passed": True,
    "dimensions": {"questioning": 80, "listening": 65, "commitment": 90, "concerns": 60, "motive_fit": 70},
    "counts": {"exploratory": 6, "extension": 2, "control": 1, "confirmation": 2,
               "commitment_request": 1, "statement": 4, "pitch": 1},
    "silence": {"threshold_s": 4.0, "after_question": {"held": 9, "broken": 1},
                "after_answer": {"held": 5, "missed": 4}},
    "commitment": {"requested": True, "secured": True, "seq": 14, "elements": ["time", "people", "action", "benefit"]},
    "turns": [{"seq": 1, "label": "statement", "topic": None, "notes": ["…"]}],
}


def _same_shape(example, actual, where="") -> None:
    if isinstance(example, dict):
        assert isinstance(actual, dict), where
        for key, value in example.items():
            assert key in actual, f"missing {where}.{key}"
            _same_shape(value, actual[key], f"{where}.{key}")
    elif isinstance(example, list):
        assert isinstance(actual, list), where
        if actual:
            _same_shape(example[0], actual[0], f"{where}[0]")
    elif isinstance(example, bool):
        assert isinstance(actual, bool), where
    elif isinstance(example, int) and "threshold" not in where:
        assert isinstance(actual, int) and not isinstance(actual, bool), where
    elif isinstance(example, float):
        assert isinstance(actual, float), where
    elif isinstance(example, str):
        assert isinstance(actual, str), where


RICH = (
    ("t", "王主任您好,我是华康科技的小李。", 1, 3), ("c", "你好。", 4, 5),
    ("t", "这个项目建设的目的是什么?", 10, 12), ("c", "远程会诊,去年的系统故障太多,我很担心。", 13, 16),
    ("t", "您最担心的是什么?", 17, 18), ("t", "还有呢?", 19, 19.5), ("c", "稳定性,还有售后。", 20, 22),
    ("t", "我理解您的意思有两点:稳定和售后,您看对吗?", 27, 30), ("c", "对。", 31, 32),
    ("t", "如果系统更稳定,您是不是就放心了?", 37, 38), ("c", "差不多。", 39, 40),
    ("t", REQUEST, 45, 47), ("c", "明天不行,下周一下午吧,我叫上刘经理。", 48, 50),
)


def test_scorecard_is_a_superset_of_design_41b() -> None:
    data = grade(tx(*RICH), motive="rescue").model_dump(mode="json")
    _same_shape(DESIGN_41B, data)
    assert set(data["dimensions"]) == set(DESIGN_41B["dimensions"])
    assert set(data["counts"]) == set(DESIGN_41B["counts"])
    assert set(data["turns"][0]) >= {"seq", "label", "topic", "pitch", "rule", "reason", "notes"}
    assert {"points", "language", "persona_id", "rubric", "talk_ratio"} <= set(data)
    assert all(0 <= v <= 100 for v in data["dimensions"].values()) and 0 <= data["overall"] <= 100
    assert data["commitment"] == {"requested": True, "secured": True, "seq": 13,
                                  "elements": ["time", "people", "action"]}
    assert [t["seq"] for t in data["turns"]] == [1, 3, 5, 6, 8, 10, 12]


def test_every_point_names_its_turn_and_reason_and_adds_up() -> None:
    transcript = tx(*RICH)
    card = grade(transcript, motive="rescue")
    rubric = load_rubric()
    seqs = {t.seq for t in transcript.turns}
    session_rules = {"questioning.ask_more_than_tell", "questioning.tell_more_than_ask",
                     "listening.talk_ratio_ok", "listening.talk_ratio_high", "commitment.none",
                     "concerns.none_voiced", "motive_fit.unknown", "questioning.no_summary_before_close"}
    assert card.points
    for p in card.points:
        assert p.rule in POINT_RULES and POINT_RULES[p.rule] == p.dimension
        assert p.reason and p.delta != 0
        assert p.seq in seqs or (p.seq is None and p.rule in session_rules), p
    for dim, score in card.dimensions.model_dump().items():
        total = rubric.base[dim] + sum(p.delta for p in card.points if p.dimension == dim)
        assert score == max(0, min(100, total)), dim
    weights = rubric.weights
    assert card.overall == round(sum(weights[d] * v for d, v in card.dimensions.model_dump().items())
                                 / sum(weights.values()))


def test_caps_bound_a_rule(tmp_path) -> None:
    many = []
    questions = ["预算大概是多少?", "什么时候要上线?", "最后谁来拍板?", "还有哪些厂家在接触?", "现在最大的问题是什么?",
                 "这个问题造成了什么影响?", "希望达到什么目标?", "对新系统有什么要求?", "您打算怎么推进?",
                 "这件事对您个人意味着什么?", "都有哪些部门会用?", "解决了对医院有什么好处?"]
    for i, question in enumerate(questions):
        many += [("t", question, i * 20, i * 20 + 1), ("c", "嗯,这个说来话长。", i * 20 + 2, i * 20 + 3)]
    card = grade(tx(*many))
    cap = load_rubric().points["questioning.explore"].cap
    assert sum(p.delta for p in points(card, "questioning.explore")) == cap
    assert all(any("探索类提问" in n for n in t.notes) for t in card.turns)


def test_passed_follows_the_pass_mark_and_is_null_without_one(tmp_path) -> None:
    card = grade(tx(*RICH), motive="rescue")
    assert card.passed == (card.overall >= 70)
    data = yaml.safe_load(load_rubric().model_dump_json()) | {"pass_mark": None, "name": "practice"}
    path = tmp_path / "practice.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    practice = grade(tx(*RICH), load_rubric(str(path)), motive="rescue")
    assert practice.passed is None and practice.rubric == "practice"
    assert practice.model_dump(mode="json")["passed"] is None
    strict = grade(tx(*RICH), load_rubric("certification"), motive="rescue")
    assert strict.passed is False and strict.rubric == "certification"


def test_notes_are_in_the_session_language() -> None:
    card = grade(tx(("t", "What's the goal of this project?", 1, 2), ("t", "I mean this year?", 2.5, 3),
                    ("c", "Faster close.", 4, 5), lang="en"))
    notes = " ".join(turn(card, 1).notes)
    assert "golden silence broken" in notes and "1.0 s" in notes
    assert all(not any("\u4e00" <= ch <= "\u9fff" for ch in n) for n in card.notes)


def test_transcript_validation_names_the_field_and_ignores_extras() -> None:
    with pytest.raises(ValidationError, match="seq"):
        Transcript.model_validate({"turns": [{"seq": "one", "speaker": "trainee", "text": "hi"}]})
    with pytest.raises(ValidationError, match="speaker"):
        Transcript.model_validate({"turns": [{"seq": 1, "speaker": "coach", "text": "hi"}]})
    with pytest.raises(ValidationError, match="language"):
        Transcript.model_validate({"language": "fr", "turns": []})
    t = Transcript.model_validate({"turns": [{"seq": 1, "speaker": "trainee", "text": "hi", "mood": "x"}],
                                   "extra": 1})
    assert t.language == "zh" and t.session_id is None


def test_turn_order_is_by_seq_and_grading_is_deterministic() -> None:
    ordered = tx(*RICH)
    shuffled = Transcript.model_validate(ordered.model_dump() | {"turns": list(reversed(ordered.model_dump()["turns"]))})
    assert grade(shuffled, motive="rescue") == grade(ordered, motive="rescue")


def test_empty_transcript_grades() -> None:
    card = grade(Transcript(turns=[]))
    assert card.turns == [] and card.talk_ratio is None and card.commitment.requested is False


def test_grading_is_fast() -> None:
    from scoring.hearing import hear_line
    from scoring.labeller.engine import analyse

    grade(tx(*RICH))
    analyse.cache_clear()
    hear_line.cache_clear()
    scripts = [tx(*[(w, f"{text} {n}", a, b) for (w, text, a, b) in RICH * 3]) for n in range(10)]
    start = time.process_time()
    for script in scripts:
        grade(script, motive="growth")
    per_turn = (time.process_time() - start) / sum(len(s.turns) for s in scripts)
    assert per_turn < 0.001, f"{per_turn * 1e6:.0f} µs per turn"


def test_talk_measures_monologues_stories_and_questions() -> None:
    from scoring import Transcript, grade

    turns = [
        {"seq": 1, "speaker": "trainee", "text": "王主任您好。", "sent_at": 1.0},
        {"seq": 2, "speaker": "trainee", "text": "我们的系统是业内最好的,功能最全。", "sent_at": 2.0},
        {"seq": 3, "speaker": "trainee", "text": "您现在最头疼的是什么?", "sent_at": 3.0},
        {"seq": 4, "speaker": "customer", "text": "片子太慢。", "started_at": 4.0, "ended_at": 5.0},
        {"seq": 5, "speaker": "customer", "text": "而且系统老出故障,去年宕机了三次。", "started_at": 6.0, "ended_at": 8.0},
        {"seq": 6, "speaker": "trainee", "text": "还有呢?", "sent_at": 12.0},
        {"seq": 7, "speaker": "customer", "text": "没了。", "started_at": 13.0, "ended_at": 14.0},
    ]
    card = grade(Transcript.model_validate({"language": "zh", "turns": turns})).model_dump(mode="json")
    talk = card["talk"]
    assert talk["longest_monologue"] == {"seq": 1, "lines": 3, "chars": 6 + 17 + 11}
    assert talk["longest_customer_story"] == {"seq": 4, "lines": 2, "chars": 5 + 17}
    assert (talk["questions"], talk["statements"], talk["questions_per_statement"]) == (2, 2, 1.0)
    assert talk["ratio"] == card["talk_ratio"]


def _concern_transcript(lines: list[tuple[str, str]]) -> "object":
    from scoring import Transcript

    turns = []
    for seq, (speaker, text) in enumerate(lines, start=1):
        key = {"sent_at": float(seq)} if speaker == "trainee" else {"started_at": float(seq), "ended_at": seq + 0.5}
        turns.append({"seq": seq, "speaker": speaker, "text": text, **key})
    return Transcript.model_validate({"language": "zh", "turns": turns})


def _rules(card: dict) -> list[tuple[str, int | None]]:
    return [(p["rule"], p["seq"]) for p in card["points"] if p["rule"].startswith("concerns.")]


def test_concern_removal_confirmed_before_asking_again() -> None:
    from scoring import grade

    lines = [("trainee", "您对这个项目有什么想法?"), ("customer", "说实话我最担心的是系统不稳定,出了问题我要担责任。"),
             ("trainee", "您具体担心的是哪一类故障?"), ("customer", "主要是宕机。"),
             ("trainee", "我确认一下,如果我们保证两小时到现场,您的这个顾虑就解决了,对吗?"), ("customer", "对。"),
             ("trainee", "那下周三能请您提供近三个月的故障记录吗?"), ("customer", "可以。")]
    lines[4:4] = [("trainee", "如果再出宕机,对您个人影响最大的是什么?"), ("customer", "院长问责下来我扛不住。"),
                  ("trainee", "我们可以先在一个科室试点,出了问题两小时到现场,随时切回原来的方式。"), ("customer", "这样我放心多了。")]
    lines[8] = ("trainee", "这样安排,您刚才的顾虑还存在吗?")
    lines[9] = ("customer", "没什么顾虑了。")
    rules = _rules(grade(_concern_transcript(lines)).model_dump(mode="json"))
    steps = [seq for rule, seq in rules if rule == "concerns.step"]
    assert steps == [3, 5, 7, 9]  # explore, dig, remedy, confirm: in order (DESIGN 2.2)
    assert not [r for r in rules if r[0] == "concerns.pushed"]


def test_asking_again_without_confirming_removal_costs() -> None:
    from scoring import grade

    lines = [("trainee", "您对这个项目有什么想法?"), ("customer", "说实话我最担心的是系统不稳定。"),
             ("trainee", "您具体担心的是哪一类故障?"), ("customer", "主要是宕机。"),
             ("trainee", "那下周三能请您提供近三个月的故障记录吗?"), ("customer", "再说吧。")]
    card = grade(_concern_transcript(lines)).model_dump(mode="json")
    assert ("concerns.pushed", 5) in _rules(card)
    point = next(p for p in card["points"] if p["rule"] == "concerns.pushed")
    assert point["delta"] < 0 and "索取承诺" in point["reason"]


def test_pushing_at_argument_or_resistance_costs_only_at_those_levels() -> None:
    from scoring import grade

    lines = [("trainee", "您对这个项目有什么想法?"), ("customer", "我很担心你们又是来推销的,上次吃过亏。"),
             ("trainee", "下周能请您安排一次演示吗?"), ("customer", "不行。"),
             ("trainee", "那能请您先看看资料吗?"), ("customer", "不需要。")]
    transcript = _concern_transcript(lines)
    high = _rules(grade(transcript, concern_level="resistance").model_dump(mode="json"))
    assert [seq for rule, seq in high if rule == "concerns.pushed_at_high_level"] == [3, 5]
    for level in ("objection", None):
        low = _rules(grade(transcript, concern_level=level).model_dump(mode="json"))
        assert not [r for r in low if r[0] == "concerns.pushed_at_high_level"]


# ---- the customer's words after a concern (a transcript without the engine's record)
# A bare "no" means nothing is left only after the trainee asked whether anything is left; after a
# summary it corrects it. Relief said after a "no" ("No, that takes care of it") is relief.
@pytest.mark.parametrize(("lang", "asked", "reply", "kind"), [
    ("en", "Is there anything about it that still worries you?", "No.", "ease_concern"),
    ("en", "Does that take care of the worry, or is something still bothering you?", "No, that takes care of it.",
     "ease_concern"),
    ("en", "So the budget is signed off by the CFO alone, right?", "No.", "correct"),
    ("en", "Would that help?", "That's not a worry any more, honestly.", "ease_concern"),
    ("zh", "这样安排,您心里还有什么顾虑吗?", "没有了。", "ease_concern"),
    ("zh", "这样安排,您刚才担心的事还在吗?", "要是真能先拿一家试,那我心里踏实不少。", "ease_concern"),
    ("zh", "我理解的是预算由院长一个人定,对吗?", "不是。", "correct"),
    ("en", "Put that way, is it something you'd be happy to stand behind?", "Yeah. That I could stand behind.", "ease_concern"),
    ("en", "So the CFO signs off alone, right?", "Yeah.", "agree"),
    ("zh", "这么弄,您心里踏实了吗?", "对,踏实了。", "ease_concern"),
])
def test_what_a_reply_means_depends_on_what_was_asked(lang: str, asked: str, reply: str, kind: str) -> None:
    events = read_customer(tx(("t", asked, 0.0, 2.0), ("c", reply, 3.0, 4.0), lang=lang).turns, lang, from_acts=False)
    kinds = {e.kind for e in events}
    assert kind in kinds and not {"ease_concern", "correct"} - {kind} & kinds, kinds


@pytest.mark.parametrize(("said", "summary", "same"), [
    ("down for six hours on a Friday", "down for six hours, right?", True),
    ("down for six hours on a Friday", "down for six minutes, right?", False),
    ("上次系统停了两个小时", "上次停了两个小时,对吧?", True),
    ("三个月跑不稳就不上", "三天跑不稳就不上,对吧?", False),
])
def test_a_figure_is_the_same_only_in_the_same_unit_of_time(said: str, summary: str, same: bool) -> None:
    lang = "zh" if summary[0] > "\u3000" else "en"
    told, put = numbers(said, lang), numbers(summary, lang)
    assert told and put and any(p.same(t) for p in put for t in told) is same


@pytest.mark.parametrize(("said", "values"), [
    ("We lost TWENTY-FIVE drivers and Forty percent of the routes", [25.0, 40.0]),
    ("about $1.2m a year, Sixty stores", [1.2e6, 60.0]),
    ("someone mentioned a fivefold rise", []),  # a number word inside a word is no figure
    ("no figures at all in this one", []),
])
def test_english_figures_are_found_whatever_their_case(said: str, values: list[float]) -> None:
    assert [n.value for n in numbers(said, "en")] == values


# ---- a question of a bare word or two earns no credit for exploring (the customer says no more to it)

TERSE = yaml.safe_load((Path(__file__).resolve().parent / "cases" / "terse.yaml").read_text(encoding="utf-8"))
OPEN = {"zh": ("今年最让您头疼的是什么?", "交期老是拖。"), "en": ("What's been the biggest headache this year?", "Late deliveries.")}
# the exploratory lines of the data (a bare word the labeller reads as "go on" is graded as that)
EXPLORING = [(lang, text, kind == "terse") for lang, kinds in TERSE.items() for kind, texts in kinds.items()
             for text in texts if label(text, lang).label == "exploratory"]


def test_the_bare_word_data_has_exploratory_lines_of_both_kinds() -> None:
    for lang in TERSE:
        assert sum(1 for g, _, t in EXPLORING if g == lang and t) >= 3
        assert sum(1 for g, _, t in EXPLORING if g == lang and not t) >= 5


@pytest.mark.parametrize(("lang", "text", "terse"), EXPLORING)
def test_a_bare_word_question_earns_no_exploring_credit(lang: str, text: str, terse: bool) -> None:
    asked, answer = OPEN[lang]
    reply = "嗯。" if lang == "zh" else "Mm."
    card = grade(tx(("t", asked, 0.0, 2.0), ("c", answer, 3.0, 4.0), ("t", text, 9.0, 10.0), ("c", reply, 11.0, 12.0),
                    lang=lang))
    credited = any(p.seq == 3 for p in points(card, "questioning.explore"))
    assert credited is not terse, (text, [p.rule for p in card.points if p.seq == 3])
    assert any("Budget?" in n or "预算?" in n for n in turn(card, 3).notes) is terse
