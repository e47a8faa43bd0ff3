"""Bappeda's pages: the review queue (verify / return, one by one or in bulk), the completeness board
(OPD × quarter) and locking a quarter after the evaluation."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from tracker.authz import agency_scope, permission_required
from tracker.errors import AppError
from tracker.extensions import db
from tracker.periods import services as periods
from tracker.periods.services import MAX_YEAR, MIN_YEAR
from tracker.plans.models import Activity
from tracker.progress import batch, bp, context, queries, rules, workflow
from tracker.progress.forms import ActionForm, UnlockForm
from tracker.progress.views import agencies_for_filter, agency_filter, check_quarter
from tracker.web import is_safe_next, page_arg


def _int_arg(name: str, lo: int, hi: int) -> int | None:
    raw = (request.args.get(name) or "").strip()
    return int(raw) if raw.isdecimal() and lo <= int(raw) <= hi else None


def _key(raw: str) -> tuple[int, int, int] | None:
    parts = raw.split(":")
    if len(parts) != 3 or not all(p.isdecimal() for p in parts):
        return None
    return int(parts[0]), int(parts[1]), int(parts[2])


@bp.route("/review")
@permission_required("progress.review")
def review():
    year = _int_arg("year", MIN_YEAR, MAX_YEAR)
    quarter = _int_arg("quarter", 1, 4)
    agency_id = agency_filter()
    page = queries.review_queue(year=year, quarter=quarter, agency_id=agency_id, page=page_arg(), per_page=25)
    keys = [(row[0].activity_id, row[0].year, row[0].quarter) for row in page.items]
    contexts = context.build_contexts(keys)
    years = list(db.session.scalars(select(Activity.year).distinct().order_by(Activity.year.desc())))
    return render_template("progress/review.html", page=page, contexts=contexts, year=year, quarter=quarter,
                           agency_id=agency_id, agencies=agencies_for_filter(), years=years,
                           action_form=ActionForm(), report_late=rules.report_late,
                           values_of=lambda r: {v.indicator_id: v.value for v in r.values} if r is not None else {})


@bp.route("/review", methods=["POST"])
@permission_required("progress.review")
def review_act():
    """Per-row buttons send ``row_action=verify:<key>``; bulk buttons send ``bulk_action`` with the ticked ``sel``."""
    row_action = request.form.get("row_action", "")
    if row_action:
        action, _sep, raw = row_action.partition("|")
        keys = [k for k in [_key(raw)] if k]
        comments = {keys[0]: request.form.get(f"comment-{raw}", "")} if keys else {}
        comment = ""
    else:
        action = request.form.get("bulk_action", "")
        keys = [k for k in (_key(r) for r in request.form.getlist("sel")) if k]
        comment = request.form.get("bulk_comment", "")
        comments = None
    target = request.form.get("next")
    target = target if is_safe_next(target) else url_for("progress.review")
    if action not in (workflow.VERIFY, workflow.RETURN) or not keys:
        flash(_("Pilih laporan dan tindakannya."), "warning")
        return redirect(target, code=303)
    try:
        done, errors = batch.transition_many(action, keys, current_user, comment, comments)
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        flash(_("Sebagian laporan baru saja diubah oleh pengguna lain; tidak ada yang disimpan. Ulangi."), "danger")
        return redirect(target, code=303)
    except AppError as err:
        db.session.rollback()
        flash(err.message, "danger")
        return redirect(target, code=303)
    verb = _("diverifikasi") if action == workflow.VERIFY else _("dikembalikan")
    if done:
        flash(_("%(n)d laporan %(v)s.", n=len(done), v=verb), "success")
    for key, message in list(errors.items())[:10]:
        flash(_("Kegiatan %(a)s Triwulan %(q)s %(y)s: %(m)s", a=key[0], q=periods.quarter_label(key[2]), y=key[1],
                m=message), "danger")
    return redirect(target, code=303)


@bp.route("/board")
@permission_required("progress.view")
def board():
    scope = agency_scope(current_user)
    stmt = select(Activity.year).distinct().order_by(Activity.year.desc())
    if scope is not None:
        stmt = stmt.where(Activity.agency_id == scope)
    years = list(db.session.scalars(stmt))
    year = _int_arg("year", MIN_YEAR, MAX_YEAR) or (years[0] if years else periods.today().year)
    data = queries.board(year, agency_id=scope)
    return render_template("progress/board.html", year=year, years=years, data=data, today=periods.today(),
                           unlock_form=UnlockForm(), action_form=ActionForm())


def _lock_change(year: int, quarter: int, unlock: bool):
    check_quarter(year, quarter)
    period = periods.get_period(year, quarter)
    try:
        if unlock:
            periods.unlock(period, current_user, request.form.get("reason", ""))
        else:
            periods.lock(period, current_user, request.form.get("reason", ""))
        db.session.commit()
    except (AppError, StaleDataError) as err:
        db.session.rollback()
        flash(getattr(err, "message", None) or _("Triwulan baru saja diubah oleh pengguna lain."), "danger")
    else:
        label = _("Triwulan %(q)s %(y)s", q=periods.quarter_label(quarter), y=year)
        flash(_("%(p)s dibuka kembali.", p=label) if unlock else _("%(p)s dikunci; data tidak dapat diubah lagi.", p=label),
              "success")
    return redirect(url_for("progress.board", year=year), code=303)


@bp.route("/board/<int:year>/<int:quarter>/lock", methods=["POST"])
@permission_required("periods.lock")
def lock_quarter(year: int, quarter: int):
    return _lock_change(year, quarter, unlock=False)


@bp.route("/board/<int:year>/<int:quarter>/unlock", methods=["POST"])
@permission_required("periods.lock")
def unlock_quarter(year: int, quarter: int):
    return _lock_change(year, quarter, unlock=True)
