"""A commitment request (DESIGN 2.5, 2.2b): granted or refused, with the reason on the record.

In order: at levels 4-6 nothing is granted in this meeting (and at 5-6 every request raises
the temperature); a concern above what the commitment allows refuses it, and pushing past a
concern already voiced raises it; the motive's gate (growth: their ideas invited, rescue:
proof, complacent: a future opportunity or pressure; balanced: only a small step, once);
trust, and having told enough (test before asking).
"""

from app.engine import concern as concern_mod
from app.engine.decision import Decision, clamp
from app.engine.personas import Commitment, PersonaCard, concern_rank
from app.engine.state import TraineeLine


def requested(card: PersonaCard, refused: list[str], line: TraineeLine) -> Commitment:
    """The card commitment the trainee asks for: by its cues, else the highest not yet refused."""
    if line.commitment is not None:
        return next(c for c in card.commitments if c.id == line.commitment)
    open_ones = [c for c in card.commitments if c.id not in refused]
    return open_ones[0] if open_ones else card.commitments[-1]


def gate_open(d: Decision, wanted: Commitment) -> bool:
    """Does this customer's motive let it give `wanted` now?"""
    policy = d.rules.motives[d.card.motive]
    if policy.small_only and not wanted.small:
        return False
    if policy.one_per_meeting and d.granted is not None:
        return False
    lowest = wanted.id == d.card.commitments[-1].id
    covered = policy.covers == "all" or (policy.covers == "bigger" and not lowest)
    return not covered or policy.gate in d.gates


def _refuse(d: Decision, wanted: Commitment, reason: str) -> None:
    d.act("refuse", commitment=wanted.id, rank=d.card.rank(wanted.id), reason=reason)
    if wanted.id not in d.refused:
        d.refused.append(wanted.id)
    d.gain(patience=-d.rules.patience.refused)


def decide(d: Decision, line: TraineeLine) -> None:
    wanted = requested(d.card, d.refused, line)
    rules = d.rules
    if d.granted == wanted.id:
        d.act("answer", subject=None, detail="already_granted")
        return
    if concern_mod.heated(d):
        d.heat += 1
        d.gain(trust=rules.trust.push_high, patience=-rules.patience.push_high)
        _refuse(d, wanted, "level")
        if d.concern == concern_mod.ARGUMENT and d.heat >= rules.concern.resistance_at_heat and d.pretext != "exposed":
            d.set_level(concern_mod.RESISTANCE)
            d.voice(detail="worse")
        elif not d.concern_voiced:
            d.voice()
        return
    if d.concern == concern_mod.NO_COMMITMENT:
        d.gain(trust=rules.trust.push_high)
        _refuse(d, wanted, "level")
        if not d.concern_voiced:
            d.voice()
        return
    if d.concern > concern_rank(wanted.max_concern):
        # Asking again, or for more, past a concern already voiced is pushing; falling back to a
        # smaller step after a refusal (从高到低, 以退为进) is not, though it is refused all the same.
        rank = d.card.rank(wanted.id)
        falls_back = bool(d.refused) and rank > max(d.card.rank(r) for r in d.refused)
        pushed = d.concern_voiced and not d.said("voice_concern") and not falls_back
        _refuse(d, wanted, "concern")
        if pushed:
            concern_mod.raise_after_push(d)
        elif not d.concern_voiced:
            d.voice()
        return
    if not gate_open(d, wanted):
        d.gain(trust=rules.trust.refused)
        _refuse(d, wanted, "motive")
        return
    if d.trust < wanted.min_trust or len(d.revealed) < rules.commitments.min_facts:
        d.trust = clamp(d.trust + rules.trust.refused)
        _refuse(d, wanted, "trust")
        return
    best = d.granted is None or d.card.rank(wanted.id) < d.card.rank(d.granted)
    d.granted = wanted.id if best else d.granted
    d.act("grant", commitment=wanted.id, rank=d.card.rank(wanted.id))
