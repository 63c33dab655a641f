"""Use cases for organisations, users, tokens, log-in and sessions.

Every function takes a session and the acting user (None for the system, e.g. the CLI run by
the operator) and writes the ledger for each state change.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, joinedload

from crowdset.auth import policy
from crowdset.auth.models import ORG_KINDS, ROLES, ApiToken, LoginAttempt, Org, User, UserRole, WebSession
from crowdset.auth.passwords import hash_password, needs_rehash, verify_password
from crowdset.db import MAX_ID, utcnow
from crowdset.errors import (
    Conflict,
    FieldError,
    Forbidden,
    Invalid,
    NotFound,
    Throttled,
    Unauthorized,
    invalid,
)
from crowdset.ledger.service import actor_of, append
from crowdset.messages import msg
from crowdset.security.identifiers import uscc_problem
from crowdset.settings import get_settings

TOKEN_PREFIX = "cs_"
MAX_TOKEN_DAYS = 3650  # ten years; a token that should never expire leaves `days` out
MIN_PASSWORD = 10


def _sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


# ---------------------------------------------------------------- organisations


def create_org(
    s: Session, actor: User | None, name: str, kind: str, region: str = "", credit_code: str | None = None
) -> Org:
    if not policy.may_create_org(actor):
        raise Forbidden(msg("org.create_forbidden"))
    errors: list[FieldError] = []
    name = (name or "").strip()
    if not name or len(name) > 200:
        errors.append(FieldError("name", msg("field.required_max_chars", max=200)))
    if kind not in ORG_KINDS:
        errors.append(FieldError("kind", msg("field.must_be_one_of", choices=ORG_KINDS)))
    if credit_code:
        credit_code = credit_code.strip().upper()
        problem = uscc_problem(credit_code)
        if problem:
            errors.append(FieldError("credit_code", msg("org.credit_code", problem=problem)))
    if errors:
        raise Invalid(msg("org.invalid"), errors)
    if s.scalar(select(Org.id).where(Org.name == name)) is not None:
        raise Conflict(msg("org.name_taken", name=name), [FieldError("name", msg("field.taken"))])
    if credit_code and s.scalar(select(Org.id).where(Org.credit_code == credit_code)) is not None:
        raise Conflict(msg("org.credit_code_taken"), [FieldError("credit_code", msg("field.registered"))])
    org = Org(name=name, kind=kind, region=region.strip(), credit_code=credit_code or None)
    s.add(org)
    s.flush()
    append(s, "org.created", f"org:{org.id}", actor_of(actor),
           {"name": name, "kind": kind, "region": org.region, "credit_code": org.credit_code})
    return org


def list_orgs(s: Session, actor: User | None, after: int = 0, limit: int | None = None) -> list[Org]:
    """The organisations ``actor`` may see (all of them for the operator), by id after ``after``."""
    q = select(Org).where(Org.id > after, policy.orgs_seen_by(actor)).order_by(Org.id)
    return list(s.scalars(q if limit is None else q.limit(limit)))


def get_org(s: Session, user: User | None, org_id: int) -> Org:
    """The org, or NotFound when it does not exist *or* the user may not see it (no existence leak)."""
    org = s.get(Org, org_id)
    if org is None or not policy.may_see_org(user, org_id):
        raise NotFound(msg("org.not_found", id=org_id))
    return org


def find_org(s: Session, ref: str) -> Org:
    """An org by id or exact name (CLI convenience)."""
    by_id = ref.isdigit() and 0 < int(ref) <= MAX_ID
    org = s.get(Org, int(ref)) if by_id else s.scalar(select(Org).where(Org.name == ref))
    if org is None:
        raise NotFound(msg("org.not_found_ref", ref=ref))
    return org


# ---------------------------------------------------------------- users


def normalise_email(email: str) -> str:
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise invalid("email", "user.email_invalid", reason=str(exc)) from None


def create_user(
    s: Session,
    actor: User | None,
    email: str,
    password: str,
    display_name: str = "",
    org_id: int | None = None,
    roles: list[str] | tuple[str, ...] = ("annotator",),
) -> User:
    """Create a user. Admins create anyone; managers create non-admin users in their own org."""
    errors: list[FieldError] = []
    try:
        email = normalise_email(email)
    except Invalid as exc:
        errors.extend(exc.errors)
    if len(password or "") < MIN_PASSWORD:
        errors.append(FieldError("password", msg("user.password_length", min=MIN_PASSWORD)))
    bad_roles = [r for r in roles if r not in ROLES]
    if bad_roles or not roles:
        errors.append(FieldError("roles", msg("user.roles", choices=ROLES)))
    if errors:
        raise Invalid(msg("user.invalid"), errors)
    if org_id is not None:
        get_org(s, actor, org_id)  # another organisation answers 404, as for projects and datasets
    org_id = policy.check_create_user(actor, org_id, roles)
    if s.scalar(select(User.id).where(User.email == email)) is not None:
        raise Conflict(msg("user.email_taken", email=email), [FieldError("email", msg("field.registered"))])
    user = User(
        email=email,
        display_name=(display_name or email.split("@")[0]).strip()[:100],
        password_hash=hash_password(password),
        org_id=org_id,
    )
    user.role_rows = [UserRole(role=r) for r in sorted(set(roles))]
    s.add(user)
    s.flush()
    append(s, "user.created", f"user:{user.id}", actor_of(actor),
           {"email": email, "org_id": org_id, "roles": sorted(set(roles))})
    return user


def get_user(s: Session, viewer: User, user_id: int) -> User:
    user = s.get(User, user_id)
    if user is None or not policy.may_see_user(viewer, user):
        raise NotFound(msg("user.not_found", id=user_id))
    return user


def visible_users(s: Session, viewer: User, after: int = 0, limit: int = 50) -> list[User]:
    q = select(User).where(User.id > after, policy.users_seen_by(viewer)).order_by(User.id).limit(limit)
    return list(s.scalars(q))


def find_user(s: Session, ref: str) -> User:
    by_id = ref.isdigit() and 0 < int(ref) <= MAX_ID
    user = s.get(User, int(ref)) if by_id else s.scalar(select(User).where(User.email == ref.strip().lower()))
    if user is None:
        raise NotFound(msg("user.not_found_ref", ref=ref))
    return user


# ---------------------------------------------------------------- log-in and throttling


# Failures allowed before delays start, per (account, source) pair; a source failing across many
# accounts (password spraying) gets SOURCE_FACTOR times as many before its own delays start.
SOURCE_FACTOR = 4
FIRST_DELAY_S = 1


def _failures(s: Session, since: Any, *conditions: Any) -> tuple[int, Any]:
    """(count, time of the last) failed attempts matching ``conditions`` since ``since``."""
    row = s.execute(select(func.count(), func.max(LoginAttempt.at))
                    .where(LoginAttempt.succeeded.is_(False), LoginAttempt.at >= since, *conditions)).one()
    return int(row[0] or 0), row[1]


def growing_delay(failures: int, allowed: int, cap_s: int) -> int:
    """Seconds to wait after the latest failure: none for the first ``allowed`` failures, then
    1 s, 2 s, 4 s, ... doubling with each further failure, never more than ``cap_s``."""
    if failures < allowed:
        return 0
    return min(cap_s, FIRST_DELAY_S << min(failures - allowed, 30))


def login_wait(s: Session, email: str, ip: str) -> int:
    """Seconds this source must still wait before trying this account again (0 = may try now).

    Throttling is by account *and* source together, so nobody can lock another person out: a source
    that has not failed on an account is never refused (its right password always works), however
    many failures other sources piled up on that account. A source is slowed down by its own
    failures on this account (since its last success there), by its failures across all accounts
    (spraying), and — once the account is under a distributed attack — by that attack, but only if
    it has itself failed on this account."""
    settings = get_settings()
    window, allowed = settings.login_window_seconds, settings.login_max_failures
    now = utcnow()
    since = now - timedelta(seconds=window)
    last_ok = s.scalar(select(func.max(LoginAttempt.at)).where(
        LoginAttempt.email == email, LoginAttempt.ip == ip, LoginAttempt.succeeded.is_(True), LoginAttempt.at >= since))
    pair, pair_last = _failures(s, last_ok or since, LoginAttempt.email == email, LoginAttempt.ip == ip)
    waits = []
    if pair:
        waits.append((growing_delay(pair, allowed, window), pair_last))
        account, _ = _failures(s, since, LoginAttempt.email == email)
        waits.append((growing_delay(account, SOURCE_FACTOR * allowed, window), pair_last))
    if ip:
        source, source_last = _failures(s, since, LoginAttempt.ip == ip)
        waits.append((growing_delay(source, SOURCE_FACTOR * allowed, window), source_last))
    remaining = 0.0
    for delay, last in waits:
        if delay and last is not None:
            remaining = max(remaining, delay - (now - last).total_seconds())
    return max(0, int(remaining + 0.999))


def authenticate(s: Session, email: str, password: str, ip: str = "") -> User:
    """Check a password, throttled by account and source together with growing delays (see
    ``login_wait``); a throttled attempt is refused before the password is looked at.

    A failed attempt is committed before ``Unauthorized`` is raised, so it is never rolled back."""
    email_key = (email or "").strip().lower()[:254]
    ip = (ip or "")[:64]
    wait = login_wait(s, email_key, ip)
    if wait:
        raise Throttled(msg("auth.throttled", seconds=wait), retry_after=wait)
    user = s.scalar(select(User).where(User.email == email_key))
    ok = (verify_password(user.password_hash if user else None, password or "")
          and user is not None and policy.may_sign_in(user))
    s.add(LoginAttempt(email=email_key, ip=ip, succeeded=bool(ok)))
    if not ok:
        s.commit()  # the failure must count even though the caller's transaction ends in an error
        raise Unauthorized(msg("auth.wrong_password"))
    s.flush()
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def start_session(s: Session, user: User) -> str:
    """Create a web session and return the cookie value (only its hash is stored)."""
    raw = secrets.token_urlsafe(32)
    s.add(WebSession(id=_sha256(raw), user_id=user.id,
                     expires_at=utcnow() + timedelta(days=get_settings().session_days)))
    s.flush()
    return raw


def log_in(s: Session, email: str, password: str, ip: str = "") -> str:
    """The log-in page's use case: check the password (throttled, see ``authenticate``) and start a web
    session; returns the cookie value."""
    return start_session(s, authenticate(s, email, password, ip))


def session_user(s: Session, raw: str) -> User | None:
    # One query per request for the caller and their roles (the roles would otherwise be a second).
    ws = s.get(WebSession, _sha256(raw), options=[joinedload(WebSession.user).joinedload(User.role_rows)])
    if ws is None or ws.expires_at <= utcnow() or not policy.may_sign_in(ws.user):
        return None
    return ws.user


def end_session(s: Session, raw: str) -> None:
    s.execute(delete(WebSession).where(WebSession.id == _sha256(raw)))


# ---------------------------------------------------------------- API tokens


def create_token(s: Session, actor: User | None, user: User, name: str,
                 days: int | None = None) -> tuple[ApiToken, str]:
    """Create a token for ``user``; returns the row and the secret, which is never shown again."""
    if not policy.may_create_token(actor, user):
        raise Forbidden(msg("token.only_own"))
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise invalid("name", "field.required_max_chars", max=100)
    if days is not None and not 0 < days <= MAX_TOKEN_DAYS:
        raise invalid("days", "token.days", max=MAX_TOKEN_DAYS)
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id,
        name=name,
        prefix=secret[:10],
        token_hash=_sha256(secret),
        expires_at=utcnow() + timedelta(days=days) if days else None,
    )
    s.add(token)
    s.flush()
    append(s, "token.created", f"token:{token.id}", actor_of(actor), {"user_id": user.id, "name": name})
    return token, secret


def log_in_for_token(s: Session, email: str, password: str, ip: str, name: str,
                     days: int | None = None) -> tuple[ApiToken, str]:
    """Exchange a password for a new token of one's own (throttled like the log-in page)."""
    user = authenticate(s, email, password, ip)
    return create_token(s, user, user, name, days)


def token_user(s: Session, secret: str) -> User | None:
    token = s.scalars(select(ApiToken).options(joinedload(ApiToken.user).joinedload(User.role_rows))
                      .where(ApiToken.token_hash == _sha256(secret))).unique().one_or_none()
    now = utcnow()
    if token is None or token.revoked_at is not None or (token.expires_at and token.expires_at <= now):
        return None
    if not policy.may_sign_in(token.user):
        return None
    return token.user


def list_tokens(s: Session, user: User) -> list[ApiToken]:
    return list(s.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id)))


def revoke_token(s: Session, actor: User | None, token_id: int) -> ApiToken:
    """Revoke a token: its owner or an admin (``actor`` None is the operator at the command line)."""
    token = s.get(ApiToken, token_id)
    if token is None or not policy.may_revoke_token(actor, token):
        raise NotFound(msg("token.not_found", id=token_id))
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        append(s, "token.revoked", f"token:{token.id}", actor_of(actor), {"user_id": token.user_id})
    return token
