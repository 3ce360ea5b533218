"""The team dashboard: each trainee's trend per dimension, a heat map of trainees by dimension
(latest or best), and the rules the team loses points on most, with the turns behind them.

Built from stored scorecards (DESIGN 4.1b: `dimensions`, and `points` with `rule`, `seq`, `delta`);
values in, values out, so the JSON API, the page and the CSV export show the same numbers.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from app.certification import csvfiles
from app.storage.team import ScoredSession, Trainee
from scoring.cues import load_cues
from scoring.models import DIMENSIONS

COLUMNS = ("overall", *DIMENSIONS)  # the heat map's columns, and what a trend point carries
LANGUAGES = ("zh", "en")
TABLES = ("trainees", "sessions", "rules")  # what the CSV export can hold


def _utc(moment: datetime) -> datetime:
    """SQLite hands datetimes back without a zone; they were stored in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def replay_url(session_id: str, seq: int | None) -> str:
    """The replay page at the turn (the replay scrolls to #turn-N), or at the top for a whole-session point."""
    return f"/sessions/{session_id}/replay" + (f"#turn-{seq}" if seq is not None else "")


def rule_name(rule: str) -> dict[str, str]:
    """A rule's name for people in both languages (scoring/grading/{zh,en}.yaml), never its raw id."""
    return {lang: load_cues(lang).name("rules", rule) for lang in LANGUAGES}


def _scores(session: ScoredSession) -> dict[str, int | None]:
    dims = session.card.get("dimensions") or {}
    values: dict[str, int | None] = {"overall": session.overall}
    for dim in DIMENSIONS:
        value = dims.get(dim)
        values[dim] = int(value) if isinstance(value, (int, float)) else None
    return values


def _cells(sessions: list[ScoredSession], *, best: bool) -> dict[str, dict[str, Any]]:
    """Per column: the latest session's score, or the best score in range (the earliest session that
    reached it), with the session it came from."""
    cells: dict[str, dict[str, Any]] = {}
    for session in sessions:  # oldest first
        for column, score in _scores(session).items():
            if score is None:
                continue
            held = cells.get(column)
            if held is None or (score > held["score"] if best else True):
                cells[column] = {"score": score, "session_id": session.id}
    return cells


@dataclass
class _Rule:
    rule: str
    dimension: str
    times: int = 0
    lost: int = 0
    sessions: set[str] = field(default_factory=set)
    trainees: set[int] = field(default_factory=set)
    turns: list[dict[str, Any]] = field(default_factory=list)


def weakest_rules(sessions: list[ScoredSession], names: dict[int, str]) -> list[dict[str, Any]]:
    """Every rule the team lost points on: most often first, then most points lost. Each lists the
    turns behind it, newest session first, linked to the replay at that turn."""
    rules: dict[str, _Rule] = {}
    for session in reversed(sessions):  # newest first
        for point in session.card.get("points") or []:
            delta = point.get("delta") or 0
            if delta >= 0 or not point.get("rule"):
                continue
            entry = rules.setdefault(point["rule"], _Rule(point["rule"], point.get("dimension", "")))
            entry.times += 1
            entry.lost += -int(delta)
            entry.sessions.add(session.id)
            entry.trainees.add(session.user_id)
            seq = point.get("seq")
            entry.turns.append({"session_id": session.id, "seq": seq, "trainee": names.get(session.user_id, ""),
                                "at": _utc(session.created_at).isoformat(), "url": replay_url(session.id, seq)})
    ordered = sorted(rules.values(), key=lambda r: (-r.times, -r.lost, r.rule))
    return [{"rule": r.rule, "name": rule_name(r.rule), "dimension": r.dimension, "times": r.times, "lost": r.lost,
             "sessions": len(r.sessions), "trainees": len(r.trainees), "turns": r.turns} for r in ordered]


def build(trainees: list[Trainee], sessions: list[ScoredSession]) -> dict[str, Any]:
    """The dashboard's JSON: per trainee the trend (oldest first) and the heat map cells; the weakest rules."""
    by_trainee: dict[int, list[ScoredSession]] = defaultdict(list)
    for session in sessions:
        by_trainee[session.user_id].append(session)
    rows = []
    for trainee in trainees:
        mine = by_trainee.get(trainee.id, [])
        rows.append({
            "id": trainee.id, "username": trainee.username, "coach": trainee.coach, "sessions": len(mine),
            "trend": [{"session_id": s.id, "at": _utc(s.created_at).isoformat(), "persona_id": s.persona_id,
                       "scores": _scores(s), "url": replay_url(s.id, None)} for s in mine],
            "latest": _cells(mine, best=False),
            "best": _cells(mine, best=True),
        })
    names = {t.id: t.username for t in trainees}
    return {"columns": list(COLUMNS), "trainees": rows, "sessions": len(sessions),
            "weakest_rules": weakest_rules(sessions, names)}


def _excel_time(iso: str) -> str:
    return datetime.fromisoformat(iso).astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


def csv_table(board: dict[str, Any], table: str, lang: str) -> bytes:
    """One of the dashboard's tables for Excel (UTF-8 with BOM, formulas defused; times UTC).

    trainees: the heat map, latest and best per column; sessions: every trend point; rules: the
    weakest rules with their names in `lang` and the replay links of their turns."""
    if table == "trainees":
        header = ["trainee", "coach", "sessions", *(f"{c}_latest" for c in COLUMNS), *(f"{c}_best" for c in COLUMNS)]
        rows = [[t["username"], t["coach"] or "", t["sessions"],
                 *(t["latest"].get(c, {}).get("score", "") for c in COLUMNS),
                 *(t["best"].get(c, {}).get("score", "") for c in COLUMNS)] for t in board["trainees"]]
    elif table == "sessions":
        header = ["trainee", "session_id", "date", "persona", *COLUMNS]
        rows = [[t["username"], p["session_id"], _excel_time(p["at"]), p["persona_id"],
                 *(("" if p["scores"][c] is None else p["scores"][c]) for c in COLUMNS)]
                for t in board["trainees"] for p in t["trend"]]
    else:
        header = ["rule", "name", "dimension", "times", "points_lost", "sessions", "trainees", "turns"]
        rows = [[r["rule"], r["name"][lang], r["dimension"], r["times"], r["lost"], r["sessions"], r["trainees"],
                 " ".join(turn["url"] for turn in r["turns"])] for r in board["weakest_rules"]]
    return csvfiles.write(header, rows)
