"""The quarters page: one year's four triwulan, their due dates and locks.

Viewing a year never writes (no state change on GET): quarters that do not exist yet are shown with
their default due date and are stored by ``ensure_year`` when someone saves the year or changes one
of them (``get_period`` creates them on demand).
"""

from __future__ import annotations

from datetime import date

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from tracker.auth.forms import EmptyForm
from tracker.auth.models import User
from tracker.authz import permission_required
from tracker.extensions import db
from tracker.forms import form_version
from tracker.periods import bp, services
from tracker.periods.forms import quarter_form
from tracker.types import jakarta_now
from tracker.web import save_form


def _year_arg() -> tuple[int, str | None]:
    current = jakarta_now().year
    raw = request.args.get("year", "").strip()
    if not raw:
        return current, None
    if raw.isdecimal() and services.MIN_YEAR <= int(raw) <= services.MAX_YEAR:
        return int(raw), None
    return current, _("Tahun harus antara %(a)d dan %(b)d; ditampilkan tahun %(y)d.",
                      a=services.MIN_YEAR, b=services.MAX_YEAR, y=current)


def _render_year(year: int, posted: dict | None = None, status: int = 200, year_error: str | None = None):
    """The page for ``year``; ``posted`` = {(quarter, kind): form} keeps a refused form's input and errors."""
    posted = posted or {}
    today = jakarta_now().date()
    periods = services.year_periods(year)
    locker_ids = {p.locked_by_id for p in periods if p.locked_by_id}
    lockers = {}
    if locker_ids:
        lockers = {u.id: u.full_name or u.username for u in db.session.execute(
            select(User.id, User.full_name, User.username).where(User.id.in_(locker_ids)))}
    rows = []
    for p in periods:
        forms = {}
        for kind in ("due", "lock", "unlock"):
            form = posted.get((p.quarter, kind))
            if form is None:
                form = quarter_form(kind, p.quarter)
                if kind == "due":
                    form.due_date.data = p.due_date
                    form.version.data = p.version
            forms[kind] = form
        rows.append({
            "quarter": p.quarter, "label": services.quarter_label(p.quarter),
            "starts": date(year, p.quarter * 3 - 2, 1), "ends": services.quarter_end(year, p.quarter),
            "due_date": p.due_date, "locked": p.locked, "locked_at": p.locked_at,
            "locked_by": lockers.get(p.locked_by_id), "lock_reason": p.lock_reason, "stored": p.id is not None,
            "open": services.is_open_for_reporting(p, today), "late": services.is_late(p, today),
            "forms": forms,
        })
    return render_template("periods/index.html", year=year, rows=rows, year_error=year_error,
                           all_stored=all(r["stored"] for r in rows), current_year=today.year,
                           create_form=EmptyForm()), status


@bp.route("/")
@permission_required("periods.manage")
def index():
    year, error = _year_arg()
    return _render_year(year, year_error=error)


@bp.route("/<int:year>/create", methods=["POST"])
@permission_required("periods.manage")
def create_year(year: int):
    if EmptyForm().validate_on_submit():
        services.ensure_year(year)
        db.session.commit()
        flash(_("Empat triwulan tahun %(y)d disimpan.", y=year), "success")
    return redirect(url_for("periods.index", year=year))


def _period(year: int, quarter: int):
    services.check_year(year)
    return services.get_period(year, quarter)


def _act(year: int, quarter: int, kind: str, action, done_message: str):
    """Validate the quarter's posted ``kind`` form, run ``action(period, form)``, commit, back to the year."""
    form = quarter_form(kind, quarter, posted=True)
    period = _period(year, quarter)
    if form.validate_on_submit():
        if save_form(form, lambda: action(period, form) or period) is not None:
            flash(done_message, "success")
            return redirect(url_for("periods.index", year=year))
        if getattr(form, "conflict", False):
            return _render_year(year, {(quarter, kind): form}, status=409)
    else:
        db.session.rollback()
        flash(_("Periksa kembali isian Triwulan %(q)s.", q=services.quarter_label(quarter)), "danger")
    return _render_year(year, {(quarter, kind): form})


@bp.route("/<int:year>/<int:quarter>/due-date", methods=["POST"])
@permission_required("periods.manage")
def set_due_date(year: int, quarter: int):
    def action(period, form):
        services.set_due_date(period, form.due_date.data, expected_version=form_version(form))

    return _act(year, quarter, "due", action, _("Batas pelaporan Triwulan %(q)s %(y)d disimpan.",
                                                 q=services.quarter_label(quarter), y=year))


@bp.route("/<int:year>/<int:quarter>/lock", methods=["POST"])
@permission_required("periods.lock")
def lock(year: int, quarter: int):
    def action(period, form):
        services.lock(period, current_user._get_current_object(), form.reason.data or "")

    return _act(year, quarter, "lock", action, _("Triwulan %(q)s %(y)d dikunci.",
                                                  q=services.quarter_label(quarter), y=year))


@bp.route("/<int:year>/<int:quarter>/unlock", methods=["POST"])
@permission_required("periods.lock")
def unlock(year: int, quarter: int):
    def action(period, form):
        services.unlock(period, current_user._get_current_object(), form.reason.data or "")

    return _act(year, quarter, "unlock", action, _("Kunci Triwulan %(q)s %(y)d dibuka.",
                                                    q=services.quarter_label(quarter), y=year))
