"""After a session: which of the customer's hidden facts the trainee uncovered, by subject.

Read from the engine's `acts` in the transcript (DESIGN 4.1: `reveal` and `add_after_silence`
name the fact given), against the persona card's facts. A fact found is shown with the card's
wording and the customer turn that gave it; one missed only counts towards its subject, so
the recap shows where to ask next time without handing out the answers (the same cards are
played in certification).
"""

from collections.abc import Iterable, Mapping
from typing import Any

from scoring.hearing import subjects

from app.engine.personas import PersonaCard

REVEALING = ("reveal", "add_after_silence")


def uncovered_facts(turns: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    """Fact id -> seq of the customer turn that first gave it."""
    found: dict[str, int] = {}
    for turn in turns:
        if turn.get("speaker") != "customer":
            continue
        for act in turn.get("acts") or ():
            if act.get("kind") in REVEALING and act.get("fact"):
                found.setdefault(act["fact"], turn["seq"])
    return found


def fact_recap(card: PersonaCard, turns: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """`{"uncovered", "total", "subjects": [{"subject", "uncovered", "total", "facts": [{"id", "text", "seq"}]}]}`,
    subjects in the order of scoring/hearing/subjects.yaml, facts in the card's order."""
    found = uncovered_facts(turns)
    groups = []
    for subject in subjects():
        facts = [f for f in card.facts if f.subject == subject]
        if not facts:
            continue
        given = [{"id": f.id, "text": f.text, "seq": found[f.id]} for f in facts if f.id in found]
        groups.append({"subject": subject, "uncovered": len(given), "total": len(facts), "facts": given})
    return {"uncovered": sum(g["uncovered"] for g in groups), "total": len(card.facts), "subjects": groups}
