"""`peilian simulate`: the method's good practice wins commitments, pushing wins none (issue: persona engine)."""

import pytest

from app.core.config import Settings
from app.main import build_context
from app.simulation import request_form, simulate

CTX = build_context(Settings(DATABASE_URL="sqlite://"))
CARDS = CTX.personas


def play(card_id: str, strategy: str) -> dict:
    return simulate(CARDS[card_id], strategy, renderer=CTX.renderer, rubric=CTX.rubric,
                    trainee_dir=CTX.settings.prompts_dir)


@pytest.mark.parametrize("card_id", sorted(c.id for c in CARDS.values() if c.difficulty in ("easy", "medium")))
def test_good_strategy_secures_a_commitment(card_id: str) -> None:
    result = play(card_id, "good")
    assert result["outcome"]["commitment"] is not None, result["outcome"]
    card = result["scorecard"]
    assert card["commitment"]["requested"] and card["commitment"]["secured"]
    assert card["silence"]["after_answer"]["missed"] == 0


@pytest.mark.parametrize("card_id", sorted(CARDS))
def test_pushy_strategy_secures_nothing(card_id: str) -> None:
    result = play(card_id, "pushy")
    assert result["outcome"]["commitment"] is None
    assert result["outcome"]["revealed"] == []
    assert result["scorecard"]["commitment"]["requested"] and not result["scorecard"]["commitment"]["secured"]
    assert result["scorecard"]["counts"]["pitch"] >= 1


@pytest.mark.parametrize("card_id", sorted(CARDS))
def test_good_beats_pushy_on_every_card(card_id: str) -> None:
    assert play(card_id, "good")["scorecard"]["overall"] > play(card_id, "pushy")["scorecard"]["overall"]


def test_silent_strategy_listens_but_asks_for_nothing() -> None:
    result = play("hospital-it-rescue", "silent")
    card = result["scorecard"]
    assert not card["commitment"]["requested"]
    assert card["silence"]["after_answer"]["missed"] == 0
    speakers = [t["speaker"] for t in result["transcript"]["turns"]]
    assert speakers.count("customer") > speakers.count("trainee")  # held silences earned additions


def test_same_seed_same_session() -> None:
    assert play("bank-onboarding-complacent", "good") == play("bank-onboarding-complacent", "good")


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
