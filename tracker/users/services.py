"""The user registry: creating accounts, changing role and binding, (de)activating, resetting a
password.  Shared by the admin pages, the API and the CLI; services validate, change, audit and
flush, and the caller commits (one transaction per request).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from sqlalchemy import func, select

from tracker.audit import services as audit
from tracker.auth.models import User
from tracker.auth.passwords import hash_password, password_problem
from tracker.auth.sessions import end_all_sessions
from tracker.authz import ROLE_LABELS, ROLE_VALUES, Role  # noqa: F401  (ROLE_LABELS: the role select)
from tracker.errors import Duplicate, ValidationFailed, check_version
from tracker.extensions import db
from tracker.reference.models import Agency, Company

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{2,59}$")
AUDITED_FIELDS = ("username", "full_name", "email", "role", "agency_id", "company_id", "active")

@dataclass
class UserInput:
    username: str | None = None
    full_name: str | None = None
    email: str | None = None
    role: str | None = None
    agency_id: int | None = None
    company_id: int | None = None
    password: str | None = None


def _check_binding(role: str, agency_id: int | None, company_id: int | None, errors: dict) -> None:
    if role not in ROLE_VALUES:
        errors["role"] = _("Peran tidak dikenal.")
        return
    if role == Role.AGENCY:
        if not agency_id:
            errors["agency_id"] = _("Pengguna OPD harus terikat pada satu OPD.")
        elif db.session.get(Agency, agency_id) is None:
            errors["agency_id"] = _("OPD tidak ditemukan.")
    elif agency_id:
        errors["agency_id"] = _("Hanya peran Operator OPD yang terikat pada OPD.")
    if role == Role.COMPANY:
        if not company_id:
            errors["company_id"] = _("Pengguna perusahaan harus terikat pada satu perusahaan.")
        elif db.session.get(Company, company_id) is None:
            errors["company_id"] = _("Perusahaan tidak ditemukan.")
    elif company_id:
        errors["company_id"] = _("Hanya peran Perusahaan yang terikat pada perusahaan.")


def _check_email(email: str, errors: dict) -> str:
    email = (email or "").strip()
    if not email:
        return ""
    try:
        return validate_email(email, check_deliverability=False).normalized
    except EmailNotValidError:
        errors["email"] = _("Alamat e-mail tidak valid.")
        return email


def create_user(data: UserInput, actor=None) -> User:
    errors: dict[str, str] = {}
    taken = False
    username = (data.username or "").strip().lower()
    if not USERNAME_RE.match(username):
        errors["username"] = _("Nama pengguna 3–60 karakter: huruf kecil, angka, titik, garis bawah atau strip.")
    elif db.session.scalar(select(func.count()).where(func.lower(User.username) == username)):
        errors["username"] = _("Nama pengguna sudah dipakai.")
        taken = True
    role = (data.role or "").strip()
    _check_binding(role, data.agency_id, data.company_id, errors)
    email = _check_email(data.email or "", errors)
    problem = password_problem(data.password or "", username)
    if problem:
        errors["password"] = problem
    if errors:
        # Only a taken name is a duplicate (409 in the API); anything else is invalid input (422).
        raise (Duplicate if taken and len(errors) == 1 else ValidationFailed)(_("Data pengguna tidak valid."), errors)
    user = User(
        username=username, full_name=(data.full_name or "").strip()[:120], email=email, role=role,
        agency_id=data.agency_id if role == Role.AGENCY else None,
        company_id=data.company_id if role == Role.COMPANY else None,
        password_hash=hash_password(data.password),
    )
    db.session.add(user)
    db.session.flush()
    audit.record("create", "user", user.id, after=audit.snapshot(user, AUDITED_FIELDS),
                 summary=f"Pengguna {username} ({role}) dibuat", actor=actor)
    return user


def update_user(user: User, changes: dict, actor=None, expected_version: int | None = None) -> User:
    """Change profile, role or binding. ``changes`` holds only the fields given."""
    check_version(user, expected_version)
    before = audit.snapshot(user, AUDITED_FIELDS)
    errors: dict[str, str] = {}
    role = changes.get("role", user.role)
    agency_id = changes.get("agency_id", user.agency_id if role == Role.AGENCY else None)
    company_id = changes.get("company_id", user.company_id if role == Role.COMPANY else None)
    if role != Role.AGENCY and "agency_id" not in changes:
        agency_id = None
    if role != Role.COMPANY and "company_id" not in changes:
        company_id = None
    _check_binding(role, agency_id, company_id, errors)
    email = _check_email(changes["email"], errors) if "email" in changes else user.email
    if actor is not None and actor.id == user.id and role != user.role:
        errors["role"] = _("Anda tidak dapat mengubah peran akun Anda sendiri.")
    if errors:
        raise ValidationFailed(_("Data pengguna tidak valid."), errors)
    if "full_name" in changes:
        user.full_name = (changes["full_name"] or "").strip()[:120]
    user.email = email
    binding_changed = (role, agency_id, company_id) != (user.role, user.agency_id, user.company_id)
    user.role, user.agency_id, user.company_id = role, agency_id, company_id
    if binding_changed:
        # What the user may see changed: make them sign in again under the new rights.
        end_all_sessions(user)
    old, new = audit.changed(before, audit.snapshot(user, AUDITED_FIELDS))
    if new:
        db.session.flush()
        audit.record("update", "user", user.id, before=old, after=new,
                     summary=f"Pengguna {user.username} diubah", actor=actor)
    return user


def set_active(user: User, active: bool, actor=None) -> None:
    if actor is not None and actor.id == user.id and not active:
        raise ValidationFailed(_("Anda tidak dapat menonaktifkan akun Anda sendiri."))
    if user.active == active:
        return
    user.active = active
    if not active:
        end_all_sessions(user)
    db.session.flush()
    audit.record("activate" if active else "deactivate", "user", user.id,
                 before={"active": not active}, after={"active": active},
                 summary=f"Pengguna {user.username} {'diaktifkan' if active else 'dinonaktifkan'}", actor=actor)


def reset_password(user: User, new_password: str, actor=None) -> None:
    """An administrator sets a new password; the user must change it at next sign-in."""
    problem = password_problem(new_password, user.username)
    if problem:
        raise ValidationFailed(problem, {"password": problem})
    user.password_hash = hash_password(new_password)
    user.must_change_password = True
    end_all_sessions(user)
    db.session.flush()
    audit.record("reset_password", "user", user.id, summary=f"Kata sandi {user.username} direset", actor=actor)
