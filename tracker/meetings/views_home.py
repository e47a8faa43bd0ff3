"""The meetings panel of the home page (``main.home``): an OPD user's open agreements, overdue first;
for Bappeda the overdue ones across OPDs and those reported done that wait for its confirmation."""

from __future__ import annotations

from tracker.authz import Role, agency_scope, can
from tracker.meetings import queries
from tracker.periods.services import today as jakarta_today

LIMIT = 5


def home_panel(user) -> dict | None:
    """What ``meetings/_home_panel.html`` shows for ``user``, or None (no panel)."""
    if not can(user, "meetings.view"):
        return None
    today = jakarta_today()
    agency_id = agency_scope(user)
    if user.role == Role.AGENCY and agency_id is not None:
        counts = queries.followup_counts(queries.FollowupFilters(agency_id=agency_id), user, today)
        return {"kind": "agency", "agency_id": agency_id, "today": today,
                "items": queries.agency_open_agreements(agency_id, today, limit=LIMIT),
                "open": counts["open"] + counts["in_progress"], "overdue": counts["overdue"]}
    if can(user, "agreements.confirm"):
        return {"kind": "bappeda", "today": today, "overdue": queries.overdue_count(today),
                "awaiting": queries.awaiting_confirmation_count()}
    return None
