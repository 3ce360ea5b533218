"""What a text is about, roughly: its content pieces, to tell whether two texts say the same thing.

Chinese is read as character pairs inside runs of Han characters (no segmenter: names and
terms mis-split), English as words of four letters or more; the commonest pieces of each
language are left out. A summary restates a fact, and a proposal meets a remedy, when they
share enough pieces.
"""

import re

_HAN_RUN = re.compile(r"[\u4e00-\u9fff]{2,}")
_EN_WORD = re.compile(r"[a-z][a-z'-]{3,}")
_EN_COMMON = frozenset(
    "that this with have from they them their there what when where which would could should about "
    "your yours just like want need were been being into than then also only more most some very really "
    "right thing things make made sure okay yeah well said says will shall does done going know think".split()
)
_ZH_COMMON = frozenset("我们 你们 您们 这个 那个 一个 就是 还是 但是 所以 因为 如果 现在 目前 时候 什么 怎么 这样 那样 可以 需要 没有 已经 "
                       "问题 方案 情况 这块 方面 一下 一些 比较 非常 其实 觉得 知道 您看 我们的 的话 一起".split())
ENOUGH = {"zh": 3, "en": 2}


def pieces(text: str, lang: str) -> frozenset[str]:
    """The content pieces of `text`: Chinese character pairs, or English content words."""
    if lang == "zh":
        out = set()
        for run in _HAN_RUN.findall(text):
            out.update(run[i:i + 2] for i in range(len(run) - 1) if "的" not in run[i:i + 2])  # 的方(案): a particle's pair says nothing
        return frozenset(out - _ZH_COMMON)
    return frozenset(w for w in _EN_WORD.findall(text.lower()) if w not in _EN_COMMON)


def shares(a: frozenset[str], b: frozenset[str], lang: str) -> bool:
    """Whether two texts' pieces overlap enough to say they are about the same thing."""
    return len(a & b) >= ENOUGH[lang]
