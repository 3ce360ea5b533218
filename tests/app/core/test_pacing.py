"""The customer's pace reads as a person's: short replies quicker, long ones slower, hard ones later."""

import pytest

from app.core.pacing import HARD_ACTS, speaking_time, think_delay, typing_delay, units
from app.renderers.base import chunk_text

REPLIES = {
    "zh": ["好的。", "预算大概八十万。", "今年预算80万,需要院长办公会审批,流程一般要两个月。",
           "说实话,这类系统我们吃过亏,去年那套三天两头出故障,院长问责下来我扛不住,所以这次我得先看到同级医院真正跑稳了的案例,再谈别的。"],
    "en": ["Noted.", "About eighty thousand this year.",
           "The budget is about eighty thousand, and the board has to sign off on anything above fifty.",
           "Honestly, we got burned last time: the rollout slipped twice, the support team vanished after go-live, and I was "
           "the one explaining it to the board, so before anything else I need to see a site like ours running it for a year."],
}


@pytest.mark.parametrize("language", ["zh", "en"])
def test_longer_replies_take_longer_to_think_and_type_and_hard_ones_longer_still(language: str) -> None:
    replies = REPLIES[language]
    thinks = [think_delay(r, language) for r in replies]
    typed = [speaking_time(r, language) for r in replies]
    assert thinks == sorted(thinks) and thinks[0] < thinks[-1]  # monotone in the reply's length
    pieces = chunk_text(replies[-1], language)
    growing = ["".join(pieces[:n]) for n in range(1, len(pieces) + 1)]
    for measure in (think_delay, speaking_time):
        times = [measure(text, language) for text in growing]
        assert times == sorted(times), measure.__name__  # never quicker for saying more
    assert all(a < b for a, b in zip(typed, typed[1:]))  # strictly: every character or word is typed
    short, long_ = thinks[0] + typed[0], thinks[-1] + typed[-1]
    assert short < 1.5 and long_ > 4.0  # "Noted." comes in about a second; a paragraph takes several
    assert think_delay(replies[-1], language) <= 3.0  # nobody waits long for the first word
    for kind in HARD_ACTS:
        assert think_delay(replies[1], language, [{"kind": "reveal"}, {"kind": kind}]) > think_delay(replies[1], language)
    assert think_delay(replies[1], language, [{"kind": "reveal", "fact": "budget"}]) == think_delay(replies[1], language)
    # a long trainee line takes a little longer to read, within a bound
    assert think_delay(replies[1], language) < think_delay(replies[1], language, line=replies[2]) <= \
        think_delay(replies[1], language) + 0.8
    # the whole reply is the sum of its shown pieces; the end of a sentence gets a breath
    assert speaking_time(replies[2], language) == pytest.approx(
        sum(typing_delay(c, language) for c in chunk_text(replies[2], language)), abs=0.01)


def test_typing_speed_is_per_chinese_character_and_per_english_word() -> None:
    assert units("今年预算80万。", "zh") == 6  # 今年预算 万 and the number
    assert units("The budget is 80k.", "en") == 4
    # a long English word is one word; two Chinese characters are two
    assert typing_delay("interoperability ", "en") == typing_delay("it ", "en")
    assert typing_delay("预算", "zh") == pytest.approx(2 * typing_delay("预", "zh"))
    assert typing_delay("算。", "zh") > typing_delay("算,", "zh") == typing_delay("算", "zh")
