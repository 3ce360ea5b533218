"""Raw-character clean-up shared by both languages, before any rule looks at a line.

No segmenter: names and titles mis-split (王总和采购 -> 王 / 总和), so every rule reads
characters. Clean-up folds widths (NFKC: ？→?, ，→,), maps traditional characters to
simplified through the table in rules/zh.yaml, drops emoji, and unifies quotes.
"""

import re
import unicodedata

_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u300c": '"', "\u300d": '"',
                         "\u300e": '"', "\u300f": '"', "\u2014": "—", "\u2013": "—"})
_DROP_CATEGORIES = {"So", "Sk", "Cs", "Co", "Cf"}
_KEEP = set("°")
_ELLIPSIS = re.compile(r"\.{2,}|…+|—{2,}")
_SPACES = re.compile(r"[ \t\u3000]+")
_CJK = re.compile(r"[\u3400-\u9fff]")
_LATIN = re.compile(r"[A-Za-z]{2,}")
# characters outside ASCII, CJK ideographs and CJK / full-width punctuation, which may need dropping
_SUSPECT = re.compile(r"[^\x00-\x7f\u3000-\u3003\u3005-\u3011\u3014-\u301f\u3021-\u3029\u4e00-\u9fff"
                      r"\uff01-\uff3d\uff41-\uffe2]")


def _keep(ch: str) -> bool:
    """Emoji, their variation selectors, skin tones and joiners go; letters and punctuation stay."""
    if ch in _KEEP or ch.isascii():
        return True
    cat = unicodedata.category(ch)
    return cat not in _DROP_CATEGORIES and cat != "Mn"


def clean(text: str, fold: dict[int, str]) -> str:
    """Fold widths, traditional characters, quotes and dashes; drop emoji; one space between words."""
    if not text.isascii():  # NFKC, the quotes, the traditional characters and emoji: none is plain ASCII
        text = unicodedata.normalize("NFKC", text).translate(_QUOTES).translate(fold)
        if _SUSPECT.search(text):  # most lines hold only ASCII, CJK and their punctuation: nothing to drop
            text = "".join(ch for ch in text if _keep(ch))
    if ".." in text or "…" in text or "——" in text:  # most lines hold none: no scan for them
        text = _ELLIPSIS.sub(",", text)
    if "  " in text or "\t" in text or "\u3000" in text:  # one plain space between words is the rule
        text = _SPACES.sub(" ", text)
    return text.strip()


def script_of(text: str, default: str) -> str:
    """The language a line is written in: CJK characters mean zh, Latin words only mean en."""
    if _CJK.search(text) is None:
        return "en" if _LATIN.search(text) else default
    if default == "en":
        latin = sum(len(w) for w in _LATIN.findall(text))
        return "zh" if len(_CJK.findall(text)) * 2 >= latin else "en"
    return "zh"
