"""Variety (issue: the customer answers what was asked, item 8): ten seeds of one script do not read alike."""

import pytest

from app.core.paths import data_dir
from app.engine.personas import load_cards
from app.renderers.template import TemplateRenderer, load_banks, opener
from app.simulation import simulate
from app.variety import Variety, repeated_turns
from scoring import load_rubric

CARDS = load_cards(data_dir("personas"))
RENDERER = TemplateRenderer(load_banks(data_dir("prompts") / "phrases"))
RUBRIC = load_rubric()


def test_repeated_turns_counts_sessions_after_the_first_against_all_earlier_ones() -> None:
    result = repeated_turns([["a", "b"], ["a", "c"], ["c", "d", "b"]])
    assert result == Variety(turns=5, repeated=3) and result.share == pytest.approx(0.6)
    assert repeated_turns([["a"]]).share == 0.0


@pytest.mark.parametrize("card_id", ["hospital-it-rescue", "hotel-revenue-balanced", "construction-cost-rescue"])
def test_ten_seeds_of_one_script_repeat_at_most_a_quarter_of_the_customer_turns(card_id: str) -> None:
    card = CARDS[card_id]
    for strategy in ("good", "pushy"):
        sessions = []
        for seed in range(10):
            result = simulate(card, strategy, renderer=RENDERER, rubric=RUBRIC, trainee_dir=data_dir("prompts"),
                              seed=seed)
            texts = [t["text"] for t in result["transcript"]["turns"] if t["speaker"] == "customer"]
            openings = [opener(text, card.language) for text in texts]
            assert len(set(openings)) == len(openings), openings  # no opener twice in a session
            sessions.append(texts)
        assert repeated_turns(sessions).share <= 0.25, strategy
