"""Signing in and out (JSON API): the cookie that the pages, the REST API and the WebSocket need."""

from fastapi import APIRouter, HTTPException, Response, status
from pydantic import BaseModel, Field

from app.accounts import service
from app.api.deps import COOKIE, DbDep, MaybeSignedInDep, SignedIn

router = APIRouter(prefix="/api/auth", tags=["auth"])


class Credentials(BaseModel):
    username: str = Field(min_length=1, max_length=100)
    password: str = Field(min_length=1, max_length=1000)


class Me(BaseModel):
    username: str
    role: str
    coach: str | None = None
    csrf: str = Field(description="send back in the csrf_token field of HTML forms")
    must_change_password: bool = False


def set_cookie(response: Response, token: str) -> None:
    response.set_cookie(COOKIE, token, httponly=True, samesite="lax", max_age=int(service.TOKEN_LIFETIME.total_seconds()),
                        path="/")


def me_of(db: DbDep, signed_in: SignedIn) -> Me:
    user = signed_in.user
    coach = service.get_user_by_id(db, user_id=user.coach_id) if user.coach_id else None
    return Me(username=user.username, role=user.role, coach=coach.username if coach else None, csrf=signed_in.csrf,
              must_change_password=user.must_change_password)


@router.post("/login", summary="Sign in; sets the session cookie")
def login(body: Credentials, response: Response, db: DbDep) -> Me:
    user = service.authenticate(db, username=body.username, password=body.password)
    if user is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, detail="wrong user name or password")
    token, csrf = service.issue_token(db, user=user)
    set_cookie(response, token)
    return me_of(db, SignedIn(user=user, csrf=csrf, token=token))


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT, summary="Sign out")
def logout(response: Response, db: DbDep, signed_in: MaybeSignedInDep) -> None:
    if signed_in is not None:
        service.revoke_token(db, token=signed_in.token)
    response.delete_cookie(COOKIE, path="/")


@router.get("/me", summary="The signed-in user")
def me(db: DbDep, signed_in: MaybeSignedInDep) -> Me:
    if signed_in is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, detail="not signed in")
    return me_of(db, signed_in)


@router.post("/setup", status_code=status.HTTP_201_CREATED, summary="First run: create the admin account")
def setup(body: Credentials, response: Response, db: DbDep) -> Me:
    """Only while no account exists: create the first admin and sign them in."""
    if service.count_users(db) > 0:
        raise HTTPException(status.HTTP_409_CONFLICT, detail="accounts already exist; sign in instead")
    try:
        user = service.create_user(db, username=body.username, password=body.password, role="admin")
    except service.AccountError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=str(exc)) from exc
    token, csrf = service.issue_token(db, user=user)
    set_cookie(response, token)
    return me_of(db, SignedIn(user=user, csrf=csrf, token=token))
