"""The reference lists, one query each, shared by the pages, the API and the exports."""

from __future__ import annotations

from flask import g
from sqlalchemy import or_, select
from sqlalchemy.sql import Select

from tracker.database import text_search
from tracker.extensions import db
from tracker.reference.models import Agency, Company, FundingSource, Region


def agency_list(q: str = "", active: bool | None = None) -> Select:
    stmt = select(Agency).order_by(Agency.code)
    if q:
        stmt = stmt.where(text_search(q, Agency.code, Agency.name, Agency.short_name))
    if active is not None:
        stmt = stmt.where(Agency.active.is_(active))
    return stmt


def company_list(q: str = "", active: bool | None = None, company_id: int | None = None) -> Select:
    """``company_id``: a company user's own company only."""
    stmt = select(Company).order_by(Company.name)
    if company_id is not None:
        stmt = stmt.where(Company.id == company_id)
    if q:
        stmt = stmt.where(text_search(q, Company.name, Company.sector, Company.contact_name))
    if active is not None:
        stmt = stmt.where(Company.active.is_(active))
    return stmt


def region_list(q: str = "", level: str | None = None, parent_id: int | None = None, *,
                subtree: bool = False) -> Select:
    """Regions by code; ``parent_id`` gives its children, or with ``subtree`` its whole subtree (at most
    two levels below a kabupaten)."""
    stmt = select(Region).order_by(Region.code)
    if parent_id is not None:
        if subtree:
            children = select(Region.id).where(Region.parent_id == parent_id)
            stmt = stmt.where(or_(Region.parent_id == parent_id, Region.parent_id.in_(children)))
        else:
            stmt = stmt.where(Region.parent_id == parent_id)
    if level:
        stmt = stmt.where(Region.level == level)
    if q:
        stmt = stmt.where(or_(text_search(q, Region.name), Region.code.startswith(q, autoescape=True)))
    return stmt


def funding_name(code: str | None) -> str:
    """'APBD_KAB' -> 'APBD Kabupaten/Kota' (names are seeded reference data; one query per request)."""
    names = g.get("_funding_names")
    if names is None:
        names = g._funding_names = dict(db.session.execute(select(FundingSource.code, FundingSource.name)).all())
    return names.get(code, code or "–")
