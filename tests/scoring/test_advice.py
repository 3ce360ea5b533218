"""Next steps on the scorecard (scoring/advice.py): what they pick, where they point, what they say.

The sessions (advice/sessions/*.yaml) carry the next steps a coach works out by hand from the
rubric; the drills (advice/drills_{zh,en}.yaml) put every better line of the phrase banks into
a conversation written from the method and grade it: the line must earn what it stands for.
"""

import json
import os
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from scoring import Transcript, grade, load_rubric
from scoring.advice import ADVICE_DIR, VARIES, entry
from scoring.models import Scorecard
from scoring.rubric import POINT_RULES, RUBRICS_DIR

HERE = Path(__file__).resolve().parent
DRILLS = HERE / "advice"
SESSIONS = sorted((DRILLS / "sessions").glob("*.yaml"))
COACH_CASES = sorted((HERE / "transcripts").glob("*/*.yaml"))
LANGS = ("zh", "en")
SLOT = "{line}"


# ---- building and grading a conversation ----

def timed(turns: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Times for a conversation written without them: the trainee waits `pause` s (5 by default,
    a held golden silence) and types for 3 s; the customer answers after 1 s and talks for 3 s.
    The engine's record (`acts`) is kept where a scaffold gives one."""
    out, now = [], 0.0
    for seq, turn in enumerate(turns, start=1):
        if turn["speaker"] == "trainee":
            start = now + float(turn.get("pause", 5.0))
            now = start + 3.0
            out.append({"seq": seq, "speaker": "trainee", "text": turn["text"], "typing_started_at": start,
                        "sent_at": now})
        else:
            start = now + 1.0
            now = start + 3.0
            out.append({"seq": seq, "speaker": "customer", "text": turn["text"], "started_at": start, "ended_at": now,
                        **({"acts": turn["acts"]} if "acts" in turn else {})})
    return out


def graded(turns: list[dict[str, Any]], lang: str, hints: dict[str, Any], session_id: str) -> Scorecard:
    transcript = Transcript.model_validate({"session_id": session_id, "language": lang, "turns": timed(turns)})
    return grade(transcript, load_rubric(), **hints)


@cache
def drill_book(lang: str) -> dict[str, Any]:
    return yaml.safe_load((DRILLS / f"drills_{lang}.yaml").read_text(encoding="utf-8"))


def scaffold(lang: str, name: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    spec = drill_book(lang)["scaffolds"][name]
    base = drill_book(lang)["scaffolds"][spec["like"]] if "like" in spec else spec
    return base["turns"], {**base.get("hints", {}), **spec.get("hints", {})}


def variant_of(drill: dict[str, Any]) -> tuple[str | None, str | None]:
    group, key = drill.get("variant") or (None, None)
    return group, key


def drills() -> list[Any]:
    out = []
    for lang in LANGS:
        for drill in drill_book(lang)["drills"]:
            group, key = variant_of(drill)
            name = f"{lang}-{drill['rule']}" + (f"-{key}" if key else "")
            out.append(pytest.param(lang, drill, id=name))
    return out


def shortfall(card: Scorecard, drill: dict[str, Any], slot: int) -> list[str]:
    """What the line at `slot` failed to earn, or drew, of what the drill asks; empty when it did it all."""
    here = {p.rule for p in card.points if p.seq == slot}
    anywhere = {p.rule for p in card.points}
    missing = [f"no {r}" for r in drill.get("earns", []) if r not in here]
    if drill.get("earns_any") and not here & set(drill["earns_any"]):
        missing.append(f"none of {drill['earns_any']}")
    missing += [f"drew {r}" for r in drill.get("avoids", []) if r in anywhere]
    missing += [f"no {r} (session)" for r in drill.get("session", []) if r not in anywhere]
    if "topic" in drill:
        topic = next(t.topic for t in card.turns if t.seq == slot)
        if topic != drill["topic"]:
            missing.append(f"topic {topic}, not {drill['topic']}")
    if "elements" in drill:
        missing += [f"no element {e}" for e in drill["elements"] if e not in card.commitment.elements]
    return missing


def _story(card: Scorecard, slot: int) -> str:
    label = next(t for t in card.turns if t.seq == slot)
    points = "\n".join(f"  {p.delta:+d} {p.rule} #{p.seq}" for p in card.points)
    return f"labelled {label.label}/{label.topic}/{label.form}\n{points}"


# ---- the drills: every better line earns what it stands for ----

@pytest.mark.parametrize(("lang", "drill"), drills())
def test_every_better_line_earns_the_credit_it_stands_for(lang: str, drill: dict[str, Any]) -> None:
    turns, hints = scaffold(lang, drill["scaffold"])
    slot = next(i for i, t in enumerate(turns, start=1) if t["text"] == SLOT)
    advice = entry(lang, drill["rule"], *variant_of(drill))
    assert advice is not None and advice.lines, f"no better lines for {drill['rule']} {variant_of(drill)}"
    failures = []
    for line in advice.lines:
        said = [dict(t, text=line) if t["text"] == SLOT else t for t in turns]
        card = graded(said, lang, hints, "drill")
        missing = shortfall(card, drill, slot)
        if missing:
            failures.append(f"{line}\n  {'; '.join(missing)}\n{_story(card, slot)}")
    assert not failures, "\n\n".join(failures)
    if "said" in drill:  # what the trainee did say there falls short: the drill tests the line
        said = [dict(t, text=drill["said"]) if t["text"] == SLOT else t for t in turns]
        assert shortfall(graded(said, lang, hints, "drill"), drill, slot), f"{drill['said']!r} passes the drill"


def _deducting_rules() -> set[str]:
    """Every rule some shipped rubric prices below zero (read from the rubric files)."""
    rules: set[str] = set()
    for path in RUBRICS_DIR.glob("*.yaml"):
        points = yaml.safe_load(path.read_text(encoding="utf-8")).get("points") or {}
        rules |= {rule for rule, price in points.items() if price.get("delta", 0) < 0}
    return rules


def _variants(rule: str) -> list[tuple[str | None, str | None]]:
    group = VARIES.get(rule)
    return [(None, None)] if group is None else [(group.name, key) for key in group.keys]


@pytest.mark.parametrize("lang", LANGS)
def test_every_rule_that_can_deduct_has_advice_in_both_languages(lang: str) -> None:
    deducting = _deducting_rules()
    assert {"questioning.early_pitch", "concerns.pushed", "motive_fit.misfit", "commitment.none"} <= deducting
    for rule in sorted(deducting):
        for group, key in _variants(rule):
            advice = entry(lang, rule, group, key)
            assert advice is not None and advice.do and advice.lines, f"{lang}: {rule} {group}.{key}: no advice"


@pytest.mark.parametrize("lang", LANGS)
def test_every_line_in_the_phrase_bank_is_drilled(lang: str) -> None:
    """No better line goes out untested: each rule and variant with lines has a drill."""
    data = yaml.safe_load((ADVICE_DIR / f"{lang}.yaml").read_text(encoding="utf-8"))["rules"]
    banked = set()
    for rule, spec in data.items():
        assert rule in POINT_RULES, f"{lang}.yaml: {rule} is no point rule"
        if spec.get("lines"):
            banked.add((rule, None, None))
        for group in ("motives", "levels", "topics", "steps"):
            banked |= {(rule, group, key) for key, value in (spec.get(group) or {}).items() if value.get("lines")}
    drilled = {(d["rule"], *variant_of(d)) for d in drill_book(lang)["drills"]}
    assert banked <= drilled, f"lines without a drill: {sorted(banked - drilled, key=str)}"
    other = "en" if lang == "zh" else "zh"
    assert drilled == {(d["rule"], *variant_of(d)) for d in drill_book(other)["drills"]}, "zh and en drill the same"


# ---- the sessions: which next steps, in which order, tied to which turn ----

@cache
def session(path: Path) -> tuple[dict[str, Any], Scorecard]:
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    return spec, graded(spec["turns"], spec["language"], spec.get("hints", {}), spec["id"])


@pytest.mark.parametrize("path", SESSIONS, ids=lambda p: p.stem)
def test_the_next_steps_are_those_a_coach_works_out(path: Path) -> None:
    spec, card = session(path)
    got = [(a.rule, a.seq) for a in card.next_steps]
    want = [(s["rule"], s["seq"]) for s in spec["expect"]["next_steps"]]
    assert got == want, "\n".join(f"{a.cost:5.1f} {a.rule} #{a.seq} {a.kind}" for a in card.next_steps)
    for step, expected in zip(card.next_steps, spec["expect"]["next_steps"], strict=True):
        if "cost" in expected:
            assert step.cost == pytest.approx(expected["cost"], abs=0.05), step.rule
        assert step.dimension == POINT_RULES[step.rule]
        assert step.name and step.why and step.do and step.better_line
        assert step.rule not in step.name and "." not in step.name  # a name for people, not the id
        group, key = expected.get("bank") or (None, None)
        assert step.better_line in entry(spec["language"], step.rule, group, key).lines, step.rule


def _all_cards() -> list[tuple[str, Scorecard]]:
    from app.engine.personas import load_cards
    from app.core.paths import data_dir

    personas = load_cards(data_dir("personas"))
    cards = [(p.stem, session(p)[1]) for p in SESSIONS]
    for path in COACH_CASES:
        spec = yaml.safe_load(path.read_text(encoding="utf-8"))
        hints = personas[spec["persona"]].grading_hints()
        cards.append((path.stem, grade(Transcript.model_validate(spec["transcript"]), load_rubric(), **hints)))
    return cards


def test_at_most_three_costliest_first_below_minimum_first_each_tied_to_a_trainee_turn() -> None:
    rubric = load_rubric()
    seen_below_first = False
    for name, card in _all_cards():
        steps = card.next_steps
        assert len(steps) <= 3, name
        assert steps or all(p.delta >= 0 or getattr(card.dimensions, p.dimension) == 100 for p in card.points), \
            f"{name}: a deduction that cost something, with no advice"
        trainee = {t.seq for t in card.turns}
        below = {d for d, floor in rubric.min_dimension.items() if getattr(card.dimensions, d) < floor}
        # at 不承诺 (level 4), withdrawing when nothing was asked again is what holds the commitment
        # back (DESIGN 2.2): that advice lifts the commitment dimension too
        rules = {p.rule for p in card.points}
        holds = card.concern_level == "no_commitment" and "concerns.reasked" not in rules
        lifted = {s.rule: {s.dimension} | ({"commitment"} if holds and s.rule == "concerns.withdrew" else set())
                  for s in steps}
        ranks = [(not lifted[s.rule] & below, -s.cost) for s in steps]
        assert ranks == sorted(ranks), f"{name}: {[(s.rule, s.cost) for s in steps]}"
        for step in steps:
            assert step.seq in trainee, f"{name}: {step.rule} tied to #{step.seq}, not a trainee turn"
            assert step.cost > 0
        if below and any(not lifted[s.rule] & below for s in steps):
            seen_below_first = True
    assert seen_below_first  # the ordering by minimum was put to the test at least once


def test_the_same_session_always_gets_the_same_line() -> None:
    """Picked by the session id: graded again, or in another process, the line is the same."""
    path = next(p for p in SESSIONS if p.stem.startswith("zh"))
    spec, card = session(path)
    again = graded(spec["turns"], spec["language"], spec.get("hints", {}), spec["id"])
    assert [a.better_line for a in again.next_steps] == [a.better_line for a in card.next_steps]
    transcript = {"session_id": spec["id"], "language": spec["language"], "turns": timed(spec["turns"])}
    code = ("import json, sys; from scoring import Transcript, grade, load_rubric; "
            "card = grade(Transcript.model_validate(json.load(sys.stdin)), load_rubric(), **json.loads(sys.argv[1])); "
            "print(json.dumps([a.better_line for a in card.next_steps]))")
    lines = set()
    for seed in ("1", "2"):
        out = subprocess.run([sys.executable, "-c", code, json.dumps(spec.get("hints", {}))],
                             input=json.dumps(transcript), capture_output=True, text=True, check=True,
                             env={**os.environ, "PYTHONHASHSEED": seed})
        lines.add(out.stdout)
    assert lines == {json.dumps([a.better_line for a in card.next_steps]) + "\n"}
    # ... and another session may be given another line of the same bank
    others = {graded(spec["turns"], spec["language"], spec.get("hints", {}), f"s{i}").next_steps[0].better_line
              for i in range(12)}
    assert len(others) > 1


def test_the_next_steps_are_in_the_scorecard_json_with_the_rubric() -> None:
    """DESIGN 4.1b: fields added, none removed; the JSON keeps the rule ids beside the names."""
    _, card = session(SESSIONS[0])
    data = json.loads(card.model_dump_json())
    for field in ("session_id", "overall", "passed", "dimensions", "counts", "silence", "commitment", "turns"):
        assert field in data
    rubric = load_rubric()
    assert data["pass_mark"] == rubric.pass_mark
    assert data["weights"] == rubric.weights and data["min_dimension"] == rubric.min_dimension
    assert all(p["rule"] in POINT_RULES and p["name"] for p in data["points"])
    assert [set(s) for s in data["next_steps"]] == [
        {"rule", "name", "dimension", "seq", "why", "better_line", "do", "kind", "cost"}] * len(data["next_steps"])
