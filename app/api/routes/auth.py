"""Signing in and out (JSON API): the cookie that the pages, the REST API and the WebSocket need.

Sign-ins are throttled per account and per client (app/accounts/throttle.py). An account with a
one-time password can change it here and do nothing else until it has.
"""

from fastapi import APIRouter, Request, Response, status
from pydantic import BaseModel, Field
from starlette.requests import HTTPConnection

from app.accounts import service, throttle
from app.accounts.signin import SignInRefused, check_password
from app.api.deps import COOKIE, ContextDep, DbDep, MaybeSignedInDep, SignedIn, SignedInAnyDep, cookie_secure
from app.api.errors import ApiError
from app.core.context import AppContext

router = APIRouter(prefix="/api/auth", tags=["auth"])


class Credentials(BaseModel):
    username: str = Field(min_length=1, max_length=100)
    password: str = Field(min_length=1, max_length=1000)


class PasswordChange(BaseModel):
    current_password: str = Field(min_length=1, max_length=1000)
    new_password: str = Field(min_length=1, max_length=1000)


class Me(BaseModel):
    username: str
    role: str
    coach: str | None = None
    csrf: str = Field(description="send back in the csrf_token field of HTML forms")
    must_change_password: bool = False


def limits(ctx: AppContext) -> throttle.Limits:
    settings = ctx.settings
    return throttle.Limits(per_account=settings.login_failures_per_account,
                           per_client=settings.login_failures_per_client, window_s=settings.login_window_s)


def client_of(conn: HTTPConnection) -> str:
    """The client's address (a trusted proxy's X-Forwarded-For already applied by uvicorn)."""
    return conn.client.host if conn.client else "unknown"


def refused(exc: SignInRefused) -> ApiError:
    if exc.reason == "throttled":
        return ApiError(status.HTTP_429_TOO_MANY_REQUESTS, "too_many_logins", text=exc.message(),
                        headers={"Retry-After": str(max(1, int(exc.wait_s + 0.999)))})
    if exc.reason == "inactive":
        return ApiError(status.HTTP_403_FORBIDDEN, "account_inactive", text=exc.message())
    return ApiError(status.HTTP_401_UNAUTHORIZED, "wrong_login", text=exc.message())


def set_cookie(response: Response, token: str, *, secure: bool) -> None:
    response.set_cookie(COOKIE, token, httponly=True, samesite="lax", max_age=int(service.TOKEN_LIFETIME.total_seconds()),
                        path="/", secure=secure)


def me_of(db: DbDep, signed_in: SignedIn) -> Me:
    user = signed_in.user
    coach = service.get_user_by_id(db, user_id=user.coach_id) if user.coach_id else None
    return Me(username=user.username, role=user.role, coach=coach.username if coach else None, csrf=signed_in.csrf,
              must_change_password=user.must_change_password)


@router.post("/login", summary="Sign in; sets the session cookie",
             responses={429: {"description": "too many failed sign-ins for this account or from this client"}})
def login(body: Credentials, request: Request, response: Response, ctx: ContextDep, db: DbDep) -> Me:
    try:
        user = check_password(db, username=body.username, password=body.password, client=client_of(request),
                              now=ctx.clock.now(), limits=limits(ctx))
    except SignInRefused as exc:
        raise refused(exc) from exc
    token, csrf = service.issue_token(db, user=user)
    set_cookie(response, token, secure=cookie_secure(request, ctx.settings))
    return me_of(db, SignedIn(user=user, csrf=csrf, token=token))


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT, summary="Sign out")
def logout(request: Request, response: Response, ctx: ContextDep, db: DbDep, signed_in: MaybeSignedInDep) -> None:
    if signed_in is not None:
        service.revoke_token(db, token=signed_in.token)
    response.delete_cookie(COOKIE, path="/", secure=cookie_secure(request, ctx.settings), httponly=True)


@router.get("/me", summary="The signed-in user")
def me(db: DbDep, signed_in: MaybeSignedInDep) -> Me:
    if signed_in is None:
        raise ApiError(status.HTTP_401_UNAUTHORIZED, "not_signed_in")
    return me_of(db, signed_in)


@router.post("/password", summary="Change one's own password (also ends a one-time password)",
             responses={429: {"description": "too many wrong current passwords"}})
def change_password(body: PasswordChange, request: Request, ctx: ContextDep, db: DbDep,
                    signed_in: SignedInAnyDep) -> Me:
    """Needs the current password; every other sign-in of the account ends, this one stays."""
    try:
        check_password(db, username=signed_in.user.username, password=body.current_password,
                       client=client_of(request), now=ctx.clock.now(), limits=limits(ctx))
    except SignInRefused as exc:
        if exc.reason == "wrong":
            raise ApiError(status.HTTP_403_FORBIDDEN, "wrong_current_password",
                           text="当前密码不对 / the current password is wrong") from exc
        raise refused(exc) from exc
    try:
        user = service.change_password(db, user=signed_in.user, new_password=body.new_password,
                                       keep_token=signed_in.token)
    except service.AccountError as exc:
        raise ApiError(status.HTTP_422_UNPROCESSABLE_CONTENT, exc.code, text=str(exc)) from exc
    return me_of(db, SignedIn(user=user, csrf=signed_in.csrf, token=signed_in.token))


@router.post("/setup", status_code=status.HTTP_201_CREATED, summary="First run: create the admin account")
def setup(body: Credentials, request: Request, response: Response, ctx: ContextDep, db: DbDep) -> Me:
    """Only while no account exists: create the first admin and sign them in. Of concurrent setups,
    exactly one succeeds (the database decides); the others get 409."""
    if service.count_users(db) > 0:
        raise ApiError(status.HTTP_409_CONFLICT, "accounts_exist",
                       text="已有账户，请直接登录 / accounts already exist; sign in instead")
    try:
        user = service.create_first_admin(db, username=body.username, password=body.password)
    except service.AccountError as exc:
        code = status.HTTP_409_CONFLICT if service.count_users(db) > 0 else status.HTTP_422_UNPROCESSABLE_CONTENT
        raise ApiError(code, exc.code, text=str(exc)) from exc
    token, csrf = service.issue_token(db, user=user)
    set_cookie(response, token, secure=cookie_secure(request, ctx.settings))
    return me_of(db, SignedIn(user=user, csrf=csrf, token=token))
