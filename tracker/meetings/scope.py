"""Who sees and changes which meetings and agreements: the one place for pages, API, exports and files.

* admin, coordinator (Bappeda), viewer: every meeting and agreement; viewers change nothing.
* agency (OPD): every meeting and every agreement (they attend the meetings, the minutes are shared),
  but they change only their own OPD's agreements (status, note, evidence), and read evidence files of
  their own OPD's agreements only (product.md §1: never another OPD's evidence).  Another OPD's
  agreement asked for with a writing permission answers 404.
* company: the agreements naming their company, and the meetings those belong to, read-only.
  Anything else answers 404.

``visible_meetings(user)`` / ``visible_agreements(user)`` are SQL clauses to put in a ``where``;
``may_*`` are the per-object checks; ``get_meeting`` / ``get_agreement`` load one object after them.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import exists, select, true
from sqlalchemy.orm import selectinload

from tracker.authz import Role, agency_scope, can, company_scope, require
from tracker.errors import NotFound
from tracker.extensions import db
from tracker.meetings.models import Agreement, Meeting


def visible_agreements(user):
    """A ``where`` clause: the agreements ``user`` may read."""
    company = company_scope(user)
    if user.role == Role.COMPANY:
        return Agreement.company_id == company if company is not None else Agreement.id.is_(None)
    return true()


def visible_meetings(user):
    """A ``where`` clause: the meetings ``user`` may read (a company user: those with an agreement
    naming their company)."""
    if user.role == Role.COMPANY:
        company = company_scope(user)
        return exists(select(Agreement.id).where(Agreement.meeting_id == Meeting.id,
                                                 Agreement.company_id == company))
    return true()


def may_see_agreement(user, agreement: Agreement) -> bool:
    if not can(user, "meetings.view"):
        return False
    if user.role == Role.COMPANY:
        return agreement.company_id is not None and agreement.company_id == company_scope(user)
    return True


def may_see_meeting(user, meeting: Meeting) -> bool:
    if not can(user, "meetings.view"):
        return False
    if user.role == Role.COMPANY:
        return bool(db.session.scalar(select(Meeting.id).where(Meeting.id == meeting.id, visible_meetings(user))))
    return True


def may_update(user, agreement: Agreement) -> bool:
    """Status, progress note and evidence: Bappeda for any agreement, an OPD user for its own OPD's."""
    if not can(user, "agreements.update"):
        return False
    scope = agency_scope(user)
    return scope is None or (agreement.agency_id is not None and agreement.agency_id == scope)


def may_edit(user) -> bool:
    """Meetings themselves and an agreement's text, due date and party: Bappeda only."""
    return can(user, "meetings.edit")


def may_confirm(user) -> bool:
    return can(user, "agreements.confirm")


def may_see_evidence(user, agreement: Agreement) -> bool:
    """An agreement's evidence files: whoever reads the agreement, except an OPD user for another OPD's."""
    if not may_see_agreement(user, agreement):
        return False
    scope = agency_scope(user)
    return scope is None or agreement.agency_id == scope


# ---- loading one object after the checks -------------------------------------------------------------

def get_meeting(meeting_id: int, user, permission: str = "meetings.view") -> Meeting:
    """The meeting (attendees and files loaded) after the role check and the scope (404 outside it)."""
    require(permission, user)
    meeting = db.session.scalar(
        select(Meeting).where(Meeting.id == meeting_id, visible_meetings(user))
        .options(selectinload(Meeting.attendees), selectinload(Meeting.files)))
    if meeting is None:
        raise NotFound(_("Rapat tidak ditemukan."))
    return meeting


def get_agreement(agreement_id: int, user, permission: str = "meetings.view") -> Agreement:
    """The agreement (events and files loaded) after the role check and the scope: with
    ``agreements.update`` (or ``agreements.confirm``, ``meetings.edit``) another OPD's agreement is 404."""
    require(permission, user)
    agreement = db.session.scalar(
        select(Agreement).where(Agreement.id == agreement_id, visible_agreements(user))
        .options(selectinload(Agreement.events), selectinload(Agreement.files)))
    if agreement is None:
        raise NotFound(_("Kesepakatan tidak ditemukan."))
    if permission == "agreements.update" and not may_update(user, agreement):
        raise NotFound(_("Kesepakatan tidak ditemukan."))
    return agreement
