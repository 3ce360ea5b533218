"""What the renderers share: a rendering, and how a reply is cut into the pieces it is shown in."""

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Rendering:
    """The customer's words, and the phrase-bank entries used (kept so no reply repeats)."""

    text: str
    phrase_keys: tuple[str, ...] = ()


_HAN = "\u3400-\u9fff\uf900-\ufaff"
_CLOSING = ",,。.!!??、;;::…”’))》」"
_ZH_CHUNK = re.compile(f"[{_HAN}]{{1,2}}[{_CLOSING}]*|[^{_HAN}]+?(?=[{_HAN}]|$)")
_EN_CHUNK = re.compile(r"\S+\s*")


def chunk_text(text: str, language: str) -> list[str]:
    """Split a reply into the pieces it is shown in: words in English, 1-2 characters in Chinese."""
    pattern = _ZH_CHUNK if language == "zh" else _EN_CHUNK
    chunks = pattern.findall(text)
    return chunks if "".join(chunks) == text else [text]
