"""Argon2id password hashing.

Production uses argon2-cffi's defaults (RFC 9106 low-memory profile). ``CROWDSET_ARGON2_PROFILE=test``
selects cheap parameters so a test suite that creates hundreds of users stays fast; stored hashes
carry their parameters, so either profile verifies the other's hashes."""

from __future__ import annotations

from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from crowdset.settings import get_settings


@lru_cache(maxsize=2)
def _hasher(profile: str) -> tuple[PasswordHasher, str]:
    ph = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1) if profile == "test" else PasswordHasher()
    # A fixed hash to verify against when the user does not exist, so timing does not reveal it.
    return ph, ph.hash("crowdset-dummy-password")


def _current() -> tuple[PasswordHasher, str]:
    return _hasher(get_settings().argon2_profile)


def hash_password(password: str) -> str:
    return _current()[0].hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    ph, dummy = _current()
    try:
        return ph.verify(password_hash or dummy, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _current()[0].check_needs_rehash(password_hash)
