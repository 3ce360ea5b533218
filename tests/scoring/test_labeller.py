"""The labeller against the human-labelled corpus (tests/data/labels_*.tsv) and the hard cases."""

from pathlib import Path

import pytest

from scoring import LineLabel, label
from scoring.evaluate import Row, evaluate, read_tsv
from scoring.models import LABELS

DATA = Path(__file__).resolve().parents[1] / "data"
CORPUS = {lang: read_tsv(DATA / f"labels_{lang}.tsv") for lang in ("zh", "en")}


def _cases():
    for lang, rows in CORPUS.items():
        for n, row in enumerate(rows, start=2):
            marks = [pytest.mark.xfail(strict=True, reason=row.note)] if "known_fail" in row.note else []
            yield pytest.param(lang, row, id=f"{lang}:{n}", marks=marks)


@pytest.mark.parametrize(("lang", "row"), list(_cases()))
def test_corpus_line(lang: str, row: Row) -> None:
    got = label(row.text, lang)
    assert got.label == row.label, f"{row.text!r}: {got.rule} {got.reason}"
    if row.label == "exploratory" and row.topic:
        assert got.topic == row.topic, f"{row.text!r}: {got.rule}"
    if row.pitch:
        assert got.pitch, row.text


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_corpus_size_and_spread(lang: str) -> None:
    rows = CORPUS[lang]
    assert len(rows) >= (150 if lang == "zh" else 100)
    present = {r.label for r in rows}
    assert present == set(LABELS)
    topics = {r.topic for r in rows if r.label == "exploratory"}
    assert topics == {"process", "expectation", "need", "motive"}
    assert all(r.label == "exploratory" or r.topic is None for r in rows)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_corpus_agreement_bar(lang: str) -> None:
    report = evaluate(CORPUS[lang], lang)
    assert report.accuracy >= 0.95, report.format()
    for name, stats in report.per_label.items():
        assert stats.recall >= 0.90, f"{name}\n{report.format()}"
    assert report.topic_accuracy >= 0.90, report.format()


# ---- hard cases named in the brief and in question-cues.md, with the rule that must fire

@pytest.mark.parametrize(("text", "lang", "expected", "topic"), [
    ("这件事很紧急吗?", "zh", "exploratory", "motive"),
    ("How urgent is this for you?", "en", "exploratory", "motive"),
    ("您有什么顾虑吗?", "zh", "exploratory", "motive"),
    ("你看这个方案怎么样?", "zh", "exploratory", "motive"),
    ("这个方案是不是很适合您?", "zh", "control", None),
    ("如果预算批下来,您会怎么安排?", "zh", "exploratory", "expectation"),
    ("如果供货周期缩短10天,您是不是就能按时开业了?", "zh", "control", None),
    ("如果不能准时完工开业,会被扣奖金吗?", "zh", "exploratory", "motive"),
    ("能再多讲一点吗", "zh", "extension", None),
    ("how much are the stock-outs costing you", "en", "exploratory", "need"),
    ("Can you walk me through your approval process?", "en", "exploratory", "process"),
    ("Don't you think a single vendor is simpler?", "en", "control", None),
    ("Wouldn't it make sense to fix the reporting first?", "en", "control", None),
    ("It's cheaper in the long run, isn't it?", "en", "control", None),
    ("So you need it live by March?", "en", "confirmation", None),
    ("您的意思是三月前要上线?", "zh", "confirmation", None),
    ("我们下周三上午过来演示一下,好吗?", "zh", "commitment_request", None),
    ("我给您发一份同行的案例,您周五前看一下,可以吗?", "zh", "commitment_request", None),
    ("Tell me more", "en", "extension", None),
    ("What else?", "en", "extension", None),
    ("然后呢", "zh", "extension", None),
    ("问题的答案是什么", "zh", "statement", None),
    ("什么都不用准备。", "zh", "statement", None),
])
def test_hard_cases(text: str, lang: str, expected: str, topic: str | None) -> None:
    got = label(text, lang)
    assert (got.label, got.topic) == (expected, topic), got.rule


def test_rule_and_reason_name_the_cue_in_the_line_language() -> None:
    got = label("如果供货周期缩短10天,您是不是就能按时开业了?", "zh")
    assert got.rule == "zh.control.if_shi_bu_shi"
    assert got.reason.startswith("控制类提问") and "如果" in got.reason
    en = label("Wouldn't it make sense to fix the reporting first?", "en")
    assert en.rule == "en.control.negative" and en.reason.startswith("Control question")


def test_topic_rule_is_reported_for_exploratory_lines() -> None:
    got = label("这件事很紧急吗?", "zh")
    assert got.rule == "zh.explore.motive.urgency"
    assert got.reason.startswith("探索类提问(动机)")


def test_to_dict_has_exactly_the_contract_keys() -> None:
    got = label("我们的系统支持4K拼接。", "zh")
    assert got.to_dict() == {"label": "statement", "topic": None, "pitch": True, "rule": got.rule,
                             "reason": got.reason}
    assert isinstance(got, LineLabel)
    with pytest.raises(Exception):
        got.label = "control"  # type: ignore[misc]


def test_widths_traditional_characters_and_emoji_do_not_change_the_label() -> None:
    plain = label("这个项目的预算是谁来批的?", "zh")
    assert label("这个项目的预算是谁来批的？", "zh") == plain
    assert label("這個項目的預算是誰來批的?", "zh") == plain
    assert label("这个项目的预算是谁来批的?🙂👍🏻", "zh") == plain


def test_question_without_mark_and_particle_mo() -> None:
    assert label("这件事很紧急么", "zh").label == "exploratory"
    assert label("这么多年一直这样。", "zh").label == "statement"
    assert label("那么,我们从背景开始。", "zh").label == "statement"


def test_last_question_of_a_line_decides() -> None:
    got = label("预算大概多少?我们的系统很稳定。", "zh")
    assert (got.label, got.topic, got.pitch) == ("exploratory", "process", True)
    assert label("我理解。您接着说。", "zh").label == "extension"
    assert label("What's the budget? Could we set up a demo with your CFO next Tuesday?", "en").label \
        == "commitment_request"
    assert label("Could we set up a demo with your CFO next Tuesday? What's the budget?", "en").label \
        == "exploratory"


def test_standalone_tag_judges_the_sentence_before_it() -> None:
    assert label("数据安全比价格更重要。对吧?", "zh").label == "control"
    assert label("你们有三个院区。对吧?", "zh").label == "confirmation"


def test_fillers_and_empty_lines_are_statements() -> None:
    for text in ("嗯嗯", "好的😊", "OK.", "", "   "):
        got = label(text, "zh")
        assert got.label == "statement" and got.rule.endswith("statement.filler"), text


def test_a_line_in_the_other_language_is_read_and_explained_in_its_own() -> None:
    got = label("Tell me more.", "zh")
    assert got.label == "extension" and got.rule.startswith("en.") and got.reason.startswith("Extension")
    got = label("OK, 那预算大概多少?", "en")
    assert got.label == "exploratory" and got.rule.startswith("zh.") and got.reason.startswith("探索类提问")
    mixed = label("这个POC您看怎么样?", "zh")
    assert (mixed.label, mixed.topic) == ("exploratory", "motive")


def test_unknown_language_is_refused() -> None:
    with pytest.raises(ValueError, match="lang"):
        label("hello", "fr")


def test_labelling_is_deterministic_across_cache_clears() -> None:
    from scoring.labeller.engine import label as cached

    before = [label(r.text, "zh") for r in CORPUS["zh"][:40]]
    cached.cache_clear()
    assert [label(r.text, "zh") for r in CORPUS["zh"][:40]] == before


# ---- the evaluation report behind `peilian classify --eval`

def test_evaluate_counts_precision_recall_and_confusion() -> None:
    rows = [("还有呢?", "extension"), ("然后呢?", "control"), ("我们的系统很稳定。", "statement", "", "pitch")]
    report = evaluate(rows, "zh")
    assert report.total == 3 and report.correct == 2
    assert report.accuracy == pytest.approx(2 / 3)
    assert report.confusion["control"]["extension"] == 1
    assert report.per_label["extension"].precision == pytest.approx(0.5)
    assert report.per_label["control"].recall == 0.0
    assert report.pitch_recall == 1.0
    text = report.format()
    assert "accuracy 66.7%" in text and "control -> extension" in text and "confusion" in text


def test_read_tsv_rejects_an_unknown_label(tmp_path: Path) -> None:
    bad = tmp_path / "bad.tsv"
    bad.write_text("text\tlabel\ttopic\tnote\n还有呢?\tquestion\t\t\n", encoding="utf-8")
    with pytest.raises(ValueError, match="line 2"):
        read_tsv(bad)
