"""The check a built persona card passes before it is published: scripted trainees play it.

The method-following play (the `good` strategy of app/simulation.py: explores every topic, holds
the golden silence, confirms, asks high to low) must win at least the lowest commitment when the
concern is below level 4 (no_commitment: there the customer grants nothing in one meeting). The
motive-blind scripts (generic questions; every motive's words in each line) and the gaming scripts
(repeating, farming, pushing) of prompts/trainee/checks/ must not win the top commitment (DESIGN
2.2b). Each play returns its transcript, so the coach reads why a card failed.
"""

from functools import lru_cache
from pathlib import Path
from typing import Any

from app.core.yamlio import load_yaml
from app.engine.personas import PersonaCard, concern_rank
from app.renderers.template import TemplateRenderer
from app.simulation import Script, ScriptLine, request_form, simulate, simulate_script
from scoring import Rubric

# The scripted trainees that must not win the top commitment, by file stem (all-<kind>.yaml).
GAMING = ("generic", "salad", "repeat", "farming", "pushy")


def ask(action: str, language: str) -> str:
    """A commitment asked for outright, in the second person (开口要)."""
    wanted = request_form(action, language)
    return f"能不能请您{wanted}?" if language == "zh" else f"Would you {wanted}?"


def fill(text: str, card: PersonaCard) -> str:
    """A line of a script written for any card (`persona: all`) with this card's words filled in:
    {name}, {selling}, {ask:1}…{ask:N} (the commitment of that rank asked for), {ask:last}."""
    asks = {f"ask:{rank}": ask(c.action, card.language) for rank, c in enumerate(card.commitments, 1)}
    asks["ask:last"] = ask(card.commitments[-1].action, card.language)
    for key, value in {"name": card.name, "selling": card.selling, **asks}.items():
        text = text.replace("{" + key + "}", value)
    return text


@lru_cache
def gaming_scripts(prompts_dir: Path, language: str) -> tuple[tuple[str, dict[str, Any]], ...]:
    """(kind, script spec) of every check script in the card's language."""
    folder = prompts_dir / "trainee" / "checks" / language
    return tuple((kind, load_yaml((folder / f"all-{kind}.yaml").read_text(encoding="utf-8"))) for kind in GAMING)


def _granted(transcript: dict[str, Any]) -> list[int]:
    return sorted({act["rank"] for turn in transcript["turns"] if turn["speaker"] == "customer"
                   for act in turn.get("acts", []) if act["kind"] == "grant"})


def _play(kind: str, result: dict[str, Any], *, must: str) -> dict[str, Any]:
    ranks = _granted(result["transcript"])
    ok = {"win_lowest": bool(ranks), "not_top": 1 not in ranks, "any": True}[must]
    return {"kind": kind, "must": must, "passed": ok, "granted_ranks": ranks,
            "overall": result["scorecard"].get("overall"), "transcript": result["transcript"]}


def run_check(card: PersonaCard, *, renderer: TemplateRenderer, rubric: Rubric, prompts_dir: Path) -> dict[str, Any]:
    """{"passed", "plays": [{kind, must, passed, granted_ranks, overall, transcript}]}. `must` is
    `win_lowest` (the method-following play, below concern level 4), `not_top` (the others) or
    `any` (the method-following play at level 4 and above: shown, not required)."""
    good = simulate(card, "method", renderer=renderer, rubric=rubric, trainee_dir=prompts_dir)
    must = "win_lowest" if concern_rank(card.concern.level) < concern_rank("no_commitment") else "any"
    plays = [_play("method", good, must=must)]
    for kind, spec in gaming_scripts(prompts_dir, card.language):
        lines = [ScriptLine(**{**line, "text": fill(line["text"], card)}) for line in spec["lines"]]
        result = simulate_script(card, Script(lines=lines), renderer=renderer, rubric=rubric, seed=spec.get("seed", 0))
        plays.append(_play(kind, result, must="not_top"))
    return {"passed": all(p["passed"] for p in plays), "plays": plays}
