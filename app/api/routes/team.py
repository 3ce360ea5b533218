"""The team dashboard for coaches, HR and admins: its JSON API, its CSV export and its page.

A coach sees their own trainees, HR and admins every trainee; trainees are refused (403). The
page is a shell: static/team.js draws it from the JSON API (charts with the vendored uPlot).
"""

from datetime import date, datetime, time, timezone
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, Request, status
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from app import team_dashboard
from app.api.deps import ContextDep, CurrentUserDep, DbDep
from app.api.routes.pages import PageUserDep, page_language, render
from app.core.i18n import strings
from app.storage import team
from app.storage.models import MAX_PERSONA_ID, User

router = APIRouter(prefix="/api/team", tags=["team"])
page_router = APIRouter(include_in_schema=False)
COACHES_ONLY = "只有教练、HR 和管理员可以查看团队看板 / the team dashboard is for coaches, HR and admins"

FromQuery = Annotated[date | None, Query(alias="from", description="sessions started on or after this day (UTC)")]
ToQuery = Annotated[date | None, Query(alias="to", description="sessions started on or before this day (UTC)")]
PersonaQuery = Annotated[str | None, Query(max_length=MAX_PERSONA_ID, pattern="^[^\\x00]*$",
                                          description="only sessions with this persona")]


class Cell(BaseModel):
    """A heat map cell: the score, and the session it came from."""

    score: int
    session_id: str


class TrendPoint(BaseModel):
    session_id: str
    at: datetime = Field(description="when the session started (UTC)")
    persona_id: str
    scores: dict[str, int | None] = Field(description="`overall` and each dimension")
    url: str = Field(description="the session's replay page")


class TeamTrainee(BaseModel):
    id: int
    username: str
    coach: str | None
    sessions: int = Field(description="scored practice sessions within the filters")
    trend: list[TrendPoint] = Field(description="oldest first")
    latest: dict[str, Cell] = Field(description="per column, the latest session's score; empty without sessions")
    best: dict[str, Cell] = Field(description="per column, the best score (its earliest session)")


class RuleName(BaseModel):
    zh: str
    en: str


class RuleTurn(BaseModel):
    session_id: str
    seq: int | None = Field(description="the turn; null for a point on the whole session")
    trainee: str
    at: datetime
    url: str = Field(description="the replay page at the turn (#turn-N)")


class WeakRule(BaseModel):
    rule: str
    name: RuleName
    dimension: str
    times: int = Field(description="how often points were lost on it")
    lost: int = Field(description="points lost in all")
    sessions: int
    trainees: int
    turns: list[RuleTurn] = Field(description="every point lost, newest session first")


class Filters(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    day_from: date | None = Field(alias="from")
    day_to: date | None = Field(alias="to")
    persona: str | None


class PersonaChoice(BaseModel):
    id: str
    name: str


class TeamDashboard(BaseModel):
    filters: Filters
    personas: list[PersonaChoice] = Field(description="personas the team has scored practice with")
    columns: list[str] = Field(description="the heat map's columns: overall, then the dimensions")
    trainees: list[TeamTrainee]
    sessions: int
    weakest_rules: list[WeakRule] = Field(description="most often first, then most points lost")


def team_of(db: DbDep, user: User) -> list[team.Trainee]:
    """The trainees `user` may see on the dashboard; 403 for trainees."""
    if user.role == "coach":
        return team.trainees(db, coach_id=user.id)
    if user.role in ("hr", "admin"):
        return team.trainees(db, coach_id=None)
    raise HTTPException(status.HTTP_403_FORBIDDEN, detail=COACHES_ONLY)


def _dashboard(ctx: ContextDep, db: DbDep, user: User, day_from: date | None, day_to: date | None,
               persona: str | None) -> dict[str, Any]:
    trainees = team_of(db, user)
    if day_from and day_to and day_from > day_to:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT,
                            detail="开始日期晚于结束日期 / `from` is after `to`")
    ids = [t.id for t in trainees]
    sessions = team.scored_sessions(
        db, user_ids=ids, persona=persona or None,
        date_from=datetime.combine(day_from, time.min, timezone.utc) if day_from else None,
        date_to=datetime.combine(day_to, time.max, timezone.utc) if day_to else None,  # the whole day
    )
    board = team_dashboard.build(trainees, sessions)
    personas = [{"id": pid, "name": ctx.personas[pid].name if pid in ctx.personas else pid}
                for pid in team.personas_practised(db, user_ids=ids)]
    filters = {"from": day_from.isoformat() if day_from else None, "to": day_to.isoformat() if day_to else None,
               "persona": persona or None}
    return {"filters": filters, "personas": personas, **board}


@router.get("/dashboard", summary="The team dashboard: trends, heat map and weakest rules (coach, HR, admin)")
def dashboard(ctx: ContextDep, db: DbDep, user: CurrentUserDep, day_from: FromQuery = None, day_to: ToQuery = None,
              persona: PersonaQuery = None) -> TeamDashboard:
    """Over the scored practice sessions (played here or imported; not certification attempts) of the
    caller's trainees (a coach) or of every trainee (HR, admin), within the filters:

    - `trainees`: per trainee, `trend` (every session, oldest first, with `scores` for `overall` and
      each dimension) and the heat map cells `latest` and `best` (per column: `score`, `session_id`);
    - `weakest_rules`: rules by how often points were lost across the team (`times`, then `lost`),
      with `name` in zh and en and every `turn` behind it (`url`: the replay at that turn).
    """
    return TeamDashboard.model_validate(_dashboard(ctx, db, user, day_from, day_to, persona))


@router.get("/dashboard.csv", summary="A table of the team dashboard as CSV (coach, HR, admin)",
            response_class=Response, responses={200: {"content": {"text/csv": {}}}})
def dashboard_csv(request: Request, ctx: ContextDep, db: DbDep, user: CurrentUserDep,
                  table: Literal["trainees", "sessions", "rules"] = "trainees", day_from: FromQuery = None,
                  day_to: ToQuery = None, persona: PersonaQuery = None,
                  lang: Literal["zh", "en"] | None = Query(None, description="language of the rule names")) -> Response:
    """`trainees`: the heat map (latest and best per column); `sessions`: every trend point; `rules`:
    the weakest rules with their replay links. UTF-8 with a byte-order mark, formulas defused, times UTC."""
    board = _dashboard(ctx, db, user, day_from, day_to, persona)
    body = team_dashboard.csv_table(board, table, lang or page_language(request, ctx.settings.default_language))
    return Response(body, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="team-{table}.csv"'})


@page_router.get("/team", response_class=HTMLResponse)
def team_page(request: Request, ctx: ContextDep, signed_in: PageUserDep) -> Response:
    if signed_in.user.role not in ("coach", "hr", "admin"):
        t = strings(page_language(request, ctx.settings.default_language))
        return render(request, ctx, "error.html", signed_in, status_code=403, heading=t["error_page"]["forbidden"],
                      message=t["team_page"]["coaches_only"])
    return render(request, ctx, "team.html", signed_in)
