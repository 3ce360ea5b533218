"""Scripted trainees written from the method (scenarios/*.yaml) against every shipped card.

Each file is played the way `peilian simulate --script` plays it, and the customer's recorded
acts and the scorecard are checked against what the method says should happen
(scenarios/README.md). Across the cards: a motive-blind script wins the top commitment on at
most 2 of 12; repeating, farming and pushing never pass, never win the top commitment, and
win nothing at level 3 (objection) and above.
"""

from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from app.core.paths import data_dir
from app.engine.personas import CONCERN_LEVELS, load_cards
from app.persona_check import fill as _fill
from app.renderers.template import TemplateRenderer, load_banks
from app.simulation import Script, ScriptLine, simulate_script
from scoring import load_rubric

HERE = Path(__file__).resolve().parent / "scenarios"
CHECKS = data_dir("prompts") / "trainee" / "checks"  # the scripts a built card is checked with (app/persona_check.py)
CARDS = load_cards(data_dir("personas"))
RENDERER = TemplateRenderer(load_banks(data_dir("prompts") / "phrases"))
RUBRIC = load_rubric()
GAMING = ("repeat", "farming", "pushy", "gaming")


def _files() -> list[Path]:
    return sorted([*HERE.glob("*/*.yaml"), *CHECKS.glob("*/*.yaml")])


def _cases() -> list[tuple[Path, str]]:
    out = []
    for path in _files():
        spec = yaml.safe_load(path.read_text(encoding="utf-8"))
        if spec["persona"] == "all":
            out += [(path, card.id) for card in CARDS.values() if card.language == spec["language"]]
        else:
            out.append((path, spec["persona"]))
    return out


@cache
def play(path: Path, card_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    card = CARDS[card_id]
    lines = [ScriptLine(**{**line, "text": _fill(line["text"], card)}) for line in spec["lines"]]
    result = simulate_script(card, Script(lines=lines), renderer=RENDERER, rubric=RUBRIC, seed=spec.get("seed", 0))
    return spec, result


def _acts(transcript: dict[str, Any]) -> list[dict[str, Any]]:
    return [act for turn in transcript["turns"] if turn["speaker"] == "customer" for act in turn["acts"]]


def _reply_acts(transcript: dict[str, Any], line_no: int) -> list[dict[str, Any]]:
    """The acts of every customer turn after the trainee's line `line_no` (1-based) and before the next."""
    seen, out = 0, []
    for turn in transcript["turns"]:
        if turn["speaker"] == "trainee":
            seen += 1
            continue
        if seen == line_no:
            out += turn["acts"]
    return out


def _matches(expected: dict[str, Any], act: dict[str, Any]) -> bool:
    return all(act.get(key) == value for key, value in expected.items())


def _granted_ranks(transcript: dict[str, Any]) -> set[int]:
    return {act["rank"] for act in _acts(transcript) if act["kind"] == "grant"}


def _explain(transcript: dict[str, Any]) -> str:
    lines = []
    for turn in transcript["turns"]:
        who = "T" if turn["speaker"] == "trainee" else "C"
        lines.append(f"{who}{turn['seq']:>3} {turn['text'][:70]}  {turn.get('acts', '')}")
    return "\n".join(lines)


@pytest.mark.parametrize(("path", "card_id"), _cases(), ids=lambda v: v.stem if isinstance(v, Path) else v)
def test_scenario(path: Path, card_id: str) -> None:
    spec, result = play(path, card_id)
    transcript, scorecard = result["transcript"], result["scorecard"]
    expect = spec.get("expect") or {}
    story = _explain(transcript)
    acts = _acts(transcript)
    for reply in expect.get("replies", []):
        got = _reply_acts(transcript, reply["line"])
        for wanted in reply["acts"]:
            assert any(_matches(wanted, act) for act in got), f"line {reply['line']}: {wanted} not in {got}\n{story}"
    for wanted in expect.get("some_of", []):
        assert any(_matches(wanted, act) for act in acts), f"{wanted} never happened\n{story}"
    for unwanted in expect.get("none_of", []):
        assert not any(_matches(unwanted, act) for act in acts), f"{unwanted} happened\n{story}"
    ranks = _granted_ranks(transcript)
    outcome = expect.get("commitment")
    if outcome == "none":
        assert not ranks, story
    elif outcome == "any":
        assert ranks, story
    elif outcome == "top":
        assert 1 in ranks, story
    elif outcome == "not_top":
        assert 1 not in ranks, story
    if "passed" in expect:
        assert scorecard["passed"] is expect["passed"], f"scored {scorecard['overall']}\n{story}"
    if spec["kind"] in GAMING:
        card = CARDS[card_id]
        assert 1 not in ranks and scorecard["passed"] is not True, story
        if CONCERN_LEVELS.index(card.concern.level) >= CONCERN_LEVELS.index("objection"):
            assert not ranks, f"{spec['kind']} won something at {card.concern.level}\n{story}"


def test_every_card_has_a_method_scenario() -> None:
    covered = {yaml.safe_load(p.read_text(encoding="utf-8"))["persona"] for p in _files()
               if yaml.safe_load(p.read_text(encoding="utf-8"))["kind"] == "method"}
    assert set(CARDS) <= covered


def test_the_method_wins_at_least_the_lowest_commitment_below_level_4() -> None:
    below = [c.id for c in CARDS.values() if CONCERN_LEVELS.index(c.concern.level) < CONCERN_LEVELS.index("no_commitment")]
    losers = []
    for path, card_id in _cases():
        spec, result = play(path, card_id)
        if spec["kind"] == "method" and card_id in below and not _granted_ranks(result["transcript"]):
            losers.append(f"{path.name}: {card_id}")
    assert not losers, losers


def test_a_motive_blind_script_wins_the_top_commitment_on_at_most_two_cards() -> None:
    tops = []
    for path, card_id in _cases():
        spec, result = play(path, card_id)
        if spec["kind"] == "generic" and 1 in _granted_ranks(result["transcript"]):
            tops.append(card_id)
    assert len(set(tops)) <= 2, tops


def test_silence_deepens_the_subject_just_answered() -> None:
    """Every addition after a held silence is on the subject of the answer before it (or the motive behind it)."""
    for path, card_id in _cases():
        spec, result = play(path, card_id)
        turns = result["transcript"]["turns"]
        for before, turn in zip(turns, turns[1:]):
            for act in turn.get("acts", []):
                if act["kind"] != "add_after_silence":
                    continue
                answered = {a.get("subject") for a in before.get("acts", []) if a["kind"] in ("reveal", "answer")}
                card = CARDS[card_id]
                motive = card.fact_by_id[act["fact"]].kind == "motive"
                assert act["subject"] in answered or motive, f"{path.name} {card_id}: {act} after {before}"
