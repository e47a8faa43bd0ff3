"""CSR Excel files over HTTP: a company's template download and upload (all or nothing, every error
with its cell), and the exports (summary, contributions).  Every route is company-scoped: a company
user asking for another company's file gets 404, as if it did not exist.  Thin over
``tracker.csr.excel``.
"""

from __future__ import annotations

import re

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.routing import BuildError

from tracker.authz import company_scope, ensure_company_access, permission_required
from tracker.csr import bp, excel, queries
from tracker.csr.excel_export import contributions_filename
from tracker.csr.excel_import import ImportFailed
from tracker.csr.validation import STRATEGIES
from tracker.database import get_or_404
from tracker.errors import NotFound
from tracker.extensions import db
from tracker.files import xlsx_download
from tracker.periods.services import MAX_YEAR, MIN_YEAR
from tracker.plans.forms import UploadForm
from tracker.reference.models import Company
from tracker.review import STATUSES

CELL = re.compile(r"^([A-Z]{1,3})(\d+)$")


def _company(company_id: int, year: int, permission: str) -> Company:
    ensure_company_access(company_id, permission, current_user)
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise NotFound()
    return get_or_404(Company, company_id)


def _int_arg(name: str, low: int = 1, high: int = 10**12) -> int | None:
    raw = (request.args.get(name) or "").strip()
    return int(raw) if raw.isdecimal() and low <= int(raw) <= high else None


def export_filters() -> queries.CsrFilters:
    """Filters from the query string (no ``year``: every year).  A company user's export is their
    own company's; naming another company is 404."""
    own = company_scope(current_user)
    company_id = _int_arg("company_id")
    if own is not None:
        if company_id is not None and company_id != own:
            raise NotFound()
        company_id = own
    strategy = request.args.get("strategy") or None
    return queries.CsrFilters(
        year=_int_arg("year", MIN_YEAR, MAX_YEAR), company_id=company_id,
        strategy=strategy if strategy in STRATEGIES else None,
        sector=(request.args.get("sector") or "").strip()[:100] or None,
        region_id=_int_arg("region_id") or _int_arg("kecamatan_id"),
        q=(request.args.get("q") or "").strip()[:200] or None)


@bp.route("/<int:company_id>/<int:year>/template.xlsx")
@permission_required("csr.view")
def template_xlsx(company_id: int, year: int):
    company = _company(company_id, year, "csr.view")
    return xlsx_download(excel.build_template(company, year), excel.template_filename(company, year))


def _company_page(company: Company, year: int) -> str:
    try:
        return url_for("csr.company", company_id=company.id, year=year)
    except BuildError:  # pragma: no cover - the company page lives in views
        return url_for("csr.index")


def error_rows(err: ImportFailed) -> list[dict]:
    """Each problem as sheet, row, column (letter) and message, for the page's table."""
    rows = []
    for sheet, ref, message in err.errors:
        match = CELL.match(ref or "")
        rows.append({"sheet": sheet, "row": int(match.group(2)) if match else None,
                     "column": match.group(1) if match else None, "message": message})
    return rows


# /upload first: url_for("csr.excel_upload") builds the page's address; /import takes a POST only.
@bp.route("/<int:company_id>/<int:year>/import", methods=["POST"])
@bp.route("/<int:company_id>/<int:year>/upload", methods=["GET", "POST"])
@permission_required("csr.edit")
def excel_upload(company_id: int, year: int):
    """The upload form; the file is imported whole or not at all, each problem listed with its sheet,
    row and column."""
    company = _company(company_id, year, "csr.edit")
    form = UploadForm()
    errors: list[dict] = []
    status = 200
    if request.method == "POST":
        if not form.validate_on_submit():
            errors, status = [{"message": _("Formulir kedaluwarsa; muat ulang halaman lalu coba lagi.")}], 400
        elif not form.file.data or not form.file.data.filename:
            form.file.errors = [_("Pilih berkas Excel (.xlsx) hasil unduhan template.")]
            status = 422
        else:
            try:
                result = excel.import_workbook(company, year, form.file.data.stream, current_user)
            except ImportFailed as err:
                db.session.rollback()
                errors, status = error_rows(err), 422
            else:
                db.session.commit()
                flash(_("Impor selesai: %(c)d baris baru, %(u)d diubah, %(n)d tanpa perubahan, %(s)d kontribusi "
                        "diajukan.", c=result["created"], u=result["updated"], n=result["unchanged"],
                        s=result["submitted"]), "success")
                return redirect(_company_page(company, year), 303)
    return render_template("csr/upload.html", form=form, company=company, year=year, errors=errors,
                           back=_company_page(company, year)), status


@bp.route("/summary.xlsx")
@permission_required("csr.view")
def summary_xlsx():
    filters = export_filters()
    return xlsx_download(excel.export_summary(filters), excel.summary_filename(filters))


@bp.route("/contributions.xlsx")
@permission_required("csr.view")
def contributions_xlsx():
    filters = export_filters()
    status = request.args.get("status") or None
    return xlsx_download(excel.export_contributions(filters, status if status in STATUSES else None),
                     contributions_filename(filters))
