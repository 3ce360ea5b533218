"""The customer engine's decisions on the shipped hospital card (DESIGN 2, 4.4)."""

from pathlib import Path

import pytest

from app.core.paths import data_dir
from app.engine.personas import PersonaCard, load_card
from app.engine.state import CustomerState, TraineeLine, initial_state
from app.engine.step import silence_step, step, step_lines


@pytest.fixture(scope="module")
def card() -> PersonaCard:
    return load_card(data_dir("personas") / "hospital-it-rescue.yaml")


def line(label: str, topic: str | None = None, text: str = "…", pitch: bool = False) -> TraineeLine:
    return TraineeLine(text=text, label=label, topic=topic, pitch=pitch)


def test_right_exploratory_topic_reveals_the_matching_fact(card: PersonaCard) -> None:
    state, move = step(card, initial_state(card), line("exploratory", "need"))
    assert move.intents == ("reveal",)
    assert move.facts == ("consult-delay",)
    assert state.revealed == ("consult-delay",)
    assert card.fact_by_id["consult-delay"].category == "need"


def test_a_statement_or_wrong_question_reveals_nothing(card: PersonaCard) -> None:
    start = initial_state(card)
    for trainee in (line("statement"), line("control"), line("commitment_request", text="可以吗")):
        state, move = step(card, start, trainee)
        assert move.facts == ()
        assert state.revealed == ()


def test_a_fact_needing_trust_is_held_back_until_trust_is_earned(card: PersonaCard) -> None:
    state = initial_state(card)
    state, move = step(card, state, line("exploratory", "motive"))
    assert "dean-criticism" not in move.facts and move.intents == ("vague",)
    for _ in range(5):
        state, _ = step(card, state, line("exploratory", "need"))
    assert state.trust >= card.fact_by_id["dean-criticism"].reveal.min_trust
    state, move = step(card, state, line("exploratory", "motive"))
    assert move.facts == ("dean-criticism",)


def test_each_fact_is_revealed_once(card: PersonaCard) -> None:
    state = initial_state(card)
    revealed: list[str] = []
    for _ in range(6):
        state, move = step(card, state, line("exploratory", "process"))
        revealed += move.facts
    assert len(revealed) == len(set(revealed))
    assert {"deadline", "budget"} <= set(revealed)


def test_extension_continues_the_subject(card: PersonaCard) -> None:
    state, _ = step(card, initial_state(card), line("exploratory", "need"))
    state, move = step(card, state, line("extension"))
    assert move.intents in (("reveal_more",), ("no_more",))
    if move.facts:
        assert move.facts[0] not in ("consult-delay",)


def test_early_pitch_raises_the_concern_and_costs_trust(card: PersonaCard) -> None:
    start = initial_state(card)
    state, move = step(card, start, line("statement", pitch=True))
    assert move.intents == ("pitch_pushback",)
    assert state.trust < start.trust
    assert state.concern == "no_commitment"  # objection -> one level up


def test_control_before_exploration_meets_doubt(card: PersonaCard) -> None:
    state, move = step(card, initial_state(card), line("control"))
    assert move.intents == ("control_doubt",)
    state, _ = step(card, state, line("exploratory", "need"))
    _, move = step(card, state, line("control"))
    assert move.intents == ("control_agree",)


def test_commitment_refused_at_high_concern_then_low_one_accepted(card: PersonaCard) -> None:
    state = initial_state(card).model_copy(
        update={"trust": 70, "concern": "doubt", "concern_voiced": True, "revealed": ("consult-delay", "deadline")}
    )
    state, move = step(card, state, line("commitment_request", text="下周请院长一起来看演示可以吗?"))
    assert move.refused == "demo-with-dean" and move.refusal_reason == "concern"
    assert move.commitment is None
    state, move = step(card, state, line("commitment_request", text="那能请您带刘科长去已经上线的医院考察一下吗?"))
    assert move.commitment == "reference-visit"
    assert move.intents == ("commit_grant",)
    assert state.granted == "reference-visit"


def test_commitment_refused_for_lack_of_trust(card: PersonaCard) -> None:
    state = initial_state(card).model_copy(update={"concern": "none", "revealed": ("consult-delay", "deadline")})
    _, move = step(card, state, line("commitment_request", text="能提供一下故障记录吗"))
    assert move.refused == "share-logs" and move.refusal_reason == "trust"


def test_no_commitment_before_the_customer_has_told_anything(card: PersonaCard) -> None:
    state = initial_state(card).model_copy(update={"concern": "none", "trust": 90})
    _, move = step(card, state, line("commitment_request", text="能提供一下故障记录吗"))
    assert move.commitment is None and move.refusal_reason == "trust"
    state = state.model_copy(update={"revealed": ("consult-delay", "deadline")})
    _, move = step(card, state, line("commitment_request", text="能提供一下故障记录吗"))
    assert move.commitment == "share-logs"


def test_exploring_a_voiced_concern_lowers_it(card: PersonaCard) -> None:
    state = initial_state(card).model_copy(update={"trust": 50, "concern_voiced": True})
    state, move = step(card, state, line("exploratory", "motive"))
    assert "concern_eased" in move.intents
    assert state.concern == "doubt"
    state, move = step(card, state, line("confirmation"))
    assert state.concern == "hesitation"


def test_false_objection_does_not_move_when_handled(card: PersonaCard) -> None:
    fake = card.model_copy(update={"concern": card.concern.model_copy(update={"false_objection": True})})
    state = initial_state(fake).model_copy(update={"trust": 50, "concern_voiced": True})
    state, _ = step(fake, state, line("exploratory", "motive"))
    state, _ = step(fake, state, line("confirmation"))
    assert state.concern == "objection"


def test_concern_is_voiced_once_trust_allows(card: PersonaCard) -> None:
    state = initial_state(card)
    voiced = 0
    for _ in range(6):
        state, move = step(card, state, line("exploratory", "need"))
        voiced += move.intents.count("concern")
    assert voiced == 1 and state.concern_voiced


def test_only_the_last_of_several_lines_is_answered(card: PersonaCard) -> None:
    state, move = step_lines(card, initial_state(card), [line("exploratory", "need"), line("exploratory", "process")])
    assert move.facts == ("deadline",)
    assert state.revealed == ("deadline",)


def test_state_round_trips_through_json(card: PersonaCard) -> None:
    state, _ = step(card, initial_state(card, seed=7), line("exploratory", "need"))
    assert CustomerState.from_json(state.to_json()) == state


def test_same_inputs_same_decisions(card: PersonaCard) -> None:
    lines = [line("exploratory", "need"), line("extension"), line("control"), line("commitment_request", text="可以吗")]
    runs = []
    for _ in range(2):
        state, moves = initial_state(card, seed=3), []
        for trainee in lines:
            state, move = step(card, state, trainee)
            moves.append(move)
        runs.append((state, moves))
    assert runs[0] == runs[1]


def test_every_shipped_card_loads() -> None:
    folder: Path = data_dir("personas")
    cards = [load_card(path) for path in sorted(folder.glob("*.yaml"))]
    assert len(cards) >= 3
    assert {c.language for c in cards} == {"zh", "en"}


def cards() -> dict[str, PersonaCard]:
    return {p.stem: load_card(p) for p in data_dir("personas").glob("*.yaml")}


def with_motive(card: PersonaCard, motive: str) -> PersonaCard:
    return card.model_copy(update={"motive": motive})


def test_patience_runs_out_with_pitching_and_then_nothing_is_given(card: PersonaCard) -> None:
    state = initial_state(card)
    assert state.patience == 80  # medium card
    for _ in range(6):
        state, move = step(card, state, line("statement", pitch=True))
    assert state.patience == 0
    state, move = step(card, state, line("exploratory", "need"))
    assert move.intents == ("wrap_up",) and move.facts == ()
    _, move = step(card, state.model_copy(update={"trust": 90, "concern": "none"}), line("commitment_request", text="可以吗"))
    assert move.commitment is None and move.refusal_reason == "patience"


def test_a_lecture_costs_more_patience_than_a_short_remark(card: PersonaCard) -> None:
    short, _ = step(card, initial_state(card), line("statement", text="好的。"))
    long, _ = step(card, initial_state(card), line("statement", text="我们公司" * 30))
    assert long.patience < short.patience < initial_state(card).patience


def test_revealed_facts_move_the_purchase_stage(card: PersonaCard) -> None:
    state = initial_state(card)
    assert state.stage == 3
    state = state.model_copy(update={"trust": 60})
    state, _ = step(card, state, line("exploratory", "motive"))
    assert state.stage == 4
    state, _ = step(card, state, line("exploratory", "expectation"))
    assert state.stage == 5
    state, _ = step(card, state, line("confirmation"))
    assert state.stage == 6


def test_growth_customer_likes_being_asked_for_ideas_and_resents_a_pushed_solution(card: PersonaCard) -> None:
    growth = with_motive(card, "growth")
    start = initial_state(growth).model_copy(update={"concern": "hesitation"})
    asked, _ = step(growth, start, TraineeLine(text="…", label="exploratory", topic="expectation", motive_fit="fit"))
    plain, _ = step(growth, start, TraineeLine(text="…", label="exploratory", topic="expectation"))
    pushed, _ = step(growth, start, TraineeLine(text="…", label="statement", pitch=True, motive_fit="misfit"))
    assert asked.trust > plain.trust
    assert pushed.concern == "doubt" and pushed.trust < start.trust


def test_rescue_customer_is_reassured_by_proof(card: PersonaCard) -> None:
    state = initial_state(card).model_copy(update={"concern_voiced": True})
    state, move = step(card, state, TraineeLine(text="…", label="statement", motive_fit="fit"))
    assert state.concern == "doubt" and "concern_eased" in move.intents
    _, move = step(card, state, TraineeLine(text="…", label="statement", motive_fit="misfit"))
    assert move.concern_after == "doubt"


def test_balanced_customer_hardens_under_pressure(card: PersonaCard) -> None:
    balanced = with_motive(card, "balanced")
    state = initial_state(balanced)
    pressed, _ = step(balanced, state, TraineeLine(text="…", label="statement", motive_fit="misfit"))
    assert pressed.concern == "no_commitment" and pressed.trust < state.trust
    assert pressed.patience < state.patience


def test_complacent_customer_denies_problems_when_asked_about_them(card: PersonaCard) -> None:
    complacent = with_motive(card, "complacent")
    state = initial_state(complacent).model_copy(update={"trust": 60})
    _, denied = step(complacent, state, TraineeLine(text="…", label="exploratory", topic="need", motive_fit="misfit"))
    assert denied.intents == ("deny",) and denied.facts == ()
    _, future = step(complacent, state, TraineeLine(text="…", label="exploratory", topic="need", motive_fit="fit"))
    assert future.facts


def test_silence_adds_one_fact_in_the_same_subject(card: PersonaCard) -> None:
    state, _ = step(card, initial_state(card).model_copy(update={"trust": 40}), line("exploratory", "process"))
    after, move = silence_step(card, state)
    assert move is not None and len(move.facts) == 1
    assert card.fact_by_id[move.facts[0]].category == "process"
    assert after.trust == state.trust + 2
    exhausted, none = silence_step(card, state.model_copy(update={"patience": 0}))
    assert none is None and exhausted == state.model_copy(update={"patience": 0})


@pytest.mark.parametrize("card_id", ["hospital-it-rescue", "bank-onboarding-complacent", "auto-parts-mes-growth",
                                     "warehouse-wms-balanced"])
def test_how_each_shipped_motive_hears_real_lines(card_id: str) -> None:
    from app.engine.hearing import hear

    shipped = cards()[card_id]
    lines = {
        "rescue": ("我们在省人民医院做过同样的项目,已经稳定运行两年了。", "fit"),
        "complacent": ("您现在遇到了什么问题?", "misfit"),
        "growth": ("您觉得这个流程应该怎么设计,我们一起梳理一下?", "fit"),
        "balanced": ("We could start small with a pilot in one site, no pressure.", "fit"),
    }
    text, expected = lines[shipped.motive]
    heard = hear(text, shipped.language if shipped.motive != "balanced" else "en", shipped.motive)
    assert heard.motive_fit == expected
