"""Pages of OPD staff: the quarter list, one item, the bulk table, Excel, evidence files, tasks.

Bappeda's pages (review queue, completeness board, lock) are in ``tracker.progress.review_views``.
Thin views: the rules live in ``services`` / ``workflow``; one commit per request.
"""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from tracker.authz import agency_scope, can, ensure_agency_access, permission_required
from tracker.errors import AppError, Locked, ValidationFailed
from tracker.extensions import db
from tracker.periods import services as periods
from tracker.periods.services import MAX_YEAR, MIN_YEAR, quarter_label
from tracker.plans.models import Activity
from tracker.progress import batch, bp, context, excel, queries, reminders, rules, services, uploads, workflow
from tracker.progress.forms import ActionForm, CommentForm, UploadForm, payload_from, report_form
from tracker.reference.models import Agency
from tracker.web import apply_errors, delete_evidence, is_safe_next, page_arg, upload_evidence

PER_PAGE = 50


def check_quarter(year: int, quarter: int) -> None:
    if quarter not in (1, 2, 3, 4) or not MIN_YEAR <= year <= MAX_YEAR:
        abort(404)


def agency_filter(source=None) -> int | None:
    """Agency users always see their own OPD; others may pick one (``agency_id``)."""
    source = source if source is not None else request.values
    scope = agency_scope(current_user)
    raw = (source.get("agency_id") or "").strip()
    if raw:
        if not raw.isdecimal():
            abort(404)
        ensure_agency_access(int(raw), "progress.view")
        return int(raw)
    return scope


def agencies_for_filter() -> list:
    if agency_scope(current_user) is not None:
        return []
    return db.session.execute(select(Agency.id, Agency.short_name).where(Agency.active.is_(True))
                              .order_by(Agency.short_name)).all()


def back(default: str):
    target = request.form.get("next")
    return redirect(target if is_safe_next(target) else default, code=303)


def item_url(ctx_or_key, **kw) -> str:
    if isinstance(ctx_or_key, tuple):
        activity_id, year, quarter = ctx_or_key
    else:
        activity_id, year, quarter = ctx_or_key.activity.id, ctx_or_key.year, ctx_or_key.quarter
    return url_for("progress.item", year=year, quarter=quarter, activity_id=activity_id, **kw)


@bp.record_once
def register_template_globals(state):
    # Globals, not a context processor: the imported macros of progress/_macros.html see them too.
    state.app.jinja_env.globals.update(status_label=workflow.status_label, status_badge_class=workflow.STATUS_BADGES.get,
                                       quarter_label=quarter_label)


# ---- overview and quarter list ------------------------------------------------------------------------

@bp.route("/")
@permission_required("progress.view")
def index():
    scope = agency_scope(current_user)
    stmt = select(Activity.year).distinct().order_by(Activity.year.desc())
    if scope is not None:
        stmt = stmt.where(Activity.agency_id == scope)
    years = list(db.session.scalars(stmt.limit(5)))
    totals = queries.completeness_totals(years, agency_id=scope)
    overview = [(year, {q: totals[(year, q)] for q in (1, 2, 3, 4)}) for year in years]
    pmap = periods.periods_for(years)
    return render_template("progress/index.html", overview=overview, periods=pmap, today=periods.today(),
                           tasks=reminders.tasks_for(current_user))


@bp.route("/<int:year>/<int:quarter>")
@permission_required("progress.view")
def quarter(year: int, quarter: int):
    check_quarter(year, quarter)
    agency_id = agency_filter()
    status = request.args.get("status") or None
    if status not in (None, *queries.STATUS_FILTERS):
        status = None
    search = (request.args.get("q") or "").strip()[:100] or None
    page = queries.quarter_rows(year, quarter, agency_id=agency_id, status=status, search=search,
                                page=page_arg(), per_page=PER_PAGE)
    period = periods.periods_for([year])[(year, quarter)]
    return render_template(
        "progress/quarter.html", year=year, quarter=quarter, period=period, page=page, status=status, search=search,
        agency_id=agency_id, agencies=agencies_for_filter(), counts=queries.status_counts(year, quarter, agency_id),
        returned=queries.returned_items(year, quarter, agency_id), late=services.periods.is_late(period),
        row_complete=queries.row_complete, row_late=lambda row: queries.row_late(row, period),
        action_form=ActionForm(), upload_form=UploadForm(), today=periods.today(),
        agency=db.session.get(Agency, agency_id) if agency_id else None)


# ---- one item -----------------------------------------------------------------------------------------

def _indicator_rows(ctx) -> list[dict]:
    report, previous = ctx.report, ctx.previous
    current = {v.indicator_id: v.value for v in report.values} if report else {}
    before = {v.indicator_id: v.value for v in previous.values} if previous else {}
    rows = []
    for ind in ctx.indicators:
        earlier = [v.value for q, r in sorted(ctx.reports.items()) if q < ctx.quarter for v in r.values
                   if v.indicator_id == ind.id]
        cumulative_before = (sum(earlier) if ind.aggregation == "sum" else earlier[-1]) if earlier else None
        rows.append({"indicator": ind, "quarter_target": ind.quarter_targets[ctx.quarter - 1],
                     "previous": before.get(ind.id), "cumulative_before": cumulative_before,
                     "value": current.get(ind.id), "field": f"ind_{ind.id}"})
    return rows


def render_item(ctx, form, *, status: int = 200, conflict=None):
    report = ctx.report
    agency = db.session.get(Agency, ctx.activity.agency_id)
    budget_before = sum(r.budget_realized or 0 for q, r in ctx.reports.items() if q < ctx.quarter)
    actions = workflow.allowed_actions(report.status if report else None, ctx.activity.agency_id, ctx.period,
                                       current_user)
    missing = workflow.missing_for_submit(report, ctx.indicators) if report else {}
    html = render_template(
        "progress/item.html", ctx=ctx, activity=ctx.activity, report=report, period=ctx.period, agency=agency,
        form=form, indicator_rows=_indicator_rows(ctx), previous=ctx.previous, budget_before=budget_before,
        budget_cumulative=ctx.budget_cumulative(), effective_budget=ctx.activity.effective_budget,
        actions=actions, missing=missing, flags=ctx.flags(), events=queries.report_events(report.id if report else None, newest_first=True),
        late=rules.report_late(report, ctx.period), conflict=conflict, comment_form=CommentForm(),
        conflict_values={v.indicator_id: v.value for v in conflict.values} if conflict is not None else {},
        upload_form=UploadForm(), action_form=ActionForm(), event_labels=workflow.ACTION_LABELS,
        year=ctx.year, quarter=ctx.quarter, today=periods.today())
    return html, status


@bp.route("/<int:year>/<int:quarter>/activity/<int:activity_id>")
@permission_required("progress.view")
def item(year: int, quarter: int, activity_id: int):
    ctx = context.load_item(activity_id, year, quarter, permission="progress.view", user=current_user)
    return render_item(ctx, report_form(ctx.indicators, report=ctx.report))


FIELD_MAP_PREFIX = "indicator_values."


def _field_map(ctx) -> dict[str, str]:
    return {f"{FIELD_MAP_PREFIX}{ind.id}": f"ind_{ind.id}" for ind in ctx.indicators}


def _reload(activity_id, year, quarter):
    db.session.rollback()
    return context.load_item(activity_id, year, quarter, permission="progress.view", user=current_user)


@bp.route("/<int:year>/<int:quarter>/activity/<int:activity_id>", methods=["POST"])
@permission_required("progress.edit")
def item_save(year: int, quarter: int, activity_id: int):
    ctx = context.load_item(activity_id, year, quarter, permission="progress.edit", user=current_user,
                             for_write=True)
    form = report_form(ctx.indicators, formdata=request.form)
    if not form.validate():
        flash(_("Periksa kembali isian yang ditandai."), "danger")
        return render_item(ctx, form, status=422)
    payload, version = payload_from(form, ctx.indicators)
    try:
        _report, action = services.save(ctx, payload, current_user, version)
        if request.form.get("and_submit"):
            workflow.transition(ctx, workflow.SUBMIT, current_user)
        db.session.commit()
    except (services.ReportConflict, StaleDataError, IntegrityError) as err:
        ctx = _reload(activity_id, year, quarter)
        flash(getattr(err, "message", None) or _("Laporan ini baru saja diubah oleh pengguna lain."), "danger")
        if ctx.report is not None:
            # Both versions are on the page; saving again now is a deliberate choice, not a silent overwrite.
            form.version.data = str(ctx.report.version)
        return render_item(ctx, form, status=409, conflict=ctx.report)
    except ValidationFailed as err:
        ctx = _reload(activity_id, year, quarter)
        apply_errors(form, err, _field_map(ctx))
        return render_item(ctx, form, status=422)
    except AppError as err:
        ctx = _reload(activity_id, year, quarter)
        flash(err.message, "danger")
        return render_item(ctx, form, status=err.status)
    if request.form.get("and_submit"):
        flash(_("Laporan disimpan dan diajukan ke Bappeda."), "success")
    elif action is None:
        flash(_("Tidak ada perubahan."), "info")
    else:
        flash(_("Laporan disimpan sebagai draf. Ajukan bila sudah lengkap."), "success")
    return redirect(item_url((activity_id, year, quarter)), code=303)


def _transition(year: int, quarter: int, activity_id: int, action: str, comment: str = ""):
    ctx = context.load_item(activity_id, year, quarter, permission=workflow.PERMISSION[action], user=current_user,
                             for_write=True)
    try:
        context.require_report(ctx)
        workflow.transition(ctx, action, current_user, comment)
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        flash(_("Laporan ini baru saja diubah oleh pengguna lain. Periksa lalu ulangi."), "danger")
    except AppError as err:
        db.session.rollback()
        details = " ".join((err.fields or {}).values()) if isinstance(err, ValidationFailed) else ""
        flash(f"{err.message} {details}".strip(), "danger")
    else:
        messages = {workflow.SUBMIT: _("Laporan diajukan ke Bappeda."),
                    workflow.VERIFY: _("Laporan diverifikasi."),
                    workflow.RETURN: _("Laporan dikembalikan ke OPD dengan komentar.")}
        flash(messages[action], "success")
    return back(item_url((activity_id, year, quarter)))


@bp.route("/<int:year>/<int:quarter>/activity/<int:activity_id>/submit", methods=["POST"])
@permission_required("progress.submit")
def item_submit(year: int, quarter: int, activity_id: int):
    return _transition(year, quarter, activity_id, workflow.SUBMIT)


@bp.route("/<int:year>/<int:quarter>/activity/<int:activity_id>/verify", methods=["POST"])
@permission_required("progress.review")
def item_verify(year: int, quarter: int, activity_id: int):
    return _transition(year, quarter, activity_id, workflow.VERIFY, request.form.get("comment", ""))


@bp.route("/<int:year>/<int:quarter>/activity/<int:activity_id>/return", methods=["POST"])
@permission_required("progress.review")
def item_return(year: int, quarter: int, activity_id: int):
    return _transition(year, quarter, activity_id, workflow.RETURN, request.form.get("comment", ""))


# ---- evidence files -----------------------------------------------------------------------------------

@bp.route("/<int:year>/<int:quarter>/activity/<int:activity_id>/attachments", methods=["POST"])
@permission_required("progress.edit")
def attachment_upload(year: int, quarter: int, activity_id: int):
    ctx = context.load_item(activity_id, year, quarter, permission="progress.edit", user=current_user,
                             for_write=True)
    upload_evidence(lambda: uploads.add_attachment(ctx, request.files.get("file"), current_user), uploads.AREA)
    return redirect(item_url(ctx) + "#berkas", code=303)


@bp.route("/attachments/<int:attachment_id>")
@permission_required("progress.view")
def attachment_download(attachment_id: int):
    attachment, _report, _agency_id = uploads.load_attachment(attachment_id, "progress.view", current_user)
    return uploads.send_attachment(attachment)


@bp.route("/attachments/<int:attachment_id>/delete", methods=["POST"])
@permission_required("progress.edit")
def attachment_delete(attachment_id: int):
    attachment, report, _agency_id = uploads.load_attachment(attachment_id, "progress.edit", current_user)
    key = (report.activity_id, report.year, report.quarter)
    delete_evidence(lambda: uploads.delete_attachment(attachment_id, current_user), uploads.AREA)
    return redirect(item_url(key) + "#berkas", code=303)


# ---- the whole quarter at once: table, bulk submit, Excel ---------------------------------------------

def _require_one_agency(year: int, quarter: int) -> int:
    agency_id = agency_filter()
    if agency_id is None:
        flash(_("Pilih satu OPD terlebih dahulu."), "warning")
        abort(redirect(url_for("progress.quarter", year=year, quarter=quarter), code=303))
    return agency_id


@bp.route("/<int:year>/<int:quarter>/table", methods=["GET", "POST"])
@permission_required("progress.edit")
def table(year: int, quarter: int):
    from tracker.progress.table import handle_table

    check_quarter(year, quarter)
    return handle_table(year, quarter, _require_one_agency(year, quarter))


@bp.route("/<int:year>/<int:quarter>/submit-complete", methods=["POST"])
@permission_required("progress.submit")
def submit_complete(year: int, quarter: int):
    check_quarter(year, quarter)
    agency_id = _require_one_agency(year, quarter)
    try:
        result = batch.submit_complete(year, quarter, agency_id, current_user)
        db.session.commit()
    except Locked as err:
        db.session.rollback()
        flash(err.message, "danger")
    else:
        done = len(result.done)
        flash(_("%(n)d laporan diajukan; %(m)d belum lengkap atau belum diisi.", n=done,
                m=result.incomplete + len(result.errors)), "success" if done else "warning")
    return redirect(url_for("progress.quarter", year=year, quarter=quarter, agency_id=agency_id), code=303)


@bp.route("/<int:year>/<int:quarter>/excel")
@permission_required("progress.view")
def excel_download(year: int, quarter: int):
    check_quarter(year, quarter)
    agency_id = agency_filter()
    data = excel.export_quarter(year, quarter, agency_id)
    agency = db.session.get(Agency, agency_id) if agency_id else None
    response = Response(data, mimetype=uploads.XLSX)
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{excel.filename(year, quarter, agency.short_name if agency else None)}"')
    return response


@bp.route("/<int:year>/<int:quarter>/excel", methods=["POST"])
@permission_required("progress.edit")
def excel_upload(year: int, quarter: int):
    check_quarter(year, quarter)
    agency_id = agency_filter()
    back_url = url_for("progress.quarter", year=year, quarter=quarter, agency_id=agency_id)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash(_("Pilih berkas Excel yang akan diunggah."), "warning")
        return redirect(back_url, code=303)
    try:
        result = excel.import_quarter(upload.read(), year, quarter, agency_id, current_user)
        db.session.commit()
    except ValidationFailed as err:
        db.session.rollback()
        return render_template("progress/import_errors.html", year=year, quarter=quarter, error=err,
                               back_url=back_url), 422
    except (AppError, StaleDataError) as err:
        db.session.rollback()
        flash(getattr(err, "message", None) or _("Data baru saja diubah oleh pengguna lain. Ulangi unggahan."), "danger")
        return redirect(back_url, code=303)
    flash(_("Excel diimpor: %(c)d baru, %(u)d diubah, %(s)d diajukan, %(n)d tidak berubah.",
            c=result.created, u=result.updated, s=result.submitted, n=result.unchanged), "success")
    return redirect(back_url, code=303)


# ---- tasks --------------------------------------------------------------------------------------------

@bp.route("/tasks")
@permission_required("progress.view")
def tasks():
    return render_template("progress/tasks.html", tasks=reminders.tasks_for(current_user), today=periods.today(),
                           can_review=can(current_user, "progress.review"))


