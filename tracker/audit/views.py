"""The audit log page: read-only, newest first, with filters.  No route here changes an audit row."""

from __future__ import annotations

import json
from datetime import datetime, time, timedelta

from flask import render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from wtforms import SelectField, StringField

from tracker.audit import bp
from tracker.audit.models import AuditLog
from tracker.authz import can, permission_required
from tracker.database import text_search
from tracker.extensions import db
from tracker.forms import DateInput, Form, max_len
from tracker.types import JAKARTA
from tracker.web import page_arg

PER_PAGE = 50

ENTITY_LABELS = {
    "user": _l("Pengguna"),
    "agency": _l("OPD"),
    "company": _l("Perusahaan"),
    "region": _l("Wilayah"),
    "period": _l("Triwulan"),
    "plan": _l("Rencana aksi"),
    "activity": _l("Kegiatan"),
    "progress_report": _l("Laporan triwulan"),
}

ACTION_LABELS = {
    "create": _l("Tambah"),
    "update": _l("Ubah"),
    "delete": _l("Hapus"),
    "login": _l("Masuk"),
    "lock": _l("Kunci"),
    "unlock": _l("Buka kunci"),
    "activate": _l("Aktifkan"),
    "deactivate": _l("Nonaktifkan"),
    "reset_password": _l("Reset kata sandi"),
    "change_password": _l("Ganti kata sandi"),
    "submit": _l("Ajukan"),
    "verify": _l("Verifikasi"),
    "return": _l("Kembalikan"),
}

# Where a row's entity can be opened, and the permission that page needs.
ENTITY_PAGES = {
    "user": ("users.edit", "user_id", "users.manage"),
    "agency": ("reference.agency_edit", "agency_id", "agencies.manage"),
    "company": ("reference.company_edit", "company_id", "companies.manage"),
    "region": ("reference.region_edit", "region_id", "regions.manage"),
}


class AuditFilterForm(Form):
    """Read from the query string (a GET filter, so no CSRF token)."""

    class Meta:
        csrf = False

    entity = SelectField(_l("Jenis data"), validate_choice=False)
    action = SelectField(_l("Tindakan"), validate_choice=False)
    user = StringField(_l("Pengguna"), validators=[max_len(60)])
    entity_id = StringField(_l("ID data"), validators=[max_len(40)])
    date_from = DateInput(_l("Dari tanggal"))
    date_to = DateInput(_l("Sampai tanggal"))


def _label(labels: dict, code: str) -> str:
    return str(labels[code]) if code in labels else code


def _show(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return _("ya") if value else _("tidak")
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def changes(before, after) -> list[tuple[str, str | None, str | None]]:
    """(field, before, after) rows for display; None where a side does not mention the field."""
    if before is None and after is None:
        return []
    if not isinstance(before, (dict, type(None))) or not isinstance(after, (dict, type(None))):
        return [("", None if before is None else _show(before), None if after is None else _show(after))]
    before, after = before or {}, after or {}
    keys = list(after) + [k for k in before if k not in after]
    return [(k, _show(before[k]) if k in before else None, _show(after[k]) if k in after else None) for k in keys]


def _jakarta_day_start(day) -> datetime:
    return datetime.combine(day, time.min, tzinfo=JAKARTA)


@bp.route("/")
@permission_required("audit.view")
def index():
    form = AuditFilterForm(formdata=request.args)
    kinds = db.session.execute(select(AuditLog.entity, AuditLog.action).distinct()).all()
    entities = sorted({k.entity for k in kinds} | ({form.entity.data} - {None, ""}))
    actions = sorted({k.action for k in kinds} | ({form.action.data} - {None, ""}))
    form.entity.choices = [("", _("Semua"))] + [(e, _label(ENTITY_LABELS, e)) for e in entities]
    form.action.choices = [("", _("Semua"))] + [(a, _label(ACTION_LABELS, a)) for a in actions]
    form.validate()  # a field with an error is shown with its message and not applied
    date_from, date_to = form.date_from.data, form.date_to.data  # None when missing or invalid
    if date_from and date_to and date_from > date_to:
        form.date_to.errors = [_("Tanggal akhir tidak boleh sebelum tanggal awal.")]
        date_from = date_to = None

    stmt = select(AuditLog).order_by(AuditLog.at.desc(), AuditLog.id.desc())
    if form.entity.data:
        stmt = stmt.where(AuditLog.entity == form.entity.data)
    if form.action.data:
        stmt = stmt.where(AuditLog.action == form.action.data)
    user = (form.user.data or "").strip()
    if user and not form.user.errors:
        stmt = stmt.where(text_search(user, AuditLog.username))
    entity_id = (form.entity_id.data or "").strip()
    if entity_id and not form.entity_id.errors:
        stmt = stmt.where(AuditLog.entity_id == entity_id)
    if date_from:
        stmt = stmt.where(AuditLog.at >= _jakarta_day_start(date_from))
    if date_to:
        stmt = stmt.where(AuditLog.at < _jakarta_day_start(date_to + timedelta(days=1)))
    pagination = db.paginate(stmt, page=page_arg(), per_page=PER_PAGE, error_out=False)

    rows = []
    for entry in pagination.items:
        link = None
        page = ENTITY_PAGES.get(entry.entity)
        if page and entry.entity_id.isdecimal() and can(current_user, page[2]):
            link = url_for(page[0], **{page[1]: int(entry.entity_id)})
        rows.append({
            "entry": entry, "link": link,
            "entity": _label(ENTITY_LABELS, entry.entity), "action": _label(ACTION_LABELS, entry.action),
            "changes": changes(entry.before, entry.after),
        })
    filtered = any(request.args.get(k) for k in ("entity", "action", "user", "entity_id", "date_from", "date_to"))
    return render_template("audit/index.html", form=form, rows=rows, pagination=pagination, filtered=filtered)
