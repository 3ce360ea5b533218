"""The customer's decision for one trainee line: step(card, state, line) -> (state, move).

Pure and deterministic. The rules follow the method (seed 002, 003; DESIGN 2.2, 2.2b, 2.5):
- it answers the subject asked: an earned question gets the fact for its subject, a subject
  the card holds nothing on an in-character answer without a fact, never an unrelated fact;
- a repeated question, or "tell me more" farmed past one item per subject, earns nothing and
  costs patience; a summary is checked against what was said (confirm.py);
- the concern is handled as a sequence by level (concern.py); commitments are granted or
  refused with a reason, through the concern, the motive's gate and trust (commit.py);
- each motive reacts to what moves it and what backfires (the grader's motive cues plus the
  card's own); a complacent customer denies having problems;
- a held silence deepens the subject just answered, once per answer (silence_step);
- when patience runs out the customer closes the conversation politely.
"""

from app.engine import commit, confirm
from app.engine import concern as concern_mod
from app.engine.decision import Decision
from app.engine.personas import Fact, PersonaCard
from app.engine.state import CustomerMove, CustomerState, TraineeLine
from scoring.hearing import subjects
from scoring.hearing.repeat import normal, pairs, similar

GATE_OF = {"growth": "co_create", "rescue": "proof", "complacent": "future", "balanced": "small_step"}


def _repeat(d: Decision, line: TraineeLine) -> str | None:
    """The same question again: `words` (near-identical), `subject` (the same type on a subject
    already answered once), `again` (a subject already asked twice); None when it is new."""
    if line.label in ("extension", "commitment_request") or len(line.normal) < 4:
        return None
    if any(similar(line.normal, seen, d.rules.repeat.similar) for seen in d.heard):
        held = _held_back(d, line.subject) if line.subject else None
        if held is None or d.trust < held + d.rules.trust.reask_after:
            return "words"  # held back for trust and asked again once trust is there: a fair question
    handling = d.concern_voiced and concern_mod.addresses(d, line)
    if line.label in ("exploratory", "control") and line.subject and not handling:
        times = d.asked.count(f"{line.label}:{line.subject}")
        if line.subject == "concern" and d.concern_voiced:
            return None
        return "again" if times >= 2 else "subject" if times == 1 else None
    return None


def _echo(d: Decision, line: TraineeLine) -> str | None:
    """The subject of what the customer told that the line only says back ("县里今年农业用水指标又压了一成?",
    "Nobody trusts either tool?"): put as a question it asks the customer to confirm its own words, not
    for anything new (DESIGN 2.2b); None when the line brings words of its own."""
    if line.label not in ("exploratory", "control") or len(line.normal) < 6:
        return None
    own = pairs(line.normal)
    for fact_id in d.revealed:
        fact = d.card.fact_by_id.get(fact_id)
        if fact is not None and any(len(own & pairs(normal(said))) >= d.rules.repeat.similar * len(own)
                                    for said in (fact.text, *fact.paraphrases)):
            return fact.subject
    return None


def _motive(d: Decision, line: TraineeLine) -> bool:
    """DESIGN 2.1: what moves the motive earns trust (a few times) and opens its gate; what
    backfires costs trust and patience. True: the complacent customer denies any problem."""
    if line.motive_fit == "fit":
        gate = GATE_OF[d.card.motive]
        if gate not in d.gates and line.label != "commitment_request":
            d.gates.append(gate)  # opened by how the meeting went, not by the request's own wording
        if d.motive_credit < d.rules.trust.motive_fit_times:
            d.motive_credit += 1
            d.gain(trust=d.rules.trust.motive_fit)
        return False
    if line.motive_fit == "misfit":
        d.gain(trust=d.rules.trust.motive_misfit, patience=-d.rules.patience.misfit)
        if d.card.motive == "complacent" and line.label == "exploratory":
            d.act("deflect", reason="denial", subject=line.subject)
            return True
    return False


def _facts_for(card: PersonaCard, subject: str) -> list[Fact]:
    """The card's facts on `subject`. A broad subject is answered from the subjects it falls to;
    a subject the card holds nothing on, from the subjects near it (who takes part / how it is
    decided), never from an unrelated one."""
    known = subjects()[subject]
    targets = known.falls_to or (subject,)
    facts = [f for target in targets for f in card.facts if f.subject == target]
    return facts or [f for near in known.near for f in card.facts if f.subject == near]


def _held_back(d: Decision, subject: str) -> int | None:
    """The trust at which a question on `subject` was held back, if it was."""
    for entry in d.held:
        name, _, trust = entry.partition("@")
        if name == subject:
            return int(trust)
    return None


def _answer_subject(d: Decision, line: TraineeLine, subject: str) -> bool:
    """An exploratory (or leading) question on a subject: its fact when earned, else an answer
    in character. Returns whether a held silence may deepen the answer."""
    key = f"{line.label}:{subject}"
    facts = _facts_for(d.card, subject)
    untold = [f for f in facts if f.id not in d.revealed and line.label in f.reveal.on]
    if concern_mod.heated(d) and d.heat > d.rules.concern.cool_at_heat:
        d.act("deflect", reason="concern", subject=subject)
        return False
    held = _held_back(d, subject)
    if held is None:
        d.gain(trust=d.rules.trust.explore)
    elif d.trust < held + d.rules.trust.reask_after:
        d.act("deflect", reason="repeat", subject=subject)
        d.gain(patience=-d.rules.patience.repeat)
        return False
    ready = [f for f in untold if d.trust >= f.reveal.min_trust]
    if ready:
        d.asked.append(key)
        d.held = [h for h in d.held if not h.startswith(f"{subject}@")]
        d.reveal(ready[0])
        return True
    if untold:
        if held is None:
            d.held.append(f"{subject}@{d.trust}")
        d.act("deflect", reason="trust", subject=subject)
        return False
    d.asked.append(key)
    d.last_subject = subject
    told = any(f.id in d.revealed for f in facts)
    d.act("answer", subject=subject, detail="told" if told else None)
    return False


def _referral(d: Decision) -> None:
    """换个人攻关: the name of someone else on the customer's side, when the customer is calm enough."""
    other = d.card.other_person
    calm = not concern_mod.heated(d) or d.heat <= d.rules.concern.cool_at_heat
    if d.referred:
        d.act("answer", subject="other_person", detail="told")
    elif calm and d.trust >= other.min_trust:
        d.referred = True
        d.last_subject = "other_person"
        d.act("reveal", fact=other.id, subject="other_person")
    else:
        d.act("deflect", reason="concern" if not calm else "trust", subject="other_person")


def _ask_concern(d: Decision) -> None:
    """"What worries you?": the concern, once trust allows; a voiced one is told again briefly."""
    if d.concern == 0 and d.pretext in ("none", "real"):
        d.act("answer", subject="concern", detail="none")
    elif d.concern_voiced:
        d.act("answer", subject="concern", detail="again")
    elif d.trust >= d.rules.concern.voice_at_trust or concern_mod.heated(d) or d.pretext == "held":
        d.voice()
        concern_mod.invited(d)
    else:
        d.act("deflect", reason="trust", subject="concern")


def _exploratory(d: Decision, line: TraineeLine) -> bool:
    subject = line.subject
    if line.pitch and subject in (None, "situation"):
        # a pitch closed with "what do you think?" asks about our product, not about the customer
        d.gain(trust=d.rules.trust.pitch, patience=-d.rules.patience.pitch)
        d.act("deflect", reason="pitch")
        return False
    d.explored = True
    if subject == "other_person" or "referral" in line.moves:
        _referral(d)
        return False
    if subject == "concern":
        _ask_concern(d)
        return False
    if subject is None:
        if d.asked.count("exploratory:") < d.rules.trust.explore_vague_times:
            d.gain(trust=d.rules.trust.explore_vague)
        d.asked.append("exploratory:")  # a question on no subject heard: counted, not answered from a fact
        d.act("answer", subject=None)
        return False
    if line.terse:
        # "预算?" / "Budget?": answered in character and no more; what the customer keeps back is told
        # to a question someone took the trouble to ask (seed 002 探索类提问), so a list of bare nouns pumps nothing
        d.act("answer", subject=subject, detail="terse")
        return False
    return _answer_subject(d, line, subject)


def _extension(d: Decision) -> bool:
    """"Tell me more": one more item on the subject the customer was on, once per subject."""
    subject = d.last_subject
    if subject is None or subject == "other_person":
        d.act("answer", subject=subject, detail="which")
        return False
    if subject in d.extended:
        d.act("deflect", reason="repeat", subject=subject, detail="farming")
        d.gain(trust=d.rules.trust.repeat, patience=-d.rules.patience.farming)
        return False
    d.extended.append(subject)
    if subject == "concern":
        d.act("answer", subject="concern", detail="again")
        return False
    d.gain(trust=d.rules.trust.extension)
    more = [f for f in _facts_for(d.card, subject) if f.id not in d.revealed and d.trust >= f.reveal.min_trust]
    if more:
        d.reveal(more[0], detail="more")
        return True
    d.act("answer", subject=subject, detail="told")
    return False


def _control(d: Decision, line: TraineeLine) -> bool:
    """控制类提问 only after exploring: before, the customer doubts the conclusion; after, it goes along."""
    if not d.explored:
        d.gain(trust=d.rules.trust.control_before, patience=-d.rules.patience.control_early)
        d.act("answer", subject=line.subject, detail="doubt")
        return False
    d.gain(trust=d.rules.trust.control_after)
    if line.subject:
        earned = [f for f in _facts_for(d.card, line.subject)
                  if f.id not in d.revealed and "control" in f.reveal.on and d.trust >= f.reveal.min_trust]
        if earned:
            d.reveal(earned[0])
            return True
    d.act("answer", subject=line.subject, detail="agree")
    return False


def _statement(d: Decision, line: TraineeLine) -> None:
    rules = d.rules
    if line.pitch:
        d.gain(trust=rules.trust.pitch, patience=-rules.patience.pitch)
        if concern_mod.heated(d):
            d.heat += 1
        if not d.explored or d.stage < 5:
            d.act("deflect", reason="pitch")
            return
    else:
        d.gain(patience=-rules.patience.statement)
    if len(line.text) > rules.lecture_chars.get(d.card.language, 80):
        d.gain(patience=-rules.patience.lecture)
    if not d.acts:
        d.act("answer", subject=None, detail="greeting" if d.before.turn == 0 else "ack")


def _voice_unasked(d: Decision, line: TraineeLine) -> None:
    """A hostile customer states its objection at once; at objection and no-commitment it brings
    the concern up itself once trust allows; the lower levels wait to be asked (test before asking)."""
    if d.concern_voiced or d.ended or (d.concern == 0 and d.pretext in ("none", "real")):
        return
    if d.pretext == "held":  # a pretext is said readily, to keep the seller at arm's length
        if d.before.turn > 0 and line.label == "exploratory":
            d.voice()
        return
    if concern_mod.heated(d):
        if d.before.turn > 0 or line.label != "statement" or line.pitch:
            d.voice()
        return
    if d.concern in (3, 4) and line.label == "exploratory" and d.trust >= d.rules.concern.volunteer_at_trust:
        d.voice()


def step(card: PersonaCard, state: CustomerState, line: TraineeLine) -> tuple[CustomerState, CustomerMove]:
    """Decide the customer's reaction to one heard trainee line."""
    d = Decision.start(card, state)
    rules = d.rules
    repeated = _repeat(d, line)
    if line.label != "extension" and len(line.normal) >= 4:
        d.heard.append(line.normal)
    if state.ended is not None:
        d.act("deflect", reason="ended")
        return d.finish()
    if "rude" in line.moves:
        d.gain(trust=rules.trust.rude, patience=-rules.patience.rude)
        if concern_mod.heated(d):
            d.heat += 1
        d.act("deflect", reason="rude")
        return d.finish()
    if "inducement" in line.moves:
        # 硬价值 (seed 002: 折扣降价、回扣礼品; seed 003: the customer learns to expect more): gifts, a kickback
        # or a discount meet no concern, speak to no motive and buy no commitment; the customer turns it aside
        d.gain(trust=rules.trust.inducement, patience=-rules.patience.inducement)
        d.act("deflect", reason="inducement")
        return d.finish()
    if repeated == "subject":  # asked once more in other words: told already, a little impatient
        d.asked.append(f"{line.label}:{line.subject}")
        d.gain(patience=-rules.patience.repeat // 2)
        d.act("answer", subject=line.subject, detail="told")
        return d.finish()
    if repeated:
        d.gain(trust=rules.trust.repeat, patience=-rules.patience.repeat)
        d.act("deflect", reason="repeat", subject=line.subject)
        return d.finish()
    if (echoed := _echo(d, line)) is not None:
        d.act("answer", subject=echoed, detail="told")
        return d.finish()
    if _motive(d, line):
        return d.finish()
    if "withdraw" in line.moves and line.label == "statement" and d.before.turn > 0:
        # 果断退出: the meeting ends politely; "thanks for seeing me" as the first line greets
        d.ended = "withdrawn"
        d.act("end", reason="withdrawn")
        return d.finish()
    on_concern = concern_mod.handle(d, line)
    can_add = False
    label = line.label
    if label == "commitment_request" and not (on_concern and line.remedy and line.commitment is None):
        commit.decide(d, line)
    elif on_concern:
        pass
    elif label == "exploratory":
        can_add = _exploratory(d, line)
    elif label == "extension":
        can_add = _extension(d)
    elif label == "confirmation":
        confirm.respond(d, line)
        concern_mod.understood(d, line)
    elif label == "control":
        can_add = _control(d, line)
    else:
        _statement(d, line)
    _voice_unasked(d, line)
    if not d.acts:
        d.act("answer", subject=line.subject)
    return d.finish(can_add=can_add)


def step_lines(card: PersonaCard, state: CustomerState, lines: list[TraineeLine]) -> tuple[CustomerState, CustomerMove]:
    """Take in several lines sent before the customer could answer; answer the last one.

    The earlier lines still move trust, patience, the concern and the motive's gates, but give
    nothing away: the customer answers what was asked last (DESIGN 2.3).
    """
    for line in lines[:-1]:
        moved, _ = step(card, state, line)
        state = moved.model_copy(update={
            "revealed": state.revealed, "last_subject": state.last_subject, "granted": state.granted,
            "asked": state.asked, "extended": state.extended, "referred": state.referred, "ended": state.ended,
            "concern_voiced": state.concern_voiced, "concern_said": state.concern_said, "can_add": False,
        })
    return step(card, state, lines[-1])


def silence_step(card: PersonaCard, state: CustomerState) -> tuple[CustomerState, CustomerMove | None]:
    """After a held golden silence the customer says more on the subject it just answered
    (让客户把话说完): another fact of that subject, or the motive behind it when trust allows;
    at most once per answer. None when it has nothing more to add."""
    if not state.can_add or state.ended is not None or state.patience <= 0 or state.last_subject is None:
        return state, None
    d = Decision.start(card, state)
    d.gain(trust=d.rules.trust.silence)
    subject = state.last_subject
    same = [f for f in _facts_for(card, subject) if f.id not in d.revealed and d.trust >= f.reveal.min_trust]
    behind: list[Fact] = []
    if subjects()[subject].category in ("need", "motive"):
        behind = [f for f in card.facts if f.kind == "motive" and f.id not in d.revealed
                  and d.trust >= f.reveal.min_trust]
    chosen = (same or behind or [None])[0]
    if chosen is None:
        return state, None
    d.reveal(chosen, kind="add_after_silence")
    d.last_subject = subject
    return d.finish(can_add=False)
