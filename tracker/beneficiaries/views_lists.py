"""Pages of the per-activity beneficiary lists (BNBA): an activity's list for a quarter with its counts
by match status, one person added through a form or many from a file (the result shown by row), the
downloadable template, and the review of probable matches (confirm / reject, version checked).

Thin over ``services``: scoping (another OPD's activity is 404), the quarter lock and every rule are
theirs.  NIK and KK are shown masked only.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm.exc import StaleDataError

from tracker.authz import permission_required
from tracker.beneficiaries import bp, services
from tracker.beneficiaries.forms_lists import DecideForm, ListUploadForm, PersonForm, field_label
from tracker.beneficiaries.lists_excel import TEMPLATE_FILENAME, list_template_bytes
from tracker.beneficiaries.models import MATCH_STATUSES, PROBABLE, Beneficiary, TargetHousehold
from tracker.errors import Conflict, Locked, ValidationFailed
from tracker.extensions import db
from tracker.files import xlsx_download
from tracker.formatting import number
from tracker.forms import opt_int
from tracker.periods.services import periods_for, quarter_label
from tracker.plans.services import get_activity
from tracker.poverty.import_files import ImportFailed
from tracker.reference.models import Region
from tracker.types import jakarta_now
from tracker.web import page_arg

PER_PAGE = 50
MAX_SHOWN = 200  # error and warning rows listed after an upload; the rest are counted
STATUS_LABELS = {"exact": "Cocok (NIK/KK)", "probable": "Kemungkinan cocok", "confirmed": "Dikonfirmasi",
                 "rejected": "Ditolak", "unmatched": "Di luar daftar sasaran"}
STATUS_STYLES = {"exact": "success", "probable": "warning", "confirmed": "primary", "rejected": "secondary",
                 "unmatched": "danger"}


@bp.record_once
def register_template_globals(state):
    app = state.app
    app.jinja_env.globals.update(
        bnba_status_label=lambda status: _(STATUS_LABELS.get(status, status)),
        bnba_status_style=lambda status: STATUS_STYLES.get(status, "light"),
        # The progress form's hint beside "beneficiaries reached": how many the by-name list holds.
        beneficiaries_by_name=services.reached_count,
        # The menu links to pages other modules add; a missing one is left out, not an error.
        has_endpoint=lambda endpoint: endpoint in app.view_functions)


# ---- small pieces -------------------------------------------------------------------------------

def _quarter(raw, activity_id: int, year: int) -> int:
    """The quarter asked for; else the latest with people on the list; else the one the calendar says."""
    text = str(raw or "").strip()
    if text in ("1", "2", "3", "4"):
        return int(text)
    latest = db.session.scalar(select(func.max(Beneficiary.quarter)).where(
        Beneficiary.activity_id == activity_id, Beneficiary.year == year))
    if latest:
        return latest
    now = jakarta_now()
    if year == now.year:
        return (now.month - 1) // 3 + 1
    return 4 if year < now.year else 1


def status_counts(activity_id: int, year: int) -> dict[int, dict[str, int]]:
    """Per quarter: how many people by match status, and ``total``."""
    counts = {q: {s: 0 for s in (*MATCH_STATUSES, "total")} for q in range(1, 5)}
    for quarter, status, n in db.session.execute(
            select(Beneficiary.quarter, Beneficiary.match_status, func.count())
            .where(Beneficiary.activity_id == activity_id, Beneficiary.year == year)
            .group_by(Beneficiary.quarter, Beneficiary.match_status)):
        counts[quarter][status] = n
        counts[quarter]["total"] += n
    return counts


def desa_names(region_ids) -> dict[int, str]:
    """"Baamang Hulu (Kec. Baamang)" for each desa id."""
    ids = {r for r in region_ids if r is not None}
    if not ids:
        return {}
    parent = Region.__table__.alias("parent")
    rows = db.session.execute(select(Region.id, Region.name, parent.c.name)
                              .outerjoin(parent, parent.c.id == Region.parent_id).where(Region.id.in_(ids)))
    return {rid: (f"{name} ({_('Kec. %(n)s', n=kec)})" if kec else name) for rid, name, kec in rows}


def _locked(year: int, quarter: int) -> bool:
    return bool(periods_for([year])[(year, quarter)].locked)


def _file_lines(err: ImportFailed) -> list[str]:
    lines = []
    for e in err.errors[:MAX_SHOWN]:
        if not e.row:
            lines.append(e.message)
        elif e.row == 1:
            lines.append(_("Baris judul: %(m)s", m=e.message))
        else:
            lines.append(_("Baris %(r)d: %(m)s", r=e.row, m=e.message))
    if len(err.errors) > MAX_SHOWN:
        lines.append(_("… dan %(n)s kesalahan lain.", n=number(len(err.errors) - MAX_SHOWN)))
    return lines


def _shown(items: list[dict]) -> list[dict]:
    rows = sorted(items, key=lambda i: i["row"])[:MAX_SHOWN]
    return [{"row": i["row"], "field": field_label(i["field"]), "message": i["message"]} for i in rows]


def shaped_result(result: dict) -> dict:
    """The service's answer as the page lists it: counts, then errors and warnings by row number."""
    return {**result, "errors": _shown(result["errors"]), "warnings": _shown(result["warnings"]),
            "more_errors": max(len(result["errors"]) - MAX_SHOWN, 0),
            "more_warnings": max(len(result["warnings"]) - MAX_SHOWN, 0),
            "error_count": len(result["errors"]), "warning_count": len(result["warnings"])}


def render_list(activity_id: int, quarter_raw=None, *, person_form: PersonForm | None = None,
                upload_form: ListUploadForm | None = None, result: dict | None = None,
                file_problem: dict | None = None, status: int = 200):
    activity, query = services.activity_people(activity_id, None, None, current_user)
    year = activity.year
    quarter = _quarter(quarter_raw, activity.id, year)
    if person_form is None:
        person_form = PersonForm(formdata=None)
        person_form.fill_choices()
    upload_form = upload_form or ListUploadForm(formdata=None)
    person_form.quarter.data = upload_form.quarter.data = str(quarter)
    query = query.where(Beneficiary.year == year, Beneficiary.quarter == quarter)
    pagination = db.paginate(query, page=page_arg(), per_page=PER_PAGE, error_out=False)
    counts = status_counts(activity.id, year)
    return render_template(
        "beneficiaries/lists_activity.html", activity=activity, year=year, quarter=quarter,
        quarter_label=quarter_label, counts=counts, current=counts[quarter], statuses=MATCH_STATUSES,
        pagination=pagination, rows=pagination.items, desa=desa_names(r.region_id for r in pagination.items),
        locked=_locked(year, quarter), person_form=person_form, upload_form=upload_form, result=result,
        file_problem=file_problem), status


def _back(activity_id: int, quarter: int):
    return redirect(url_for("beneficiaries.activity_list", activity_id=activity_id, quarter=quarter), 303)


# ---- the list -----------------------------------------------------------------------------------

@bp.route("/activities/<int:activity_id>")
@permission_required("beneficiaries.view")
def activity_list(activity_id: int):
    return render_list(activity_id, request.args.get("quarter"))


@bp.route("/activities/<int:activity_id>/people", methods=["POST"])
@permission_required("beneficiaries.edit")
def add_person(activity_id: int):
    activity = get_activity(activity_id, "beneficiaries.edit", current_user)
    form = PersonForm()
    form.fill_choices()
    quarter = _quarter(form.quarter.data, activity.id, activity.year)
    if not form.validate():
        stale = "csrf_token" in form.errors
        if stale:
            flash(_("Formulir kedaluwarsa atau tidak sah. Muat ulang halaman lalu coba lagi."), "danger")
        return render_list(activity.id, quarter, person_form=form, status=400 if stale else 422)
    try:
        result = services.add_people(activity, activity.year, quarter, [form.person()], current_user)
    except Locked as err:
        db.session.rollback()
        flash(err.message, "danger")
        return render_list(activity.id, quarter, person_form=form, status=423)
    except ValidationFailed as err:
        db.session.rollback()
        flash(err.message, "danger")
        return render_list(activity.id, quarter, person_form=form, status=422)
    if result["errors"]:
        db.session.rollback()
        for item in result["errors"]:
            field = getattr(form, item["field"], None)
            if field is not None and item["field"] != "quarter":
                field.errors = list(field.errors) + [item["message"]]
            else:
                flash(item["message"], "danger")
        flash(_("Penerima manfaat belum ditambahkan: periksa isian yang ditandai."), "danger")
        return render_list(activity.id, quarter, person_form=form, status=422)
    db.session.commit()
    if result["matched_exact"]:
        how = _("cocok dengan daftar sasaran menurut NIK/KK")
    elif result["matched_probable"]:
        how = _("kemungkinan cocok dengan daftar sasaran menurut nama, tanggal lahir dan desa; konfirmasikan di "
                "halaman pemeriksaan")
    else:
        how = _("tidak ditemukan di daftar sasaran")
    flash(_("%(n)s ditambahkan ke daftar Triwulan %(q)s: %(h)s.", n=form.person()["name"], q=quarter_label(quarter),
            h=how), "success")
    for item in result["warnings"]:
        flash(item["message"], "warning")
    return _back(activity.id, quarter)


@bp.route("/activities/<int:activity_id>/upload", methods=["POST"])
@permission_required("beneficiaries.edit")
def upload(activity_id: int):
    activity = get_activity(activity_id, "beneficiaries.edit", current_user)
    form = ListUploadForm()
    quarter = _quarter(form.quarter.data, activity.id, activity.year)
    if not form.validate():
        flash(_("Formulir kedaluwarsa atau tidak sah. Muat ulang halaman lalu coba lagi."), "danger")
        return render_list(activity.id, quarter, upload_form=form, status=400)
    upload_file = form.file.data
    if upload_file is None or not getattr(upload_file, "filename", ""):
        form.file.errors = [_("Pilih berkas Excel (.xlsx) atau CSV untuk diunggah.")]
        return render_list(activity.id, quarter, upload_form=form, status=422)
    try:
        result = services.add_from_file(activity, activity.year, quarter, upload_file.stream, upload_file.filename,
                                        current_user)
    except Locked as err:
        db.session.rollback()
        flash(err.message, "danger")
        return render_list(activity.id, quarter, upload_form=form, status=423)
    except ImportFailed as err:
        db.session.rollback()
        problem = {"message": err.message, "lines": _file_lines(err), "filename": upload_file.filename}
        return render_list(activity.id, quarter, upload_form=form, file_problem=problem, status=422)
    except ValidationFailed as err:
        db.session.rollback()
        flash(err.message, "danger")
        return render_list(activity.id, quarter, upload_form=form, status=422)
    db.session.commit()
    shaped = shaped_result(result)
    shaped["filename"] = upload_file.filename
    return render_list(activity.id, quarter, upload_form=form, result=shaped)


@bp.route("/list-template.xlsx")
@permission_required("beneficiaries.edit")
def list_template():
    return xlsx_download(list_template_bytes(), TEMPLATE_FILENAME)


# ---- probable matches ---------------------------------------------------------------------------

@bp.route("/activities/<int:activity_id>/review")
@permission_required("beneficiaries.view")
def review(activity_id: int):
    activity, query = services.activity_people(activity_id, None, None, current_user)
    raw = (request.args.get("quarter") or "").strip()
    quarter = int(raw) if raw in ("1", "2", "3", "4") else None
    query = query.where(Beneficiary.year == activity.year, Beneficiary.match_status == PROBABLE)
    if quarter is not None:
        query = query.where(Beneficiary.quarter == quarter)
    pagination = db.paginate(query, page=page_arg(), per_page=PER_PAGE, error_out=False)
    ids = {r.target_household_id for r in pagination.items if r.target_household_id}
    households = ({h.id: h for h in db.session.scalars(select(TargetHousehold).where(TargetHousehold.id.in_(ids)))}
                  if ids else {})
    regions = desa_names([r.region_id for r in pagination.items] + [h.region_id for h in households.values()])
    return render_template("beneficiaries/lists_review.html", activity=activity, quarter=quarter,
                           quarter_label=quarter_label, pagination=pagination, rows=pagination.items,
                           households=households, desa=regions, form=DecideForm(formdata=None))


@bp.route("/people/<int:beneficiary_id>/decide", methods=["POST"])
@permission_required("beneficiaries.edit")
def decide(beneficiary_id: int):
    row = services.get_beneficiary(beneficiary_id, current_user)
    back = redirect(url_for("beneficiaries.review", activity_id=row.activity_id), 303)
    form = DecideForm()
    decision = (form.decision.data or "").strip()
    if not form.validate():
        flash(_("Formulir kedaluwarsa atau tidak sah. Muat ulang halaman lalu coba lagi."), "danger")
        return back
    if decision not in ("confirm", "reject"):
        flash(_("Pilih Konfirmasi atau Tolak."), "danger")
        return back
    household_id = row.target_household_id if decision == "confirm" else None
    if decision == "confirm" and household_id is None:
        flash(_("Tidak ada rumah tangga sasaran yang diusulkan untuk penerima ini."), "danger")
        return back
    name = row.name
    try:
        services.decide_match(row, household_id, opt_int(form.version.data), current_user)
        db.session.commit()
    except (Conflict, StaleDataError):
        db.session.rollback()
        flash(_("Kecocokan %(n)s sudah diubah orang lain sejak halaman ini dibuka, sehingga keputusan Anda tidak "
                "disimpan. Periksa keadaannya sekarang lalu ulangi bila perlu.", n=name), "danger")
        return back
    except ValidationFailed as err:
        db.session.rollback()
        flash(err.message, "danger")
        return back
    if decision == "confirm":
        flash(_("Kecocokan %(n)s dikonfirmasi: dihitung sebagai rumah tangga sasaran yang dijangkau.", n=name),
              "success")
    else:
        flash(_("Kecocokan %(n)s ditolak: dihitung di luar daftar sasaran.", n=name), "success")
    return back
