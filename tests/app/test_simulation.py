"""`peilian simulate`: strategies and scripts on a simulated clock (DESIGN 4.3)."""

import pytest

from app.core.config import Settings
from app.core.paths import data_dir
from app.engine.personas import CONCERN_LEVELS, load_cards
from app.renderers.template import TemplateRenderer, load_banks
from app.simulation import Script, ScriptLine, request_form, simulate, simulate_script
from scoring import load_rubric

SETTINGS = Settings(DATABASE_URL="sqlite://")
CARDS = load_cards(data_dir("personas"))
RENDERER = TemplateRenderer(load_banks(data_dir("prompts") / "phrases"))
RUBRIC = load_rubric()


def play(card_id: str, strategy: str, seed: int = 0) -> dict:
    return simulate(CARDS[card_id], strategy, renderer=RENDERER, rubric=RUBRIC, trainee_dir=SETTINGS.prompts_dir,
                    seed=seed)


def acts(result: dict) -> list[list[dict]]:
    return [t["acts"] for t in result["transcript"]["turns"] if t["speaker"] == "customer"]


@pytest.mark.parametrize("card_id", sorted(CARDS))
def test_pushing_wins_nothing_and_is_recorded_as_refused(card_id: str) -> None:
    result = play(card_id, "pushy")
    recorded = [a for turn in acts(result) for a in turn]
    assert not [a for a in recorded if a["kind"] == "grant"]
    assert not [a for a in recorded if a["kind"] == "reveal"]
    card = result["scorecard"]
    assert card["source"] == "acts" and card["commitment"]["requested"] and not card["commitment"]["secured"]


@pytest.mark.parametrize("card_id", sorted(CARDS))
def test_the_motive_blind_strategy_never_wins_the_top_commitment_below_the_concern_it_ignores(card_id: str) -> None:
    result = play(card_id, "good")
    ranks = {a["rank"] for turn in acts(result) for a in turn if a["kind"] == "grant"}
    assert 1 not in ranks or CARDS[card_id].concern.level in ("none", "hesitation")


@pytest.mark.parametrize("card_id", sorted(CARDS))
def test_the_method_strategy_passes_every_card_and_asks_for_nothing_where_nothing_is_to_be_had(card_id: str) -> None:
    """DESIGN 2.2: at levels 4-6 a session handled as the method says passes without a commitment."""
    result = play(card_id, "method")
    recorded = [a for turn in acts(result) for a in turn]
    assert result["scorecard"]["passed"] is True, result["scorecard"]["overall"]
    if CONCERN_LEVELS.index(CARDS[card_id].concern.level) >= CONCERN_LEVELS.index("no_commitment"):
        assert not result["scorecard"]["commitment"]["requested"]
        assert {"kind": "end", "reason": "withdrawn"} in recorded
    else:
        assert any(a["kind"] == "grant" for a in recorded)


def test_the_scorecard_commitment_follows_the_record() -> None:
    for card_id in sorted(CARDS):
        result = play(card_id, "good")
        granted = [a for turn in acts(result) for a in turn if a["kind"] == "grant"]
        assert result["scorecard"]["commitment"]["secured"] is bool(granted)


def test_same_seed_same_session_other_seed_other_words_same_decisions() -> None:
    first, again, other = play("bank-onboarding-complacent", "good", 1), play("bank-onboarding-complacent", "good", 1), \
        play("bank-onboarding-complacent", "good", 2)
    assert first == again
    assert acts(first) == acts(other)
    words = [t["text"] for t in first["transcript"]["turns"] if t["speaker"] == "customer"]
    other_words = [t["text"] for t in other["transcript"]["turns"] if t["speaker"] == "customer"]
    assert words != other_words


def test_a_script_holds_the_silence_only_when_its_next_pause_does() -> None:
    card = CARDS["hospital-it-rescue"]
    ask = ScriptLine(text="现在远程会诊这块,最让您头疼的是什么?", pause_s=1.0)
    rushed = simulate_script(card, Script(lines=[ask, ScriptLine(text="这对您个人影响大吗?", pause_s=1.0)]),
                             renderer=RENDERER, rubric=RUBRIC)
    held = simulate_script(card, Script(lines=[ask, ScriptLine(text="这对您个人影响大吗?", pause_s=30.0)]),
                           renderer=RENDERER, rubric=RUBRIC)
    turns = held["transcript"]["turns"]
    assert [t["speaker"] for t in rushed["transcript"]["turns"]] == ["trainee", "customer", "trainee", "customer"]
    answer = turns[1]
    second = next(i for i, t in enumerate(turns) if t["speaker"] == "trainee" and i > 0)
    typed = turns[second]
    assert typed["typing_started_at"] - turns[second - 1]["ended_at"] == pytest.approx(30.0)
    assert typed["typing_started_at"] - answer["ended_at"] >= 30.0 - 1e-9  # times are kept to the millisecond
    for turn in turns[2:second]:  # whatever the customer added came after a held 4 s and before the trainee typed
        assert turn["speaker"] == "customer" and turn["acts"][0]["kind"] == "add_after_silence"
        assert turn["started_at"] == pytest.approx(answer["ended_at"] + RUBRIC.silence_threshold_s)


@pytest.mark.parametrize(
    ("action", "language", "asked"),
    [
        ("I'll bring my CFO to a demo", "en", "bring your CFO to a demo"),
        ("I'll share our last three incident reports.", "en", "share your last three incident reports"),
        ("安排我们院长参加方案演示", "zh", "安排你们院长参加方案演示"),
        ("I'll put your proposal on our agenda", "en", "put my proposal on your agenda"),
        ("把你们的报价发给我", "zh", "把我们的报价发给您"),
    ],
)
def test_commitments_are_asked_for_in_the_second_person(action: str, language: str, asked: str) -> None:
    assert request_form(action, language) == asked
