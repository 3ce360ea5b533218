"""The offline renderer: phrase banks in prompts/phrases/<lang>.yaml, filled with the move's facts.

A phrase is picked deterministically from the session seed and turn, preferring the
persona's motive variants, and never one the session has already used.
"""

import random
import re
from pathlib import Path

from app.core.yamlio import load_yaml

from app.engine.personas import PersonaCard, concern_rank
from app.engine.state import CustomerMove, CustomerState
from app.renderers.base import Rendering

INTENTS: dict[str, tuple[str, ...]] = {
    "greeting": (),
    "reveal": ("fact",),
    "reveal_more": ("fact",),
    "silence_addition": ("fact",),
    "vague": (),
    "no_more": (),
    "ack": (),
    "pitch_pushback": (),
    "confirm_yes": (),
    "control_agree": (),
    "control_doubt": (),
    "concern": ("concern",),
    "concern_eased": (),
    "commit_grant": ("action",),
    "commit_refuse_concern": ("concern",),
    "commit_refuse_trust": (),
    "farewell": (),
    "deny": (),
    "wrap_up": (),
}
GUARDED_FROM = 3  # concern rank (objection) from which the customer speaks in a guarded tone
FACT_INTENTS = frozenset({"reveal", "reveal_more", "silence_addition"})
_PLACEHOLDER = re.compile(r"\{(\w+)\}")
PhraseBank = dict[str, dict[str, list[str]]]


class PhraseBankError(ValueError):
    """A phrase bank that the renderer cannot use; names the file and the field."""


def load_bank(path: Path) -> PhraseBank:
    """Read and check one language's phrase bank."""
    data = load_yaml(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise PhraseBankError(f"{path}: (file): must be a mapping of intents")
    for intent, allowed in INTENTS.items():
        variants = data.get(intent)
        if not isinstance(variants, dict) or not variants.get("default"):
            raise PhraseBankError(f"{path}: {intent}.default: at least one phrase is required")
        for variant, phrases in variants.items():
            if not isinstance(phrases, list) or not all(isinstance(p, str) and p for p in phrases):
                raise PhraseBankError(f"{path}: {intent}.{variant}: must be a list of phrases")
            for index, phrase in enumerate(phrases):
                unknown = set(_PLACEHOLDER.findall(phrase)) - set(allowed)
                if unknown:
                    raise PhraseBankError(f"{path}: {intent}.{variant}.{index}: unknown placeholder {sorted(unknown)}")
    return data


def load_banks(folder: Path) -> dict[str, PhraseBank]:
    return {lang: load_bank(folder / f"{lang}.yaml") for lang in ("zh", "en")}


def _bare(text: str) -> str:
    """A fact or action without its closing punctuation, so a phrase can punctuate it."""
    return text.strip().rstrip("。.!!??;;,,")


class TemplateRenderer:
    name = "template"

    def __init__(self, banks: dict[str, PhraseBank]) -> None:
        self._banks = banks

    def _pick(self, bank: PhraseBank, intent: str, motive: str, state: CustomerState, used: set[str]) -> tuple[str, str]:
        """A fresh phrase in character: guarded ones at a high concern, the motive's, then the plain ones."""
        guarded = concern_rank(state.concern) >= GUARDED_FROM
        tiers = [["guarded", motive], ["default"]] if guarded else [[motive, "default"]]
        pools = [[(f"{intent}:{v}:{i}", p) for v in tier for i, p in enumerate(bank[intent].get(v, []))] for tier in tiers]
        for pool in pools:
            fresh = [item for item in pool if item[0] not in used]
            if fresh:
                break
        else:  # every phrase has been used: allow repeats rather than fall silent
            fresh = [item for pool in pools for item in pool]
        rng = random.Random(f"{state.seed}:{state.turn}:{intent}")
        return rng.choice(fresh)

    def render(self, card: PersonaCard, state: CustomerState, move: CustomerMove) -> Rendering:
        bank = self._banks[card.language]
        used = set(state.said)
        facts = iter(move.facts)
        action = next((c.action for c in card.commitments if c.id == move.commitment), "")
        parts: list[str] = []
        keys: list[str] = []
        for intent in move.intents:
            key, phrase = self._pick(bank, intent, card.motive, state, used)
            used.add(key)
            keys.append(key)
            values = {"concern": _bare(card.concern.topic), "action": _bare(action)}
            if intent in FACT_INTENTS:
                values["fact"] = _bare(card.fact_by_id[next(facts)].text)
            parts.append(phrase.format(**values))
        separator = "" if card.language == "zh" else " "
        return Rendering(text=separator.join(parts), phrase_keys=tuple(keys))
