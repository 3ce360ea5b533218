"""The offline template renderer: every intent worded in both languages, no reply repeated."""

from pathlib import Path

import pytest

from app.core.paths import data_dir
from app.engine.personas import load_cards
from app.engine.state import CustomerMove, initial_state
from app.renderers.base import chunk_text
from app.renderers.template import INTENTS, PhraseBankError, TemplateRenderer, load_bank, load_banks

CARDS = load_cards(data_dir("personas"))
RENDERER = TemplateRenderer(load_banks(data_dir("prompts") / "phrases"))


def move(*intents: str, facts: tuple[str, ...] = (), commitment: str | None = None) -> CustomerMove:
    return CustomerMove(intents=intents, facts=facts, commitment=commitment, concern_before="none",
                        concern_after="none", trust_after=50)


@pytest.mark.parametrize("card_id", sorted(CARDS))
def test_every_intent_is_worded_with_its_values(card_id: str) -> None:
    card = CARDS[card_id]
    state = initial_state(card)
    fact = card.facts[0]
    commitment = card.commitments[-1]
    for intent in INTENTS:
        rendering = RENDERER.render(
            card, state, move(intent, facts=(fact.id,) if "fact" in INTENTS[intent] else (), commitment=commitment.id)
        )
        assert rendering.text and "{" not in rendering.text
        if "fact" in INTENTS[intent]:
            assert fact.text.rstrip("。.") in rendering.text
        if intent == "commit_grant":
            assert commitment.action.rstrip("。.") in rendering.text


def test_no_phrase_is_used_twice_in_a_session() -> None:
    card = CARDS["hospital-it-rescue"]
    state = initial_state(card, seed=11)
    texts = []
    for turn in range(8):
        rendering = RENDERER.render(card, state, move("vague"))
        texts.append(rendering.text)
        state = state.model_copy(update={"turn": turn + 1, "said": state.said + rendering.phrase_keys})
    assert len(set(texts)) == len(texts)


def test_same_seed_same_words_other_seed_other_words() -> None:
    card = CARDS["hospital-it-rescue"]
    texts = {RENDERER.render(card, initial_state(card, seed=s), move("ack")).text for s in range(12)}
    assert RENDERER.render(card, initial_state(card, seed=3), move("ack")) == RENDERER.render(
        card, initial_state(card, seed=3), move("ack"))
    assert len(texts) > 1


def test_several_intents_are_spoken_in_order() -> None:
    card = CARDS["hospital-it-rescue"]
    fact = card.facts[0]
    text = RENDERER.render(card, initial_state(card), move("reveal", "concern", facts=(fact.id,))).text
    assert text.index(fact.text.rstrip("。")) < text.index(card.concern.topic.rstrip("。"))


def test_a_bank_missing_an_intent_is_refused(tmp_path: Path) -> None:
    source = (data_dir("prompts") / "phrases" / "zh.yaml").read_text(encoding="utf-8")
    broken = tmp_path / "zh.yaml"
    broken.write_text(source.replace("farewell:", "farewel:"), encoding="utf-8")
    with pytest.raises(PhraseBankError, match=r"zh.yaml: farewell.default"):
        load_bank(broken)


def test_an_unknown_placeholder_is_refused(tmp_path: Path) -> None:
    broken = tmp_path / "en.yaml"
    source = (data_dir("prompts") / "phrases" / "en.yaml").read_text(encoding="utf-8")
    broken.write_text(source + "\nextra: {default: ['{budget}']}\n", encoding="utf-8")
    load_bank(broken)  # extra intents are allowed...
    broken.write_text(source.replace("ack:\n  default:\n", "ack:\n  default:\n    - \"{budget} is fine\"\n", 1),
                      encoding="utf-8")
    with pytest.raises(PhraseBankError, match=r"ack.default.0: unknown placeholder \['budget'\]"):
        load_bank(broken)


@pytest.mark.parametrize(
    ("text", "language", "pieces"),
    [
        ("说实话,片子太慢。", "zh", ["说实", "话,", "片子", "太慢。"]),
        ("Honestly, it is slow.", "en", ["Honestly, ", "it ", "is ", "slow."]),
        ("我们用PACS系统。", "zh", ["我们", "用", "PACS", "系统。"]),
    ],
)
def test_replies_are_shown_piece_by_piece(text: str, language: str, pieces: list[str]) -> None:
    assert chunk_text(text, language) == pieces
    assert "".join(chunk_text(text, language)) == text
