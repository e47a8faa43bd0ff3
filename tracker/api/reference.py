"""Reference data endpoints: OPDs, companies, regions, strategies, funding sources."""

from pydantic import Field
from sqlalchemy import select

from tracker.api.core import dump, given_fields, json_response, paginated, parse_body, route
from tracker.api.params import SearchText, id_field
from tracker.api.schemas import (
    AgencyIn,
    AgencyOut,
    AgencyPatch,
    CompanyIn,
    CompanyOut,
    CompanyPatch,
    FundingSourceOut,
    RegionIn,
    RegionLevelName,
    RegionOut,
    StrategyOut,
)
from tracker.authz import company_scope, ensure_company_access
from tracker.database import get_or_404
from tracker.extensions import db
from tracker.reference import queries, services
from tracker.reference.models import Agency, Company, FundingSource, Region, Strategy

# ---- agencies ----------------------------------------------------------------------------------

class AgencyQuery(SearchText):
    active: bool | None = Field(default=None, description="Hanya yang aktif (true) atau nonaktif (false)")


class RegionQuery(SearchText):
    level: RegionLevelName | None = None
    parent_id: int | None = id_field(description="Anak langsung wilayah ini")


@route("/agencies", "GET", summary="Daftar OPD", tag="reference", response=AgencyOut, many=True,
       permission="agencies.view", query=AgencyQuery)
def list_agencies(params: AgencyQuery):
    stmt = queries.agency_list(params.q.strip(), active=params.active)
    return paginated(stmt, lambda a: dump(AgencyOut, a))


@route("/agencies", "POST", summary="Tambah OPD", tag="reference", body=AgencyIn, response=AgencyOut,
       status=201, permission="agencies.manage")
def create_agency():
    agency = services.create_agency(parse_body(AgencyIn).model_dump())
    db.session.commit()
    return json_response(dump(AgencyOut, agency), 201)


@route("/agencies/<int:agency_id>", "GET", summary="Satu OPD", tag="reference", response=AgencyOut,
       permission="agencies.view")
def get_agency(agency_id: int):
    return json_response(dump(AgencyOut, get_or_404(Agency, agency_id)))


@route("/agencies/<int:agency_id>", "PATCH", summary="Ubah OPD", tag="reference", body=AgencyPatch,
       response=AgencyOut, permission="agencies.manage")
def patch_agency(agency_id: int):
    agency = get_or_404(Agency, agency_id)
    changes = given_fields(parse_body(AgencyPatch))
    version = changes.pop("version")
    services.update_agency(agency, changes, expected_version=version)
    db.session.commit()
    return json_response(dump(AgencyOut, agency))


# ---- companies ---------------------------------------------------------------------------------

@route("/companies", "GET", summary="Daftar perusahaan", tag="reference", response=CompanyOut, many=True,
       permission="companies.view", query=SearchText)
def list_companies(params: SearchText):
    stmt = queries.company_list(params.q.strip(), company_id=company_scope())
    return paginated(stmt, lambda c: dump(CompanyOut, c))


@route("/companies", "POST", summary="Tambah perusahaan", tag="reference", body=CompanyIn,
       response=CompanyOut, status=201, permission="companies.manage")
def create_company():
    company = services.create_company(parse_body(CompanyIn).model_dump())
    db.session.commit()
    return json_response(dump(CompanyOut, company), 201)


@route("/companies/<int:company_id>", "GET", summary="Satu perusahaan", tag="reference",
       response=CompanyOut, permission="companies.view")
def get_company(company_id: int):
    ensure_company_access(company_id, "companies.view")
    return json_response(dump(CompanyOut, get_or_404(Company, company_id)))


@route("/companies/<int:company_id>", "PATCH", summary="Ubah perusahaan", tag="reference",
       body=CompanyPatch, response=CompanyOut, permission="companies.manage")
def patch_company(company_id: int):
    company = get_or_404(Company, company_id)
    changes = given_fields(parse_body(CompanyPatch))
    version = changes.pop("version")
    services.update_company(company, changes, expected_version=version)
    db.session.commit()
    return json_response(dump(CompanyOut, company))


# ---- regions, strategies, funding sources ---------------------------------------------------------

@route("/regions", "GET", summary="Daftar wilayah (kabupaten, kecamatan, desa)", tag="reference",
       response=RegionOut, many=True, permission="regions.view",
       query=RegionQuery)
def list_regions(params: RegionQuery):
    stmt = queries.region_list(params.q.strip(), params.level, params.parent_id)
    return paginated(stmt, lambda r: dump(RegionOut, r))


@route("/regions", "POST", summary="Tambah wilayah", tag="reference", body=RegionIn, response=RegionOut,
       status=201, permission="regions.manage")
def create_region():
    region = services.create_region(parse_body(RegionIn).model_dump())
    db.session.commit()
    return json_response(dump(RegionOut, region), 201)


@route("/regions/<int:region_id>", "GET", summary="Satu wilayah", tag="reference", response=RegionOut,
       permission="regions.view")
def get_region(region_id: int):
    return json_response(dump(RegionOut, get_or_404(Region, region_id)))


@route("/strategies", "GET", summary="Tiga strategi Inpres 4/2022", tag="reference", response=StrategyOut,
       many=True, permission="regions.view")
def list_strategies():
    return paginated(select(Strategy).order_by(Strategy.sort_order), lambda s: dump(StrategyOut, s))


@route("/funding-sources", "GET", summary="Sumber dana", tag="reference", response=FundingSourceOut,
       many=True, permission="regions.view")
def list_funding_sources():
    return paginated(select(FundingSource).order_by(FundingSource.sort_order), lambda f: dump(FundingSourceOut, f))
