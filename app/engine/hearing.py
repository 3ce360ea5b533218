"""How the customer hears a trainee line: through the grader's own labeller and motive cues,
so grader and customer never disagree about what was said."""

from scoring import label
from scoring.motive import line_fit

from app.engine.state import TraineeLine


def hear(text: str, language: str, motive: str) -> TraineeLine:
    verdict = label(text, language)
    return TraineeLine(
        text=text,
        label=verdict.label,
        topic=verdict.topic,
        pitch=verdict.pitch,
        motive_fit=line_fit(text, verdict, language, motive),
    )
