"""A confirmation checked against what the customer said (DESIGN 2.2b, seed 确认类提问).

A summary is right when it restates something the customer told (a fact's key terms, or
enough of its words) and every figure and name in it is one the customer gave. It is wrong
when a figure or a name does not match what was said, when it flatly denies what was told
(从来不用等, never failed) or turns a point round (涨价 for 降本), or when it claims what the
customer never told. Right ones are agreed and build trust once per fact; the one point already
agreed, checked again, is a repeat; wrong ones are corrected.
"""

import re
from dataclasses import dataclass
from functools import lru_cache

from app.engine.decision import Decision
from app.engine.personas import Fact, PersonaCard
from app.engine.state import TraineeLine
from scoring.hearing import tables
from scoring.hearing.claims import Number, names, numbers
from scoring.hearing.content import pieces, shares

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
    guessed = [f for f in untold if _restates(line, f, shapes[f.id][0], lang)]
    if any(_names_terms(line, f) for f in guessed) and not any(_names_terms(line, f) for f in restated):
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
    if d.concern_voiced and line.on_concern and not guessed:
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
