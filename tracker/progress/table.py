"""The bulk table: every activity of one OPD's quarter in one form (one page of activities at a time)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from tracker.errors import Locked
from tracker.extensions import db
from tracker.periods import services as periods
from tracker.progress import batch, context, queries, workflow
from tracker.progress.forms import ActionForm
from tracker.progress.numbers import parse_number
from tracker.reference.models import Agency
from tracker.web import page_arg

PER_PAGE = 50
INT_FIELDS = {"b": "budget_realized", "n": "beneficiaries_reached"}
FLOAT_FIELDS = {"p": "physical_progress"}
TEXT_FIELDS = {"r": "progress_drop_reason", "k": "problems", "t": "follow_up"}


def _page_contexts(year: int, quarter: int, agency_id: int, ids: list[int] | None = None, for_write: bool = False):
    page = None
    if ids is None:
        page = queries.quarter_rows(year, quarter, agency_id=agency_id, page=page_arg(), per_page=PER_PAGE)
        ids = [row.activity_id for row in page.items]
    by_id = {c.activity.id: c for c in context.quarter_contexts(year, quarter, agency_id=agency_id,
                                                                 activity_ids=ids, for_write=for_write)}
    return [by_id[i] for i in ids if i in by_id], page


def editable(ctx) -> bool:
    return workflow.allowed(workflow.SAVE, ctx.report.status if ctx.report else None, ctx.activity.agency_id,
                            ctx.period, current_user)


def _parse_row(form, ctx) -> tuple[dict, int | None, dict[str, str]]:
    aid = ctx.activity.id
    errors: dict[str, str] = {}
    payload: dict = {}
    for prefix, name in {**INT_FIELDS, **FLOAT_FIELDS}.items():
        try:
            payload[name] = parse_number(form.get(f"{prefix}-{aid}"), integer=prefix in INT_FIELDS)
        except ValueError as exc:
            errors[name] = str(exc)
    for prefix, name in TEXT_FIELDS.items():
        payload[name] = (form.get(f"{prefix}-{aid}") or "").strip()
    values = []
    for ind in ctx.indicators:
        key = f"indicator_values.{ind.id}"
        try:
            values.append({"indicator_id": ind.id, "value": parse_number(form.get(f"i-{aid}-{ind.id}"))})
        except ValueError as exc:
            errors[key] = str(exc)
    payload["indicator_values"] = values
    raw_version = (form.get(f"v-{aid}") or "").strip()
    return payload, (int(raw_version) if raw_version.isdecimal() else None), errors


def _render(year, quarter, agency_id, contexts, page, *, posted=None, row_errors=None, conflicts=None, status=200):
    agency = db.session.get(Agency, agency_id)
    return render_template(
        "progress/table.html", year=year, quarter=quarter, agency=agency, agency_id=agency_id, rows=contexts,
        page=page, posted=posted, row_errors=row_errors or {}, conflicts=conflicts or {}, editable=editable,
        period=contexts[0].period if contexts else periods.periods_for([year])[(year, quarter)],
        action_form=ActionForm(), field_label=batch.field_label,
        values_of=lambda r: {v.indicator_id: v.value for v in r.values} if r is not None else {}), status


def handle_table(year: int, quarter: int, agency_id: int):
    if request.method == "GET":
        contexts, page = _page_contexts(year, quarter, agency_id)
        return _render(year, quarter, agency_id, contexts, page)

    ids = [int(i) for i in request.form.getlist("ids") if i.isdecimal()][:PER_PAGE * 2]
    contexts, _page = _page_contexts(year, quarter, agency_id, ids, for_write=True)
    row_errors: dict[int, dict[str, str]] = {}
    items = []
    for ctx in contexts:
        if not editable(ctx):
            continue
        payload, version, errors = _parse_row(request.form, ctx)
        if errors:
            row_errors[ctx.activity.id] = errors
            continue
        items.append({"key": ctx.activity.id, "activity_id": ctx.activity.id, "version": version, "payload": payload,
                      "submit": bool(request.form.get(f"s-{ctx.activity.id}"))})
    conflicts = {}
    try:
        if not row_errors:
            result = batch.save_many({c.activity.id: c for c in contexts}, items, current_user)
            for key, message in result.errors.items():
                row_errors[key] = {"_": message}
            conflicts = {k: True for k in result.conflicts}
        if not row_errors:
            db.session.commit()
            flash(_("Tabel disimpan: %(c)d baru, %(u)d diubah, %(s)d diajukan, %(n)d tidak berubah.",
                    c=result.created, u=result.updated, s=result.submitted, n=result.unchanged), "success")
            return redirect(url_for("progress.table", year=year, quarter=quarter, agency_id=agency_id,
                                    page=request.args.get("page") or None), code=303)
    except Locked as err:
        db.session.rollback()
        flash(err.message, "danger")
        contexts, _page = _page_contexts(year, quarter, agency_id, ids)
        return _render(year, quarter, agency_id, contexts, None, posted=request.form, status=423)
    except (StaleDataError, IntegrityError):
        conflicts = {c.activity.id: True for c in contexts}
        row_errors = {0: {"_": _("Data baru saja diubah oleh pengguna lain.")}}
    db.session.rollback()
    contexts, _page = _page_contexts(year, quarter, agency_id, ids)
    flash(_("Tidak ada yang disimpan: %(n)d baris perlu diperbaiki.", n=len(row_errors)), "danger")
    return _render(year, quarter, agency_id, contexts, None, posted=request.form, row_errors=row_errors,
                   conflicts=conflicts, status=409 if conflicts else 422)
