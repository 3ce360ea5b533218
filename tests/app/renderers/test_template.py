"""The offline template renderer: every act worded in both languages, in character, and varied."""

from pathlib import Path

import pytest

from app.core.paths import data_dir
from app.engine.personas import load_cards
from app.engine.state import Act, CustomerMove, initial_state
from app.renderers.base import chunk_text
from app.renderers.template import (
    KEYS, PhraseBankError, TemplateRenderer, bare, load_bank, load_banks, opener, phrase_key,
)
from scoring.cues import load_cues, normalise
from scoring.hearing import subjects

CARDS = load_cards(data_dir("personas"))
RENDERER = TemplateRenderer(load_banks(data_dir("prompts") / "phrases"))
BANKS = load_banks(data_dir("prompts") / "phrases")


def move(*acts: Act) -> CustomerMove:
    return CustomerMove(acts=acts, concern_before="none", concern_after="none", trust_after=50)


def sample_acts(card) -> list[Act]:  # noqa: ANN001
    """One act for each way an act is worded."""
    fact, commitment = card.facts[0], card.commitments[-1]
    acts = [Act(kind="reveal", fact=fact.id, subject=fact.subject), Act(kind="reveal", fact=fact.id,
            subject=fact.subject, detail="more"), Act(kind="add_after_silence", fact=fact.id, subject=fact.subject),
            Act(kind="reveal", fact=card.other_person.id, subject="other_person"),
            Act(kind="grant", commitment=commitment.id, rank=len(card.commitments)),
            Act(kind="agree"), Act(kind="correct", fact=fact.id, detail="figure"), Act(kind="correct", detail="unsaid")]
    acts += [Act(kind="answer", subject=s) for s in ("budget", "background", "other_person", None)]
    acts += [Act(kind="answer", subject=None, detail=d) for d in ("greeting", "ack", "already_granted", "doubt",
                                                                  "agree", "which")]
    acts += [Act(kind="answer", subject="concern", detail=d) for d in ("explore", "emotion", "not_yet", "only_this",
                                                                       "again", "none", "reflect", "no_faith",
                                                                       "brush_off")]
    acts += [Act(kind="deflect", reason=r, subject="budget") for r in ("trust", "repeat", "pitch", "denial", "rude",
                                                                      "concern", "ended")]
    acts += [Act(kind="deflect", reason="repeat", detail="farming")]
    acts += [Act(kind="voice_concern", level="objection", detail=d) for d in ("objection", "personal", "worse",
                                                                              "exposed", "real")]
    acts += [Act(kind="ease_concern", level="none", detail=d) for d in ("eased", "removed", "cooler")]
    acts += [Act(kind="refuse", commitment=commitment.id, reason=r) for r in ("concern", "trust", "motive", "level")]
    acts += [Act(kind="end", reason=r) for r in ("patience", "withdrawn")]
    return acts


@pytest.mark.parametrize("card_id", sorted(CARDS))
def test_every_act_is_worded_with_what_it_gives_away(card_id: str) -> None:
    card = CARDS[card_id]
    state = initial_state(card)
    for act in sample_acts(card):
        assert phrase_key(act, card) in KEYS
        text = RENDERER.render(card, state, move(act)).text
        assert text and "{" not in text, (act, text)
        if act.kind in ("reveal", "add_after_silence") and act.subject != "other_person":
            assert any(bare(w) in text for w in card.fact_by_id[act.fact].wordings)
        if act.kind == "reveal" and act.subject == "other_person":
            assert any(bare(w) in text for w in card.other_person.wordings)
        if act.kind == "grant":
            assert bare(card.commitments[-1].action) in text


@pytest.mark.parametrize("language", ["zh", "en"])
def test_refusals_read_as_refusals_and_grants_as_acceptance(language: str) -> None:
    """What the grader reads from the words of a transcript without a record agrees with the decision."""
    from scoring.commitment import classify_reply

    cues = load_cues(language)
    for key in ("refuse_concern", "refuse_trust", "refuse_motive", "refuse_level"):
        for variant, phrases in BANKS[language][key].items():
            for phrase in phrases:
                text, _ = normalise(phrase.format(concern="", objection=""), language)
                assert classify_reply(text, cues) not in ("accepted", "countered"), (key, variant, phrase)
    for phrase in BANKS[language]["grant"]["default"]:
        text, _ = normalise(phrase.format(action="安排一次演示" if language == "zh" else "set up a demo"), language)
        assert classify_reply(text, cues) in ("accepted", "countered"), phrase


def test_no_phrase_and_no_opening_repeats_in_a_session() -> None:
    card = CARDS["hospital-it-rescue"]
    state = initial_state(card, seed=11)
    texts, openings = [], []
    for turn in range(10):
        rendering = RENDERER.render(card, state, move(Act(kind="answer", subject=None)))
        texts.append(rendering.text)
        openings.append(opener(rendering.text, "zh"))
        state = state.model_copy(update={"turn": turn + 1, "said": state.said + rendering.phrase_keys})
    assert len(set(texts)) == len(texts)
    assert len(set(openings)) == len(openings), openings


def test_i_forgot_to_mention_is_said_at_most_once_a_session() -> None:
    for card in CARDS.values():
        for seed in range(5):
            state = initial_state(card, seed=seed)
            forgot = 0
            for fact in card.facts:
                rendering = RENDERER.render(card, state, move(Act(kind="add_after_silence", fact=fact.id,
                                                                  subject=fact.subject)))
                forgot += any(k.startswith("forgot:") for k in rendering.phrase_keys)
                state = state.model_copy(update={"turn": state.turn + 1, "said": state.said + rendering.phrase_keys})
            assert forgot <= 1


def test_same_seed_same_words_other_seeds_other_words_and_other_wordings_of_a_fact() -> None:
    card = CARDS["hospital-it-rescue"]
    fact = card.fact_by_id["budget"]
    reveal = move(Act(kind="reveal", fact=fact.id, subject=fact.subject))
    assert RENDERER.render(card, initial_state(card, seed=3), reveal) == RENDERER.render(
        card, initial_state(card, seed=3), reveal)
    texts = {RENDERER.render(card, initial_state(card, seed=s), reveal).text for s in range(20)}
    assert len(texts) > 5
    for wording in fact.wordings:
        assert any(bare(wording) in text for text in texts)


def test_several_acts_are_spoken_in_order() -> None:
    card = CARDS["hospital-it-rescue"]
    fact = card.facts[0]
    text = RENDERER.render(card, initial_state(card), move(
        Act(kind="reveal", fact=fact.id, subject=fact.subject), Act(kind="voice_concern", level="objection"))).text
    told = next(bare(w) for w in fact.wordings if bare(w) in text)
    assert text.index(told) < text.index(bare(card.concern.objection))


def test_a_bank_missing_a_key_is_refused(tmp_path: Path) -> None:
    source = (data_dir("prompts") / "phrases" / "zh.yaml").read_text(encoding="utf-8")
    broken = tmp_path / "zh.yaml"
    broken.write_text(source.replace("end_withdrawn:", "end_withdrawm:"), encoding="utf-8")
    with pytest.raises(PhraseBankError, match=r"zh.yaml: end_withdrawn.default"):
        load_bank(broken)


def test_an_unknown_placeholder_is_refused(tmp_path: Path) -> None:
    broken = tmp_path / "en.yaml"
    source = (data_dir("prompts") / "phrases" / "en.yaml").read_text(encoding="utf-8")
    broken.write_text(source + "\nextra: {default: ['{budget}']}\n", encoding="utf-8")
    load_bank(broken)  # extra keys are allowed...
    broken.write_text(source.replace("ack:\n  default:\n", "ack:\n  default:\n  - \"{budget} is fine\"\n", 1),
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


@pytest.mark.parametrize("card_id", ["hospital-it-rescue", "saas-observability-rescue"])
def test_the_customer_names_a_subject_in_its_own_words_not_the_methods_terms(card_id: str) -> None:
    """"I'll keep adverse effect to myself" is the grader's vocabulary in the customer's mouth."""
    card = CARDS[card_id]
    state = initial_state(card)
    for subject in ("adverse_effect", "obstacle", "ambition", "pain", "org_benefit"):
        shown, said = subjects()[subject].names[card.language], subjects()[subject].said(card.language)
        assert shown != said
        texts = [TemplateRenderer(BANKS).render(card, state.model_copy(update={"seed": seed}),
                                                move(Act(kind="deflect", reason="trust", subject=subject))).text
                 for seed in range(12)]
        assert any(said in text for text in texts) and not any(shown in text for text in texts), texts
