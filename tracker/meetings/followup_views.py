"""The follow-up list of agreements across meetings (*daftar tindak lanjut kesepakatan*) and its Excel
download, with the same filters.

Query arguments (also the reminders' links): ``agency_id``, ``company_id``, ``status``, ``overdue=1``
(``0``: not overdue), ``due_from``, ``due_to`` (``YYYY-MM-DD``), ``meeting_id``, ``year``, ``q``,
``sort`` (``queries.SORTS``), ``page``.  A value that does not parse is ignored, with a note on the
page.  An OPD user opens on its own OPD's agreements ("Kesepakatan OPD saya") and may choose every
OPD (``agency_id=`` empty); a company user sees only its company's (``scope``).
"""

from __future__ import annotations

from datetime import date

from flask import Response, flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from tracker.authz import Role, agency_scope, company_scope, permission_required
from tracker.extensions import db
from tracker.forms import opt_int
from tracker.meetings import bp, excel, queries
from tracker.meetings.forms import agency_rows, company_rows
from tracker.meetings.labels import status_label
from tracker.meetings.models import AGREEMENT_STATUSES, Meeting
from tracker.meetings.scope import visible_meetings
from tracker.meetings.validation import parse_date
from tracker.meetings.views import year_value
from tracker.periods.services import MAX_YEAR, MIN_YEAR
from tracker.periods.services import today as jakarta_today
from tracker.web import page_arg

PER_PAGE = 25
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LIST_ARGS = ("agency_id", "company_id", "status", "overdue", "due_from", "due_to", "meeting_id", "year", "q", "sort")


def _date_arg(name: str, label: str, ignored: list[str]) -> date | None:
    raw = (request.args.get(name) or "").strip()
    if not raw:
        return None
    value = parse_date(raw)
    if value is None or not MIN_YEAR <= value.year <= MAX_YEAR:
        ignored.append(_("%(f)s \"%(v)s\" bukan tanggal yang valid (TTTT-BB-HH)", f=label, v=raw[:20]))
        return None
    return value


def _id_arg(name: str, label: str, ignored: list[str]) -> int | None:
    raw = (request.args.get(name) or "").strip()
    if not raw:
        return None
    value = opt_int(raw)
    if value is None:
        ignored.append(_("%(f)s \"%(v)s\" tidak dikenal", f=label, v=raw[:20]))
    return value


def followup_filters() -> tuple[queries.FollowupFilters, str, list[str]]:
    """The filters, the sort and what was ignored, from the query string."""
    ignored: list[str] = []
    own_agency = agency_scope(current_user)
    if own_agency is not None and "agency_id" not in request.args:
        agency_id = own_agency  # an OPD user opens on its own agreements
    else:
        agency_id = _id_arg("agency_id", _("OPD"), ignored)
    company_id = company_scope(current_user) if current_user.role == Role.COMPANY else _id_arg(
        "company_id", _("Perusahaan"), ignored)
    status = request.args.get("status") or None
    if status is not None and status not in AGREEMENT_STATUSES:
        ignored.append(_("status \"%(v)s\" tidak dikenal", v=status[:20]))
        status = None
    overdue = {"1": True, "0": False}.get(request.args.get("overdue", ""))
    raw_year = request.args.get("year") or ""
    year = year_value(raw_year)
    if raw_year and year is None:
        ignored.append(_("tahun \"%(v)s\" tidak valid", v=raw_year[:20]))
    filters = queries.FollowupFilters(
        agency_id=agency_id, company_id=company_id, status=status, overdue=overdue,
        due_from=_date_arg("due_from", _("Batas waktu dari"), ignored),
        due_to=_date_arg("due_to", _("Batas waktu sampai"), ignored),
        meeting_id=_id_arg("meeting_id", _("Rapat"), ignored), year=year,
        q=(request.args.get("q") or "").strip()[:100] or None)
    sort = request.args.get("sort") or "due"
    return filters, sort if sort in queries.SORTS else "due", ignored


def list_args(filters: queries.FollowupFilters, sort: str) -> dict:
    """The list's filters as query arguments (for the tabs, the sort links and the Excel button)."""
    args = {"agency_id": filters.agency_id, "company_id": filters.company_id, "status": filters.status,
            "overdue": {True: 1, False: 0}.get(filters.overdue), "due_from": filters.due_from,
            "due_to": filters.due_to, "meeting_id": filters.meeting_id, "year": filters.year, "q": filters.q,
            "sort": sort if sort != "due" else None}
    out = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in args.items() if v is not None}
    if agency_scope(current_user) is not None and filters.agency_id is None:
        out["agency_id"] = ""  # "every OPD" chosen by an OPD user stays chosen
    if current_user.role == Role.COMPANY:
        out.pop("company_id", None)
    return out


def tabs(filters: queries.FollowupFilters, args: dict, counts: dict) -> list[dict]:
    """The status tabs with their counts: every status, and the overdue ones (the other filters kept)."""
    base = {k: v for k, v in args.items() if k not in ("status", "overdue")}
    plain = filters.overdue is None
    out = [{"label": _("Semua"), "count": counts["total"], "args": {}, "active": not filters.status and plain}]
    out += [{"label": status_label(s), "count": counts[s], "args": {"status": s},
             "active": filters.status == s and plain} for s in AGREEMENT_STATUSES]
    out.append({"label": _("Lewat batas waktu"), "count": counts["overdue"], "args": {"overdue": 1},
                "active": filters.overdue is True and not filters.status, "danger": True})
    for t in out:
        t["url"] = url_for("meetings.followup", **base, **t.pop("args"))
    return out


def _meeting_choices() -> list:
    return db.session.execute(select(Meeting.id, Meeting.date, Meeting.title).where(visible_meetings(current_user))
                              .order_by(Meeting.date.desc(), Meeting.id.desc()).limit(200)).all()


@bp.route("/followup")
@permission_required("meetings.view")
def followup():
    filters, sort, ignored = followup_filters()
    if ignored:
        flash(_("Penyaring diabaikan: %(l)s.", l="; ".join(ignored)), "warning")
    today = jakarta_today()
    pagination = db.paginate(queries.followup_list(filters, current_user, today, sort), page=page_arg(),
                             per_page=PER_PAGE, error_out=False)
    items = pagination.items
    company_user = current_user.role == Role.COMPANY
    years = sorted({y for y in range(today.year - 3, today.year + 2)} | set(queries.meeting_years(current_user)),
                   reverse=True)
    args = list_args(filters, sort)
    counts = queries.followup_counts(filters, current_user, today)
    return render_template(
        "meetings/followup.html", pagination=pagination, items=items, filters=filters, sort=sort,
        args=args, counts=counts, tabs=tabs(filters, args, counts), today=today,
        evidence_counts=queries.file_counts([a.id for a in items]), statuses=AGREEMENT_STATUSES,
        own_agency=agency_scope(current_user), company_user=company_user,
        agencies=[] if company_user else agency_rows(), companies=[] if company_user else company_rows(),
        meetings=_meeting_choices(), years=years)


@bp.route("/followup.xlsx")
@permission_required("meetings.view")
def followup_xlsx():
    filters, sort, _ignored = followup_filters()
    today = jakarta_today()
    body = excel.export_followup(filters, current_user, today, sort)
    name = excel.followup_filename(filters, today)
    return Response(body, mimetype=XLSX, headers={"Content-Disposition": f'attachment; filename="{name}"'})

