"""The customer engine's decisions (DESIGN 2.2, 2.2b, 2.5, 4.1), on the shipped cards.

Lines are given as the customer hears them (label, subject, steps), so these tests pin the
engine's rules apart from the cue tables; test_scenarios.py plays whole written scripts.
"""

from typing import Any

import pytest

from app.core.paths import data_dir
from app.engine.personas import PersonaCard, load_cards
from app.engine.rules import engine_rules
from app.engine.state import CustomerMove, CustomerState, TraineeLine, initial_state
from app.engine.step import silence_step, step, step_lines
from scoring.hearing import subjects

CARDS = load_cards(data_dir("personas"))
HOSPITAL = CARDS["hospital-it-rescue"]
RULES = engine_rules()


def line(label: str, subject: str | None = None, text: str | None = None, **fields: Any) -> TraineeLine:
    text = text or f"{label}:{subject}:{sorted(fields.items())}"
    fields.setdefault("clean", text)
    fields.setdefault("normal", text)
    return TraineeLine(text=text, label=label, subject=subject, **fields)


def with_state(card: PersonaCard, **update: Any) -> CustomerState:
    return initial_state(card).model_copy(update=update)


def kinds(move: CustomerMove) -> list[str]:
    return [a.kind for a in move.acts]


def only(move: CustomerMove, kind: str) -> dict[str, Any]:
    found = [a for a in move.record() if a["kind"] == kind]
    assert len(found) == 1, move.record()
    return found[0]


# ---- 1. the customer answers the subject asked

@pytest.mark.parametrize("card", CARDS.values(), ids=lambda c: c.id)
def test_an_earned_question_gets_the_fact_of_its_subject_and_nothing_else(card: PersonaCard) -> None:
    for fact in card.facts:
        if "exploratory" not in fact.reveal.on:
            continue
        state = with_state(card, trust=100, concern="none")
        _, move = step(card, state, line("exploratory", fact.subject))
        revealed = [a for a in move.record() if a["kind"] == "reveal"]
        assert len(revealed) == 1 and revealed[0]["subject"] == fact.subject, (fact.id, move.record())
        assert card.fact_by_id[revealed[0]["fact"]].subject == fact.subject


@pytest.mark.parametrize("card", CARDS.values(), ids=lambda c: c.id)
def test_a_subject_the_card_holds_nothing_on_gets_an_answer_without_a_fact(card: PersonaCard) -> None:
    held = {f.subject for f in card.facts}
    missing = [s for s in ("background", "people", "org_benefit", "budget", "adverse_effect", "ambition", "pain")
               if s not in held and not set(subjects()[s].near) & held]
    for subject in missing:
        _, move = step(card, with_state(card, trust=100, concern="none"), line("exploratory", subject))
        assert only(move, "answer")["subject"] == subject
        assert move.facts == ()


def test_a_subject_the_card_holds_nothing_on_is_answered_from_a_near_one_never_a_far_one() -> None:
    card = HOSPITAL
    assert not [f for f in card.facts if f.subject == "people"]
    _, move = step(card, with_state(card, trust=100, concern="none"), line("exploratory", "people"))
    assert only(move, "reveal")["subject"] == "decision"  # who takes part: told how it is decided
    _, move = step(card, with_state(card, trust=100, concern="none"), line("exploratory", "background"))
    assert move.facts == ()  # how many beds: nothing near it on this card


def test_a_question_needing_more_trust_is_held_back_then_answered_once_trust_has_grown() -> None:
    budget = HOSPITAL.fact_by_id["budget"]
    state = with_state(HOSPITAL, trust=budget.reveal.min_trust - 10)
    state, move = step(HOSPITAL, state, line("exploratory", "budget"))
    assert only(move, "deflect") == {"kind": "deflect", "reason": "trust", "subject": "budget"}
    again, move = step(HOSPITAL, state, line("exploratory", "budget", text="预算大概多少?"))
    assert only(move, "deflect")["reason"] == "repeat"  # asking again at once earns nothing
    state = state.model_copy(update={"trust": budget.reveal.min_trust + RULES.trust.reask_after})
    _, move = step(HOSPITAL, state, line("exploratory", "budget", text="那预算这块方便透露吗?"))
    assert only(move, "reveal")["fact"] == "budget"


def test_each_fact_is_told_once_and_a_repeated_question_costs_patience_and_earns_no_trust() -> None:
    state = with_state(HOSPITAL, trust=60)
    state, move = step(HOSPITAL, state, line("exploratory", "timing", text="什么时候要上线?"))
    assert only(move, "reveal")["fact"] == "deadline"
    once, move = step(HOSPITAL, state, line("exploratory", "timing", text="上线时间是怎么安排的?"))
    assert only(move, "answer") == {"kind": "answer", "subject": "timing"} and move.facts == ()
    assert once.trust == state.trust and once.patience < state.patience  # told already, and a little impatient
    twice, move = step(HOSPITAL, once, line("exploratory", "timing", text="具体哪个月份要完成呢?"))
    assert only(move, "deflect")["reason"] == "repeat" and move.facts == ()
    assert twice.patience == once.patience - RULES.patience.repeat and twice.trust < once.trust
    _, move = step(HOSPITAL, state, line("statement", text="什么时候要上线"))
    assert only(move, "deflect")["reason"] == "repeat"  # near-identical words


def test_a_broad_question_is_answered_from_the_subjects_it_falls_to() -> None:
    _, move = step(HOSPITAL, with_state(HOSPITAL, trust=60), line("exploratory", "situation"))
    assert only(move, "reveal")["subject"] in ("obstacle", "background", "goal")


def test_tell_me_more_earns_one_more_item_per_subject_and_farming_earns_nothing() -> None:
    state = with_state(HOSPITAL, trust=60, concern="none")
    state, _ = step(HOSPITAL, state, line("exploratory", "obstacle"))
    card = HOSPITAL.model_copy(update={"facts": HOSPITAL.facts + [
        HOSPITAL.fact_by_id["consult-delay"].model_copy(update={"id": "second-obstacle", "text": "另一个问题"})]})
    state, move = step(card, state, line("extension", text="还有呢?"))
    assert only(move, "reveal") == {"kind": "reveal", "fact": "second-obstacle", "subject": "obstacle"}
    after, move = step(card, state, line("extension", text="然后呢?"))
    assert only(move, "deflect")["reason"] == "repeat" and move.facts == ()
    assert after.patience == state.patience - RULES.patience.farming


# ---- 2. silence deepens the subject just answered, once

def test_a_held_silence_adds_the_motive_behind_a_need_when_trust_allows_once_per_answer() -> None:
    state = with_state(HOSPITAL, trust=60, concern="none")
    state, move = step(HOSPITAL, state, line("exploratory", "obstacle"))
    assert move.facts == ("consult-delay",) and state.can_add
    added_state, added = silence_step(HOSPITAL, state)
    assert added is not None
    act = only(added, "add_after_silence")
    assert act["fact"] == "dean-criticism" and act["subject"] == "pain"  # the motive behind it
    assert silence_step(HOSPITAL, added_state) == (added_state, None)  # at most once per answer


def test_silence_adds_nothing_off_the_subject_or_after_a_deflection() -> None:
    state = with_state(HOSPITAL, trust=40, concern="none")
    state, move = step(HOSPITAL, state, line("exploratory", "timing"))
    assert move.facts == ("deadline",)
    assert silence_step(HOSPITAL, state)[1] is None  # nothing more on timing
    state, move = step(HOSPITAL, with_state(HOSPITAL, trust=5), line("exploratory", "budget"))
    assert kinds(move) == ["deflect"] and silence_step(HOSPITAL, state)[1] is None


# ---- 3. concerns by level, as a sequence

def test_an_objection_goes_down_only_when_its_steps_are_done_in_order() -> None:
    state = with_state(HOSPITAL, trust=50, concern_voiced=True, last_subject="concern")
    state, move = step(HOSPITAL, state, line("statement", text="我们可以先试点", remedy=True, on_concern=True))
    assert only(move, "answer")["subject"] == "concern" and state.concern == "objection"  # a remedy before anything
    state, _ = step(HOSPITAL, state, line("exploratory", "concern", steps=frozenset({"explore"}), on_concern=True))
    state, move = step(HOSPITAL, state, line("exploratory", "personal", steps=frozenset({"dig"})))
    assert "voice_concern" not in kinds(move)  # at objection, the emotion comes before digging
    state, _ = step(HOSPITAL, state, line("statement", steps=frozenset({"emotion"})))
    state, move = step(HOSPITAL, state, line("exploratory", "personal", steps=frozenset({"dig"}), text="对您个人呢"))
    assert only(move, "voice_concern")["level"] == "objection"
    state, move = step(HOSPITAL, state, line("statement", text="先在一家县医院试点", remedy=True, on_concern=True))
    assert only(move, "ease_concern")["level"] == "doubt"
    state, move = step(HOSPITAL, state, line("exploratory", "concern", steps=frozenset({"confirm"})))
    assert only(move, "ease_concern")["level"] == "none" and state.concern == "none"


def test_one_line_packed_with_every_step_takes_only_one_of_them() -> None:
    state = with_state(HOSPITAL, trust=50, concern="hesitation", concern_voiced=True, last_subject="concern")
    packed = line("exploratory", "concern", steps=frozenset({"explore", "emotion", "dig", "confirm"}), remedy=True,
                  on_concern=True)
    after, move = step(HOSPITAL, state, packed)
    assert after.steps == ("explore",) and after.concern == "hesitation" and "ease_concern" not in kinds(move)


def test_pushing_for_a_commitment_before_the_concern_is_removed_raises_it() -> None:
    state = with_state(HOSPITAL, trust=70, concern_voiced=True, revealed=("consult-delay", "deadline"))
    after, move = step(HOSPITAL, state, line("commitment_request", commitment="demo-with-dean"))
    assert only(move, "refuse") == {"kind": "refuse", "commitment": "demo-with-dean", "rank": 1, "reason": "concern"}
    assert only(move, "voice_concern")["level"] == "no_commitment" and after.concern == "no_commitment"


def test_falling_back_to_a_smaller_step_after_a_refusal_is_not_pushing() -> None:
    state = with_state(HOSPITAL, trust=70, revealed=("consult-delay", "deadline"))
    refused, move = step(HOSPITAL, state, line("commitment_request", commitment="demo-with-dean"))
    assert only(move, "refuse")["reason"] == "concern" and only(move, "voice_concern")["level"] == "objection"
    fallen, move = step(HOSPITAL, refused, line("commitment_request", commitment="reference-visit"))
    assert only(move, "refuse")["reason"] == "concern" and fallen.concern == "objection"  # not made worse
    _, move = step(HOSPITAL, fallen, line("commitment_request", commitment="share-logs"))
    assert only(move, "grant")["commitment"] == "share-logs"
    pushed, move = step(HOSPITAL, fallen, line("commitment_request", commitment="demo-with-dean"))
    assert pushed.concern == "no_commitment"  # the big one again, concern untouched: pushing


def test_at_no_commitment_nothing_is_granted_and_withdrawing_ends_politely() -> None:
    card = CARDS["warehouse-wms-balanced"]
    state = with_state(card, trust=100, revealed=tuple(f.id for f in card.facts[:3]), pretext="real",
                       concern="no_commitment", concern_voiced=True, turn=6)
    for commitment in card.commitments:
        _, move = step(card, state, line("commitment_request", commitment=commitment.id))
        assert only(move, "refuse")["reason"] == "level" and "grant" not in kinds(move)
    after, move = step(card, state, line("statement", moves=frozenset({"withdraw"})))
    assert only(move, "end") == {"kind": "end", "reason": "withdrawn"} and after.ended == "withdrawn"
    _, move = step(card, after, line("exploratory", "budget"))
    assert only(move, "deflect")["reason"] == "ended"


@pytest.mark.parametrize("card_id", ["construction-cost-rescue", "pharma-trials-complacent", "carrier-aiops-complacent"])
def test_at_argument_or_resistance_requests_heat_it_up_calm_cools_it_and_only_a_name_is_won(card_id: str) -> None:
    card = CARDS[card_id]
    state = with_state(card, trust=100, revealed=tuple(f.id for f in card.facts[:3]))
    state, move = step(card, state, line("exploratory", "obstacle"))
    assert "voice_concern" in kinds(move)  # a hostile customer states it at once
    start_heat = state.heat
    hot, move = step(card, state, line("commitment_request", commitment=card.commitments[-1].id))
    assert only(move, "refuse")["reason"] == "level" and hot.heat == start_heat + 1
    _, move = step(card, hot, line("exploratory", "other_person", moves=frozenset({"referral"})))
    assert move.facts == () and "reveal" not in kinds(move)  # not while it is hot
    calm = hot
    for n in range(hot.heat):
        calm, move = step(card, calm, line("statement", moves=frozenset({"calm"}), text=f"calm {n}"))
        assert "ease_concern" in kinds(move)
    assert calm.heat == 0
    _, move = step(card, calm, line("exploratory", "other_person", moves=frozenset({"referral"})))
    assert only(move, "reveal") == {"kind": "reveal", "fact": card.other_person.id, "subject": "other_person"}
    for commitment in card.commitments:
        _, move = step(card, calm, line("commitment_request", commitment=commitment.id))
        assert "grant" not in kinds(move)


def test_a_false_objection_does_not_move_when_handled_and_testing_it_leads_to_the_real_concern() -> None:
    card = CARDS["warehouse-wms-balanced"]
    state = with_state(card, trust=40, concern_voiced=True, last_subject="concern")
    for fields in ({"steps": frozenset({"explore"}), "on_concern": True}, {"remedy": True, "on_concern": True}):
        handled, move = step(card, state, line("statement", text=str(fields), **fields))
        assert handled.concern == state.concern and only(move, "answer")["subject"] == "concern"
    tested, move = step(card, state, line("exploratory", "concern", steps=frozenset({"test"})))
    assert only(move, "voice_concern")["level"] == "resistance" and tested.pretext == "exposed"
    calm = tested
    for n in range(tested.heat):
        calm, _ = step(card, calm, line("statement", moves=frozenset({"calm"}), text=f"calm {n}"))
    real, move = step(card, calm, line("exploratory", "personal", steps=frozenset({"dig"})))
    assert only(move, "voice_concern")["level"] == card.concern.real.level and real.pretext == "real"


# ---- 4. motives gate the bigger commitments

def _ready(card: PersonaCard, **update: Any) -> CustomerState:
    return with_state(card, trust=100, concern="none", revealed=tuple(f.id for f in card.facts[:3]), **update)


@pytest.mark.parametrize("card", CARDS.values(), ids=lambda c: c.id)
def test_the_motive_gate_decides_the_bigger_commitments(card: PersonaCard) -> None:
    if card.concern.level in ("no_commitment", "argument", "resistance"):
        pytest.skip("nothing is granted at this level")
    top, lowest = card.commitments[0], card.commitments[-1]
    _, move = step(card, _ready(card), line("commitment_request", commitment=top.id))
    assert only(move, "refuse")["reason"] == "motive"  # no gate met yet
    gated = _ready(card, gates=({"growth": "co_create", "rescue": "proof", "complacent": "future",
                                 "balanced": "small_step"}[card.motive],))
    _, move = step(card, gated, line("commitment_request", commitment=top.id))
    if card.motive == "balanced":
        assert only(move, "refuse")["reason"] == "motive"  # one small step per meeting, never the big one
    else:
        assert only(move, "grant") == {"kind": "grant", "commitment": top.id, "rank": 1}
    _, move = step(card, _ready(card), line("commitment_request", commitment=lowest.id))
    if card.motive == "complacent":
        assert only(move, "refuse")["reason"] == "motive"  # moves only for the future or pressure
    else:
        assert only(move, "grant")["commitment"] == lowest.id


def test_a_balanced_customer_gives_one_small_step_per_meeting() -> None:
    card = CARDS["farm-irrigation-balanced"]
    small = [c for c in card.commitments if c.small]
    state, move = step(card, _ready(card), line("commitment_request", commitment=small[-1].id))
    assert "grant" in kinds(move)
    if len(small) > 1:
        _, move = step(card, state, line("commitment_request", commitment=small[0].id))
        assert only(move, "refuse")["reason"] == "motive"


def test_a_fitting_line_opens_the_gate_and_a_complacent_customer_denies_problems() -> None:
    rescue = HOSPITAL
    state, _ = step(rescue, _ready(rescue), line("statement", motive_fit="fit"))
    assert "proof" in state.gates
    bank = CARDS["bank-onboarding-complacent"]
    _, move = step(bank, _ready(bank), line("exploratory", "obstacle", motive_fit="misfit"))
    assert only(move, "deflect")["reason"] == "denial" and move.facts == ()


def test_nothing_is_granted_before_the_customer_has_told_anything() -> None:
    state = with_state(HOSPITAL, trust=100, concern="none")
    _, move = step(HOSPITAL, state, line("commitment_request", commitment="share-logs"))
    assert only(move, "refuse")["reason"] == "trust"


# ---- 5. no gaming: confirmations are checked, patience runs out

def test_a_right_summary_is_agreed_once_then_a_repeat_and_a_wrong_one_is_corrected() -> None:
    state = with_state(HOSPITAL, trust=40, revealed=("budget",))
    right = line("confirmation", "budget", text="今年留了80万,超过50万要上院长办公会", clean="今年留了80万,超过50万要上院长办公会")
    agreed, move = step(HOSPITAL, state, right)
    assert kinds(move) == ["agree"] and agreed.trust > state.trust
    # the same point checked again is a repeated question (DESIGN 2.2b): nothing new, some patience
    again, move = step(HOSPITAL, agreed, right.model_copy(update={"normal": "换个说法再确认一次预算80万"}))
    assert only(move, "deflect")["reason"] == "repeat"
    assert again.trust == agreed.trust and again.patience < agreed.patience
    from scoring.hearing.claims import numbers
    wrong_text = "预算是500万,院长已经同意"
    wrong = line("confirmation", "budget", text=wrong_text, clean=wrong_text, numbers=numbers(wrong_text, "zh"))
    corrected, move = step(HOSPITAL, state, wrong)
    assert only(move, "correct")["fact"] == "budget" and corrected.trust <= state.trust
    unsaid = line("confirmation", "timing", text="所以你们下个月就要定", clean="所以你们下个月就要定")
    _, move = step(HOSPITAL, state, unsaid)
    assert kinds(move) == ["correct"]


def test_when_patience_runs_out_the_customer_closes_the_conversation() -> None:
    state = with_state(HOSPITAL, patience=RULES.patience.pitch)
    state, move = step(HOSPITAL, state, line("statement", pitch=True))
    assert only(move, "end") == {"kind": "end", "reason": "patience"} and state.ended == "patience"
    _, move = step(HOSPITAL, state, line("exploratory", "budget"))
    assert kinds(move) == ["deflect"] and move.facts == ()


def test_an_insult_is_met_coolly_and_costs_trust_and_patience() -> None:
    state = with_state(HOSPITAL, trust=50)
    after, move = step(HOSPITAL, state, line("exploratory", "budget", moves=frozenset({"rude"})))
    assert only(move, "deflect")["reason"] == "rude" and move.facts == ()
    assert after.trust < state.trust and after.patience < state.patience


def test_several_lines_before_an_answer_get_one_answer_to_the_last() -> None:
    state = with_state(HOSPITAL, trust=60)
    _, move = step_lines(HOSPITAL, state, [line("exploratory", "budget"), line("exploratory", "timing")])
    assert move.facts == ("deadline",)


def test_every_act_records_the_fields_of_design_4_1() -> None:
    fields = {"reveal": {"fact", "subject"}, "add_after_silence": {"fact", "subject"}, "answer": {"subject"},
              "deflect": {"reason"}, "voice_concern": {"level"}, "ease_concern": {"level"},
              "grant": {"commitment", "rank"}, "refuse": {"commitment", "reason"}, "agree": set(), "correct": set(),
              "end": {"reason"}}
    seen = set()
    for card in CARDS.values():
        state = initial_state(card)
        for probe in (line("statement"), line("exploratory", "budget"), line("exploratory", "concern"),
                      line("commitment_request"), line("confirmation", "budget"), line("extension"),
                      line("statement", pitch=True), line("statement", moves=frozenset({"withdraw"}))):
            state, move = step(card, state, probe)
            for act in move.record():
                assert fields[act["kind"]] <= set(act), act
                seen.add(act["kind"])
    assert {"answer", "deflect", "refuse", "end"} <= seen
