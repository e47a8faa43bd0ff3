"""CSR endpoints over many records (api.md "CSR"): the commitment and contribution lists, bulk review
and the figures per company, sector, strategy, kecamatan and year.  A company user's lists hold only
their own company; asking for another company's answers 404."""

from __future__ import annotations

from typing import Literal

from flask import jsonify
from flask_login import current_user
from pydantic import Field
from sqlalchemy.orm import selectinload

from tracker.api.core import json_response, paginated, parse_body, route
from tracker.api.csr_schemas import (
    CommitmentOut,
    ContributionBulkIn,
    ContributionBulkOut,
    ContributionOut,
    CsrSummaryOut,
    Status,
    commitment_out,
    contribution_out,
    figures,
)
from tracker.api.params import PLAIN_TEXT, SearchText, id_field, year_field
from tracker.authz import company_scope, ensure_company_access, require
from tracker.csr import queries, services
from tracker.csr.models import CsrCommitment, CsrContribution
from tracker.extensions import db

TAG = "csr"
StrategyCode = Literal["S1", "S2", "S3"]


class CsrQuery(SearchText):
    """The filters shared by the lists and the figures."""

    year: int | None = year_field(description="Tahun komitmen")
    company_id: int | None = id_field(description="Satu perusahaan (pengguna perusahaan: hanya perusahaannya sendiri)")
    strategy: StrategyCode | None = None
    region_id: int | None = id_field(description="Kecamatan (termasuk desanya) atau desa")


class CommitmentQuery(CsrQuery):
    activity_id: int | None = id_field(description="Komitmen yang mendukung satu kegiatan OPD")


class SummaryQuery(CsrQuery):
    sector: str | None = Field(default=None, max_length=100, pattern=PLAIN_TEXT, description="Sektor perusahaan")


class ContributionQuery(CsrQuery):
    status: Status | None = None
    kind: Literal["cash", "in_kind"] | None = None
    commitment_id: int | None = id_field(description="Kontribusi satu komitmen")


def csr_filters(params: CsrQuery) -> queries.CsrFilters:
    """The query's filters, with the company scope: a company user's own company, or the one asked for
    after the access check (another company: 404)."""
    company_id = params.company_id
    if company_id is not None:
        ensure_company_access(company_id, "csr.view", current_user)
    else:
        company_id = company_scope(current_user)
    return queries.CsrFilters(year=params.year, company_id=company_id, strategy=params.strategy,
                              sector=getattr(params, "sector", None) or None, region_id=params.region_id,
                              q=params.q.strip() or None)


@route("/csr/commitments", "GET", summary="Daftar komitmen CSR (tersaring, berhalaman)", tag=TAG,
       response=CommitmentOut, many=True, permission="csr.view", query=CommitmentQuery)
def csr_list_commitments(params: CommitmentQuery):
    stmt = queries.commitment_list(csr_filters(params)).options(
        selectinload(CsrCommitment.regions), selectinload(CsrCommitment.revisions))
    if params.activity_id is not None:
        stmt = stmt.where(CsrCommitment.activity_id == params.activity_id)
    return paginated(stmt, lambda pair: commitment_out(*pair), load=_with_sums)


def _with_sums(commitments: list[CsrCommitment]) -> list[tuple[CsrCommitment, dict]]:
    sums = queries.contributed_by_commitment(c.id for c in commitments)
    return [(c, sums[c.id]) for c in commitments]


@route("/csr/contributions", "GET", summary="Daftar kontribusi CSR (terbaru dahulu; status=submitted: antrean "
       "verifikasi)", tag=TAG, response=ContributionOut, many=True, permission="csr.view", query=ContributionQuery)
def csr_list_contributions(params: ContributionQuery):
    stmt = queries.contribution_list(csr_filters(params), status=params.status, commitment_id=params.commitment_id)
    if params.kind is not None:
        stmt = stmt.where(CsrContribution.kind == params.kind)
    return paginated(stmt.options(selectinload(CsrContribution.attachments)), contribution_out)


@route("/csr/contributions/bulk", "POST", summary="Ajukan, verifikasi atau kembalikan banyak kontribusi sekaligus "
       "(masing-masing dengan aturannya sendiri)", tag=TAG, body=ContributionBulkIn, response=ContributionBulkOut,
       permission="csr.submit")
def csr_bulk_contributions():
    body = parse_body(ContributionBulkIn)
    require(services.PERMISSION[body.action], current_user)
    done, errors = services.transition_many(body.action, body.contribution_ids, current_user, body.comment or "")
    db.session.commit()
    return jsonify({"done": done, "errors": {str(k): v for k, v in errors.items()}})


@route("/csr/summary", "GET", summary="Komitmen dan kontribusi CSR: total, per perusahaan, sektor, strategi, "
       "kecamatan dan tahun", tag=TAG, response=CsrSummaryOut, permission="csr.view", query=SummaryQuery)
def csr_summary(params: SummaryQuery):
    f = csr_filters(params)
    return json_response(CsrSummaryOut.model_validate({
        "totals": figures(queries.totals(f)),
        "by_company": [figures(r) for r in queries.by_company(f)],
        "by_sector": [figures(r) for r in queries.by_sector(f)],
        "by_strategy": [figures(r) for r in queries.by_strategy(f)],
        "by_kecamatan": [figures(r) for r in queries.by_kecamatan(f)],
        "by_year": [figures(r) for r in queries.by_year(f)],
    }).model_dump(mode="json"))
