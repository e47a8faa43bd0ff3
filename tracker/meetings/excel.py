"""The follow-up list of agreements (*daftar tindak lanjut kesepakatan*) as an Excel workbook, with
the same filters, scope and order as the page and the API (``queries.followup_list``).

One sheet: a title row, a row naming the filters and the date, the header (frozen, with auto-filter),
one row per agreement.  Dates are dates, statuses Indonesian words, overdue agreements marked ("Ya"
and a red fill).  Text typed by users that a spreadsheet would take for a formula is written as
quote-prefixed text (``tracker.csr.excel_layout.cell``).
"""

from __future__ import annotations

from datetime import date
from io import BytesIO

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import PatternFill
from openpyxl.utils import get_column_letter

from tracker.csr.excel_layout import BOLD, DATE, HEAD_FILL, TITLE, WRAP, cell
from tracker.extensions import db
from tracker.formatting import date_id
from tracker.i18n import N_
from tracker.meetings import queries
from tracker.meetings.labels import kind_label, party_label, status_label
from tracker.meetings.models import AGREEMENT_STATUSES
from tracker.periods.services import today as jakarta_today
from tracker.reference.models import Agency, Company
from tracker.types import JAKARTA

HEADER_ROW = 4
OVERDUE_FILL = PatternFill("solid", fgColor="F4CCCC")
DATETIME = "yyyy-mm-dd hh:mm"
# (key, header, width, number format)
COLUMNS = [
    ("no", N_("No"), 6, None),
    ("meeting_date", N_("Tanggal Rapat"), 13, DATE),
    ("meeting", N_("Rapat"), 36, None),
    ("kind", N_("Jenis Rapat"), 18, None),
    ("text", N_("Kesepakatan"), 60, None),
    ("party", N_("Penanggung Jawab"), 30, None),
    ("due_date", N_("Batas Waktu"), 13, DATE),
    ("status", N_("Status"), 20, None),
    ("overdue", N_("Lewat Batas Waktu"), 12, None),
    ("confirmed_at", N_("Dikonfirmasi Bappeda"), 17, DATETIME),
    ("note", N_("Catatan Perkembangan Terakhir"), 50, None),
    ("updated_at", N_("Diperbarui"), 17, DATETIME),
]


def followup_filename(f: queries.FollowupFilters, today: date | None = None) -> str:
    today = today or jakarta_today()
    return f"tindak-lanjut-kesepakatan-{f.year or 'semua'}-{today.isoformat()}.xlsx"


def _local(value):
    """An aware datetime as Jakarta wall time (Excel knows no time zones)."""
    return value.astimezone(JAKARTA).replace(tzinfo=None) if value is not None else None


def _describe(f: queries.FollowupFilters) -> str:
    parts = []
    if f.year:
        parts.append(_("tahun %(y)s", y=f.year))
    if f.agency_id:
        agency = db.session.get(Agency, f.agency_id)
        parts.append(_("OPD %(n)s", n=agency.name if agency else f.agency_id))
    if f.company_id:
        company = db.session.get(Company, f.company_id)
        parts.append(_("perusahaan %(n)s", n=company.name if company else f.company_id))
    if f.status in AGREEMENT_STATUSES:
        parts.append(_("status %(s)s", s=status_label(f.status)))
    if f.overdue is True:
        parts.append(_("hanya yang lewat batas waktu"))
    elif f.overdue is False:
        parts.append(_("tidak lewat batas waktu"))
    if f.due_from or f.due_to:
        parts.append(_("batas waktu %(a)s s.d. %(b)s", a=date_id(f.due_from) if f.due_from else "…",
                       b=date_id(f.due_to) if f.due_to else "…"))
    if f.meeting_id:
        parts.append(_("satu rapat (#%(i)s)", i=f.meeting_id))
    if f.q:
        parts.append(_("memuat \"%(q)s\"", q=f.q))
    return ", ".join(parts) or _("semua kesepakatan")


def export_followup(f: queries.FollowupFilters, user, today: date | None = None, sort: str = "due") -> bytes:
    """The workbook's bytes; ``user`` scopes it exactly as the list (``scope.visible_agreements``)."""
    today = today or jakarta_today()
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_("Tindak Lanjut"))
    for i, (_key, _header, width, _fmt) in enumerate(COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = f"A{HEADER_ROW + 1}"
    ws.append([cell(ws, _("Daftar Tindak Lanjut Kesepakatan Rapat TKPK"), font=TITLE)])
    ws.append([cell(ws, _("Penyaring: %(f)s. Keadaan per %(d)s.", f=_describe(f), d=date_id(today)))])
    ws.append([])
    ws.append([cell(ws, _(header), font=BOLD, fill=HEAD_FILL, align=WRAP) for _k, header, _w, _f in COLUMNS])
    count = 0
    for count, agreement in enumerate(db.session.scalars(queries.followup_list(f, user, today, sort)), start=1):
        overdue = agreement.is_overdue(today)
        values = {
            "no": count, "meeting_date": agreement.meeting.date, "meeting": agreement.meeting.title,
            "kind": kind_label(agreement.meeting.kind), "text": agreement.text, "party": party_label(agreement),
            "due_date": agreement.due_date, "status": status_label(agreement.status),
            "overdue": _("Ya") if overdue else "", "confirmed_at": _local(agreement.confirmed_at),
            "note": agreement.note, "updated_at": _local(agreement.updated_at),
        }
        fill = OVERDUE_FILL if overdue else None
        ws.append([cell(ws, values[key], fmt=fmt, fill=fill if key in ("due_date", "status", "overdue") else None,
                        align=WRAP if key in ("text", "note", "meeting") else None)
                   for key, _h, _w, fmt in COLUMNS])
    ws.auto_filter.ref = f"A{HEADER_ROW}:{get_column_letter(len(COLUMNS))}{HEADER_ROW + max(count, 1)}"
    out = BytesIO()
    wb.save(out)
    return out.getvalue()
