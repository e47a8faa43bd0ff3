"""Pages of the verification list (*daftar verval*): the desa of the kabupaten with how far each has
checked its households; one desa's list, to print and send through the camat (``?print=1``: every row,
boxes to tick, signatures) or as Excel, and the form where the desa's findings are entered back, a page
of 50 at a time, each row version-checked so that two clerks never overwrite each other unseen.

Coordinators and admins only (``verval.record``); NIK shown masked.  The rules are ``verval``'s.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from tracker.authz import permission_required
from tracker.beneficiaries import bp, verval
from tracker.beneficiaries.forms_targets import VervalForm
from tracker.beneficiaries.lists_excel import verval_workbook
from tracker.beneficiaries.models import VERVAL_RESULTS, TargetHousehold
from tracker.beneficiaries.target_import import current_list
from tracker.beneficiaries.views_coverage import region_choices
from tracker.errors import Conflict, NotFound, ValidationFailed
from tracker.extensions import db
from tracker.files import xlsx_download
from tracker.formatting import date_id
from tracker.forms import opt_int
from tracker.reference.models import Region
from tracker.types import jakarta_now
from tracker.web import page_arg

PER_PAGE = 50


def _desa(desa_id: int) -> tuple[Region, Region | None]:
    desa = db.session.get(Region, desa_id)
    if desa is None or desa.level != "desa":
        raise NotFound(_("Desa/kelurahan tidak ditemukan."))
    return desa, db.session.get(Region, desa.parent_id) if desa.parent_id else None


@bp.route("/verval")
@permission_required("verval.record")
def verval_index():
    summary = {row["region_id"]: row for row in verval.desa_summary()}
    groups = []
    for kecamatan, villages in region_choices():
        rows = [(d, summary[d.id]) for d in villages if d.id in summary]
        if rows:
            total = {key: sum(r[key] for _d, r in rows) for key in ("households", "checked", *VERVAL_RESULTS)}
            groups.append((kecamatan, rows, total))
    return render_template("beneficiaries/verval_index.html", groups=groups, results=VERVAL_RESULTS,
                           labels=verval.RESULT_LABELS, latest=current_list())


def render_desa(desa_id: int, *, form: VervalForm | None = None, status: int = 200):
    desa, kecamatan = _desa(desa_id)
    printing = request.args.get("print") == "1"
    query = verval.desa_list(desa.id)
    latest = current_list()
    if printing:
        rows = db.session.scalars(query).all()
        return render_template("beneficiaries/verval_print.html", desa=desa, kecamatan=kecamatan, rows=rows,
                               labels=verval.RESULT_LABELS, results=VERVAL_RESULTS, latest=latest,
                               printed=jakarta_now())
    pagination = db.paginate(query, page=page_arg(), per_page=PER_PAGE, error_out=False)
    return render_template("beneficiaries/verval_desa.html", desa=desa, kecamatan=kecamatan, pagination=pagination,
                           rows=pagination.items, labels=verval.RESULT_LABELS, results=VERVAL_RESULTS,
                           latest=latest, form=form or VervalForm(formdata=None)), status


@bp.route("/verval/<int:desa_id>")
@permission_required("verval.record")
def verval_desa(desa_id: int):
    return render_desa(desa_id)


def _entries(form_data, limit: int) -> list[dict]:
    """The rows the page sent: ``result-<id>`` ("" = not checked yet), ``note-<id>``, ``version-<id>``."""
    entries = []
    for key in form_data:
        if not key.startswith("version-"):
            continue
        household_id = opt_int(key.removeprefix("version-"))
        if household_id is None:
            continue
        result = (form_data.get(f"result-{household_id}") or "").strip() or None
        if result is not None and result not in VERVAL_RESULTS:
            raise ValidationFailed(_("Hasil verval harus salah satu dari: %(v)s",
                                     v=", ".join(_(verval.RESULT_LABELS[r]) for r in VERVAL_RESULTS)))
        version = opt_int(form_data.get(key))
        entries.append({"household_id": household_id, "result": result, "version": version if version else -1,
                        "note": (form_data.get(f"note-{household_id}") or "")[:500]})
        if len(entries) > limit:
            raise ValidationFailed(_("Terlalu banyak baris sekali simpan; simpan per halaman."))
    return entries


@bp.route("/verval/<int:desa_id>", methods=["POST"])
@permission_required("verval.record")
def verval_save(desa_id: int):
    desa, _kecamatan = _desa(desa_id)
    form = VervalForm()
    page = opt_int(form.page.data) or 1
    back = redirect(url_for("beneficiaries.verval_desa", desa_id=desa.id, page=page), 303)
    if not form.validate():
        flash(_("Formulir kedaluwarsa atau tidak sah. Muat ulang halaman lalu coba lagi."), "danger")
        return back
    try:
        entries = _entries(request.form, PER_PAGE * 2)
        result = verval.record_many(desa.id, entries, current_user)
        db.session.commit()
    except Conflict as err:
        db.session.rollback()
        flash(err.message, "danger")
        return back
    except ValidationFailed as err:
        db.session.rollback()
        flash(err.message, "danger")
        return back
    if result["changed"]:
        flash(_("Hasil verval %(d)s disimpan: %(n)d rumah tangga diperbarui.", d=desa.name, n=result["changed"]),
              "success")
    else:
        flash(_("Tidak ada perubahan untuk disimpan."), "info")
    return back


@bp.route("/verval/<int:desa_id>.xlsx")
@permission_required("verval.record")
def verval_xlsx(desa_id: int):
    desa, kecamatan = _desa(desa_id)
    latest = current_list()
    heading = [_("Daftar verifikasi dan validasi (verval) rumah tangga sasaran"),
               _("Desa/kelurahan %(d)s, Kecamatan %(k)s", d=desa.name, k=kecamatan.name if kecamatan else "–"),
               _("Daftar sasaran: %(s)s per %(d)s", s=latest.source, d=date_id(latest.as_of)) if latest
               else _("Belum ada daftar sasaran."),
               _("Diunduh %(t)s oleh %(u)s; NIK disamarkan.", t=date_id(jakarta_now()), u=current_user.username)]
    rows = db.session.execute(select(TargetHousehold.nik_masked, TargetHousehold.kk_masked, TargetHousehold.name,
                                     TargetHousehold.address, TargetHousehold.desil, TargetHousehold.verval_result,
                                     TargetHousehold.verval_note)
                              .where(TargetHousehold.region_id == desa.id, TargetHousehold.active.is_(True))
                              .order_by(TargetHousehold.desil, TargetHousehold.name_key, TargetHousehold.id))
    labels = {key: _(label) for key, label in verval.RESULT_LABELS.items()}
    return xlsx_download(verval_workbook(heading, rows, labels), f"verval-{desa.code}.xlsx")
