"""The grader's language data (grading/zh.yaml, grading/en.yaml): cues and wording.

Cues read customer replies (concern, acceptance, vagueness) and commitment elements; the
wording is every point's reason and note on a scorecard, in the session's language.
Patterns may use the labeller's vocabulary (<<time>>, <<people>>, <<action>>).
"""

import re
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from scoring.labeller.derived import DERIVED
from scoring.labeller.table import TableError, compile_pattern, fold_table, load_table, read_table
from scoring.labeller.text import clean, script_of

GRADING_DIR = Path(__file__).resolve().parent / "grading"
_REQUIRED = ("concern", "vague", "refuse", "accept", "counter", "slot", "offer", "time", "people", "action", "benefit")


@dataclass(frozen=True)
class Cues:
    lang: str
    patterns: dict[str, re.Pattern[str]]
    points: dict[str, str]
    notes: dict[str, str]
    names: dict[str, dict[str, str] | str]

    def has(self, cue: str, text: str) -> bool:
        return self.patterns[cue].search(text) is not None

    def words(self, cue: str, text: str) -> set[str]:
        """The words of `text` the cue matches (which action, which people, which motive words)."""
        return {m.group().strip() for m in self.patterns[cue].finditer(text)}

    def asserted(self, cue: str, text: str) -> bool:
        """Whether `text` says what the cue names, not merely mentions it to deny it ("不拿标准方案往里套",
        "no standard template") or to name the customer's worry ("您担心的照搬", "worried about a
        template"): a match counts unless the words just before it do so."""
        negated = self.patterns.get("negated_before")
        for match in self.patterns[cue].finditer(text):
            if negated is None or negated.search(text[:match.start()]) is None:
                return True
        return False

    def name(self, group: str, key: str) -> str:
        table = self.names[group]
        return table.get(key, key) if isinstance(table, dict) else key

    def join(self, items: list[str]) -> str:
        return str(self.names["separator"]).join(items)


@cache
def load_cues(lang: str) -> Cues:
    """Compiled cues and wording for zh or en, read once per process."""
    path = GRADING_DIR / f"{lang}.yaml"
    data = read_table(path)
    vocab = load_table(lang).vocab
    raw = data["cues"]
    missing = [k for k in _REQUIRED if k not in raw]
    if missing:
        raise TableError(f"{path.name}: cues: missing {', '.join(missing)}")
    patterns = {k: compile_pattern(v, vocab, f"{path.name}: cues.{k}") for k, v in raw.items()}
    DERIVED.save()
    return Cues(lang, patterns, dict(data["points"]), dict(data["notes"]), dict(data["names"]))


@lru_cache(maxsize=4096)
def normalise(text: str, session_lang: str) -> tuple[str, str]:
    """A line cleaned the labeller's way, and the language its cues should be read in; kept,
    because the commitment, concern and motive readers each read every customer turn."""
    cleaned = clean(text, fold_table())
    lang = script_of(cleaned, session_lang)
    return (cleaned.lower() if lang == "en" else cleaned), lang
