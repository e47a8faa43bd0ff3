"""Who may do what: one module for pages, API, exports and downloads alike.

Two layers:
* permissions per role (``can(user, "users.manage")``), used by ``@permission_required`` and by
  templates so a button shows exactly when its route would allow it;
* object scoping (``agency_scope``, ``ensure_agency_access``...): an ``agency`` user sees only
  their own OPD's data, a ``company`` user only their own company's.  Another OPD's object answers
  404, so guessing ids reveals nothing.
"""

from __future__ import annotations

from enum import StrEnum
from functools import wraps

from flask import Flask
from flask_babel import gettext as _
from flask_login import current_user

from tracker.errors import Forbidden, NotFound, Unauthorized
from tracker.i18n import N_


class Role(StrEnum):
    ADMIN = "admin"
    COORDINATOR = "coordinator"
    AGENCY = "agency"
    COMPANY = "company"
    VIEWER = "viewer"


ROLE_VALUES = tuple(r.value for r in Role)
ROLE_LABELS = {
    Role.ADMIN: N_("Administrator"),
    Role.COORDINATOR: N_("Koordinator (Bappeda/TKPK)"),
    Role.AGENCY: N_("Operator OPD"),
    Role.COMPANY: N_("Perusahaan (CSR)"),
    Role.VIEWER: N_("Pimpinan / Pemantau"),
}


def role_label(role: str | None) -> str:
    """The role's name in the UI language ("Koordinator (Bappeda/TKPK)"), never its code."""
    label = ROLE_LABELS.get(role) if role in ROLE_VALUES else None
    return _(label) if label else (role or "")


PERMISSIONS: dict[str, frozenset[str]] = {
    # administration
    "users.manage": frozenset({Role.ADMIN}),
    "audit.view": frozenset({Role.ADMIN, Role.COORDINATOR}),
    "agencies.manage": frozenset({Role.ADMIN}),
    "regions.manage": frozenset({Role.ADMIN}),
    "companies.manage": frozenset({Role.ADMIN, Role.COORDINATOR}),
    "periods.manage": frozenset({Role.ADMIN, Role.COORDINATOR}),
    "periods.lock": frozenset({Role.ADMIN, Role.COORDINATOR}),
    # reading
    "agencies.view": frozenset({Role.ADMIN, Role.COORDINATOR, Role.AGENCY, Role.VIEWER}),
    "companies.view": frozenset({Role.ADMIN, Role.COORDINATOR, Role.AGENCY, Role.VIEWER, Role.COMPANY}),  # company users: their own only
    "regions.view": frozenset({Role.ADMIN, Role.COORDINATOR, Role.AGENCY, Role.VIEWER, Role.COMPANY}),
    "periods.view": frozenset({Role.ADMIN, Role.COORDINATOR, Role.AGENCY, Role.VIEWER, Role.COMPANY}),
    "plans.view": frozenset({Role.ADMIN, Role.COORDINATOR, Role.AGENCY, Role.VIEWER}),  # agency users: their own OPD only
    "progress.view": frozenset({Role.ADMIN, Role.COORDINATOR, Role.AGENCY, Role.VIEWER}),
    "reports.view": frozenset({Role.ADMIN, Role.COORDINATOR, Role.AGENCY, Role.VIEWER}),
    # plans and progress
    "plans.edit": frozenset({Role.ADMIN, Role.COORDINATOR, Role.AGENCY}),  # agency users: their own OPD only
    "plans.approve": frozenset({Role.ADMIN, Role.COORDINATOR}),
    "progress.edit": frozenset({Role.ADMIN, Role.COORDINATOR, Role.AGENCY}),
    "progress.submit": frozenset({Role.ADMIN, Role.COORDINATOR, Role.AGENCY}),
    "progress.review": frozenset({Role.ADMIN, Role.COORDINATOR}),
    # CSR (TJSL): company users their own company only; OPD users read, never change
    "csr.view": frozenset({Role.ADMIN, Role.COORDINATOR, Role.AGENCY, Role.VIEWER, Role.COMPANY}),
    "csr.edit": frozenset({Role.ADMIN, Role.COORDINATOR, Role.COMPANY}),
    "csr.submit": frozenset({Role.ADMIN, Role.COORDINATOR, Role.COMPANY}),
    "csr.review": frozenset({Role.ADMIN, Role.COORDINATOR}),
    # poverty statistics and targets: Bappeda writes, everyone reads (companies too: where the poor live)
    "poverty.view": frozenset({Role.ADMIN, Role.COORDINATOR, Role.AGENCY, Role.VIEWER, Role.COMPANY}),
    "poverty.edit": frozenset({Role.ADMIN, Role.COORDINATOR}),
    # meetings: Bappeda records them; OPD users follow up their own agreements; company users read theirs
    "meetings.view": frozenset({Role.ADMIN, Role.COORDINATOR, Role.AGENCY, Role.VIEWER, Role.COMPANY}),
    "meetings.edit": frozenset({Role.ADMIN, Role.COORDINATOR}),
    "agreements.update": frozenset({Role.ADMIN, Role.COORDINATOR, Role.AGENCY}),
    "agreements.confirm": frozenset({Role.ADMIN, Role.COORDINATOR}),
    # the quarterly evaluation: OPD users their own OPD's and the kabupaten's totals, never others' detail
    "evaluation.view": frozenset({Role.ADMIN, Role.COORDINATOR, Role.AGENCY, Role.VIEWER}),
    # beneficiaries by name and address (UU 27/2022): names for Bappeda and the OPD's own lists only;
    # the full NIK for coordinators and admins (audited); coverage figures for viewers too
    "beneficiaries.view": frozenset({Role.ADMIN, Role.COORDINATOR, Role.AGENCY}),
    "beneficiaries.edit": frozenset({Role.ADMIN, Role.COORDINATOR, Role.AGENCY}),
    "targets.import": frozenset({Role.ADMIN, Role.COORDINATOR}),
    "verval.record": frozenset({Role.ADMIN, Role.COORDINATOR}),
    "coverage.view": frozenset({Role.ADMIN, Role.COORDINATOR, Role.AGENCY, Role.VIEWER}),
    # reports: the place, signer and logo printed on every report; every user's report jobs
    "reports.settings": frozenset({Role.ADMIN, Role.COORDINATOR}),
    "reports.all_jobs": frozenset({Role.ADMIN, Role.COORDINATOR}),
}


def can(user, permission: str) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return user.role in PERMISSIONS[permission]


def require(permission: str, user=None) -> None:
    user = user if user is not None else current_user
    if not getattr(user, "is_authenticated", False):
        raise Unauthorized()
    if not can(user, permission):
        raise Forbidden()


def permission_required(permission: str):
    """Route decorator: 401 (or the login page) when signed out, 403 for the wrong role."""
    if permission not in PERMISSIONS:
        raise KeyError(permission)

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            require(permission)
            return view(*args, **kwargs)

        wrapped.permission = permission  # read by the access-matrix tests
        return wrapped

    return decorator


# ---- object scoping -------------------------------------------------------------------------

def agency_scope(user=None) -> int | None:
    """The one OPD id the user is limited to, or None for users who see every OPD."""
    user = user if user is not None else current_user
    return user.agency_id if user.role == Role.AGENCY else None


def company_scope(user=None) -> int | None:
    user = user if user is not None else current_user
    return user.company_id if user.role == Role.COMPANY else None


def may_see_agency(agency_id: int | None, user=None) -> bool:
    user = user if user is not None else current_user
    if user.role == Role.COMPANY:
        return False
    scope = agency_scope(user)
    return scope is None or scope == agency_id


def may_see_company(company_id: int | None, user=None) -> bool:
    user = user if user is not None else current_user
    scope = company_scope(user)
    if user.role == Role.AGENCY:
        return True
    return scope is None or scope == company_id


def ensure_agency_access(agency_id: int | None, permission: str, user=None) -> None:
    """Role check plus scope: another OPD's object is 'not found', not 'forbidden'."""
    user = user if user is not None else current_user
    require(permission, user)
    if not may_see_agency(agency_id, user):
        raise NotFound()


def ensure_company_access(company_id: int | None, permission: str, user=None) -> None:
    user = user if user is not None else current_user
    require(permission, user)
    if not may_see_company(company_id, user):
        raise NotFound()


def register_template_helpers(app: Flask) -> None:
    app.jinja_env.globals.update(
        can=lambda permission: can(current_user, permission),
        may_see_agency=lambda agency_id: may_see_agency(agency_id, current_user),
        Role=Role,
        role_label=role_label,
    )
