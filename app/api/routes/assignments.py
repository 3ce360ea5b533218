"""Assignments over REST: a coach sets personas for their trainees or whole team, with a due date and a
target score; trainees read their to-do list; coaches, HR and admins read who has done what (and as CSV).

Coaches assign to their own trainees (or their team) and change only what they made; admins assign to
anyone; HR reads everything and changes nothing. An assignment someone may not read does not exist
for them (404), as with sessions.
"""

from datetime import datetime, timezone
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, status
from fastapi.responses import HTMLResponse, Response
from pydantic import AwareDatetime, BaseModel, Field, field_validator, model_validator
from sqlmodel import Session

from app.accounts.service import get_user
from app.api.deps import ContextDep, CurrentUserDep, DbDep, require_role
from app.api.routes.certifications import excel_time
from app.api.routes.pages import PageUserDep, page_language, render
from app.certification import csvfiles
from app.core.context import AppContext
from app.core.i18n import strings
from app.storage import assignments as store
from app.storage.models import Assignment, User
from app.storage.persona_cards import practice_cards

router = APIRouter(prefix="/api/assignments", tags=["assignments"])
page_router = APIRouter(include_in_schema=False)
AssignerDep = Annotated[User, Depends(require_role("coach", "admin"))]
ReaderDep = Annotated[User, Depends(require_role("coach", "hr", "admin"))]
AssignmentId = Annotated[int, Path(ge=1, le=2**31 - 1)]
MAX_NAMES = 1000


class Audience(BaseModel):
    """For whom: named trainees, or a whole team (a coach's own; an admin names the coach)."""

    trainees: list[str] = Field(default_factory=list, max_length=MAX_NAMES, description="trainees' user names")
    team: bool = Field(False, description="the whole team, including trainees who join it later")
    coach: str | None = Field(None, max_length=200, description="whose team (admins); a coach's is their own")
    due_at: AwareDatetime = Field(description="with its time zone, e.g. 2026-12-10T18:00:00+08:00")
    target_score: int = Field(ge=0, le=100, description="done when a practice session scores at least this")

    @field_validator("due_at")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        """Kept in UTC; a date no calendar of this app can hold is refused, not stored."""
        try:
            utc = value.astimezone(timezone.utc)
        except OverflowError as exc:
            raise ValueError("截止时间超出范围 / the due date is out of range") from exc
        if not 2000 <= utc.year <= 2999:
            raise ValueError("截止时间超出范围 / the due date is out of range")
        return utc

    @model_validator(mode="after")
    def _one_audience(self) -> "Audience":
        if self.team == bool(self.trainees):
            raise ValueError("给出学员或整个团队之一 / give either trainees or team, not both or neither")
        return self


class AssignmentCreate(Audience):
    persona_ids: list[str] = Field(min_length=1, max_length=50, description="one assignment is made per persona")


class AssignmentUpdate(Audience):
    persona_id: str = Field(min_length=1, max_length=100)


class AssignmentOut(BaseModel):
    id: int
    persona_id: str
    persona_name: str | None
    due_at: datetime
    target_score: int
    team_of: str | None = Field(description="the coach whose whole team it is for; null: the named trainees")
    trainees: list[str] = Field(description="named trainees (empty for a team assignment)")
    created_by: str
    created_at: datetime
    updated_at: datetime
    editable: bool = Field(description="whether the caller may change or delete it")


class TodoItem(BaseModel):
    assignment_id: int
    persona_id: str
    persona_name: str | None
    due_at: datetime
    target_score: int
    status: str = Field(description="todo, in_progress, done, late (reached after the due date) or missing")
    best: int | None = Field(description="best score since the assignment was made")
    latest: int | None
    attempts: int
    assigned_by: str


class ProgressRow(BaseModel):
    assignment_id: int
    persona_id: str
    persona_name: str | None
    trainee: str
    due_at: datetime
    target_score: int
    status: str
    best: int | None
    latest: int | None
    attempts: int = Field(description="practice sessions started since the assignment was made")
    best_session_id: str | None
    latest_session_id: str | None


def _now(ctx: AppContext) -> datetime:
    return store.clock_time(ctx.clock.now())


def _names(db: Session, ids: set[int]) -> dict[int, str]:
    return {i: u.username for i in ids if (u := db.get(User, i)) is not None}


def _unprocessable(zh: str, en: str) -> HTTPException:
    return HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=f"{zh} / {en}")


def _check_personas(ctx: AppContext, db: Session, user: User, persona_ids: list[str]) -> None:
    """Shipped cards, and built cards published where `user` sees them (a coach's own, or for all)."""
    cards = practice_cards(db, ctx.personas, user)
    unknown = [p for p in persona_ids if p not in cards]
    if unknown:
        raise _unprocessable(f"没有这些客户角色:{', '.join(unknown)}", f"no such personas: {', '.join(unknown)}")


def _audience(db: Session, user: User, body: Audience) -> tuple[int | None, list[int]]:
    """(team_of, trainee ids) for what the body asks, checked against who `user` may assign to."""
    if body.team:
        if user.role == "coach":
            if body.coach not in (None, user.username):
                raise HTTPException(status.HTTP_403_FORBIDDEN,
                                    detail="教练只能布置给自己的团队 / a coach assigns to their own team only")
            return user.id, []
        coach = get_user(db, username=body.coach) if body.coach else None
        if coach is None or coach.role != "coach":
            raise _unprocessable("请指定一位教练的团队", "name the coach whose team it is for (coach)")
        return coach.id, []
    wanted = list(dict.fromkeys(name.strip() for name in body.trainees))
    found = {name: get_user(db, username=name) for name in wanted}
    unknown = [name for name, u in found.items() if u is None or u.role != "trainee"]
    if unknown:
        raise _unprocessable(f"这些不是学员:{', '.join(unknown)}", f"not trainees: {', '.join(unknown)}")
    if user.role == "coach":
        others = [name for name, u in found.items() if u is not None and u.coach_id != user.id]
        if others:
            raise HTTPException(status.HTTP_403_FORBIDDEN, detail=f"不是您的学员:{', '.join(others)} / "
                                                                  f"not your trainees: {', '.join(others)}")
    return None, [u.id for u in found.values() if u is not None and u.id is not None]


def _visible(db: Session, user: User, assignment_id: int) -> Assignment:
    row = db.get(Assignment, assignment_id)
    if row is None or not store.may_read(db, user, row):
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"没有作业 {assignment_id} / no assignment {assignment_id}")
    return row


def _editable(user: User, row: Assignment) -> bool:
    return user.role == "admin" or (user.role == "coach" and row.created_by == user.id)


def _owned(db: Session, user: User, assignment_id: int) -> Assignment:
    row = _visible(db, user, assignment_id)
    if not _editable(user, row):
        raise HTTPException(status.HTTP_403_FORBIDDEN,
                            detail="只有布置者或管理员可以修改 / only who made it (or an admin) may change it")
    return row


def _out(ctx: AppContext, db: Session, user: User, rows: list[Assignment]) -> list[AssignmentOut]:
    named = store.named_trainees(db, [r.id for r in rows if r.id is not None])
    names = _names(db, {r.created_by for r in rows} | {r.team_of for r in rows if r.team_of is not None})
    out, cards = [], practice_cards(db, ctx.personas, user)
    for r in rows:
        card = cards.get(r.persona_id)
        out.append(AssignmentOut(
            id=r.id, persona_id=r.persona_id, persona_name=card.name if card else None,
            due_at=store.aware(r.due_at), target_score=r.target_score,
            team_of=names.get(r.team_of) if r.team_of is not None else None,
            trainees=[u.username for u in named.get(r.id, [])], created_by=names.get(r.created_by, ""),
            created_at=store.aware(r.created_at), updated_at=store.aware(r.updated_at), editable=_editable(user, r)))
    return out


@router.get("/todo", summary="The caller's to-do list: assigned personas and how far they got")
def read_todo(ctx: ContextDep, db: DbDep, user: CurrentUserDep) -> list[TodoItem]:
    """Each assignment of the signed-in trainee with its status and their scores since it was made.
    Done: a practice session started after the assignment was made reached the target score."""
    now, items = _now(ctx), []
    rows = store.for_trainee(db, user)
    names, cards = _names(db, {r.created_by for r in rows}), practice_cards(db, ctx.personas, user)
    for row in rows:
        found = store.attempts(db, row=row, user_ids=[user.id])[user.id]
        due = store.aware(row.due_at)
        p = store.progress(found, target=row.target_score, due_at=due, now=now)
        card = cards.get(row.persona_id)
        items.append(TodoItem(assignment_id=row.id, persona_id=row.persona_id, persona_name=card.name if card else None,
                              due_at=due, target_score=row.target_score, status=p.status, best=p.best,
                              latest=p.latest, attempts=p.attempts, assigned_by=names.get(row.created_by, "")))
    return items


def progress_rows(ctx: AppContext, db: Session, user: User, assignment_id: int | None) -> list[ProgressRow]:
    """Per assignment and trainee; a coach sees only their own trainees' rows."""
    rows = [_visible(db, user, assignment_id)] if assignment_id is not None else store.visible(db, user)
    named = store.named_trainees(db, [r.id for r in rows if r.id is not None])
    now, table, cards = _now(ctx), [], practice_cards(db, ctx.personas, user)
    for row in rows:
        people = store.trainees_of(db, row, named.get(row.id, []))
        if user.role == "coach":
            people = [p for p in people if p.coach_id == user.id]
        found = store.attempts(db, row=row, user_ids=[p.id for p in people if p.id is not None])
        due, card = store.aware(row.due_at), cards.get(row.persona_id)
        for person in people:
            p = store.progress(found[person.id], target=row.target_score, due_at=due, now=now)
            table.append(ProgressRow(
                assignment_id=row.id, persona_id=row.persona_id, persona_name=card.name if card else None,
                trainee=person.username, due_at=due, target_score=row.target_score, status=p.status, best=p.best,
                latest=p.latest, attempts=p.attempts, best_session_id=p.best_session_id,
                latest_session_id=p.latest_session_id))
    return table


@router.get("/progress", summary="Who has done what: per assignment and trainee (coaches, HR, admins)")
def read_progress(ctx: ContextDep, db: DbDep, user: ReaderDep,
                  assignment_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None) -> list[ProgressRow]:
    return progress_rows(ctx, db, user, assignment_id)


CSV_HEADER = ["assignment", "persona", "trainee", "due_at_utc", "target", "status", "best", "latest", "attempts"]


@router.get("/progress.csv", summary="The progress table as CSV for Excel (coaches, HR, admins)",
            response_class=Response, responses={200: {"content": {"text/csv": {}}}})
def export_progress(ctx: ContextDep, db: DbDep, user: ReaderDep,
                    assignment_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None) -> Response:
    """UTF-8 with a byte-order mark, cells that a spreadsheet would run as formulas defused; times in UTC."""
    table = [[r.assignment_id, r.persona_name or r.persona_id, r.trainee, excel_time(r.due_at), r.target_score,
              r.status, r.best, r.latest, r.attempts] for r in progress_rows(ctx, db, user, assignment_id)]
    name = f"assignment-{assignment_id}.csv" if assignment_id else "assignments.csv"
    return Response(csvfiles.write(CSV_HEADER, table), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("", summary="Assignments the caller may read")
def list_assignments(ctx: ContextDep, db: DbDep, user: CurrentUserDep) -> list[AssignmentOut]:
    """HR and admins: all; a coach: those they made or that concern their trainees; a trainee: their own."""
    return _out(ctx, db, user, store.visible(db, user))


@router.post("", status_code=status.HTTP_201_CREATED, summary="Assign personas to trainees or a team (coach, admin)")
def create_assignments(body: AssignmentCreate, ctx: ContextDep, db: DbDep, user: AssignerDep) -> list[AssignmentOut]:
    """One assignment per persona. The due date must lie ahead."""
    personas = list(dict.fromkeys(body.persona_ids))
    _check_personas(ctx, db, user, personas)
    now = _now(ctx)
    if body.due_at <= now:
        raise _unprocessable("截止时间已过", "the due date has passed")
    team_of, trainee_ids = _audience(db, user, body)
    rows = store.create(db, persona_ids=personas, due_at=body.due_at, target_score=body.target_score,
                        team_of=team_of, trainee_ids=trainee_ids, created_by=user.id, now=now)
    return _out(ctx, db, user, rows)


@router.get("/{assignment_id}", summary="One assignment")
def read_assignment(assignment_id: AssignmentId, ctx: ContextDep, db: DbDep, user: CurrentUserDep) -> AssignmentOut:
    return _out(ctx, db, user, [_visible(db, user, assignment_id)])[0]


@router.put("/{assignment_id}", summary="Change an assignment (who made it, or an admin)")
def edit_assignment(assignment_id: AssignmentId, body: AssignmentUpdate, ctx: ContextDep, db: DbDep,
                    user: AssignerDep) -> AssignmentOut:
    """Practice done since it was made keeps counting; the status follows the new target and due date."""
    row = _owned(db, user, assignment_id)
    _check_personas(ctx, db, user, [body.persona_id])
    team_of, trainee_ids = _audience(db, user, body)
    row = store.update(db, row=row, persona_id=body.persona_id, due_at=body.due_at, target_score=body.target_score,
                       team_of=team_of, trainee_ids=trainee_ids, now=_now(ctx))
    return _out(ctx, db, user, [row])[0]


@router.delete("/{assignment_id}", status_code=status.HTTP_204_NO_CONTENT,
               summary="Delete an assignment (who made it, or an admin)")
def delete_assignment(assignment_id: AssignmentId, db: DbDep, user: AssignerDep) -> Response:
    store.remove(db, row=_owned(db, user, assignment_id))
    return Response(status_code=status.HTTP_204_NO_CONTENT)



@page_router.get("/assignments", response_class=HTMLResponse)
def assignments_page(request: Request, ctx: ContextDep, db: DbDep, signed_in: PageUserDep) -> Response:
    """Assign personas, and see who has done what (coaches, HR, admins). The page is a shell over the API;
    it offers a coach their own trainees, an admin every trainee and coach."""
    user = signed_in.user
    if user.role == "trainee":
        t = strings(page_language(request, ctx.settings.default_language))
        return render(request, ctx, "error.html", signed_in, status_code=403, heading=t["error_page"]["forbidden"],
                      message=t["assign"]["staff_only"])
    if user.role == "coach":
        trainees, coaches = [u.username for u in store.team(db, user.id)], []
    elif user.role == "admin":
        trainees, coaches = store.usernames(db, "trainee"), store.usernames(db, "coach")
    else:
        trainees, coaches = [], []
    lang = page_language(request, ctx.settings.default_language)
    personas = sorted((c.summary() for c in practice_cards(db, ctx.personas, user).values()),
                      key=lambda c: (c["language"] != lang, c["id"]))
    return render(request, ctx, "assignments.html", signed_in, page_config={
        "lang": lang, "role": user.role, "trainees": trainees, "coaches": coaches,
        "personas": [{"id": c["id"], "name": c["name"], "language": c["language"]} for c in personas],
    })
