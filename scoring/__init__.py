"""Peilian's grader: label trainee lines, grade transcripts. Pure Python; never imports app.

    label(text, lang) -> LineLabel            one line, one of six utterance types, with its rule
    grade(transcript, rubric=None, motive=None) -> Scorecard
    load_rubric(name_or_path="default") -> Rubric
"""

from scoring.grader import grade
from scoring.labeller import label
from scoring.models import LineLabel, Scorecard, Transcript, Turn
from scoring.rubric import Rubric, RubricError, load_rubric

__all__ = ["label", "grade", "load_rubric", "Transcript", "Turn", "Scorecard", "Rubric", "LineLabel", "RubricError"]
