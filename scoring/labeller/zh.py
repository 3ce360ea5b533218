"""Chinese question forms on raw characters (question-cues.md): particles, wh-words, A-not-A, tags.

A wh-word alone does not make a question ("问题的答案是什么" is a noun phrase): without a
question mark it needs a licence (您/你们, 呢, 请问, 大概…) and must not sit inside an
embedded clause (我不知道…什么). 么 is the particle only when it does not end 什么/怎么/那么.
"""

import re

_MO = re.compile(r"(?<![什怎那这多要为干])么$")


def prepare(body: str, qmark: bool) -> str:
    """Sentence-final 么, and 嘛 before a question mark, are the particle 吗 (the seed writes 紧急嘛?)."""
    body = _MO.sub("吗", body)
    if qmark and body.endswith("嘛"):
        body = body[:-1] + "吗"
    return body


def analyse(body: str, qmark: bool, p: dict[str, re.Pattern[str]]) -> tuple[frozenset[str], bool]:
    """The question forms present in one sentence, and whether it reads as a question."""
    forms: set[str] = set()
    wh = p["wh"].search(p["wh_block"].sub("#", body)) is not None
    if p["anotA"].search(p["anotA_embedded"].sub("#", body)):
        forms.add("anotA")
    if p["tag"].search(body):
        forms.add("tag")
    if qmark and p["alternative"].search(body):
        forms.add("alternative")
    if body.endswith("吗"):
        forms.add("particle")
    elif body.endswith("呢") and (wh or len(body) <= 6):
        forms.add("particle")
    elif body.endswith("吧") and (qmark or p["presumptive"].search(body)):
        forms.add("particle")
    licensed = wh and (qmark or p["indirect"].search(body) is not None
                       or (p["embedded"].search(body) is None and p["licence"].search(body) is not None))
    if licensed:
        forms.add("wh")
    elif wh:
        forms.add("embedded")
    question = qmark or bool(forms & {"anotA", "tag", "particle", "wh"})
    if qmark and not forms & {"anotA", "tag", "particle", "wh", "alternative"}:
        forms.add("declarative")
    return frozenset(forms), question
