"""Password hashing with Argon2 (argon2-cffi): only the hash is ever stored.

The cost comes from the settings (argon2-cffi's defaults unless changed); a hash records its own
parameters, so hashes made at another cost still verify."""

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_HASHER = PasswordHasher()
MIN_LENGTH = 8


def use_cost(time_cost: int, memory_kib: int) -> None:
    """Hash new passwords at this cost from now on (called once with the server's settings)."""
    global _HASHER
    _HASHER = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib)


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


@cache
def _dummy_hash(time_cost: int, memory_kib: int) -> str:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_kib).hash("timing-equaliser")


def verify_nothing(password: str) -> None:
    """The work of one verification, for a name that does not exist (no timing difference)."""
    verify_password(_dummy_hash(_HASHER.time_cost, _HASHER.memory_cost), password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def check_strength(password: str) -> str | None:
    """Why a password is refused, or None when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return f"密码至少需要 {MIN_LENGTH} 个字符 / the password must have at least {MIN_LENGTH} characters"
    return None
