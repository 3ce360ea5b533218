"""What a line asserts that can be checked: numbers (with their scale) and names.

A confirmation is checked against what the customer said (DESIGN 2.2b): "预算是500万" is
wrong when the customer said 80万, "Linda signs off" is wrong when the customer named Tom.
Numbers are compared by value, so 80万, 八十万 and 800,000 are one number, and 0.6 percent
is 0.6%. Weekdays (周三), ordinals (第三), list markers (三点) and clock times are not claims.
"""

import re
from dataclasses import dataclass

_ZH_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_ZH_UNITS = {"十": 10, "百": 100, "千": 1000}
_ZH_BIG = {"万": 10_000, "亿": 100_000_000}
_ZH_CANDIDATE = re.compile(r"\d+(?:\.\d+)?|[零〇一二两三四五六七八九十百千万亿]+")
# A number is a claim when a concrete measure follows it (80万, 1200例, 两小时, 五家, 3个月, 15%);
# counters of abstract things (三点, 两个问题) are not claims anyone checks.
_ZH_MEASURE = re.compile(r"\s*(?:%|％|个月|个小时|个工作日|家|例|天|周|月|年|小时|分钟|秒|元|块|台|张|人|名|次|套|倍|床|位|所|间|"
                         r"辆|单|笔|份|成|米|公里|吨|件|箱|万|千|亿|多万|多家|多人|多天|多台)")
_ZH_NOT_BEFORE = frozenset("周期拜第星礼")
_EN_WORDS = {
    "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17,
    "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100,
}
_EN_SCALE = {"k": 1e3, "thousand": 1e3, "m": 1e6, "mm": 1e6, "million": 1e6, "bn": 1e9, "billion": 1e9}
_EN_NUMBER = re.compile(
    r"(?P<cur>\$|€|£)?(?P<num>\d[\d,]*(?:\.\d+)?|\.\d+|(?:" + "|".join(sorted(_EN_WORDS, key=len, reverse=True)) + r")(?:[- ](?:one|two|three|four|five|six|seven|eight|nine))?)"
    r"(?:\s*(?P<scale>k|thousand|mm|m|million|bn|billion)\b)?(?:\s*(?P<pct>%|percent|per cent))?",
    re.IGNORECASE,
)
# every match holds a digit or a number word: a case-folded text holding neither has no number,
# found without the case-blind search that tries every word at every position
_EN_HAS_NUMBER = re.compile(r"\d|" + "|".join(sorted(_EN_WORDS, key=len, reverse=True)))
_EN_NOT_CLAIM = re.compile(r"^\s*(?:am|pm|a\.m|p\.m|o'clock|st|nd|rd|th)\b", re.IGNORECASE)
_EN_BEFORE_SKIP = re.compile(r"(?:\b(?:at|on|step|point|number|no\.|#|q|phase|version|v)\s*)$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Number:
    """A number as said: its value on one scale, and whether it is a percentage."""

    value: float
    percent: bool
    text: str
    unit: str = ""  # a unit of time when one follows (minute, hour, day…): six minutes is not six hours

    def same(self, other: "Number") -> bool:
        if self.unit and other.unit and self.unit != other.unit:
            return False
        return abs(self.value - other.value) <= 1e-9 * max(1.0, abs(self.value))


_EN_UNIT = re.compile(r"\s*(?P<u>min(?:ute)?s?|h(?:ou)?rs?|hours?|days?|weeks?|months?|years?|yrs?)\b", re.IGNORECASE)
_ZH_UNIT = re.compile(r"\s*(?:个)?(?:多)?(?P<u>分钟|小时|钟头|天|周|星期|礼拜|月|年)")
_UNITS = {"min": "minute", "minute": "minute", "h": "hour", "hr": "hour", "hour": "hour", "day": "day", "week": "week",
          "month": "month", "year": "year", "yr": "year", "分钟": "minute", "小时": "hour", "钟头": "hour",
          "天": "day", "周": "week", "星期": "week", "礼拜": "week", "月": "month", "年": "year"}


def _unit(after: str, pattern: re.Pattern[str]) -> str:
    m = pattern.match(after)
    if m is None:
        return ""
    word = m.group("u").lower()
    return _UNITS.get(word.rstrip("s"), _UNITS.get(word, ""))


def zh_numeral(text: str) -> float | None:
    """八十万 -> 800000, 一千二百 -> 1200, 两 -> 2, 十五 -> 15; None when it is not a numeral."""
    if not text:
        return None
    total, section, digit = 0, 0, None
    for ch in text:
        if ch in _ZH_DIGITS:
            digit = _ZH_DIGITS[ch]
        elif ch in _ZH_UNITS:
            section += (1 if digit is None else digit) * _ZH_UNITS[ch]
            digit = None
        elif ch in _ZH_BIG:
            section += digit or 0
            total += (section or 1) * _ZH_BIG[ch]
            section, digit = 0, None
        else:
            return None
    return float(total + section + (digit or 0))


def _zh_numbers(text: str) -> list[Number]:
    out: list[Number] = []
    consumed = 0
    for m in _ZH_CANDIDATE.finditer(text):
        raw = m.group()
        if m.start() < consumed:
            continue
        if m.start() > 0 and text[m.start() - 1] in _ZH_NOT_BEFORE:
            continue  # 周三, 第三, 星期五: a day or a rank, not a figure
        value = float(raw) if raw[0].isdigit() else zh_numeral(raw)
        if value is None:
            continue
        after = text[m.end():]
        big = re.match(r"\s*(万|亿|千)", after) if raw[0].isdigit() else None
        if big:
            value *= _ZH_BIG.get(big.group(1), 1000)
            consumed = m.end() + big.end()
        elif not (_ZH_MEASURE.match(after) or (not raw[0].isdigit() and raw[-1] in "万亿")):
            continue
        if value == 1:
            continue  # 一年, 一家, 一次: "one" is how Chinese counts, rarely a figure to check
        percent = after.lstrip().startswith(("%", "％"))
        out.append(Number(value, percent, raw + (big.group() if big else ""), _unit(after, _ZH_UNIT)))
    return out


def _en_value(raw: str) -> float | None:
    raw = raw.lower().replace(",", "")
    if raw[0].isdigit() or raw[0] == ".":
        try:
            return float(raw)
        except ValueError:
            return None
    parts = re.split(r"[- ]", raw)
    if parts[0] not in _EN_WORDS:
        return None
    ones = {"one": 1, **{k: v for k, v in _EN_WORDS.items() if v < 10}}
    return float(_EN_WORDS[parts[0]] + (ones.get(parts[1], 0) if len(parts) > 1 else 0))


def _en_numbers(text: str) -> list[Number]:
    out: list[Number] = []
    if not _EN_HAS_NUMBER.search(text.casefold()):
        return out
    for m in _EN_NUMBER.finditer(text):
        start, end = m.span()
        if start > 0 and (text[start - 1].isalnum() or text[start - 1] in "-/"):
            continue
        if end < len(text) and text[end].isalpha() and not m.group("scale") and not m.group("pct"):
            continue
        if _EN_NOT_CLAIM.match(text[end:]) or _EN_BEFORE_SKIP.search(text[:start]):
            continue
        value = _en_value(m.group("num"))
        if value is None:
            continue
        scale = m.group("scale")
        if scale:
            value *= _EN_SCALE[scale.lower()]
        percent = bool(m.group("pct"))
        if not percent and not scale and not m.group("cur") and value < 2 and "." not in m.group("num"):
            continue  # "one site", "1 thing": not a figure anyone checks
        if 1900 <= value <= 2100 and not percent and not scale and not m.group("cur"):
            continue  # a year
        out.append(Number(value, percent, m.group().strip(), _unit(text[end:], _EN_UNIT)))
    return out


def numbers(text: str, lang: str) -> tuple[Number, ...]:
    """Every number claimed in `text` (cleaned the labeller's way)."""
    return tuple(_zh_numbers(text) if lang == "zh" else _en_numbers(text))


_EN_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b([A-Z][a-z]{2,}(?:\s+[A-Z][a-z]{2,})?)\b")
_EN_NOT_NAMES = frozenset(
    "monday tuesday wednesday thursday friday saturday sunday january february march april may june july "
    "august september october november december i'm i've i'll i'd okay thanks thank sorry great sure "
    "the and but so well also just".split()
)


def names(text: str, lang: str, pattern: re.Pattern[str] | None = None) -> tuple[str, ...]:
    """People named in `text`: 刘科长 / 孙工 in Chinese (`pattern` is the labeller's surname+title),
    capitalised names inside an English sentence."""
    if lang == "zh":
        return tuple(m.group() for m in pattern.finditer(text)) if pattern is not None else ()
    found = []
    for m in _EN_NAME.finditer(text):
        words = m.group(1).split()
        words = [w for w in words if w.lower() not in _EN_NOT_NAMES]
        if words:
            found.append(" ".join(words).lower())
    return tuple(found)
