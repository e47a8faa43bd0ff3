"""CSR pages of a company: its page per year (commitments, their contributions, the figures), the
commitment form and page.  Contributions and evidence are in ``contribution_views``; Bappeda's queue
and the summary in ``review_views``.  Thin views: the rules live in ``services`` and ``validation``.
"""

from __future__ import annotations

from collections import defaultdict

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from tracker.authz import can, company_scope, ensure_company_access, permission_required
from tracker.csr import bp, queries, services
from tracker.csr.forms import KIND_LABELS, ActionForm, CommitmentForm, commitment_years, rupiah_input
from tracker.csr.models import CsrCommitment, CsrContribution
from tracker.database import get_or_404
from tracker.extensions import db
from tracker.forms import form_version, opt_int
from tracker.periods.services import MAX_YEAR, MIN_YEAR
from tracker.plans.models import Activity
from tracker.plans.queries import default_year
from tracker.reference.models import Agency, Company, Region, Strategy
from tracker.review import EDITABLE, RETURNED, STATUS_BADGES, status_label
from tracker.web import form_status, save_form


@bp.record_once
def register_template_globals(state):
    # Globals, not a context processor: the imported macros of csr/_macros.html see them too.
    state.app.jinja_env.globals.update(csr_status_label=status_label, csr_status_badge=STATUS_BADGES.get,
                                       csr_kind_label=lambda kind: str(KIND_LABELS.get(kind, kind)))


def year_arg(default: int | None) -> int | None:
    raw = (request.args.get("year") or "").strip()
    return int(raw) if raw.isdecimal() and MIN_YEAR <= int(raw) <= MAX_YEAR else default


def opt_year(raw) -> int | None:
    text = raw.strip() if isinstance(raw, str) else ""
    return int(text) if text.isdecimal() and MIN_YEAR <= int(text) <= MAX_YEAR else None


def company_or_404(company_id: int, permission: str = "csr.view") -> Company:
    ensure_company_access(company_id, permission, current_user)
    return get_or_404(Company, company_id)


def kecamatan_names() -> dict[int, str]:
    return dict(db.session.execute(select(Region.id, Region.name).where(Region.level == "kecamatan")).all())


def place_label(region: Region, kecamatan: dict[int, str]) -> str:
    """"Kec. Baamang" or "Tinduk, Kec. Baamang"."""
    if region.level == "kecamatan":
        return _("Kec. %(n)s", n=region.name)
    parent = kecamatan.get(region.parent_id)
    return f"{region.name}, {_('Kec. %(n)s', n=parent)}" if parent else region.name


def activities_by_id(ids) -> dict[int, tuple]:
    """{activity id: (code, name, OPD short name, OPD id)} for the supported activities shown."""
    ids = sorted({i for i in ids if i})
    if not ids:
        return {}
    rows = db.session.execute(select(Activity.id, Activity.code, Activity.name, Agency.short_name, Agency.id)
                              .join(Agency, Agency.id == Activity.agency_id).where(Activity.id.in_(ids))).all()
    return {r[0]: (r[1], r[2], r[3], r[4]) for r in rows}


def refused_status(form) -> int:
    """After ``save_form`` refused: 409 for a stale version, else 422 (the form shows why)."""
    return 409 if form_status(form) == 409 else 422


def may_edit_contribution(contribution: CsrContribution) -> bool:
    return can(current_user, "csr.edit") and contribution.status in EDITABLE


# ---- entry and the company page -------------------------------------------------------------------

@bp.route("/")
@permission_required("csr.view")
def index():
    """A company's officer opens on their company; everyone else on the summary."""
    own = company_scope(current_user)
    if own is not None:
        return redirect(url_for("csr.company", company_id=own), code=303)
    return redirect(url_for("csr.summary"), code=303)


def company_year(company_id: int, year: int) -> dict:
    """Everything the company page shows for one year, in a fixed number of queries."""
    filters = queries.CsrFilters(year=year, company_id=company_id)
    commitments = list(db.session.scalars(
        queries.commitment_list(filters).options(selectinload(CsrCommitment.regions))).unique())
    contributions = db.session.scalars(
        queries.contribution_list(filters).options(selectinload(CsrContribution.attachments))).all()
    by_commitment: dict[int, list] = defaultdict(list)
    for c in sorted(contributions, key=lambda c: (c.date, c.id)):
        by_commitment[c.commitment_id].append(c)
    titles = {c.id: c.title for c in commitments}
    returned = [(titles.get(c.commitment_id, ""), c) for c in contributions if c.status == RETURNED]
    return {"commitments": commitments, "contributions": by_commitment, "returned": returned,
            "sums": queries.contributed_by_commitment([c.id for c in commitments]),
            "totals": queries.totals(filters), "activities": activities_by_id(c.activity_id for c in commitments),
            "kecamatan": kecamatan_names()}


@bp.route("/companies/<int:company_id>")
@permission_required("csr.view")
def company(company_id: int):
    company = company_or_404(company_id)
    years = queries.years_with_commitments(company_id)
    year = year_arg(default_year(years))
    data = company_year(company_id, year)
    return render_template("csr/company.html", company=company, year=year,
                           years=sorted(set(years) | {year, default_year([])}, reverse=True),
                           place_label=place_label, action_form=ActionForm(),
                           **data)


# ---- commitments ------------------------------------------------------------------------------------

def _render_commitment_form(form, company, *, commitment=None, status=200):
    verified = services.verified_total(commitment.id) if commitment is not None else 0
    ids = [i for i in (opt_int(v) for v in form.region_ids.data or []) if i is not None]
    kecamatan = kecamatan_names()
    chosen = db.session.scalars(select(Region).where(Region.id.in_(ids)).order_by(Region.code)).all() if ids else []
    return render_template("csr/commitment_form.html", form=form, company=company, commitment=commitment,
                           verified=verified, chosen=[place_label(r, kecamatan) for r in chosen]), status


@bp.route("/companies/<int:company_id>/commitments/new", methods=["GET", "POST"])
@permission_required("csr.edit")
def commitment_new(company_id: int):
    company = company_or_404(company_id, "csr.edit")
    form = CommitmentForm()
    year = opt_year(form.year.data) if request.method == "POST" else year_arg(default_year(
        queries.years_with_commitments(company_id)))
    form.fill_choices(commitment_years(queries.years_with_commitments(company_id) + ([year] if year else [])), year)
    if request.method == "GET":
        form.year.data = str(year)
        return _render_commitment_form(form, company)
    if not form.validate():
        flash(_("Periksa kembali isian yang ditandai."), "danger")
        return _render_commitment_form(form, company, status=422)
    data = {**form.values(new=True), "company_id": company_id}
    commitment = save_form(form, lambda: services.create_commitment(data, current_user))
    if commitment is None:
        return _render_commitment_form(form, company, status=refused_status(form))
    flash(_("Komitmen \"%(t)s\" disimpan. Catat kontribusinya bila sudah diberikan.", t=commitment.title), "success")
    return redirect(url_for("csr.commitment", commitment_id=commitment.id), code=303)


@bp.route("/commitments/<int:commitment_id>")
@permission_required("csr.view")
def commitment(commitment_id: int):
    commitment = services.get_commitment(commitment_id, "csr.view", current_user)
    contributions = db.session.scalars(
        queries.contribution_list(queries.CsrFilters(), commitment_id=commitment_id)
        .options(selectinload(CsrContribution.attachments))).all()
    return render_template(
        "csr/commitment.html", commitment=commitment, company=commitment.company,
        contributions=sorted(contributions, key=lambda c: (c.date, c.id)),
        sums=queries.contributed_by_commitment([commitment_id])[commitment_id],
        activities=activities_by_id([commitment.activity_id]), kecamatan=kecamatan_names(),
        strategy_name=db.session.scalar(select(Strategy.name).where(Strategy.code == commitment.strategy)),
        place_label=place_label, action_form=ActionForm())


@bp.route("/commitments/<int:commitment_id>/edit", methods=["GET", "POST"])
@permission_required("csr.edit")
def commitment_edit(commitment_id: int):
    commitment = services.get_commitment(commitment_id, "csr.edit", current_user)
    form = CommitmentForm()
    form.fill_choices([commitment.year], commitment.year)
    if request.method == "GET":
        form.title.data, form.description.data = commitment.title, commitment.description
        form.strategy.data, form.amount.data = commitment.strategy, rupiah_input(commitment.amount)
        form.region_ids.data = [str(r.id) for r in commitment.regions]
        form.activity_id.data = str(commitment.activity_id or "")
        form.version.data = str(commitment.version)
    form.year.data = str(commitment.year)
    if request.method == "GET":
        return _render_commitment_form(form, commitment.company, commitment=commitment)
    if not form.validate():
        flash(_("Periksa kembali isian yang ditandai."), "danger")
        return _render_commitment_form(form, commitment.company, commitment=commitment, status=422)
    data = form.values(new=False)
    saved = save_form(form, lambda: services.update_commitment(commitment, data, current_user, form_version(form)))
    if saved is None:
        commitment = services.get_commitment(commitment_id, "csr.edit", current_user)
        return _render_commitment_form(form, commitment.company, commitment=commitment, status=refused_status(form))
    flash(_("Perubahan komitmen disimpan."), "success")
    return redirect(url_for("csr.commitment", commitment_id=commitment_id), code=303)


# ---- the panel on an OPD activity's page (registered with plans in init_app) --------------------------

def activity_panel(activity):
    """The CSR commitments that say they support this activity, for the plans detail page."""
    if not can(current_user, "csr.view"):
        return None
    commitments = queries.commitments_for_activity(activity.id)
    if not commitments:
        return None
    return "csr/_activity_panel.html", {
        "commitments": commitments, "sums": queries.contributed_by_commitment([c.id for c in commitments])}

