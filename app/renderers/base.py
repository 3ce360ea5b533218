"""What every renderer shares: it words a CustomerMove; it never decides one."""

import re
from dataclasses import dataclass
from typing import Protocol

from app.engine.personas import PersonaCard
from app.engine.state import CustomerMove, CustomerState


@dataclass(frozen=True)
class Rendering:
    """The customer's words, and the phrase-bank entries used (kept so no reply repeats)."""

    text: str
    phrase_keys: tuple[str, ...] = ()


class Renderer(Protocol):
    name: str

    def render(self, card: PersonaCard, state: CustomerState, move: CustomerMove) -> Rendering:
        """Word `move` for the customer of `card`, whose state before the move is `state`."""
        ...


_HAN = "\u3400-\u9fff\uf900-\ufaff"
_CLOSING = ",,。.!!??、;;::…”’))》」"
_ZH_CHUNK = re.compile(f"[{_HAN}]{{1,2}}[{_CLOSING}]*|[^{_HAN}]+?(?=[{_HAN}]|$)")
_EN_CHUNK = re.compile(r"\S+\s*")


def chunk_text(text: str, language: str) -> list[str]:
    """Split a reply into the pieces it is shown in: words in English, 1-2 characters in Chinese."""
    pattern = _ZH_CHUNK if language == "zh" else _EN_CHUNK
    chunks = pattern.findall(text)
    return chunks if "".join(chunks) == text else [text]
