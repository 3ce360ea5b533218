"""English question forms: wh-word or auxiliary first, tags, and questions without a mark.

Forms are read at the start of the sentence and of its last clause, so "If we cut lead time,
would that…" and "I'll set it up — could your analysts…" are seen as questions. A wh-word
followed by its own subject ("What we found is…") opens a clause, not a question. An indirect
question ("I wonder what budget you have in mind.") asks even with a full stop.
"""

import re


def prepare(body: str, qmark: bool) -> str:
    """English rules read lower case."""
    return body.lower()


def analyse(body: str, qmark: bool, p: dict[str, re.Pattern[str]]) -> tuple[frozenset[str], bool]:
    """The question forms present in one sentence, and whether it reads as a question."""
    forms: set[str] = set()
    lead = p["lead"]
    starts = [lead.sub("", body)]
    parts = p["clause_split"].split(body)
    if len(parts) > 1:
        starts.append(lead.sub("", parts[-1].strip()))
    for start in starts:
        if p["wh_start"].match(start) and not p["wh_clause"].match(start):
            forms.add("wh")
        if p["aux_start"].match(start) or (qmark and p["aux_any"].match(start)):
            forms.add("aux")
        if p["neg_start"].match(start):
            forms.add("neg")
    if p["tag"].search(body):
        forms.add("tag")
    if p["indirect"].match(body):
        forms.add("wh")
    question = qmark or bool(forms & {"wh", "aux", "tag"})
    if not question and p["wh_any"].search(body):
        forms.add("embedded")
    if qmark and not forms & {"wh", "aux", "tag"}:
        forms.add("declarative")
    return frozenset(forms), question
