"""A confirmation checked against what the customer said (DESIGN 2.2b, seed 确认类提问).

A summary is right when it restates something the customer told (a fact's key terms, or
enough of its words) and every figure and name in it is one the customer gave. It is wrong
when a figure or a name does not match what was said, when it flatly denies what was told
(从来不用等, never failed) or turns a point round (涨价 for 降本), or when it claims what the
customer never told. Right ones are agreed and build trust once per fact; the one point already
agreed, checked again, is a repeat; wrong ones are corrected.

The concern counts as said only as far as the customer has put it into words: its objection
once voiced, the personal concern once dug out (the real one's both behind a pretext). A summary
that reads back the part not yet said ("as you said, you'd be presenting someone else's playbook
to your CEO") is a guess, however right, not a confirmation: it is corrected and builds no trust,
even when it also names a told fact's term.
"""

import re
from dataclasses import dataclass
from functools import lru_cache

from app.engine.decision import Decision
from app.engine.personas import Fact, PersonaCard
from app.engine.state import TraineeLine
from scoring.hearing import tables
from scoring.hearing.claims import Number, names, numbers
from scoring.hearing.content import ENOUGH, pieces, shares

@dataclass(frozen=True)
class Verdict:
    agreed: bool
    facts: tuple[str, ...]  # the facts the summary restates (agreed) or gets wrong (corrected)
    reason: str  # agree | figure | name | denied | unsaid


@lru_cache(maxsize=4096)
def _shape(wordings: tuple[str, ...], lang: str) -> tuple[frozenset[str], tuple[Number, ...], tuple[str, ...]]:
    """What a fact offers a summary to match: its content pieces, its figures, its names (by its words)."""
    content = frozenset().union(*(pieces(t, lang) for t in wordings))
    figures = tuple(n for t in wordings for n in numbers(t, lang))
    people = tuple(p for t in wordings for p in names(t, lang, tables(lang).person))
    return content, figures, people


def _fact_shape(fact: Fact, lang: str) -> tuple[frozenset[str], tuple[Number, ...], tuple[str, ...]]:
    return _shape(fact.wordings, lang)


_CLAUSES = re.compile(r"[,，;；。.!?？!、]|\band\b|\bwith\b|\bbut\b")
_WORD = re.compile(r"[a-z]{4,}")


def _keys(clause: str, lang: str) -> set[str]:
    """What a clause is about, to pair a summary's clause with the customer's: Chinese character
    pairs, or English words cut to their first five letters (coupon, coupons; spend, spending)."""
    if lang == "zh":
        return set(pieces(clause, lang))
    return {w[:5] for w in _WORD.findall(clause)}


def _turned_round(line: TraineeLine, fact: Fact, lang: str) -> bool:
    """A clause of the summary that says the opposite direction of the customer's clause on the same
    thing ("明年还要涨价3%" for "明年还要再降本3%"; "coupon spend going up" for "spending less on coupons")."""
    table = tables(lang)
    if table.rise is None or table.fall is None:
        return False
    for clause in _CLAUSES.split(line.clean):
        up, down = table.rise.search(clause) is not None, table.fall.search(clause) is not None
        if up == down:
            continue
        keys = _keys(clause, lang)
        for wording in fact.wordings:
            for said in _CLAUSES.split(wording.lower()):
                if len(keys & _keys(said, lang)) < 2:
                    continue
                said_up, said_down = table.rise.search(said) is not None, table.fall.search(said) is not None
                if said_up != said_down and said_up != up:
                    return True
    return False


def _names_terms(line: TraineeLine, fact: Fact) -> bool:
    return any(term.lower() in line.clean for term in fact.terms)


def _restates(line: TraineeLine, fact: Fact, content: frozenset[str], lang: str) -> bool:
    return _names_terms(line, fact) or shares(pieces(line.clean, lang), content, lang)


def _concern_parts(card: PersonaCard) -> dict[str, str]:
    """The concern's wordings by what `Decision.voice` records of them (`concern_said`)."""
    parts = {"objection": card.concern.objection, "topic": card.concern.topic}
    if card.concern.real is not None:
        parts |= {"real.objection": card.concern.real.objection, "real.topic": card.concern.real.topic}
    return parts


def _concern_said(d: Decision) -> set[str]:
    """What of the concern the customer has said (a session stored before this was recorded: its
    objection, once voiced)."""
    return set(d.concern_said) or ({"objection"} if d.concern_voiced else set())


def _in(cue: str, texts: list[str]) -> bool:
    return any(cue in t.lower() for t in texts)


@dataclass(frozen=True)
class _Said:
    """What the customer has said so far, to check a summary against: the told facts' wordings, the
    concern's wordings voiced (and those not), the other person's when named; their content pieces."""

    texts: list[str]
    known: frozenset[str]
    voiced: list[str]
    unsaid: list[str]

    @classmethod
    def of(cls, d: Decision, told: list[Fact]) -> "_Said":
        card, said = d.card, _concern_said(d)
        parts = _concern_parts(card)
        voiced = [text for key, text in parts.items() if key in said]
        texts = [w for f in told for w in f.wordings] + voiced
        if d.referred:
            texts += card.other_person.wordings
        known = frozenset().union(*(pieces(t, card.language) for t in texts))
        return cls(texts, known, voiced, [text for key, text in parts.items() if key not in said])


def _concern_cues(card: PersonaCard) -> list[str]:
    cues = [*card.concern.cues, *(card.concern.real.cues if card.concern.real is not None else [])]
    return [c.strip().lower() for c in cues if c.strip()]


def _reads_unsaid_concern(d: Decision, line: TraineeLine, said: _Said, heard: frozenset[str]) -> bool:
    """Whether the summary restates the part of the concern the customer has not said: enough of
    what only its unsaid wordings hold (content pieces and the card's concern cues found in nothing
    said), whatever told fact it also names."""
    if not said.unsaid:
        return False
    lang = d.card.language
    only_unsaid = frozenset().union(*(pieces(t, lang) for t in said.unsaid)) - said.known
    evidence = set(heard & only_unsaid)
    evidence.update(c for c in _concern_cues(d.card)
                    if c in line.clean and _in(c, said.unsaid) and not _in(c, said.texts))
    return len(evidence) >= ENOUGH[lang]


def _names_said_concern(d: Decision, line: TraineeLine, said: _Said) -> bool:
    """A summary with no told fact in it that names the voiced concern by its cues: some cue it
    uses is in what the customer said of the concern, or in none of its wordings (other words for
    it); cues of the unsaid part alone ("your big bet" before it was told) read it further."""
    if not (d.concern_voiced and line.on_concern):
        return False
    hit = [c for c in _concern_cues(d.card) if c in line.clean]
    return not hit or any(_in(c, said.voiced) or not _in(c, said.unsaid) for c in hit)


def _guessed_terms(line: TraineeLine, fact: Fact, said: _Said) -> bool:
    """An untold fact's terms in the summary that are in nothing the customer said ("coupons" in
    "points-and-coupons" of a voiced objection is the customer's word, not a guess)."""
    return any(t.lower() in line.clean and not _in(t.lower(), said.texts) for t in fact.terms)


def check(d: Decision, line: TraineeLine) -> Verdict:
    card: PersonaCard = d.card
    lang = card.language
    told = [card.fact_by_id[f] for f in d.revealed if f in card.fact_by_id]
    untold = [f for f in card.facts if f.id not in d.revealed]
    shapes = {f.id: _fact_shape(f, lang) for f in card.facts}
    restated = [f for f in told if _restates(line, f, shapes[f.id][0], lang)]
    about = restated or [f for f in told if f.subject == line.subject]
    said_figures = [n for f in told for n in shapes[f.id][1]]
    for figure in line.numbers:
        if not any(figure.same(n) for n in said_figures):
            return Verdict(False, tuple(f.id for f in about), "figure")
    known_people = {p for f in told for p in shapes[f.id][2]}
    if d.referred:
        known_people.update(names(card.other_person.text, lang, tables(lang).person))
    own = {card.name.lower(), *card.name.lower().split()}
    for person in line.names:
        if person not in known_people and person not in own and not any(person in p for p in known_people):
            return Verdict(False, tuple(f.id for f in about), "name")
    said = _Said.of(d, told)
    heard = pieces(line.clean, lang)
    if _reads_unsaid_concern(d, line, said, heard):
        return Verdict(False, (), "unsaid")  # the concern read back further than the customer has told it
    guessed = [f for f in untold
               if _guessed_terms(line, f, said) or shares(heard, shapes[f.id][0] - said.known, lang)]
    if any(_guessed_terms(line, f, said) for f in guessed) and not any(_names_terms(line, f) for f in restated):
        return Verdict(False, tuple(f.id for f in guessed), "unsaid")  # puts words in the customer's mouth
    denial = tables(lang).denial
    if restated and denial is not None and denial.search(line.clean) \
            and not any(denial.search(w.lower()) for f in restated for w in f.wordings):
        return Verdict(False, tuple(f.id for f in restated), "denied")  # "专家从来不用等" of "专家只能干等着"
    turned = [f for f in restated if _turned_round(line, f, lang)]
    if turned:
        return Verdict(False, tuple(f.id for f in turned), "denied")
    if restated:
        return Verdict(True, tuple(f.id for f in restated), "agree")
    if _names_said_concern(d, line, said) and not guessed:
        return Verdict(True, (), "agree")
    return Verdict(False, tuple(f.id for f in guessed), "unsaid")  # what was never told is not agreed


def respond(d: Decision, line: TraineeLine) -> None:
    """Agree with a right summary (trust for facts not confirmed before), correct a wrong one; the
    one point already agreed, checked again, is a repeat (a summary of several is not)."""
    verdict = check(d, line)
    if verdict.agreed and len(verdict.facts) == 1 and verdict.facts[0] in d.confirmed:
        # the same point checked again ("just to be sure: …"): already agreed, nothing new to check
        d.gain(patience=-d.rules.patience.repeat // 2)
        d.act("deflect", reason="repeat")
        return
    if verdict.agreed:
        new = [f for f in verdict.facts if f not in d.confirmed]
        if new:
            d.confirmed.extend(new)
            d.gain(trust=d.rules.trust.agree)
        d.act("agree", detail=verdict.facts[0] if verdict.facts else None)
        return
    d.gain(trust=d.rules.trust.wrong_summary)
    told = [f for f in verdict.facts if f in d.revealed]
    d.act("correct", fact=told[0] if told else None, detail=verdict.reason)
