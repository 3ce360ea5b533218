"""The customer engine's numbers, read from rules.yaml (data, so they are tuned without code)."""

from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict

from app.core.yamlio import load_yaml

RULES_FILE = Path(__file__).resolve().parent / "rules.yaml"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Trust(_Frozen):
    explore: int
    explore_vague: int
    explore_vague_times: int
    extension: int
    agree: int
    wrong_summary: int
    control_after: int
    control_before: int
    silence: int
    motive_fit: int
    motive_fit_times: int
    motive_misfit: int
    pitch: int
    refused: int
    repeat: int
    step: int
    calm: int
    push_high: int
    rude: int
    inducement: int
    reask_after: int


class Patience(_Frozen):
    repeat: int
    farming: int
    pitch: int
    statement: int
    lecture: int
    control_early: int
    refused: int
    misfit: int
    push_high: int
    rude: int
    inducement: int


class ConcernRules(_Frozen):
    voice_at_trust: int
    volunteer_at_trust: int
    heat: dict[str, int]
    resistance_at_heat: int
    cool_at_heat: int
    real_at_trust: int


class CommitmentRules(_Frozen):
    min_facts: int


class MotiveGate(_Frozen):
    gate: str
    covers: Literal["all", "bigger", "none"]
    small_only: bool = False
    one_per_meeting: bool = False


class RepeatRules(_Frozen):
    similar: float
    remember: int


class EngineRules(_Frozen):
    trust: Trust
    patience: Patience
    lecture_chars: dict[str, int]
    concern: ConcernRules
    commitments: CommitmentRules
    motives: dict[str, MotiveGate]
    repeat: RepeatRules


@cache
def engine_rules() -> EngineRules:
    return EngineRules.model_validate(load_yaml(RULES_FILE.read_text(encoding="utf-8")))
