"""User management for admins: the JSON API (list, role, team, reset password, deactivate) and its page.

The page is a shell; static/users_admin.js reads and writes the API.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request, status
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field

from app.accounts import manage, service
from app.api.deps import ContextDep, DbDep, require_role
from app.api.errors import ApiError
from app.api.routes.pages import PageUserDep, page_language, render
from app.core.i18n import strings
from app.storage.models import User

router = APIRouter(prefix="/api/users", tags=["users"])
page_router = APIRouter(include_in_schema=False)
AdminDep = Annotated[User, Depends(require_role("admin"))]
UserId = Annotated[int, Path(ge=1, le=2**31 - 1)]


class UserChange(BaseModel):
    """Only the fields sent are changed; `"coach": null` takes the user out of any team."""

    role: str | None = Field(default=None, max_length=20)
    coach: str | None = Field(default=None, max_length=100)
    active: bool | None = None


def user_or_404(db: DbDep, user_id: int) -> User:
    user = service.get_user_by_id(db, user_id=user_id)
    if user is None:
        raise ApiError(status.HTTP_404_NOT_FOUND, "no_user", text="没有这个用户 / no such user")
    return user


@router.get("", summary="Every account (admin)")
def list_users(db: DbDep, _admin: AdminDep) -> list[dict[str, Any]]:
    return manage.list_users(db)


@router.patch("/{user_id}", summary="Change an account's role, coach or whether it is active (admin)")
def change_user(user_id: UserId, body: UserChange, db: DbDep, admin: AdminDep) -> dict[str, Any]:
    user = user_or_404(db, user_id)
    sent = body.model_fields_set
    try:
        if "role" in sent and body.role is not None:
            manage.set_role(db, user=user, role=body.role, actor_id=admin.id)
        if "coach" in sent:
            manage.set_coach(db, user=user, coach=body.coach or None, actor_id=admin.id)
        if "active" in sent and body.active is not None:
            manage.set_active(db, user=user, active=body.active, actor_id=admin.id)
    except service.AccountError as exc:
        raise ApiError(status.HTTP_422_UNPROCESSABLE_CONTENT, exc.code, text=str(exc)) from exc
    return manage.describe(db, user)


@router.post("/{user_id}/password-reset", summary="Give an account a one-time password (admin)")
def reset_password(user_id: UserId, db: DbDep, admin: AdminDep) -> dict[str, str]:
    """The password is in this answer only; the user must change it at their next sign-in."""
    user = user_or_404(db, user_id)
    password = manage.reset_password(db, user=user, actor_id=admin.id)
    return {"username": user.username, "one_time_password": password}


@page_router.get("/admin/users", response_class=HTMLResponse)
def users_page(request: Request, ctx: ContextDep, signed_in: PageUserDep) -> Response:
    if signed_in.user.role != "admin":
        t = strings(page_language(request, ctx.settings.default_language))
        return render(request, ctx, "error.html", signed_in, status_code=403, heading=t["error_page"]["forbidden"],
                      message=t["users_page"]["admins_only"])
    return render(request, ctx, "users.html", signed_in)
