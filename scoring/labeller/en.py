"""English question forms: wh-word or auxiliary first, tags, and questions without a mark.

Forms are read at the start of the sentence and of its last clause, so "If we cut lead time,
would that…" and "I'll set it up — could your analysts…" are seen as questions. A wh-word
followed by its own subject ("What we found is…", "When people forget…") opens a clause, not
a question; a wh-word followed by an inverted auxiliary and its subject ("…, where do you
think you fall") asks wherever it stands. An indirect question ("I wonder what budget you
have in mind.", "So I'm wondering if you've…") asks even with a full stop. Spoken
repetitions are read once ("wh-what", "that's-that's", "if-if").
"""

import re

_STUTTER = re.compile(r"\b([a-z]{1,3})-(?=\1)|\b([a-z']+)(?:-| - |-- )(?=\2\b)")
_VOCATIVE = re.compile(r",?\s*\b(?:sir|ma'am|madam|ma|po)$")  # Nigerian "ma", Filipino "po"
_PARTICLE = re.compile(r"\s+(?:lah|leh|lor|hor|ah)$")  # Singapore English closes a sentence with a particle
_CLOSING_WORDS = ("sir", "ma'am", "madam", "ma", "po", "lah", "leh", "lor", "hor", "ah")  # the two patterns' last words


def prepare(body: str, qmark: bool) -> str:
    """English rules read lower case, with stutters and repeated words read once and a closing
    particle (say more leh, which part ah) left out."""
    body = body.lower()
    if body.endswith(_CLOSING_WORDS):  # "Then what happened sir?", "Please go on, ma'am.", "say more leh"
        body = _PARTICLE.sub("", _VOCATIVE.sub("", body))
    if "-" in body:
        body = _STUTTER.sub("", body)
    return body


def analyse(body: str, qmark: bool, p: dict[str, re.Pattern[str]]) -> tuple[frozenset[str], bool]:
    """The question forms present in one sentence, and whether it reads as a question."""
    forms: set[str] = set()
    lead = p["lead"]
    starts = [lead.sub("", body)]
    parts = p["clause_split"].split(body)
    while len(parts) > 1 and p["trailers"].fullmatch(parts[-1].strip()):
        parts.pop()  # "…I could share articles with, no selling": a trailing aside is not the clause that asks
    if len(parts) > 1:
        starts.append(lead.sub("", parts[-1].strip()))
        # "…: could Maria sit in on a demo, say next wed or thu, so she can judge…": a purpose clause
        # or an aside qualifies the clause before it, whose start is read too
        adjunct, core = p.get("adjunct"), len(parts)
        while core > 2 and adjunct is not None and (adjunct.match(parts[core - 1].strip())
                                                    or p["trailers"].fullmatch(parts[core - 1].strip())):
            core -= 1
        if core < len(parts):
            starts.append(lead.sub("", parts[core - 1].strip()))
    # after an opening subordinate clause ("When a shipment's late, who…") or a short "X or Y" choice
    # ("northeast or midwest, which one…") the last clause is the main one: its wh-word asks
    opened = len(parts) > 1 and bool(p["sub_intro"].match(starts[0]))
    # typed without the comma: "if i send you a number can you…", "in high season are you full"
    if len(parts) == 1 and (main := p["sub_main"].match(starts[0]) or p["lead_main"].match(starts[0])):
        starts.append(starts[0][main.end():])
        opened = True
    main_last = opened or (len(parts) > 1 and " or " in parts[-2] and len(parts[-2].split()) <= 6)
    # a question joined to a remark by "and": "…it is and would you…", "ok noted and who is maintaining…"
    if not qmark and (joined := [m.end() for m in p["mid_ask"].finditer(starts[-1])]):
        starts.append(starts[-1][joined[-1]:])
        main_last = True
    if opened and len(parts) > 2:  # "After the survey, can we put an hour in, maybe the week of the 18th"
        starts.append(lead.sub("", parts[1].strip()))
    for i, start in enumerate(starts):
        if p["wh_start"].match(start) and not p["wh_clause"].match(start) and (qmark or not (
                p["free_relative"].match(start) or p["wh_subordinate"].match(start) or p["wh_continues"].match(start)
                or (i and p["wh_relative"].match(start) and not main_last))):
            forms.add("wh")
        if p["aux_start"].match(start) or (qmark and p["aux_any"].match(start)):
            forms.add("aux")
        if p["neg_start"].match(start):
            forms.add("neg")
    if "any_start" in p and p["any_start"].match(starts[0]):  # the line's start only, not a list's "…, any other"
        forms.add("aux")
    # a negative question after a lead-in clause still leads ("Rather than X, wouldn't it be smarter…, since…")
    if qmark and any(p["neg_start"].match(lead.sub("", c.strip())) for c in parts[1:]):
        forms.add("neg")
    if p["tag"].search(body) or (qmark and (p["tag_marked"].search(body) or p["tag_alone"].fullmatch(body))):
        forms.add("tag")
    if "wh" not in forms and (p["indirect"].search(body) or p["inverted"].search(body)):
        forms.add("wh")
    question = qmark or bool(forms & {"wh", "aux", "tag"})
    if not question and p["wh_any"].search(body):
        forms.add("embedded")
    if qmark and not forms & {"wh", "aux", "tag"}:
        forms.add("declarative")
    return frozenset(forms), question
