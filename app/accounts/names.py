"""What a user name may hold: visible text only, so a name reads as what it is.

Control characters (NUL among them), zero-width and bidirectional formatting characters
(which reorder or hide text), separators other than the space, and unassigned or private
code points are refused. Names are kept in Unicode NFC, so one name has one spelling.
"""

import unicodedata

MAX_LENGTH = 100
# Cc control (NUL, tab, newline…), Cf format (zero-width, bidi controls, BOM), Cs/Co/Cn surrogate,
# private use, unassigned; Zl/Zp line and paragraph separators.
_REFUSED = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


def normalize(raw: str) -> str:
    """The name as stored: NFC, without surrounding whitespace."""
    return unicodedata.normalize("NFC", raw).strip()


def storable(text: str) -> bool:
    """False for text no database column takes: NUL (PostgreSQL) or lone surrogates (not UTF-8)."""
    return "\x00" not in text and not any("\ud800" <= ch <= "\udfff" for ch in text)


def problem(name: str) -> str | None:
    """Why `name` (already normalized) cannot be a user name, in Chinese and English; None when it can."""
    if not name or len(name) > MAX_LENGTH:
        return f"用户名须为 1 到 {MAX_LENGTH} 个字符 / the user name must have 1 to {MAX_LENGTH} characters"
    for ch in name:
        if unicodedata.category(ch) in _REFUSED or (ch.isspace() and ch != " "):
            code = f"U+{ord(ch):04X}"
            return (f"用户名含有不可见或控制字符 {code} / the user name contains an invisible or control "
                    f"character, {code}")
    return None
