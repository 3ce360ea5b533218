"""A question's form (DESIGN 4.1b): open, closed, choice, tag, declarative or imperative.

Read from the labeller's analysis of the sentence that asks: a wh-word makes it open; an
auxiliary first (en) or 吗 / A-not-A (zh) closed; "X or Y" / X还是Y a choice; a tag (…, right? /
…,对吧?) a tag; a statement with a question mark declarative; a request for information with no
question form ("Tell me about…", "您讲讲…") imperative. Statements have no form. The method
credits broad to narrow (由宽到窄), not open questions for their own sake (question-cues.md).
"""

import re

from scoring.labeller.engine import analyse

_EN_CHOICE = re.compile(r"\b(?:or|rather than)\b")


def form_of(text: str, lang: str) -> str | None:
    """The form of the line's question, or None when it asks nothing."""
    analysis = analyse(text, lang)
    if analysis.label.label == "statement":
        return None
    if analysis.asked is None:
        return "imperative"
    sentence = analysis.sentences[analysis.asked]
    forms = sentence.forms
    if "alternative" in forms or ("aux" in forms and _EN_CHOICE.search(sentence.text) and analysis.lang == "en"):
        return "choice"
    if "tag" in forms:
        return "tag"
    if "wh" in forms:
        return "open"
    if forms & {"aux", "anotA", "particle", "neg"}:
        return "closed"
    if "declarative" in forms:
        return "declarative"
    return "imperative"
