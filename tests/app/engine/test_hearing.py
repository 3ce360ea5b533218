"""How the customer hears a line's motive: what the scorecard credits as speaking to the motive,
and a line of every motive's words (tests/scoring/cases/motive_lines.yaml) fits no card, not even
with the card's own motive words in it (seed 003: speak to the motive you have read); what a
motive rejects still backfires."""

from pathlib import Path

import pytest
import yaml

from app.core.paths import data_dir
from app.engine.hearing import hear
from app.engine.personas import PersonaCard, load_cards

CARDS = load_cards(data_dir("personas"))
CASES = yaml.safe_load((Path(__file__).resolve().parents[2] / "scoring" / "cases" / "motive_lines.yaml")
                       .read_text(encoding="utf-8"))


@pytest.mark.parametrize("card", list(CARDS.values()), ids=lambda c: c.id)
def test_a_line_of_every_motives_words_opens_no_gate(card: PersonaCard) -> None:
    own = card.motive_cues.fit[0]
    for text in CASES[card.language]["scattered"]:
        assert hear(text, card.language, card).motive_fit != "fit", text
        with_own = f"{text} {own}" if card.language == "en" else f"{text}{own}。"
        assert hear(with_own, card.language, card).motive_fit != "fit", with_own


@pytest.mark.parametrize("card", list(CARDS.values()), ids=lambda c: c.id)
def test_a_line_for_this_motive_fits_it(card: PersonaCard) -> None:
    fitting = [c["text"] for c in CASES[card.language]["fits"] if c["motives"] == [card.motive]]
    assert fitting
    for text in fitting:
        assert hear(text, card.language, card).motive_fit == "fit", text
