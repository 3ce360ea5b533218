"""Question detection: does the labeller hear that a line asks (any label but statement)?

- The shared question sets (AnnoMI, CPED) are read through small hand-made files in their
  formats, written here; the project's tests never read ../shared.
- Golden lines: the rule families taught by those dev sets (indirect questions, requests for
  information, unpunctuated Chinese questions, turns that end in a question), each with the
  rule that must decide, and the statements with wh-words they must leave alone.
- Known failures (tests/scoring/cases/known_failures_{zh,en}.yaml) are lines no text rule can
  catch; each must still fail, so a change that fixes one is noticed and the line moves into
  the labelled corpus.
"""

from pathlib import Path

import pytest
import yaml

from scoring import label
from scoring.evaluate import (
    ZH_BASELINE,
    Detection,
    baseline_asks,
    evaluate_questions,
    read_questions,
    table_format,
)

CASES = Path(__file__).resolve().parent / "cases"

ANNOMI = (
    "transcript\tquestion\tquestion_subtype\treflection\tmain_behaviour\ttext\n"
    "4\t1\topen\t0\tquestion\tTell me a little bit about your team.\n"
    "4\t0\tn/a\t0\ttherapist_input\tWhat we usually see is a 20% drop.\n"
    "4\t1\tclosed\t1\treflection\tSo you're worried about the rollout?\n"
    "2\t1\topen\t0\tquestion\tHow are you handling returns today?\n"
    "2\t0\tn/a\t0\ttherapist_input\tYou knew that.\n"
    "6\t1\tclosed\t0\tquestion\tAnd you're still doing it by hand.\n"
    "6\t0\tn/a\t0\ttherapist_input\tThanks, see you next week?\n"
)
CPED = (
    "question\ttext\n"
    "1\t王总那边批了没有\n"
    "1\t你们用的是金蝶吧\n"
    "0\t我不知道他去哪了\n"
    "0\t关键还是数据安全\n"
    "1\t你真打算放弃了\n"
    "0\t这个我们去看看什么情况\n"
    "0\t断了的一行\n"
    "接着的一行\n"
)


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_the_format_is_read_from_the_header(tmp_path: Path) -> None:
    assert table_format(_write(tmp_path, "a.tsv", ANNOMI)) == "annomi"
    assert table_format(_write(tmp_path, "c.tsv", CPED)) == "cped"
    assert table_format(_write(tmp_path, "l.tsv", "text\tlabel\ttopic\tnote\n还有呢?\textension\t\t\n")) == "labels"
    with pytest.raises(ValueError, match="labels file"):
        read_questions(tmp_path / "l.tsv")


def test_annomi_halves_follow_transcripts_and_reflections_are_left_out(tmp_path: Path) -> None:
    qset = read_questions(_write(tmp_path, "a.tsv", ANNOMI))
    assert (qset.format, qset.lang, qset.left_out) == ("annomi", "en", 1)
    assert len(qset.rows) == 6 and not any("worried" in r.text for r in qset.rows)
    # transcripts in id order 2, 4, 6 alternate: 2 and 6 tune, 4 measures
    halves = {r.group: r.half for r in qset.rows}
    assert halves == {"2": "tune", "4": "measure", "6": "tune"}


def test_cped_halves_alternate_by_row_and_a_broken_line_is_skipped(tmp_path: Path) -> None:
    qset = read_questions(_write(tmp_path, "c.tsv", CPED))
    assert (qset.format, qset.lang, qset.malformed) == ("cped", "zh", 1)
    assert [r.half for r in qset.rows] == ["tune", "measure"] * 3 + ["tune"]
    assert [r.question for r in qset.rows] == [True, True, False, False, True, False, False]


def test_question_report_counts_the_labeller_and_the_baseline(tmp_path: Path) -> None:
    report = evaluate_questions(read_questions(_write(tmp_path, "a.tsv", ANNOMI)))
    lab, base = report.labeller["all"], report.baseline["all"]
    # labeller: finds "Tell me a little bit…" and "How are you…?", leaves "What we usually see…" and
    # "You knew that." as statements, misses the intonation-only "And you're still doing it by hand."
    # and is fooled, like "contains ?", by "Thanks, see you next week?"
    assert (lab.tp, lab.fp, lab.fn, lab.tn) == (2, 1, 1, 2)
    assert (base.tp, base.fp, base.fn, base.tn) == (1, 1, 2, 2)
    assert report.labeller["tune"].total + report.labeller["measure"].total == lab.total == 6
    text = report.format_table("tune")
    assert 'baseline: contains "?"' in text and "1 reflections left out" in text
    assert "disagreements on tune" in text and "And you're still doing it by hand." in text
    assert "What we usually see" not in text  # a measuring-half line, and right anyway


def test_chinese_report_shows_the_one_line_baseline(tmp_path: Path) -> None:
    report = evaluate_questions(read_questions(_write(tmp_path, "c.tsv", CPED)))
    text = report.format_table()
    assert ZH_BASELINE in text and "1 malformed lines skipped" in text
    assert "disagreements" not in text  # misses only on request
    assert report.labeller["all"].accuracy > report.baseline["all"].accuracy


def test_detection_arithmetic() -> None:
    d = Detection(tp=6, fp=2, fn=4, tn=8)
    assert d.total == 20 and d.accuracy == pytest.approx(0.7)
    assert d.precision == pytest.approx(0.75) and d.recall == pytest.approx(0.6)
    assert d.f1 == pytest.approx(2 * 0.75 * 0.6 / 1.35)
    assert Detection().accuracy == 1.0 and Detection().f1 == 1.0


def test_baselines() -> None:
    assert baseline_asks("How much?", "en") and not baseline_asks("Tell me about it.", "en")
    assert baseline_asks("你们用的是金蝶吧", "zh") and baseline_asks("谁拍板", "zh")
    assert not baseline_asks("你们现在是手工排班", "zh")


# ---- golden lines: the rule families behind the dev-set figures, in the sales setting

@pytest.mark.parametrize(("text", "expected", "rule"), [
    # a wh-word in asking position asks without a licence: at the end, or a why / how-come word anywhere
    ("你们仓库现在情况怎么样了", "exploratory", None),
    ("下一次院长办公会是什么时候开", "exploratory", None),
    ("为啥直订一直做不起来", "exploratory", None),
    ("这个月的数据怎么又没报上来", "exploratory", None),
    # A-not-A without a mark: V了没有, V下来没有, V过…没, VV不VV, V得C V不C
    ("王总那边批了没有", "exploratory", "explore.process.steps"),
    ("预算批下来没有", "exploratory", None),
    ("你们之前试过哪家的系统没", "exploratory", None),
    ("这个功能你们需要不需要", "exploratory", None),
    ("月底前来得及来不及", "exploratory", None),
    # tags without a comma, presumptive 吧, …好吧 after a proposal
    ("你们一共三个院区是吧", "confirmation", "confirmation.tag"),
    ("你们用的是金蝶吧", "exploratory", "explore.process.competition"),
    ("您这边压力挺大吧", "exploratory", "explore.stake"),
    ("下周三上午我们过来演示好吧", "commitment_request", "commitment.ask"),
    # alternatives without a mark; rhetorical forms; proposals
    ("采购是走招标还是直接采购", "exploratory", None),
    ("难道您不担心数据丢失", "control", "control.rhetorical"),
    ("您以为便宜的就一定省钱", "control", "control.rhetorical"),
    ("要不咱们先从最痛的环节做起", "control", "control.proposal"),
    # requests for information and indirect requests
    ("您讲讲现在排班是怎么做的", "exploratory", None),
    ("给我们介绍一下现在的流程", "exploratory", None),
    ("我想了解一下你们的审批流程", "exploratory", None),
    ("就是想问问每个月能承受的支出上限是多少", "exploratory", None),
    # a paraphrase put to the customer is a confirmation even without a mark
    ("您的意思是三月前要上线", "confirmation", "confirmation.paraphrase"),
    ("我的意思是先做试点", "statement", None),
    # a wh-word inside an if-clause is indefinite, unless the line asks what to do then
    ("如果有什么问题随时找我", "statement", None),
    ("如果出现什么异常,系统会自动报警", "statement", "statement.embedded"),
    ("要是系统宕机了怎么办", "exploratory", None),
    ("如果上了这套系统,对门店有什么好处", "exploratory", "explore.need.benefit"),
    # a space between Chinese characters is a pause between sentences: the last question decides
    ("好的 那预算大概多少", "exploratory", "explore.process.budget"),
    ("我们在华东做了三十多家医院 您这边门诊排队一般要等多久", "exploratory", None),
    ("您说的不合适主要指哪块 我想先弄明白", "extension", "extension.meaning"),
    # and the statements with wh-words, 还是 or 吧 they must leave alone
    ("我不知道他去哪了", "statement", "statement.embedded"),
    ("问题的答案是什么", "statement", "statement.embedded"),
    ("具体多少钱要看模块", "statement", "statement.embedded"),
    ("我们先试一下看看效果怎么样", "statement", "statement.embedded"),
    ("这个需要多久我回去确认后告诉您", "statement", "statement.embedded"),
    ("其实也没什么复杂的", "statement", None),
    ("一次性付清还是分期都可以", "statement", None),
    ("关键还是数据安全", "statement", None),
    ("你们现在还是手工排班", "confirmation", None),  # intonation only: the asks model hears it (labels_zh.tsv)
    ("这就是为什么很多医院先做试点", "statement", None),
    ("您想什么时候开始都可以", "statement", None),
    ("那就先这样吧", "statement", None),
    ("您这办公室景色真不错啊", "statement", None),
    ("我给您介绍一下我们的产品", "statement", None),
])
def test_zh_questions_without_a_mark(text: str, expected: str, rule: str | None) -> None:
    got = label(text, "zh")
    assert got.label == expected, f"{text!r}: {got.rule}"
    if rule is not None:
        assert got.rule == f"zh.{rule}", f"{text!r}: {got.rule}"


@pytest.mark.parametrize(("text", "expected", "rule"), [
    # indirect questions, at the start or after a lead word, with or without a wh-word
    ("I'm wondering if you've given any thought to switching vendors.", "exploratory", None),
    ("So I'm wondering how much of the reporting you still do by hand.", "exploratory", None),
    ("I'd like to understand how approvals work on your side.", "exploratory", None),
    ("So, I guess I'm wondering if you've given any thought to a second site.", "exploratory", None),
    ("If you could just give me a rough idea of the volumes.", "exploratory", None),
    ("Maybe you could tell me about how the night shift hands over.", "exploratory", None),
    ("I'm interested in how you handle returns.", "exploratory", None),
    # requests for information, at the start of the sentence or of its last clause
    ("Tell me a little bit about your team.", "exploratory", None),
    ("Okay. Tell us something about how the night shift runs.", "exploratory", None),
    ("As a first step, explain how orders reach the warehouse today.", "exploratory", None),
    ("I'd love to hear more about how the clinics book appointments.", "exploratory", None),
    ("Say a bit more about that.", "extension", "extension.resume"),
    # a wh-word with an inverted auxiliary asks wherever it stands
    ("On a scale of 1 to 10 what number would you give the current vendor.", "exploratory", None),
    ("We talked about pricing, and where do you think the money comes from", "exploratory", None),
    # informational turns that end in a question
    ("Our platform already integrates with SAP. Tell me a little about how your month-end close runs.",
     "exploratory", None),
    ("We cut picking errors by half at a similar site, so I'm curious how you measure accuracy today.",
     "exploratory", None),
    # "Right?" alone still asks; a closing quote ends its sentence; stutters read once
    ("Right? The audit is what started all this.", "confirmation", "confirmation.tag"),
    ('Your CFO said "we need it by March." How firm is that date?', "exploratory", None),
    ("Wh-what does the approval path look like?", "exploratory", None),
    # statements with wh-words, "when", "which", short tags without a mark
    ("What we usually see is a 20% drop in stock-outs.", "statement", None),
    ("When you're ready, we can set up a pilot.", "statement", None),
    ("Which is why we suggest starting with one site.", "statement", None),
    ("We have modules for billing, which can help with the backlog.", "statement", None),
    ("I'll check what the lead time is and get back to you.", "statement", "statement.embedded"),
    ("I was wondering the same thing myself.", "statement", None),
    ("They do, yes.", "statement", None),
    ("Mm, okay.", "statement", "statement.filler"),
    ("Have a great weekend.", "statement", None),
    ("Let me know if anything changes.", "statement", None),
    ("Tell me if you need anything else.", "statement", None),
])
def test_en_questions_without_a_mark(text: str, expected: str, rule: str | None) -> None:
    got = label(text, "en")
    assert got.label == expected, f"{text!r}: {got.rule}"
    if rule is not None:
        assert got.rule == f"en.{rule}", f"{text!r}: {got.rule}"


def test_the_line_asks_where_the_customer_would_answer() -> None:
    """The hearing module and the customer engine read `asked_texts()`: after a pause (a space
    between Chinese characters) the later sentence is the one asked; a request is asked too."""
    from scoring.labeller.engine import analyse

    got = analyse("好的 那预算大概多少", "zh")
    assert got.asked_texts()[0] == "那预算大概多少"
    assert analyse("We talked about pricing. Tell me about your budget cycle.", "en").asked_texts()[0] \
        == "tell me about your budget cycle"


# ---- known failures: questions carried by intonation alone

def _known(lang: str) -> list[dict]:
    return yaml.safe_load((CASES / f"known_failures_{lang}.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize(("lang", "case"), [(lang, c) for lang in ("zh", "en") for c in _known(lang)],
                         ids=lambda v: v["text"] if isinstance(v, dict) else v)
def test_known_failure_is_still_a_failure(lang: str, case: dict) -> None:
    got = label(case["text"], lang)
    heard = got.label != "statement"
    assert heard != case["asks"], (
        f"{case['text']!r} is now heard right ({got.label}, {got.rule}): move it into "
        f"tests/data/labels_{lang}.tsv with its label and delete it from known_failures_{lang}.yaml")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_known_failures_are_documented(lang: str) -> None:
    cases = _known(lang)
    assert len(cases) >= 5
    for case in cases:
        assert set(case) >= {"text", "asks", "source", "why"}, case
