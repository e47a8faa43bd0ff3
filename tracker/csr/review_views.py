"""Bappeda's CSR pages: the verification queue (verify or return, one by one or in bulk) and the
summary of committed vs. contributed per company, sector, strategy, kecamatan and year."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from tracker.authz import can, company_scope, ensure_company_access, permission_required
from tracker.csr import bp, queries, services
from tracker.csr.forms import ActionForm
from tracker.csr.models import CsrContribution
from tracker.csr.validation import STRATEGIES
from tracker.csr.views import opt_year
from tracker.errors import AppError
from tracker.extensions import db
from tracker.forms import opt_int
from tracker.plans.queries import default_year
from tracker.reference.models import Company, Region, Strategy
from tracker.review import RETURN, VERIFY
from tracker.web import is_safe_next, page_arg

PER_PAGE = 25


def companies_for_filter() -> list:
    return db.session.execute(select(Company.id, Company.name).order_by(Company.name)).all()


def _company_arg() -> int | None:
    """``company_id`` from the query; another company than a company user's own is 404."""
    raw = (request.args.get("company_id") or "").strip()
    company_id = opt_int(raw) if raw else None
    own = company_scope(current_user)
    if own is not None:
        if company_id is not None and company_id != own:
            ensure_company_access(company_id, "csr.view", current_user)
        return own
    return company_id


# ---- the verification queue -------------------------------------------------------------------------

@bp.route("/review")
@permission_required("csr.review")
def review():
    company_id = _company_arg()
    pagination = db.paginate(queries.review_queue(company_id).options(selectinload(CsrContribution.attachments)),
                             page=page_arg(), per_page=PER_PAGE, error_out=False)
    items = pagination.items
    return render_template(
        "csr/review.html", pagination=pagination, items=items, company_id=company_id,
        companies=companies_for_filter(), action_form=ActionForm(),
        sums=queries.contributed_by_commitment({c.commitment_id for c in items}))


@bp.route("/review", methods=["POST"])
@permission_required("csr.review")
def review_act():
    """Per-row buttons send ``row_action=verify|<id>`` (with ``comment-<id>``); bulk buttons send
    ``bulk_action`` with the ticked ``sel`` ids and ``bulk_comment``."""
    row_action = request.form.get("row_action", "")
    if row_action:
        action, _sep, raw = row_action.partition("|")
        ids = [i for i in [opt_int(raw)] if i is not None]
        comment = request.form.get(f"comment-{raw}", "") if ids else ""
    else:
        action = request.form.get("bulk_action", "")
        ids = [i for i in (opt_int(r) for r in request.form.getlist("sel")) if i is not None]
        comment = request.form.get("bulk_comment", "")
    target = request.form.get("next")
    target = target if is_safe_next(target) else url_for("csr.review")
    if action not in (VERIFY, RETURN) or not ids:
        flash(_("Pilih kontribusi dan tindakannya."), "warning")
        return redirect(target, code=303)
    try:
        done, errors = services.transition_many(action, ids, current_user, comment)
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        flash(_("Sebagian kontribusi baru saja diubah oleh pengguna lain; tidak ada yang disimpan. Ulangi."), "danger")
        return redirect(target, code=303)
    except AppError as err:
        db.session.rollback()
        flash(err.message, "danger")
        return redirect(target, code=303)
    if done:
        flash(_("%(n)d kontribusi diverifikasi.", n=len(done)) if action == VERIFY else
              _("%(n)d kontribusi dikembalikan ke perusahaan.", n=len(done)), "success")
    for contribution_id, message in list(errors.items())[:10]:
        flash(_("Kontribusi #%(i)s: %(m)s", i=contribution_id, m=message), "danger")
    return redirect(target, code=303)


# ---- the summary ------------------------------------------------------------------------------------

def summary_filters() -> tuple[queries.CsrFilters, list[int]]:
    """Filters from the query string.  No ``year`` at all opens on the default year; ``year=`` (the
    "all years" choice) means every year.  A company user's summary is their own company's."""
    own = company_scope(current_user)
    years = queries.years_with_commitments(own)
    if "year" in request.args:
        year = opt_year(request.args.get("year"))
    else:
        year = default_year(years) if years else None
    strategy = request.args.get("strategy") or None
    sector = (request.args.get("sector") or "").strip()[:100] or None
    region_id = opt_int(request.args.get("region_id") or "")
    filters = queries.CsrFilters(year=year, company_id=_company_arg(),
                                 strategy=strategy if strategy in STRATEGIES else None,
                                 sector=sector, region_id=region_id)
    return filters, years


@bp.route("/summary")
@permission_required("csr.view")
def summary():
    filters, years = summary_filters()
    data = {"totals": queries.totals(filters), "companies": queries.by_company(filters),
               "sectors": queries.by_sector(filters), "strategies": queries.by_strategy(filters),
               "kecamatan": queries.by_kecamatan(filters), "years": queries.by_year(filters)}
    own = company_scope(current_user)
    return render_template(
        "csr/summary.html", filters=filters, data=data, own=own,
        years=sorted(set(years) | ({filters.year} if filters.year else set()), reverse=True),
        companies=companies_for_filter() if own is None else [],
        sectors=queries.sectors() if own is None else [],
        strategies=db.session.execute(select(Strategy.code, Strategy.name).order_by(Strategy.sort_order)).all(),
        kecamatan=db.session.execute(select(Region.id, Region.name).where(Region.level == "kecamatan")
                                     .order_by(Region.code)).all(),
        queue_count=db.session.scalar(select(func.count()).select_from(queries.review_queue().subquery()))
        if can(current_user, "csr.review") else 0)


