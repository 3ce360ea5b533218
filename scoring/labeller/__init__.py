"""The labeller: one trainee line to one of the six utterance types of DESIGN 2.3."""

from scoring.labeller.engine import label

__all__ = ["label"]
