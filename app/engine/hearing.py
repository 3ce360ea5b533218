"""How the customer hears a trainee line: the grader's own labeller, hearing cues and motive
cues (so grader and customer never disagree about what was said), plus this card's cues:
its concern's words, what counts as a remedy for it, its motive words, its commitments."""

import re

from app.engine.personas import PersonaCard
from app.engine.state import TraineeLine
from scoring.hearing import hear_line, presses
from scoring.hearing.content import pieces, shares
from scoring.hearing.repeat import normal
from scoring.cues import load_cues
from scoring.motive import hollow, line_fit, proof_of, says_more, scattered, weak_only

def _hits(card: PersonaCard, key: str, text: str) -> int:
    pattern = card.cue_patterns.get(key)
    return len(pattern.findall(text)) if pattern is not None else 0


def _distinct(card: PersonaCard, key: str, text: str) -> int:
    """How many different terms of one of this card's cue lists the text names."""
    pattern = card.cue_patterns.get(key)
    return len({m.lower() for m in pattern.findall(text)}) if pattern is not None else 0


def _motive_fit(card: PersonaCard, text: str, heard_text: str, language: str, line, heard_lang: str) -> str | None:  # noqa: ANN001
    """The shared motive cues, then this card's own words; a line of cue words alone fits nothing
    (`says_more`), and neither does a line of every motive's words at once (`scattered`)."""
    shared = line_fit(text, line, language, card.motive)
    if shared == "misfit" or _hits(card, "motive.misfit", heard_text):
        return "misfit"
    own = card.cue_patterns.get("motive.fit")
    cues = load_cues(heard_lang)
    proof = proof_of(heard_text, cues, card.motive)  # a rival's failures are no proof of ours
    if shared == "fit" or (own is not None and own.search(proof) and says_more(proof, own, heard_lang)
                           and not scattered(proof, heard_lang)
                           and not weak_only(own, proof, cues, card.motive)
                           and not hollow(proof, cues, card.motive)):
        return "fit"
    return None


_PIECES = re.compile(r"[,，、;；:：/]+")


def _word_list(clean: str, lang: str) -> bool:
    """A line that is mostly a list of terms ("alongside, in parallel, rollback, named engineer, on
    call…"): words strung together are not a proposal anyone could agree to."""
    pieces_ = [p.strip() for p in _PIECES.split(clean) if p.strip()]
    if len(pieces_) < 5:
        return False
    size = [len(p) if lang == "zh" else len(p.split()) for p in pieces_]
    return sum(size) / len(size) <= (5 if lang == "zh" else 2.5)


def hear(text: str, language: str, card: PersonaCard) -> TraineeLine:
    heard = hear_line(text, language)
    clean = heard.text
    concern_key = "real.concern" if "real.concern" in card.cue_patterns else "concern"
    on_concern = bool(_hits(card, "concern", clean) or _hits(card, concern_key, clean))
    # A remedy names at least two of its measures ("试点三个月, 工程师驻场"), or proposes something in the
    # remedy's own words: one measure word dropped into a reassurance ("有任何问题我们都兜底", "Rollback.")
    # offers nothing the customer could check.
    # A promise ("Trust me, it's just a pilot", 保证不会出问题) shares the remedy's words and offers nothing to check.
    remedy_hit = _distinct(card, "remedy", clean) >= 2 or _distinct(card, "real.remedy", clean) >= 2 or (
        heard.proposal and shares(pieces(clean, heard.lang), card.remedy_pieces, heard.lang)
        and not load_cues(heard.lang).has("promise", clean))
    # A remedy is offered, not asked about: "您打算怎么试点?" asks for their measure.
    asks_theirs = heard.label.label == "exploratory" and heard.subject in ("measure", "requirement")
    fit = _motive_fit(card, text, clean, language, heard.label, heard.lang)
    # A remedy meets the concern in words this customer can take: not a term list, and not wrapped in
    # what its motive rejects (a ready-made solution for growth, fear for balanced: seed 003).
    # And it is offered to this customer: another customer's case told as a story ("they ran us alongside…
    # for a month") offers nothing, however many of the measures it names.
    remedy = bool(remedy_hit) and (heard.proposal or not asks_theirs) and fit != "misfit" \
        and not _word_list(clean, heard.lang) \
        and (heard.proposal or not load_cues(heard.lang).has("story", clean))
    commitment = None
    if heard.label.label == "commitment_request":
        scored = [(_hits(card, f"commit.{c.id}", clean), -i, c.id) for i, c in enumerate(card.commitments)]
        best = max(scored)
        commitment = best[2] if best[0] > 0 else None
    # a statement that names one of the card's steps ("it would be wonderful if it found its way onto your
    # committee agenda", "your team already said yes to a session") hints at the ask without asking
    hints = heard.label.label == "statement" and any(_hits(card, f"commit.{c.id}", clean) for c in card.commitments)
    return TraineeLine(
        text=text,
        label=heard.label.label,
        topic=heard.label.topic,
        pitch=heard.label.pitch,
        subject=heard.subject,
        steps=heard.steps,
        moves=heard.moves,
        motive_fit=fit,
        on_concern=on_concern,
        remedy=remedy,
        presses=presses(heard),
        commitment=commitment,
        hints_step=hints,
        terse=heard.terse,
        clean=clean,
        numbers=heard.numbers,
        names=heard.names,
        normal=normal(clean),
    )
