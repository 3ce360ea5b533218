"""The labeller against the human-labelled corpus (tests/data/labels_*.tsv) and the hard cases.

The corpus includes the coach's blind held-out lines (notes starting "heldout:") and the fresh
sets written from the seeds (notes "fresh set …"). A line the labeller still gets wrong carries
"known_fail" in its note: it must still fail (so a fix is noticed and the mark dropped), and the
known failures must stay few. The corpus is checked one language at a time, listing every line
that disagrees, so seven thousand lines cost two test items rather than seven thousand.
"""

from pathlib import Path

import pytest

from scoring import LineLabel, label
from scoring.evaluate import Row, evaluate, read_tsv
from scoring.models import LABELS

DATA = Path(__file__).resolve().parents[1] / "data"
CORPUS = {lang: read_tsv(DATA / f"labels_{lang}.tsv") for lang in ("zh", "en")}


def _disagreement(row: Row, lang: str, topics: bool = True) -> str | None:
    """How the labeller's reading of a corpus line differs from the human label, or None; with
    `topics` off, only the label and the pitch are compared."""
    got = label(row.text, lang)
    if got.label != row.label:
        return f"{row.label} -> {got.label} [{got.rule}]"
    if topics and row.label == "exploratory" and row.topic and got.topic != row.topic:
        return f"topic {row.topic} -> {got.topic} [{got.rule}]"
    if row.pitch and not got.pitch:
        return "pitch missed"
    return None


def _assert_marked(rows: list[Row], lang: str, topics: bool = True) -> None:
    """Every line the labeller reads differently is marked known_fail, and every marked line still is."""
    wrong, fixed = [], []
    for n, row in enumerate(rows, start=2):
        problem = _disagreement(row, lang, topics)
        if problem and not row.known_fail:
            wrong.append(f"line {n}: {problem}  {row.text}")
        elif not problem and row.known_fail:
            fixed.append(f"line {n}: now right, drop its known_fail  {row.text}")
    assert not wrong, "\n".join(wrong)
    assert not fixed, "\n".join(fixed)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_corpus_lines(lang: str) -> None:
    _assert_marked(CORPUS[lang], lang)


# Whole calls in eighty sets by as many authors (fresh sets x–ak and the training sets of every round since,
# README "How good is the labeller?"). The first four were
# written to a brief that filed "how things are done today" under process where the corpus files it
# under need, and the topic of a question two topics could claim is where authors differ most: their
# labels are held like the corpus's, their topics only measured (README "How good is the labeller?").
CALLS = {lang: read_tsv(DATA / f"labels_calls_{lang}.tsv") for lang in ("zh", "en")}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_call_sets_labels(lang: str) -> None:
    _assert_marked(CALLS[lang], lang, topics=False)
    # measured on arrival at 78-94 %; fewer than one line in twelve may still be wrong
    assert sum(r.known_fail for r in CALLS[lang]) <= len(CALLS[lang]) // 12


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_corpus_size_and_spread(lang: str) -> None:
    rows = CORPUS[lang]
    assert len(rows) >= (570 if lang == "zh" else 410)
    assert sum(r.note.startswith("heldout:") for r in rows) >= (220 if lang == "zh" else 140)
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


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_known_failures_are_few_and_still_failing(lang: str) -> None:
    known = [r for r in CORPUS[lang] if r.known_fail]
    # Fresh sets join the corpus whole, their misses marked; most are the topic of a question two
    # topics could claim. Fewer than one line in 33, and fewer than one in 100 with the wrong label.
    assert len(known) <= len(CORPUS[lang]) // 33, "\n".join(r.text for r in known)
    wrong_label = [r for r in known if label(r.text, lang).label != r.label]
    assert len(wrong_label) <= len(CORPUS[lang]) // 100, "\n".join(r.text for r in wrong_label)


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
    ("所以我觉得今天不该请您做任何决定。", "zh", "statement", None),  # a request said not to be made asks nothing
    ("我今天不会麻烦您做任何事。", "zh", "statement", None),
    ("Could we do that in the next two weeks?", "en", "commitment_request", None),
    ("我们的标准题库开箱即用,老师不用改任何东西?", "zh", "control", None),  # our claim with a question mark leads
    ("Our standard template needs no changes for your stores?", "en", "control", None),
    ("Please put the one-hotel trial on the agenda for the October meeting.", "en", "commitment_request", None),
    ("请安排院长参加方案演示。", "zh", "commitment_request", None),
    ("So it's show me rather than no. Would it make sense to put a one-hotel trial on the October meeting?", "en",
     "commitment_request", None),  # "no." ends a sentence; "No. 5" would not
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
    from scoring.labeller.engine import analyse

    before = [label(r.text, "zh") for r in CORPUS["zh"][:40]]
    analyse.cache_clear()
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


# ---- the general rules behind the held-out fixes: each row names the rule that must decide.
# Lines are new wordings, not corpus lines, so they test the cue class rather than one sentence.

def _check(text: str, lang: str, expected: str, topic: str | None, rule: str | None) -> None:
    got = label(text, lang)
    assert (got.label, got.topic) == (expected, topic), f"{text!r}: {got.rule}"
    if rule is not None:
        assert got.rule == f"{lang}.{rule}", f"{text!r}: {got.rule}"
    assert got.reason, text


@pytest.mark.parametrize(("text", "expected", "topic", "rule"), [
    # clause structure: a trailing backchannel does not end the invitation before it
    ("好的,您说,我在记", "extension", None, "extension.go_on"),
    ("您继续,我听着呢", "extension", None, "extension.go_on"),
    # a tag sentence joins the one before it even without a question mark (…。您觉得呢)
    ("先上核心模块再扩展,风险最小。您觉得呢", "control", None, "control.agree"),
    # ...but after an open question 您觉得呢 only asks for content: exploratory, not a check
    ("这个问题怎么解决比较好,您觉得呢?", "exploratory", "expectation", None),
    # a question the rep answers at once is a rhetorical device: a statement (here a pitch)
    ("为什么我们能做到当天发货?因为我们在全国有20个仓。", "statement", None, "statement.pitch.we_have"),
    ("为什么要先做试点?因为这样风险最小。", "statement", None, "statement.rhetorical"),
    # chat misspellings read as the word meant (因该 -> 应该, 你门 -> 你们)
    ("数据留存五年因该是刚需吧?", "control", None, "control.leading_ba"),
    ("你门现在用的是哪家的系统?", "exploratory", "process", "explore.process.competition"),
    # 几 + a measure word asks (几度), a conditional or topic frame licenses a wh-question without ?
    ("冷库温度要控制在几度", "exploratory", "expectation", "explore.expectation.requirement"),
    ("如果上了这套系统,对门店有什么好处", "exploratory", "need", "explore.need.benefit"),
    ("采购这块,集团今年最想解决的问题是什么", "exploratory", "need", None),
    # a wh-clause the rep answers or leaves to the customer in the same breath is not asked
    ("为什么会这样,我们之前也分析过", "statement", None, "statement.embedded"),
    ("具体怎么做,我们可以后面再细化。", "statement", None, "statement.embedded"),
    ("您先忙,有什么问题随时找我。", "statement", None, "statement.plain"),
    ("谁来负责都没关系,我们全力配合。", "statement", None, "statement.plain"),
])
def test_zh_clause_structure(text: str, expected: str, topic: str | None, rule: str | None) -> None:
    _check(text, "zh", expected, topic, rule)


@pytest.mark.parametrize(("text", "expected", "topic", "rule"), [
    # content-free go-on prompts (还有别的原因吗, 为什么这么说, 怎么回事, 举个例子, 多说两句)
    ("其他的呢?", "extension", None, "extension.go_on"),
    ("除此之外还有别的情况吗?", "extension", None, "extension.go_on"),
    ("为什么这么讲?", "extension", None, "extension.go_on"),
    ("是吗?怎么回事", "extension", None, "extension.go_on"),
    ("能举个具体的例子吗?", "extension", None, "extension.go_on"),
    ("能再说详细一点吗?", "extension", None, "extension.go_on"),
    ("您刚才提到排班那块,能多说两句吗?", "extension", None, "extension.go_on"),
    # resuming the customer's own story: 接着/继续, or 再说说 + a pointer back (那个/刚才/您说的)
    ("您接着讲讲那个仓库的事?", "extension", None, "extension.continue"),
    ("您在说说那次停机的情况", "extension", None, "extension.continue"),
    ("您说的那次事故,能详细讲讲吗?", "extension", None, "extension.go_on"),
    ("下周我们继续聊吧", "statement", None, None),  # a time makes it a plan, not an invitation to go on
    ("您再说说你们的预算情况", "exploratory", "process", None),  # no pointer back: a new topic
    # 您说的X是指哪 asks them to expand; offering readings (还是) is a confirmation
    ("您说的断档,具体指的是什么?", "extension", None, "extension.meaning"),
    ("您说的全链路,是指运输这一段,还是包括仓储?", "confirmation", None, "confirmation.marker"),
])
def test_zh_extension_rules(text: str, expected: str, topic: str | None, rule: str | None) -> None:
    _check(text, "zh", expected, topic, rule)


@pytest.mark.parametrize(("text", "expected", "topic", "rule"), [
    # seed 探索动机: a yes/no or 吧 question on the customer's own stake is exploratory/motive
    ("要是这次上线顺利,您今年的考核应该能拿个好成绩吧?", "exploratory", "motive", "explore.stake"),
    ("这事要是出了差错,您会不会挨批?", "exploratory", "motive", "explore.stake"),
    ("李总最近是不是被这个事搞得挺头疼的", "exploratory", "motive", "explore.stake"),
    # ...but an organisational benefit pushed with 是不是就… stays control (no personal addressee)
    ("要是审批都能线上走完,财务那边是不是就轻松多了?", "control", None, "control.if_shi_bu_shi"),
    ("最让您头疼的问题是什么?", "exploratory", "need", "explore.need.worst_problem"),  # open: topic cues
    # 吧 after the rep's judgement, comparison or supplied cause leads
    ("这么看来,稳定性应该是第一位的吧?", "control", None, "control.leading_ba"),
    ("用云服务,运维成本肯定低很多吧?", "control", None, "control.leading_ba"),
    ("你们退货多,很大程度是因为包装不行吧?", "control", None, "control.leading_ba"),
    ("所以主要是因为人手不够吧?", "confirmation", None, "confirmation.so"),  # 所以 restates
    ("王总最近出差挺多吧?", "exploratory", "motive", "explore.motive.rapport"),  # 最近 is not 最
    # asking for agreement with the rep's proposition
    ("冷链全程可追溯是必须的,您同意吧?", "control", None, "control.agree"),
    ("先把最痛的问题解决掉,这才是最划算的,您说呢?", "control", None, None),
    # rhetorical questions
    ("这么多数据靠人工核对,哪能不出错?", "control", None, "control.rhetorical"),
    ("没有WMS怎么管得过来呢?", "control", None, "control.rhetorical"),
    ("人手本来就紧,这不正好能帮你们缓一缓吗?", "control", None, "control.rhetorical"),
    # a suggestion of a requirement
    ("是不是可以考虑先把门店的数据打通?", "control", None, "control.suggest"),
    # a tag right after the rep's own pitch asks agreement with us, not a check of their words
    ("我们的平台已经帮30家医院降低了耗材成本。这个效果对你们也很重要,是吧?", "control", None, None),
])
def test_zh_motive_versus_control(text: str, expected: str, topic: str | None, rule: str | None) -> None:
    _check(text, "zh", expected, topic, rule)


@pytest.mark.parametrize(("text", "expected", "topic", "rule"), [
    # a declarative check needs something that restates (所以, numbers, a name); a new fact is exploratory
    ("这个项目预算已经定了?", "exploratory", "process", None),
    ("你们有五个分厂,每个分厂一个仓?", "confirmation", None, "confirmation.declarative"),
    ("好的,我记一下。对接人是信息科的张工?", "confirmation", None, "confirmation.declarative"),
    ("所以现在卡在法务那边?", "confirmation", None, "confirmation.so"),
    ("所以你们打算什么时候启动?", "exploratory", "process", None),  # 所以 + wh asks a new fact
    # checks that close a summary
    ("你们每天大概发3000单,我没记错吧", "confirmation", None, "confirmation.check"),
    ("我总结一下:三个院区,两套系统。没问题吧?", "confirmation", None, "confirmation.marker"),
    ("我再对一下数字:今年预算200万?", "confirmation", None, "confirmation.marker"),
])
def test_zh_confirmation_rules(text: str, expected: str, topic: str | None, rule: str | None) -> None:
    _check(text, "zh", expected, topic, rule)


@pytest.mark.parametrize(("text", "expected", "topic", "rule"), [
    # wider action vocabulary: 约上, 聊半小时, 给到我们, 提上去, 试用一周
    ("这周五能不能约上财务的刘总一起聊半小时?", "commitment_request", None, "commitment.ask"),
    ("这周内能把数据给到我们吗?", "commitment_request", None, "commitment.ask"),
    ("OK的话,您这周内把采购申请提上去?", "commitment_request", None, "commitment.ask"),
    ("可以先开个测试账号,您让两个销售用一周试试?", "commitment_request", None, "commitment.ask"),
    # asking whether a step is needed, or who does it, asks for information, not action
    ("合同签之前还要过法务和审计吗", "exploratory", "process", None),
    ("最后签字的是院长吗", "exploratory", "process", None),
    ("您觉得这个试点方案可行吗?", "exploratory", "motive", "explore.motive.proposal"),  # 可行吗 is not 行吗
])
def test_zh_commitment_rules(text: str, expected: str, topic: str | None, rule: str | None) -> None:
    _check(text, "zh", expected, topic, rule)


@pytest.mark.parametrize(("text", "topic", "rule"), [
    # brief: 时间/审批/流程/预算/决策 outweigh 要求
    ("这个项目的时间要求和审批流程是怎样的?", "process", "explore.process.steps"),
    ("你们对上线时间有什么要求?", "process", "explore.process.steps"),
    ("对供货周期有什么要求?", "expectation", "explore.expectation.requirement"),  # seed 期望 example
    ("能不能跟我讲讲你们采购一般要走哪些流程?", "process", "explore.process.steps"),
    ("这个事情需要报集团批吗", "process", "explore.process.steps"),
    ("讲讲你们现在的盘点流程吧", "need", None),  # a business process is not the purchase process
    ("去年那套系统为什么没有续签?", "process", "explore.process.lost"),
    ("这个项目是谁发起的?", "process", "explore.process.origin"),
    ("采购款是分期付还是一次付清?", "process", "explore.process.budget"),
    ("系统要不要支持手机端?", "expectation", "explore.expectation.requirement"),
    ("你们希望系统每天能自动生成哪些报表?", "expectation", "explore.expectation.requirement"),
    ("如果让您来定,您会怎么处理这些积压?", "expectation", "explore.expectation.measure"),
    ("新系统上线后,希望把差错率降到多少?", "need", "explore.need.goal"),
    ("这些问题值得现在花钱解决吗", "motive", "explore.motive.worth"),
    ("老板那边催得紧不紧?", "motive", "explore.motive.urgency"),
    ("这次系统换成了,对您年底述职会有帮助吗?", "motive", "explore.stake"),
    ("张总,国庆假期去哪儿玩了?", "motive", "explore.motive.rapport"),
    ("新产线那边进展怎么样了?", "need", "explore.need.situation"),
    ("目前采购进展到哪一步了?", "process", "explore.process.decision"),
])
def test_zh_topic_cues(text: str, topic: str, rule: str | None) -> None:
    _check(text, "zh", "exploratory", topic, rule)


@pytest.mark.parametrize(("text", "pitch"), [
    ("我们在华东有30多家三甲医院在用。", True),
    ("我们的核保引擎平均3秒出结果。", True),
    ("我们给一家连锁药店做的系统,缺货率降了一半。", True),
    ("说实话,市面上能做到这个程度的,真不多。", True),
    ("我们是国内少数拿到等保三级的厂商。", True),
    ("不管您预算多少,我们都能按模块灵活组合。", True),
    ("这套排班系统已经在二十多家酒店上线了。", True),
    ("我们跟三大运营商都有合作,经验很足。", True),
    # not pitches: a visit, a small plan, a promise to cooperate
    ("上周我们去了另一家医院,他们也遇到了类似的问题。", False),
    ("我们先在两家门店试点两周,您看可以吗?", False),
    ("不管谁来负责,我们都会配合。", False),
    ("我们的理解是预算还没批。", False),
])
def test_zh_pitch_cues(text: str, pitch: bool) -> None:
    assert label(text, "zh").pitch is pitch, label(text, "zh").rule


@pytest.mark.parametrize(("text", "expected", "topic", "rule"), [
    # brief: "will you <do something>?" asks the customer to act (put … on the agenda, put … in)
    ("Can we settle it today, will you put my proposal on the agenda for September's steering committee meeting?",
     "commitment_request", None, "commitment.ask"),
    ("Would you put the purchase request in this week?", "commitment_request", None, "commitment.ask"),
    ("Would you be open to visiting our plant next month with your procurement lead?",
     "commitment_request", None, "commitment.ask"),
    ("What if we ran a pilot at two sites next month?", "commitment_request", None, "commitment.ask"),
    ("When is the board meeting?", "exploratory", "process", None),  # a meeting named, nothing asked of them
    # leading adverbs and apologies are stripped before reading the question form
    ("Roughly what does a failed batch cost you?", "exploratory", "need", None),
    ("Honestly, is this urgent for you, or more of a nice-to-have?", "exploratory", "motive", None),
    # an indirect question asks even with a full stop
    ("I'm curious how you handle returns at peak.", "exploratory", None, None),
    ("I was wondering the same thing myself.", "statement", None, None),
    # clause structure: trailing backchannel, self-answered question
    ("Keep going, I'm all ears.", "extension", None, "extension.go_on"),
    ("Why do customers switch to us? Because onboarding takes a day.", "statement", None, "statement.rhetorical"),
    # go-on prompts and resuming the customer's own story
    ("Any other thoughts?", "extension", None, "extension.go_on"),
    ("Is there anything else behind that?", "extension", None, "extension.go_on"),
    ("Can you walk me through what happened next?", "extension", None, "extension.go_on"),
    ("Tell me more about that audit you mentioned.", "extension", None, "extension.resume"),
    ("Sorry, you were saying about the night shift?", "extension", None, "extension.resume"),
    ("Tell me about your approval process.", "exploratory", "process", None),  # no pointer back: new topic
])
def test_en_question_forms_and_extension(text: str, expected: str, topic: str | None, rule: str | None) -> None:
    if topic is None and expected == "exploratory":
        got = label(text, "en")
        assert got.label == "exploratory", got.rule
        return
    _check(text, "en", expected, topic, rule)


@pytest.mark.parametrize(("text", "expected", "topic", "rule"), [
    # seed 探索动机: a tag on the customer's own stake probes motive; a third party's benefit leads
    ("This would take a lot off your plate, wouldn't it?", "exploratory", "motive", "explore.stake"),
    ("Would fixing this take some pressure off you with the board?", "exploratory", "motive", None),
    ("If the system flagged stock-outs early, wouldn't your store managers sleep better?", "control", None, None),
    # control forms
    ("What if your nurses never had to re-enter patient data?", "control", None, "control.what_if"),
    ("Why not start with the busiest site?", "control", None, "control.why_keep"),
    ("Real-time tracking is a must-have these days, right?", "control", None, "control.tag"),
    ("The current setup is costing you more than a new system would, right?", "control", None, "control.tag"),
    ("Our AI scheduler cut overtime by 30% at a similar hospital. That's worth a look, isn't it?",
     "control", None, None),
    ("If shifts were planned automatically, your supervisors would have more time, right?",
     "control", None, "control.if_would"),
    ("If we cut drying time by a day, how much would that be worth to the co-op?", "exploratory", "need", None),
    # confirmation: So + statement restates; a declarative needs something restated
    ("So the bottleneck is approvals, not budget?", "confirmation", None, "confirmation.so"),
    ("So claims need to settle within 3 days, is that the target?", "confirmation", None, "confirmation.so"),
    ("So what budget are we working with?", "exploratory", "process", None),
    ("You've got a budget set aside already?", "exploratory", "process", None),
    ("You're running three shifts a day?", "confirmation", None, "confirmation.declarative"),
    ("Budget is approved and you're waiting on the tender. Is that accurate?", "confirmation", None,
     "confirmation.check"),
])
def test_en_motive_control_confirmation(text: str, expected: str, topic: str | None, rule: str | None) -> None:
    _check(text, "en", expected, topic, rule)


@pytest.mark.parametrize(("text", "topic", "rule"), [
    ("I wonder what kind of budget range you have in mind.", "process", "explore.process.budget"),
    ("What are the approval requirements for new software?", "process", "explore.process.steps"),
    ("Does it need to integrate with Epic?", "expectation", "explore.expectation.threshold"),
    ("How fast do claims need to be settled for you to call it a success?", "expectation",
     "explore.expectation.threshold"),
    ("When do you need this live", "process", "explore.process.timing"),
    ("If it were up to you, how would you handle the overflow?", "expectation", "explore.expectation.measure"),
    ("What matters most to you in a new solution?", "expectation", "explore.expectation.requirement"),
    ("Why didn't you renew with your previous vendor?", "process", "explore.process.lost"),
    ("What are you hoping to get out of the new platform?", "need", "explore.need.goal"),
    ("What do you make of the plan we sent over?", "motive", "explore.motive.proposal"),
    ("How would this affect your own performance review?", "motive", "explore.motive.personal"),
    ("How was your weekend?", "motive", "explore.motive.rapport"),
    ("How are you handling returns today?", "need", None),
])
def test_en_topic_cues(text: str, topic: str, rule: str | None) -> None:
    _check(text, "en", "exploratory", topic, rule)


@pytest.mark.parametrize(("text", "pitch"), [
    ("Our WMS typically lifts picking productivity by around 30%.", True),
    ("Our underwriting engine returns a decision in 3 seconds on average.", True),
    ("Our cold-chain boxes hold 2-8°C end to end.", True),
    ("We're one of the few vendors with SOC 2 Type II.", True),
    ("We helped three regional banks cut fraud losses by 25%.", True),
    ("Whatever your budget is, we can scale the modules to fit.", True),
    ("Our call went well, I think.", False),
    ("We can meet next week if that suits.", False),
])
def test_en_pitch_cues(text: str, pitch: bool) -> None:
    assert label(text, "en").pitch is pitch, label(text, "en").rule


def test_a_rule_can_require_a_pitch_in_the_line() -> None:
    plain = label("你们有三个院区,对吧?", "zh")
    pitched = label("我们的系统已经在30多家医院上线了。你们有三个院区,对吧?", "zh")
    assert (plain.label, plain.rule) == ("confirmation", "zh.confirmation.tag")
    assert (pitched.label, pitched.rule, pitched.pitch) == ("control", "zh.control.pitch_tag", True)


def test_typos_are_table_data() -> None:
    from scoring.labeller.table import load_table

    table = load_table("zh")
    assert table.fix_typos("你门因该知道") == "你们应该知道"
    assert load_table("en").fix_typos("teh") == "teh"  # no table, no change


def test_a_follow_up_without_a_topic_continues_the_question_before_it() -> None:
    got = label("你们现在用的是哪家的WMS?用了几年了", "zh")
    assert (got.label, got.topic) == ("exploratory", "process")
    got = label("你们对验收有标准吗?比如响应要快到多少", "zh")
    assert (got.label, got.topic) == ("exploratory", "expectation")
    # a pitch before the question lends no topic: only earlier questions do
    got = label("我们的系统能帮门店节省成本。你们现在怎么做的?", "zh")
    assert (got.label, got.topic, got.pitch) == ("exploratory", "need", True)


@pytest.mark.parametrize(("text", "lang", "expected", "topic"), [
    # topic cue classes: past solutions, preferences, frequency, where to start, 麻烦 is an effect
    ("你们之前有没有用过类似的系统?", "zh", "exploratory", "process"),
    ("这个项目打算什么时候招标", "zh", "exploratory", "process"),  # 打算 licenses a wh without ?
    ("对界面风格您有什么偏好吗?", "zh", "exploratory", "expectation"),
    ("您希望多长时间出一次报告?", "zh", "exploratory", "expectation"),
    ("这个问题您觉得应该从哪里入手?", "zh", "exploratory", "expectation"),
    ("系统经常宕机,给门诊带来了哪些麻烦?", "zh", "exploratory", "need"),
    ("那后来怎么处理的?", "zh", "exploratory", "need"),  # how they handled it: the situation, not a measure
    ("您看我们刚才演示的这个功能,能满足您的需要吗?", "zh", "exploratory", "motive"),
    ("这个问题是不是必须今年解决?", "zh", "exploratory", "motive"),
    ("就这些吗?", "zh", "extension", None),
    ("现在的系统这么老,出问题是迟早的事,对吧?", "zh", "control", None),
    ("What would you want the reports to show?", "en", "exploratory", "expectation"),
    ("Do you need mobile access for the field teams?", "en", "exploratory", "expectation"),
    ("What would it take for this to move up your list?", "en", "exploratory", "motive"),
    ("What's your gut feeling about the pilot plan?", "en", "exploratory", "motive"),
    ("If you had live dashboards, you'd catch these issues earlier, right?", "en", "control", None),
    ("Can you get me the current contract terms by Friday?", "en", "commitment_request", None),
])
def test_cue_classes_found_on_fresh_lines(text: str, lang: str, expected: str, topic: str | None) -> None:
    got = label(text, lang)
    assert (got.label, got.topic) == (expected, topic), got.rule


@pytest.mark.parametrize(("text", "pitch"), [
    ("为什么很多医院选我们?因为我们的实施周期最短。", True),
    ("我们团队都是做了十年以上的老工程师。", True),
])
def test_zh_pitch_claims_of_speed_and_team(text: str, pitch: bool) -> None:
    got = label(text, "zh")
    assert (got.label, got.pitch) == ("statement", pitch), got.rule


def test_a_key_written_twice_in_a_table_entry_is_refused(tmp_path) -> None:
    """YAML keeps the second of two equal keys and drops the first without a word: a rule's
    `unless` written twice would lose one of them, so the tables refuse it."""
    from scoring.labeller.table import TableError, read_table

    table = tmp_path / "zh.yaml"
    table.write_text("rules:\n  - id: a\n    label: control\n    unless: '与其'\n    pattern: '.'\n"
                     "    unless: '不如'\n", encoding="utf-8")
    with pytest.raises(TableError, match=r"line 6: 'unless' is written twice"):
        read_table(table)
    table.write_text("rules:\n  - id: a\n    unless: '与其|不如'\n  - id: b\n    unless: '所以'\n", encoding="utf-8")
    assert [r["id"] for r in read_table(table)["rules"]] == ["a", "b"]  # the same key in two entries is fine


def test_two_entries_may_not_share_an_id() -> None:
    """A rule's id names it on the scorecard and keys its advice, so the tables refuse a repeat."""
    from scoring.labeller.table import TableError, unique_ids

    unique_ids(["zh.control.if_still", "zh.control.if_obstacle_gone"], "zh.yaml")
    with pytest.raises(TableError, match="'zh.control.if_still' is given to two entries"):
        unique_ids(["zh.control.if_still", "zh.control.agree", "zh.control.if_still"], "zh.yaml")


def test_the_traditional_table_folds_chinese_characters_only() -> None:
    """A plain-ASCII line is not folded at all (clean() spares it NFKC and the folds), so the table may
    not map an ASCII character; an English line with curly quotes or full-width marks is still folded."""
    from scoring.labeller.table import TableError, _fold_table
    from scoring.labeller.text import clean

    assert _fold_table("這这 個个") == {ord("這"): "这", ord("個"): "个"}
    with pytest.raises(TableError, match="only Chinese characters"):
        _fold_table("這这 aA")
    assert clean("It’s   the budget…  right？", {}) == "It's the budget, right?"
    assert clean("It's the budget, right?", {ord("b"): "B"}) == "It's the budget, right?"  # ASCII: left as it is
