"""Checking a password the way every sign-in does it: throttled, and only for active accounts."""

import math
from dataclasses import dataclass
from typing import Literal

from sqlmodel import Session

from app.accounts import service, throttle
from app.storage.models import User


@dataclass(eq=False)
class SignInRefused(Exception):
    """Why a sign-in failed: a wrong name or password, a deactivated account, or too many failures."""

    reason: Literal["wrong", "inactive", "throttled"]
    wait_s: float = 0.0

    @property
    def minutes(self) -> int:
        return max(1, math.ceil(self.wait_s / 60))

    def message(self) -> str:
        if self.reason == "throttled":
            return (f"登录失败次数过多,请 {self.minutes} 分钟后再试 / too many failed sign-ins; "
                    f"try again in {self.minutes} min")
        if self.reason == "inactive":
            return "此账户已停用,请联系管理员 / this account is deactivated; ask an administrator"
        return "用户名或密码错误 / wrong user name or password"


def check_password(db: Session, *, username: str, password: str, client: str, now: float,
                   limits: throttle.Limits) -> User:
    """The active user with this name and password; SignInRefused otherwise."""
    attempt_id, wait = throttle.begin(db, username=username, client=client, now=now, limits=limits)
    if attempt_id is None:
        raise SignInRefused("throttled", wait)
    user = service.authenticate(db, username=username, password=password)
    if user is None:
        raise SignInRefused("wrong")
    throttle.succeeded(db, attempt_id=attempt_id, username=username)
    if not user.active:
        raise SignInRefused("inactive")
    return user
