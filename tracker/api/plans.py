"""Action plan endpoints (api.md "Action plans"): activities, plan approval, totals, Excel."""

from __future__ import annotations

from typing import Literal

from flask import current_app, request, send_file
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from tracker.api.core import (
    given_fields,
    json_response,
    paginated,
    paginated_list,
    parse_body,
    route,
)
from tracker.api.params import AgencyFilter, SearchText, YearQuery, id_field, year_field
from tracker.api.plan_schemas import (
    ActivityIn,
    ActivityOut,
    ActivityPatch,
    AgreeIn,
    ImportResultOut,
    PlanOut,
    PlanTotalsOut,
)
from tracker.authz import agency_scope, ensure_agency_access
from tracker.errors import BadRequest, NotFound
from tracker.extensions import db
from tracker.plans import excel, excel_import, queries, services
from tracker.plans.models import Activity, Plan
from tracker.plans.validation import indicator_warnings, stored_indicator_dicts
from tracker.reference.models import Agency

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FundingCode = Literal["APBD_KAB", "APBD_PROV", "APBN", "DAK", "DANA_DESA", "CSR", "OTHER"]


class ActivityQuery(SearchText, AgencyFilter):
    """The filters of the plan list, shared by the list, the totals and the export."""

    year: int | None = year_field()
    strategy: Literal["S1", "S2", "S3"] | None = None
    funding_source: FundingCode | None = None
    region_id: int | None = id_field(description="Kecamatan (termasuk desanya) atau desa")
    kecamatan_id: int | None = id_field(description="Sama dengan region_id")


def activity_out(activity: Activity, plan_status: str) -> dict:
    data = {
        **{k: getattr(activity, k) for k in (
            "id", "agency_id", "year", "program", "kegiatan", "program_code", "kegiatan_code", "code", "name",
            "strategy", "funding_source", "budget", "budget_revised", "effective_budget", "target_beneficiaries",
            "beneficiary_unit", "created_at", "updated_at", "version")},
        "agency_code": activity.agency.code,
        "agency_name": activity.agency.short_name,
        "region_ids": [r.id for r in activity.regions],
        "regions": activity.regions,
        "indicators": activity.indicators,
        "revisions": activity.revisions,
        "warnings": indicator_warnings(stored_indicator_dicts(activity)),
        "plan_status": plan_status,
    }
    return ActivityOut.model_validate(data).model_dump(mode="json")


def _status_of(activity: Activity) -> str:
    plan = services.get_plan(activity.agency_id, activity.year)
    return plan.status if plan is not None else "draft"


def _reloaded(activity_id: int) -> dict:
    activity = services.get_activity(activity_id)
    return activity_out(activity, _status_of(activity))


def list_filters(params: ActivityQuery) -> queries.PlanFilters:
    filters = queries.PlanFilters(
        year=params.year, agency_id=params.agency_id, strategy=params.strategy,
        funding_source=params.funding_source, region_id=params.region_id or params.kecamatan_id,
        q=params.q.strip() or None,
    )
    if filters.agency_id is not None:
        ensure_agency_access(filters.agency_id, "plans.view")  # another OPD: 404
    return filters


# ---- activities -----------------------------------------------------------------------------------

@route("/activities", "GET", summary="Daftar kegiatan rencana aksi (tersaring, berhalaman)", tag="plans",
       response=ActivityOut, many=True, permission="plans.view", query=ActivityQuery)
def list_activities(params: ActivityQuery):
    filters = list_filters(params)
    return paginated(queries.activities_statement(filters, agency_scope()), _activity_with_plan_status,
                     load=_with_plan_statuses)


def _with_plan_statuses(rows: list[Activity]) -> list[tuple[Activity, str]]:
    plans = services.plan_statuses((a.agency_id, a.year) for a in rows)
    return [(a, plans[(a.agency_id, a.year)].status if (a.agency_id, a.year) in plans else "draft") for a in rows]


def _activity_with_plan_status(pair: tuple[Activity, str]) -> dict:
    return activity_out(*pair)


@route("/activities", "POST", summary="Tambah kegiatan", tag="plans", body=ActivityIn, response=ActivityOut,
       status=201, permission="plans.edit")
def create_activity():
    body = parse_body(ActivityIn)
    activity = services.create_activity(body.model_dump(), current_user)
    db.session.commit()
    return json_response(_reloaded(activity.id), 201)


@route("/activities/<int:activity_id>", "GET", summary="Satu kegiatan (dengan indikator dan riwayat revisi pagu)",
       tag="plans", response=ActivityOut, permission="plans.view")
def get_activity(activity_id: int):
    activity = services.get_activity(activity_id)
    return json_response(activity_out(activity, _status_of(activity)))


@route("/activities/<int:activity_id>", "PATCH", summary="Ubah kegiatan (version wajib; perubahan pagu setelah "
       "disepakati menjadi revisi APBD-P)", tag="plans", body=ActivityPatch, response=ActivityOut,
       permission="plans.edit")
def patch_activity(activity_id: int):
    activity = services.get_activity(activity_id, "plans.edit")
    changes = given_fields(parse_body(ActivityPatch))
    version = changes.pop("version")
    for key in [k for k, v in changes.items() if v is None and k not in ("budget_revised", "revision_reason")]:
        changes.pop(key)  # an explicit null means "leave as is" for the other fields
    services.update_activity(activity, changes, current_user, expected_version=version)
    db.session.commit()
    return json_response(_reloaded(activity_id))


@route("/activities/<int:activity_id>", "DELETE", summary="Hapus kegiatan (409 bila sudah ada laporan realisasi)",
       tag="plans", status=204, permission="plans.edit")
def delete_activity(activity_id: int):
    activity = services.get_activity(activity_id, "plans.edit")
    services.delete_activity(activity, current_user)
    db.session.commit()
    return "", 204


# ---- plans ----------------------------------------------------------------------------------------

def _plan_out(agency: Agency, year: int, plan: Plan | None, totals: dict) -> dict:
    return PlanOut.model_validate({
        "agency_id": agency.id, "agency_code": agency.code, "agency_name": agency.short_name, "year": year,
        "status": plan.status if plan else "draft", "agreed_at": plan.agreed_at if plan else None,
        "agreed_by_id": plan.agreed_by_id if plan else None, "note": plan.note if plan else "",
        "activities": totals.get("activities", 0), "budget": totals.get("budget", 0),
        "effective_budget": totals.get("effective_budget", 0), "version": plan.version if plan else None,
    }).model_dump(mode="json")


@route("/plans", "GET", summary="Rencana aksi per OPD untuk satu tahun: status dan total pagu", tag="plans",
       response=PlanOut, many=True, permission="plans.view", query=YearQuery)
def list_plans(params: YearQuery):
    year = params.year
    scope = agency_scope()
    totals = {r["agency_id"]: r for r in queries.totals_by_agency(queries.PlanFilters(year=year), scope)}
    stmt = select(Agency).where(Agency.active.is_(True)).order_by(Agency.code)
    if scope is not None:
        stmt = select(Agency).where(Agency.id == scope)
    agencies = db.session.scalars(stmt).all()
    plans = services.plan_statuses((a.id, year) for a in agencies)
    items = [_plan_out(a, year, plans.get((a.id, year)), totals.get(a.id, {})) for a in agencies]
    return paginated_list(items)


def _agency_for(agency_id: int, permission: str) -> Agency:
    ensure_agency_access(agency_id, permission)
    agency = db.session.get(Agency, agency_id)
    if agency is None:
        raise NotFound(_("OPD tidak ditemukan."))
    return agency


@route("/plans/<int:agency_id>/<int:year>", "GET", summary="Rencana aksi satu OPD satu tahun", tag="plans",
       response=PlanOut, permission="plans.view")
def get_plan(agency_id: int, year: int):
    agency = _agency_for(agency_id, "plans.view")
    totals = queries.totals_by_agency(queries.PlanFilters(year=year, agency_id=agency_id), None)
    return json_response(_plan_out(agency, year, services.get_plan(agency_id, year), totals[0] if totals else {}))


@route("/plans/<int:agency_id>/<int:year>/agree", "POST", summary="Sepakati rencana aksi OPD (koordinator); "
       "sesudahnya perubahan pagu dicatat sebagai revisi APBD-P", tag="plans", body=AgreeIn, response=PlanOut,
       permission="plans.approve")
def agree_plan(agency_id: int, year: int):
    agency = _agency_for(agency_id, "plans.approve")
    body = parse_body(AgreeIn)
    plan = services.agree_plan(agency_id, year, current_user, body.note or "", expected_version=body.version)
    db.session.commit()
    totals = queries.totals_by_agency(queries.PlanFilters(year=year, agency_id=agency_id), None)
    return json_response(_plan_out(agency, year, plan, totals[0] if totals else {}))


@route("/plan-totals", "GET", summary="Total pagu per OPD, strategi, sumber dana dan kecamatan (filter sama dengan "
       "/activities)", tag="plans", response=PlanTotalsOut, permission="plans.view", query=ActivityQuery)
def plan_totals(params: ActivityQuery):
    filters = list_filters(params)
    scope = agency_scope()
    grand = queries.grand_total(filters, scope)

    def rows(items, key, name):
        return [{"key": str(r[key]), "name": r[name], "activities": r["activities"], "budget": r["budget"],
                 "effective_budget": r["effective_budget"]} for r in items]

    return json_response(PlanTotalsOut.model_validate({
        "year": filters.year, **grand,
        "agencies": rows(queries.totals_by_agency(filters, scope), "agency_id", "short_name"),
        "strategies": rows(queries.totals_by_strategy(filters, scope), "strategy", "name"),
        "funding_sources": rows(queries.totals_by_funding(filters, scope), "funding_source", "name"),
        "kecamatan": rows(queries.totals_by_kecamatan(filters, scope), "region_id", "name"),
    }).model_dump(mode="json"))


# ---- Excel ----------------------------------------------------------------------------------------

@route("/plans/<int:agency_id>/<int:year>/template.xlsx", "GET", summary="Template Excel rencana aksi OPD "
       "(terisi data, dengan daftar pilihan dan petunjuk)", tag="plans", permission="plans.view", binary=XLSX)
def plan_template(agency_id: int, year: int):
    agency = _agency_for(agency_id, "plans.view")
    stream = excel.build_template(agency, year)
    return send_file(stream, mimetype=XLSX, as_attachment=True, download_name=excel.template_filename(agency, year))


@route("/plans/<int:agency_id>/<int:year>/import", "POST", summary="Unggah template Excel (multipart, field file): "
       "semua baris atau tidak sama sekali; 422 memuat setiap sel yang salah", tag="plans",
       response=ImportResultOut, permission="plans.edit", upload=True)
def plan_import(agency_id: int, year: int):
    agency = _agency_for(agency_id, "plans.edit")
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise BadRequest(_("Kirim berkas Excel pada field 'file' (multipart/form-data)."), {"file": _("Wajib diisi.")})
    result = excel_import.import_plan(agency, year, upload.stream, current_user)
    db.session.commit()
    current_app.logger.info("plan import %s %s: %s", agency.code, year, result)
    return json_response(result)


@route("/plans/export.xlsx", "GET", summary="Ekspor kegiatan tersaring ke Excel", tag="plans",
       permission="plans.view", binary=XLSX, query=ActivityQuery)
def plan_export(params: ActivityQuery):
    filters = list_filters(params)
    stream = excel.export_activities(filters, agency_scope())
    return send_file(stream, mimetype=XLSX, as_attachment=True, download_name=excel.export_filename(filters))
