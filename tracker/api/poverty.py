"""Poverty data endpoints (api.md "Poverty data"): statistics, targets and household counts by desil,
and the figures (the summary of a year; money against poverty).

Everyone with read access reads (``poverty.view``: companies too, the poor's whereabouts are what
their CSR should follow); coordinators and admins write (``poverty.edit``).  A second row with the
same key (statistic: region/year/month/source; target: region/year/measure; household count:
region/year/source) is ``409 conflict`` naming it, unless the body says ``replace: true``: then the
stored row takes the new values (``201`` with ``replaced: true``).  ``PATCH`` needs the ``version``
it read; ``DELETE`` may send it as ``?version=`` (stale: 409).
"""

from __future__ import annotations

from flask import Response
from flask_login import current_user
from pydantic import Field

from tracker.api.core import given_fields, json_response, paginated, parse_body, route
from tracker.api.params import Query, id_field, year_field
from tracker.api.poverty_schemas import (
    HouseholdIn,
    HouseholdOut,
    HouseholdPatch,
    HouseholdSource,
    Measure,
    MoneyVsPovertyOut,
    PovertySummaryOut,
    Source,
    StatIn,
    StatOut,
    StatPatch,
    TargetIn,
    TargetOut,
    TargetPatch,
    household_out,
    stat_out,
    target_out,
)
from tracker.extensions import db
from tracker.poverty import queries, services
from tracker.poverty.money import money_vs_poverty
from tracker.types import jakarta_now

TAG = "poverty"
VIEW, EDIT = "poverty.view", "poverty.edit"
STAT = "/poverty-stats/<int:stat_id>"
TARGET = "/targets/<int:target_id>"
HOUSEHOLD = "/household-counts/<int:household_id>"


class StatQuery(Query):
    region_id: int | None = id_field(description="Satu wilayah (kabupaten atau kecamatan)")
    year: int | None = year_field(description="Tahun data")
    source: Source | None = None


class TargetQuery(Query):
    region_id: int | None = id_field(description="Satu wilayah")
    year: int | None = year_field(description="Tahun target")
    measure: Measure | None = None


class HouseholdQuery(Query):
    region_id: int | None = id_field(description="Kecamatan (termasuk desanya) atau desa")
    year: int | None = year_field(description="Tahun data")
    source: HouseholdSource | None = None


class VersionQuery(Query):
    version: int | None = Field(default=None, ge=1, le=2**31 - 1, description="Versi yang dibaca (usang: 409)")


class FiguresQuery(Query):
    year: int | None = year_field(description="Tahun (bawaan: tahun terbaru yang punya data)")
    source: HouseholdSource | None = Field(default=None, description="Sumber data rumah tangga untuk peringkat "
                                                                      "kecamatan (bawaan: DTSEN, else P3KE)")


def _commit(body: dict, status: int = 200):
    db.session.commit()
    return json_response(body, status)


def _create(create, body_model, out):
    data = parse_body(body_model).model_dump()
    replace = data.pop("replace")
    row, replaced = create(data, current_user, replace=replace)
    return _commit(out(row, replaced), 201)


def _patch(row, update, patch_model, out):
    changes = given_fields(parse_body(patch_model))
    version = changes.pop("version")
    update(row, changes, current_user, version)
    return _commit(out(row))


def _delete(row, delete, params: VersionQuery):
    delete(row, current_user, params.version)
    db.session.commit()
    return Response(status=204)


# ---- statistics -------------------------------------------------------------------------------

@route("/poverty-stats", "GET", summary="Daftar statistik kemiskinan per wilayah, tahun, putaran dan sumber",
       tag=TAG, response=StatOut, many=True, permission=VIEW, query=StatQuery)
def poverty_list_stats(params: StatQuery):
    return paginated(queries.stat_list(params.region_id, params.year, params.source), stat_out)


@route("/poverty-stats", "POST", summary="Catat statistik kemiskinan (ukuran boleh null; kunci sama: 409 kecuali "
       "replace=true)", tag=TAG, body=StatIn, response=StatOut, status=201, permission=EDIT)
def poverty_create_stat():
    return _create(services.create_stat, StatIn, stat_out)


@route(STAT, "GET", summary="Satu statistik kemiskinan", tag=TAG, response=StatOut, permission=VIEW)
def poverty_get_stat(stat_id: int):
    return json_response(stat_out(services.get_stat(stat_id)))


@route(STAT, "PATCH", summary="Ubah statistik kemiskinan (version wajib; null mengosongkan ukuran)", tag=TAG,
       body=StatPatch, response=StatOut, permission=EDIT)
def poverty_patch_stat(stat_id: int):
    return _patch(services.get_stat(stat_id), services.update_stat, StatPatch, stat_out)


@route(STAT, "DELETE", summary="Hapus statistik kemiskinan", tag=TAG, status=204, permission=EDIT,
       query=VersionQuery)
def poverty_delete_stat(stat_id: int, params: VersionQuery):
    return _delete(services.get_stat(stat_id), services.delete_stat, params)


# ---- targets ----------------------------------------------------------------------------------

@route("/targets", "GET", summary="Daftar target kemiskinan (RPJMD/RPKD) per tahun", tag=TAG, response=TargetOut,
       many=True, permission=VIEW, query=TargetQuery)
def poverty_list_targets(params: TargetQuery):
    return paginated(queries.target_list(params.region_id, params.year, params.measure), target_out)


@route("/targets", "POST", summary="Catat target kemiskinan (kunci sama: 409 kecuali replace=true)", tag=TAG,
       body=TargetIn, response=TargetOut, status=201, permission=EDIT)
def poverty_create_target():
    return _create(services.create_target, TargetIn, target_out)


@route(TARGET, "GET", summary="Satu target kemiskinan", tag=TAG, response=TargetOut, permission=VIEW)
def poverty_get_target(target_id: int):
    return json_response(target_out(services.get_target(target_id)))


@route(TARGET, "PATCH", summary="Ubah target kemiskinan (version wajib)", tag=TAG, body=TargetPatch,
       response=TargetOut, permission=EDIT)
def poverty_patch_target(target_id: int):
    return _patch(services.get_target(target_id), services.update_target, TargetPatch, target_out)


@route(TARGET, "DELETE", summary="Hapus target kemiskinan", tag=TAG, status=204, permission=EDIT, query=VersionQuery)
def poverty_delete_target(target_id: int, params: VersionQuery):
    return _delete(services.get_target(target_id), services.delete_target, params)


# ---- household counts -------------------------------------------------------------------------

@route("/household-counts", "GET", summary="Daftar jumlah rumah tangga dan jiwa miskin per desil (P3KE/DTSEN) "
       "per kecamatan/desa", tag=TAG, response=HouseholdOut, many=True, permission=VIEW, query=HouseholdQuery)
def poverty_list_households(params: HouseholdQuery):
    return paginated(queries.household_list(params.region_id, params.year, params.source), household_out)


@route("/household-counts", "POST", summary="Catat jumlah rumah tangga miskin per desil (kunci sama: 409 kecuali "
       "replace=true)", tag=TAG, body=HouseholdIn, response=HouseholdOut, status=201, permission=EDIT)
def poverty_create_household():
    return _create(services.create_household, HouseholdIn, household_out)


@route(HOUSEHOLD, "GET", summary="Satu data jumlah rumah tangga miskin", tag=TAG, response=HouseholdOut,
       permission=VIEW)
def poverty_get_household(household_id: int):
    return json_response(household_out(services.get_household(household_id)))


@route(HOUSEHOLD, "PATCH", summary="Ubah jumlah rumah tangga miskin (version wajib)", tag=TAG, body=HouseholdPatch,
       response=HouseholdOut, permission=EDIT)
def poverty_patch_household(household_id: int):
    return _patch(services.get_household(household_id), services.update_household, HouseholdPatch, household_out)


@route(HOUSEHOLD, "DELETE", summary="Hapus data jumlah rumah tangga miskin", tag=TAG, status=204, permission=EDIT,
       query=VersionQuery)
def poverty_delete_household(household_id: int, params: VersionQuery):
    return _delete(services.get_household(household_id), services.delete_household, params)


# ---- figures ----------------------------------------------------------------------------------

def _year(params: FiguresQuery) -> int:
    if params.year is not None:
        return params.year
    found = queries.years()
    return found[0] if found else jakarta_now().year


def _region(region) -> dict | None:
    return {"id": region.id, "code": region.code, "name": region.name} if region is not None else None


@route("/poverty/summary", "GET", summary="Ringkasan kemiskinan satu tahun: tren kabupaten dan target, perubahan "
       "dari tahun lalu, peringkat kecamatan dengan kantong kemiskinan, perbedaan antar sumber", tag=TAG,
       response=PovertySummaryOut, permission=VIEW, query=FiguresQuery)
def poverty_summary(params: FiguresQuery):
    year = _year(params)
    data = queries.summary(year)
    data["ranking"] = queries.kecamatan_ranking(year, params.source)
    data["kabupaten"] = _region(data["kabupaten"])
    return json_response(PovertySummaryOut.model_validate(data).model_dump(mode="json"))


@route("/poverty/money-vs-poverty", "GET", summary="Per kecamatan: bagian rumah tangga miskin dibanding bagian "
       "anggaran OPD dan komitmen CSR; kantong kemiskinan yang menerima sedikit ditandai", tag=TAG,
       response=MoneyVsPovertyOut, permission=VIEW, query=FiguresQuery)
def poverty_money_vs_poverty(params: FiguresQuery):
    data = money_vs_poverty(_year(params), params.source)
    return json_response(MoneyVsPovertyOut.model_validate(data).model_dump(mode="json"))
