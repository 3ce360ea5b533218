"""How fast the simulated customer thinks and types, so a reply reads as a person's.

The live session and `simulate` share it. Times are customer seconds (the server multiplies
them by `customer_delay_scale`) and depend only on their arguments, so tests know them:

- think time, before the first word: a short reply comes quickly, a long one after a longer
  pause, and a hard answer (voicing a concern, refusing, correcting, closing the meeting) after
  a further pause; reading a long trainee line adds a little.
- typing time, per shown piece: Chinese is typed per character, English per word, with a
  breath after the end of a sentence.

The trainee sees that the customer is thinking at once (the `thinking` frame), so
these pauses read as the customer's, not as a slow server.
"""

import re
from collections.abc import Iterable, Mapping
from typing import Any

from app.renderers.base import chunk_text

THINK_BASE_S = 0.4
THINK_PER_UNIT_S = {"zh": 0.025, "en": 0.045}  # per character (zh) or word (en) of the reply
THINK_MAX_S = 2.2  # of the length part: a person does not take ever longer to start a long answer
HARD_EXTRA_S = 0.9
HARD_ACTS = frozenset({"voice_concern", "refuse", "correct", "end"})
READ_PER_UNIT_S = {"zh": 0.01, "en": 0.04}  # reading the trainee's line
READ_MAX_S = 0.8
TYPE_PER_UNIT_S = {"zh": 0.05, "en": 0.11}  # shown at ~20 characters, ~9 words a second
SENTENCE_PAUSE_S = 0.2
_SENTENCE_END = re.compile(r"[。！？!?….][\"'”’)）]*\s*$")
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_LATIN = re.compile(r"[A-Za-z0-9]+(?:[.%][A-Za-z0-9]+)*")


def units(text: str, language: str) -> int:
    """What a person types: Chinese characters (and any Latin words among them), English words."""
    if language == "zh":
        return len(_HAN.findall(text)) + len(_LATIN.findall(text))
    return len(text.split())


def is_hard(acts: Iterable[Mapping[str, Any]]) -> bool:
    """An answer that costs the customer something to say: a concern, a refusal, a correction, an end."""
    return any(act.get("kind") in HARD_ACTS for act in acts)


def think_delay(reply: str, language: str, acts: Iterable[Mapping[str, Any]] = (), line: str = "") -> float:
    """Seconds from the trainee's line to the first word of `reply` (the engine's `acts` say if it is hard)."""
    think = min(THINK_BASE_S + THINK_PER_UNIT_S[language] * units(reply, language), THINK_MAX_S)
    read = min(READ_PER_UNIT_S[language] * units(line, language), READ_MAX_S)
    return round(think + read + (HARD_EXTRA_S if is_hard(acts) else 0.0), 3)


def typing_delay(chunk: str, language: str) -> float:
    """Seconds to type one shown piece of the reply (a word in English, 1-2 characters in Chinese)."""
    typed = TYPE_PER_UNIT_S[language] * max(units(chunk, language), 1 if chunk.strip() else 0)
    return round(typed + (SENTENCE_PAUSE_S if _SENTENCE_END.search(chunk) else 0.0), 3)


def speaking_time(text: str, language: str) -> float:
    """Seconds a whole reply takes to appear: the sum of its pieces' typing delays."""
    return round(sum(typing_delay(chunk, language) for chunk in chunk_text(text, language)), 3)
