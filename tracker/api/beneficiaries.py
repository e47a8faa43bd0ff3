"""Beneficiaries by name and address (api.md "Beneficiaries and the target list"): importing the target
list, its households, each activity's beneficiaries with their match to the list, the confirm/reject of
a probable match, and the coverage figures.

Thin over ``tracker.beneficiaries``: scoping is ``services``' (another OPD's activity or beneficiary:
404; an OPD user sees the target households of the desa its activities cover; company users nothing),
as are the rules, the quarter lock (423) and the version check (409).  NIK and KK are returned masked;
``?reveal=1`` on a single object shows them to coordinators and admins (403 for others) and writes an
audit row.  A ``nik`` or ``kk`` in any query string is refused (400): numbers travel in bodies only.
"""

from __future__ import annotations

from datetime import date

from flask import request
from flask_babel import gettext as _
from flask_login import current_user
from pydantic import Field
from sqlalchemy import select

from tracker.api.beneficiary_schemas import (
    AddResultOut,
    BeneficiaryOut,
    CoverageOut,
    MatchIn,
    PeopleIn,
    TargetHouseholdOut,
    TargetImportOut,
    TargetListOut,
    beneficiary_out,
    household_out,
    target_list_out,
)
from tracker.api.core import json_response, paginated, parse_body, route
from tracker.api.params import Query, YearQuery, id_field, quarter_field, year_field
from tracker.authz import agency_scope, can
from tracker.beneficiaries import coverage, services, target_import
from tracker.beneficiaries.models import SOURCES, TargetList
from tracker.errors import BadRequest, NotFound, ValidationFailed
from tracker.extensions import db
from tracker.files import larger_upload
from tracker.periods.services import today as jakarta_today
from tracker.plans.services import get_activity
from tracker.reference.models import Region

TAG = "beneficiaries"
IDENTITY_PARAMS = ("nik", "kk")


class RevealQuery(Query):
    reveal: bool | None = Field(default=None, description="1: tampilkan NIK/KK lengkap (Bappeda/admin; "
                                                          "dicatat di log audit)")


class HouseholdQuery(Query):
    region_id: int | None = id_field(description="Kecamatan atau desa")
    desil: int | None = Field(default=None, ge=1, le=10)
    reached: bool | None = Field(default=None, description="1: dijangkau minimal satu program pada tahun itu; "
                                                           "0: belum")
    year: int | None = year_field(description="Tahun untuk reached dan reached_by (bawaan reached: tahun ini)")


class PeopleQuery(Query):
    year: int | None = year_field()
    quarter: int | None = quarter_field()


class CoverageQuery(YearQuery):
    region_id: int | None = id_field(description="Kecamatan atau desa (bawaan: seluruh kabupaten)")


def _no_numbers_in_query() -> None:
    """NIK and KK never travel in a URL (logs, proxies, browser history keep them)."""
    given = [name for name in IDENTITY_PARAMS if name in request.args]
    if given:
        raise BadRequest(_("NIK dan nomor KK tidak boleh dikirim di query string."),
                         {name: _("Kirim di badan permintaan, bukan di query string.") for name in given})


def _commit(body: dict, status: int = 200):
    db.session.commit()
    return json_response(body, status)


def _multipart_file():
    if not request.mimetype.startswith("multipart/"):
        raise BadRequest(_("Gunakan multipart/form-data dengan field 'file'."), {"file": _("Wajib diisi.")})
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise BadRequest(_("Kirim berkas .xlsx atau .csv pada field 'file'."), {"file": _("Wajib diisi.")})
    return upload


def _form_int(name: str, low: int, high: int, default: int | None = None) -> int:
    text = (request.form.get(name) or "").strip()
    if not text:
        if default is not None:
            return default
        raise ValidationFailed(_("Data tidak valid."), {name: _("Wajib diisi.")})
    if not (text.isascii() and text.isdecimal() and len(text) <= 4 and low <= int(text) <= high):
        raise ValidationFailed(_("Data tidak valid."), {name: _("Harus bilangan bulat %(a)d–%(b)d.", a=low, b=high)})
    return int(text)


# ---- the target list ----------------------------------------------------------------------------

@route("/target-lists", "POST", summary="Impor daftar sasaran (multipart: file .xlsx/.csv, source "
       "P3KE|DTSEN|DTKS|other, as_of YYYY-MM-DD): semua baris atau tidak sama sekali; 422 menamai 'row N: column'",
       tag=TAG, response=TargetImportOut, status=201, permission="targets.import",
       form={"source": ({"type": "string", "enum": list(SOURCES)}, True),
             "as_of": ({"type": "string", "format": "date", "description": "Keadaan daftar per tanggal"}, True)})
@larger_upload("TARGET_LIST_MAX_MB")  # a kabupaten's list runs to 200,000 rows
def target_list_import():
    _no_numbers_in_query()
    upload = _multipart_file()
    source = (request.form.get("source") or "").strip()
    problems = {}
    if source not in SOURCES:
        problems["source"] = _("Harus salah satu dari: %(c)s.", c=", ".join(SOURCES))
    try:
        as_of = date.fromisoformat((request.form.get("as_of") or "").strip())
    except ValueError:
        problems["as_of"] = _("Harus tanggal dengan format YYYY-MM-DD.")
    if problems:
        raise ValidationFailed(_("Data tidak valid."), problems)
    result = target_import.import_list(upload.stream, upload.filename, source, as_of, current_user)
    return _commit(TargetImportOut.model_validate({
        "id": result.target_list.id, "rows": result.rows, "added": result.added, "removed": result.removed,
        "changed": result.changed}).model_dump(mode="json"), 201)


@route("/target-lists", "GET", summary="Riwayat impor daftar sasaran (terbaru dahulu; yang teratas berlaku)",
       tag=TAG, response=TargetListOut, many=True, permission="beneficiaries.view")
def target_lists():
    _no_numbers_in_query()
    return paginated(select(TargetList).order_by(TargetList.id.desc()), target_list_out)


@route("/target-households", "GET", summary="Rumah tangga sasaran aktif (NIK/KK tersamar) dengan kegiatan yang "
       "menjangkaunya; pengguna OPD: desa yang dicakup kegiatannya", tag=TAG, response=TargetHouseholdOut,
       many=True, permission="beneficiaries.view", query=HouseholdQuery)
def target_households(params: HouseholdQuery):
    _no_numbers_in_query()
    scope = services.household_scope(current_user)
    year = params.year if params.year is not None or params.reached is None else jakarta_today().year
    statement = coverage.household_filter(params.region_id, params.desil, params.reached, year, scope)

    def load(households):
        reached = coverage.reached_by([h.id for h in households], params.year)
        return [(h, reached.get(h.id, [])) for h in households]

    return paginated(statement, lambda pair: household_out(*pair), load=load)


@route("/target-households/<int:household_id>", "GET", summary="Satu rumah tangga sasaran (?reveal=1: NIK/KK "
       "lengkap untuk Bappeda/admin, dicatat di log audit)", tag=TAG, response=TargetHouseholdOut,
       permission="beneficiaries.view", query=RevealQuery)
def target_household(household_id: int, params: RevealQuery):
    _no_numbers_in_query()
    row = services.get_household(household_id, current_user)
    reached = coverage.reached_by([row.id]).get(row.id, [])
    if params.reveal:
        return _commit(household_out(row, reached, services.reveal(row, current_user)))
    return json_response(household_out(row, reached))


# ---- beneficiaries ------------------------------------------------------------------------------

@route("/activities/<int:activity_id>/beneficiaries", "POST", summary="Tambah penerima manfaat kegiatan untuk satu "
       "triwulan (JSON {year, quarter, people}, atau multipart: file .xlsx/.csv, quarter, year) dan cocokkan dengan "
       "daftar sasaran; baris bermasalah dilewati dan disebut di errors", tag=TAG, body=PeopleIn,
       response=AddResultOut, status=201, permission="beneficiaries.edit", statuses=(423,),
       form={"quarter": ({"type": "integer", "minimum": 1, "maximum": 4}, True),
             "year": ({"type": "integer", "description": "Bawaan: tahun kegiatan"}, False)})
def activity_beneficiaries_add(activity_id: int):
    _no_numbers_in_query()
    activity = get_activity(activity_id, "beneficiaries.edit", current_user)
    if request.mimetype.startswith("multipart/"):
        upload = _multipart_file()
        year = _form_int("year", 2000, 2100, default=activity.year)
        quarter = _form_int("quarter", 1, 4)
        result = services.add_from_file(activity, year, quarter, upload.stream, upload.filename, current_user)
    else:
        body = parse_body(PeopleIn)
        people = [p.model_dump() for p in body.people]
        result = services.add_people(activity, body.year, body.quarter, people, current_user)
    return _commit(AddResultOut.model_validate(result).model_dump(mode="json"), 201)


@route("/activities/<int:activity_id>/beneficiaries", "GET", summary="Penerima manfaat kegiatan (NIK/KK tersamar) "
       "dengan status kecocokannya", tag=TAG, response=BeneficiaryOut, many=True, permission="beneficiaries.view",
       query=PeopleQuery)
def activity_beneficiaries(activity_id: int, params: PeopleQuery):
    _no_numbers_in_query()
    _activity, statement = services.activity_people(activity_id, params.year, params.quarter, current_user)
    return paginated(statement, beneficiary_out)


@route("/beneficiaries/<int:beneficiary_id>", "GET", summary="Satu penerima manfaat (?reveal=1: NIK/KK lengkap "
       "untuk Bappeda/admin, dicatat di log audit)", tag=TAG, response=BeneficiaryOut,
       permission="beneficiaries.view", query=RevealQuery)
def beneficiary_get(beneficiary_id: int, params: RevealQuery):
    _no_numbers_in_query()
    row = services.get_beneficiary(beneficiary_id, current_user)
    if params.reveal:
        return _commit(beneficiary_out(row, services.reveal(row, current_user)))
    return json_response(beneficiary_out(row))


@route("/beneficiaries/<int:beneficiary_id>/match", "POST", summary="Konfirmasi kecocokan dengan rumah tangga "
       "sasaran (target_household_id) atau tolak (null); version wajib (409 jika usang)", tag=TAG, body=MatchIn,
       response=BeneficiaryOut, permission="beneficiaries.edit")
def beneficiary_match(beneficiary_id: int):
    _no_numbers_in_query()
    row = services.get_beneficiary(beneficiary_id, current_user)
    body = parse_body(MatchIn)
    services.decide_match(row, body.target_household_id, body.version, current_user)
    return _commit(beneficiary_out(row))


# ---- coverage -----------------------------------------------------------------------------------

@route("/coverage", "GET", summary="Cakupan daftar sasaran setahun: dijangkau, belum, per desil, per wilayah, "
       "dihitung ganda, di luar daftar (pengguna OPD: desa yang dicakupnya dan daftar OPD-nya)", tag=TAG,
       response=CoverageOut, permission="coverage.view", query=CoverageQuery)
def coverage_figures(params: CoverageQuery):
    _no_numbers_in_query()
    region_id = None
    if params.region_id is not None:
        region = db.session.get(Region, params.region_id)
        if region is None:
            raise NotFound(_("Wilayah tidak ditemukan."))
        region_id = region.id if region.level in ("kecamatan", "desa") else None
    scope = services.household_scope(current_user) if can(current_user, "beneficiaries.view") else None
    figures = coverage.coverage(params.year, region_id, scope=scope, agency_id=agency_scope(current_user))
    return json_response(CoverageOut.model_validate({**figures, "year": params.year, "region_id": region_id})
                         .model_dump(mode="json"))
