"""The desa a list row names, this kabupaten's NIK prefix, and the desa an OPD's activities cover."""

from __future__ import annotations

import re

from sqlalchemy import Select, or_, select

from tracker.extensions import db
from tracker.plans.models import Activity, activity_region
from tracker.reference.models import Region

_NOT_DIGIT = re.compile(r"\D")


def desa_codes() -> dict[str, int]:
    """Every desa by its code, dotted ("62.02.01.2001") and as bare digits ("6202012001")."""
    found = {}
    for region_id, code in db.session.execute(select(Region.id, Region.code).where(Region.level == "desa")):
        found[code] = region_id
        found[_NOT_DIGIT.sub("", code)] = region_id
    return found


def desa_id(codes: dict[str, int], value) -> int | None:
    if value is None:
        return None
    text = str(value).strip().split(" ")[0]
    return codes.get(text) or codes.get(_NOT_DIGIT.sub("", text))


def kabupaten_prefix() -> str:
    """The 4 digits a NIK issued here starts with ("6202" for 62.02)."""
    code = db.session.scalar(select(Region.code).where(Region.level == "kabupaten").order_by(Region.id).limit(1))
    return _NOT_DIGIT.sub("", code or "")[:4]


def covered_desa(agency_id: int) -> Select:
    """The desa the OPD's activities name, directly or through their kecamatan (any year)."""
    linked = select(activity_region.c.region_id).join(Activity, Activity.id == activity_region.c.activity_id) \
        .where(Activity.agency_id == agency_id)
    return select(Region.id).where(Region.level == "desa", or_(Region.id.in_(linked), Region.parent_id.in_(linked)))


def within(region_id: int | None) -> Select | None:
    """The desa inside a region (a kecamatan's desa, or the desa itself); ``None`` = all of them."""
    if region_id is None:
        return None
    return select(Region.id).where(Region.level == "desa", or_(Region.id == region_id, Region.parent_id == region_id))
