"""The offline renderer: phrase banks in prompts/phrases/<lang>.yaml, filled with what the acts give away.

Each act is worded by a phrase of its key (reveal, refuse_motive, answer_budget, …), picked
from the session's seed and turn among the persona's motive variants (guarded ones at a high
concern), never one the session has used. Facts are told in one of their wordings, also by
seed. The turn's opening words never repeat within a session (a fresh lead-in is tried when
they would), and "I forgot to mention" is said at most once. So ten sessions of one script do
not read alike, and one session does not sound like a loop.
"""

import random
import re
from pathlib import Path

from app.core.yamlio import load_yaml
from app.engine.personas import PersonaCard, concern_rank
from app.engine.state import Act, CustomerMove, CustomerState
from app.renderers.base import Rendering
from scoring.hearing import subjects

_ANSWER_SUBJECTS = tuple(f"answer_{s}" for s in subjects())
KEYS: dict[str, tuple[str, ...]] = {
    "greeting": (), "ack": (), "reveal": ("fact",), "reveal_more": ("fact",), "add_after_silence": ("fact",),
    "answer_vague": (), "answer_told": ("subject",), "answer_which": (), "already_granted": ("action",),
    "control_agree": (), "control_doubt": (),
    "concern_explore": ("objection",), "concern_emotion": (), "concern_not_yet": (), "concern_only_this": (),
    "concern_again": ("objection",), "concern_none": (), "concern_reflect": (), "concern_no_faith": (),
    "concern_brush_off": (),
    "deflect_trust": ("subject",), "deflect_repeat": ("subject",), "deflect_farming": (), "deflect_pitch": (),
    "deflect_denial": (), "deflect_rude": (), "deflect_inducement": (), "deflect_concern": (), "deflect_ended": (),
    "voice_objection": ("objection",), "voice_personal": ("concern",), "voice_worse": ("objection",),
    "voice_exposed": (), "voice_real": ("objection", "concern"),
    "ease_eased": (), "ease_removed": (), "ease_cooler": (),
    "grant": ("action",), "refuse_concern": (), "refuse_trust": (), "refuse_motive": (), "refuse_level": (),
    "agree": (), "correct": ("fact",), "correct_unsaid": (),
    "referral": ("person",), "referral_told": ("person",),
    "end_patience": (), "end_withdrawn": (),
    **{key: () for key in _ANSWER_SUBJECTS},
}
LEADS = ("openers", "forgot")
MIN_POOL = 8  # fewer in-character phrases than this: the plain ones join them
GUARDED_FROM = 4  # concern rank (no commitment) from which the customer speaks in a guarded tone
_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_FIRST_CLAUSE = re.compile(r"^[^,.!?;:\u3001\u3002\uff0c\uff01\uff1f\uff1b\uff1a\u2026\u2014]+")
PhraseBank = dict[str, dict[str, list[str]]]


class PhraseBankError(ValueError):
    """A phrase bank that the renderer cannot use; names the file and the field."""


def load_bank(path: Path) -> PhraseBank:
    """Read and check one language's phrase bank: every key, a default list, known placeholders."""
    data = load_yaml(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise PhraseBankError(f"{path}: (file): must be a mapping of phrase keys")
    for lead in LEADS:
        if not isinstance(data.get(lead), list) or not all(isinstance(p, str) and p for p in data[lead]):
            raise PhraseBankError(f"{path}: {lead}: must be a list of lead-ins")
    for key, allowed in KEYS.items():
        variants = data.get(key)
        if not isinstance(variants, dict) or not variants.get("default"):
            raise PhraseBankError(f"{path}: {key}.default: at least one phrase is required")
        for variant, phrases in variants.items():
            if not isinstance(phrases, list) or not all(isinstance(p, str) and p for p in phrases):
                raise PhraseBankError(f"{path}: {key}.{variant}: must be a list of phrases")
            for index, phrase in enumerate(phrases):
                unknown = set(_PLACEHOLDER.findall(phrase)) - set(allowed)
                if unknown:
                    raise PhraseBankError(f"{path}: {key}.{variant}.{index}: unknown placeholder {sorted(unknown)}")
    return data


def load_banks(folder: Path) -> dict[str, PhraseBank]:
    return {lang: load_bank(folder / f"{lang}.yaml") for lang in ("zh", "en")}


def bare(text: str) -> str:
    """A fact or action without its closing punctuation, so a phrase can punctuate it."""
    return text.strip().rstrip(".!?;,\u3002\uff01\uff1f\uff1b\uff0c\u3001")


def opener(text: str, language: str) -> str:
    """How a turn opens: its first clause, at most four words (en) or six characters (zh)."""
    match = _FIRST_CLAUSE.match(text.strip())
    first = (match.group() if match else text).strip().lower()
    return " ".join(first.split()[:4]) if language == "en" else first[:6]


_LOWER_AFTER_LEAD = frozenset("we our the that this it it's there they their you your so and but not no yes sure "
                              "right look frankly honestly to what well that's there's we're we've we'll let's "
                              "they're you're it'll sounds happy".split())


def _after_lead(text: str) -> str:
    """An English turn after a lead-in: "Well, we…", but names and "I" keep their capital."""
    first = text.split(" ", 1)[0].rstrip(",.")
    return text[:1].lower() + text[1:] if first.lower() in _LOWER_AFTER_LEAD else text


def _short(text: str, language: str) -> bool:
    """A short turn ("没了,就这些。" / "That's all.") sounds canned when it comes back the same way."""
    return len(text) < 14 if language == "zh" else len(text.split()) < 7


def phrase_key(act: Act, card: PersonaCard) -> str:
    """Which bank entry words this act."""
    kind, detail = act.kind, act.detail
    if kind == "reveal":
        if act.subject == "other_person":
            return "referral"
        return "reveal_more" if detail == "more" else "reveal"
    if kind == "answer":
        if act.subject == "concern":
            return f"concern_{detail}" if detail else "concern_again"
        if act.subject == "other_person":
            return "referral_told" if detail == "told" else "answer_which"
        if detail in ("greeting", "ack", "already_granted"):
            return detail
        if detail in ("doubt", "agree"):
            return f"control_{detail}"
        if detail in ("told", "which"):
            return f"answer_{detail}"
        return f"answer_{act.subject}" if act.subject else "answer_vague"
    if kind == "deflect":
        return "deflect_farming" if detail == "farming" else f"deflect_{act.reason}"
    if kind == "voice_concern":
        return f"voice_{detail or 'objection'}"
    if kind == "ease_concern":
        return f"ease_{detail or 'eased'}"
    if kind == "refuse":
        return f"refuse_{act.reason}"
    if kind == "correct":
        return "correct" if act.fact else "correct_unsaid"
    if kind == "end":
        return f"end_{act.reason}"
    return kind  # grant, agree, add_after_silence


class TemplateRenderer:
    name = "template"

    def __init__(self, banks: dict[str, PhraseBank]) -> None:
        self._banks = banks

    @staticmethod
    def _variants(card: PersonaCard, state: CustomerState, act: Act) -> list[list[str]]:
        """Variant tiers, best first: the in-character ones (guarded at a high concern, the motive's,
        the concern level's for a refusal at levels 4-6) with the plain ones beside them, so that
        ten sessions have many wordings to draw from; the plain ones alone when the others are used up."""
        guarded = concern_rank(state.concern) >= GUARDED_FROM or state.heat > 0
        specific = [state.concern, card.motive] if act.kind == "refuse" and act.reason == "level" else [card.motive]
        if guarded:
            return [["guarded", *specific], ["guarded", *specific, "default"]]
        return [[*specific, "default"], ["default"]]

    def _values(self, card: PersonaCard, act: Act, rng: random.Random) -> dict[str, str]:
        lang = card.language
        concern = card.concern.real if act.detail == "real" and card.concern.real else card.concern
        values = {"objection": bare(concern.objection), "concern": bare(concern.topic),
                  "subject": subjects()[act.subject].said(lang) if act.subject in subjects() else "",
                  "person": bare(rng.choice(card.other_person.wordings)), "action": "", "fact": ""}
        if act.commitment:
            values["action"] = bare(next(c.action for c in card.commitments if c.id == act.commitment))
        if act.fact and act.fact in card.fact_by_id:
            values["fact"] = bare(rng.choice(card.fact_by_id[act.fact].wordings))
        if act.detail == "already_granted" and card.commitments:
            values["action"] = ""
        return values

    def render(self, card: PersonaCard, state: CustomerState, move: CustomerMove) -> Rendering:
        bank = self._banks[card.language]
        used = set(state.said)
        rng = random.Random(f"{state.seed}:{state.turn}:{card.id}")
        parts: list[str] = []
        keys: list[str] = []
        bare_start = False
        for act in move.acts:
            key = phrase_key(act, card)
            if key not in bank:
                continue
            pools = [[(f"{key}:{v}:{i}", p) for v in tier for i, p in enumerate(bank[key].get(v, []))]
                     for tier in self._variants(card, state, act)]
            if len(pools[0]) < MIN_POOL:  # too few in-character phrases to vary across sessions
                pools = pools[1:]
            fresh = next((pool for pool in ([p for p in pool if p[0] not in used] for pool in pools) if pool), None)
            candidates = fresh or [item for pool in pools for item in pool]  # all used: repeats beat silence
            rng.shuffle(candidates)
            values = self._values(card, act, rng)
            chosen_key, phrase = candidates[0]
            if not parts:  # the turn's first words must be fresh
                chosen_key, phrase = self._fresh_opening(card.language, values, candidates, used)
                bare_start = phrase.startswith("{")
            text = phrase.format(**values)
            used.add(chosen_key)
            keys.append(chosen_key)
            parts.append(text)
        separator = "" if card.language == "zh" else " "
        text = separator.join(parts)
        text, lead_keys = self._lead_in(card, move, text, used, rng, bare_start)
        keys.extend(lead_keys)
        keys.append(f"opener:{opener(text, card.language)}")
        return Rendering(text=text, phrase_keys=tuple(keys))

    @staticmethod
    def _fresh_opening(language: str, values: dict[str, str], candidates: list[tuple[str, str]],
                       used: set[str]) -> tuple[str, str]:
        """The first candidate whose opening words the session has not heard yet."""
        for key, phrase in candidates:
            if f"opener:{opener(phrase.format(**values), language)}" not in used:
                return key, phrase
        return candidates[0]

    def _lead_in(self, card: PersonaCard, move: CustomerMove, text: str, used: set[str], rng: random.Random,
                 text_is_bare: bool) -> tuple[str, list[str]]:
        """A soft lead-in (嗯, / Well,) before some turns (more of those that open straight on a
        fact), as people speak; always one when the opening would repeat.
        An addition after a silence may open with "I forgot to mention", once a session."""
        bank = self._banks[card.language]
        stale = f"opener:{opener(text, card.language)}" in used
        forgot_used = any(k.startswith("forgot:") for k in used)
        if move.acts and move.acts[0].kind == "add_after_silence" and not forgot_used and rng.random() < 0.35:
            pool = [(f"forgot:{i}", p) for i, p in enumerate(bank["forgot"])]
        elif stale or rng.random() < (0.9 if _short(text, card.language) else 0.7 if text_is_bare else 0.55):
            pool = [(f"lead:{i}", p) for i, p in enumerate(bank["openers"]) if f"lead:{i}" not in used]
        else:
            return text, []
        rng.shuffle(pool)
        for key, lead in pool:
            joined = lead + text if card.language == "zh" else f"{lead.rstrip()} {_after_lead(text)}"
            if f"opener:{opener(joined, card.language)}" not in used:
                return joined, [key]
        return text, []
