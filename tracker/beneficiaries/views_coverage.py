"""Pages of the by-name lists: coverage of the target list for the Rakor.  Per kecamatan (and per desa
below a chosen kecamatan): target households, reached by at least one program, by none, by desil;
people counted by several OPDs for the same kind of help, and people outside the target list; the
desil-1 households no program reached (names, NIK masked) for the camat to follow up; an Excel export.

Who sees what: coordinators and admins the whole kabupaten; an OPD user the target households in the
desa its activities cover, and its own lists for double counting and outside-the-list; viewers the
figures but no names (the unreached list answers them 403); company users nothing.
"""

from __future__ import annotations

from flask import render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from tracker.authz import agency_scope, can, permission_required
from tracker.beneficiaries import bp, coverage, services
from tracker.beneficiaries.charts import coverage_chart
from tracker.beneficiaries.lists_excel import coverage_workbook
from tracker.beneficiaries.models import Beneficiary, TargetHousehold, TargetList
from tracker.beneficiaries.views_lists import desa_names
from tracker.errors import NotFound
from tracker.extensions import db
from tracker.files import xlsx_download
from tracker.formatting import date_id
from tracker.periods.services import MAX_YEAR, MIN_YEAR
from tracker.reference.models import Region
from tracker.types import jakarta_now
from tracker.web import page_arg

PER_PAGE = 50


def definitions(agency: bool) -> list[tuple[str, str]]:
    """What each figure counts, in plain words (``coverage``'s definitions); the keys are the labels."""
    own = _(" Untuk OPD Anda: hanya daftar penerima OPD Anda.") if agency else ""
    return [
        (_("Rumah tangga sasaran"), _("Rumah tangga (kepala keluarga) yang tercatat aktif di daftar sasaran terbaru "
                                      "(DTSEN/P3KE/DTKS) di wilayah ini.")
         + (_(" Untuk OPD Anda: hanya desa yang dicakup kegiatan OPD Anda.") if agency else "")),
        (_("Dijangkau minimal satu program"), _("Rumah tangga sasaran yang pada tahun ini tercatat di daftar penerima "
                                                "manfaat setidaknya satu kegiatan, cocok menurut NIK/KK atau "
                                                "dikonfirmasi petugas. Kemungkinan cocok belum dihitung sampai "
                                                "dikonfirmasi.")),
        (_("Belum dijangkau program apa pun"), _("Rumah tangga sasaran yang tidak tercatat di daftar penerima manfaat "
                                                 "kegiatan mana pun pada tahun ini.")),
        (_("Persentase dijangkau"), _("Dijangkau dibagi rumah tangga sasaran.")),
        (_("Dihitung ganda (beberapa OPD, jenis bantuan sama)"),
         _("Orang (rumah tangga sasaran yang cocok, atau NIK yang sama) yang tercatat di daftar dua OPD atau lebih "
           "untuk strategi (jenis bantuan) yang sama pada tahun ini.")
         + (_(" Untuk OPD Anda: orang di daftar OPD Anda yang juga ada di daftar OPD lain.") if agency else "")),
        (_("Di luar daftar sasaran"), _("Penerima manfaat tahun ini yang tidak cocok dengan rumah tangga sasaran aktif "
                                        "mana pun (tidak ditemukan, atau kecocokannya ditolak), dihitung sekali per "
                                        "NIK: kemungkinan salah sasaran (inclusion error).") + own),
    ]


# ---- the request's year, region and scope -----------------------------------------------------

def _years() -> list[int]:
    found = set(db.session.scalars(select(Beneficiary.year).distinct()))
    return sorted(found | {jakarta_now().year}, reverse=True)


def year_arg() -> int:
    raw = (request.args.get("year") or "").strip()
    if raw.isdecimal() and len(raw) <= 4 and MIN_YEAR <= int(raw) <= MAX_YEAR:
        return int(raw)
    latest = db.session.scalar(select(func.max(Beneficiary.year)))
    return latest or jakarta_now().year


def region_arg() -> Region | None:
    """``?region_id=``: a kecamatan or a desa; anything else (the kabupaten, nothing) is the whole."""
    raw = (request.args.get("region_id") or "").strip()
    if not raw:
        return None
    region = db.session.get(Region, int(raw)) if raw.isdecimal() and len(raw) <= 9 else None
    if region is None:
        raise NotFound(_("Wilayah tidak ditemukan."))
    return region if region.level in ("kecamatan", "desa") else None


def desil_arg(default: int | None) -> int | None:
    """``?desil=`` 1–10; anything else (nothing, a word, 11) is ``default``."""
    raw = (request.args.get("desil") or "").strip()
    return int(raw) if raw.isdecimal() and 1 <= int(raw) <= 10 else default


def scope_of(user):
    """(desa scope, agency id): an OPD user's covered desa and own lists; ``None`` = everything."""
    scope = services.household_scope(user) if can(user, "beneficiaries.view") else None
    return scope, agency_scope(user)


def trail(region: Region | None) -> list[Region]:
    """Kabupaten → kecamatan → desa, for the breadcrumb."""
    found = []
    while region is not None:
        found.insert(0, region)
        region = db.session.get(Region, region.parent_id) if region.parent_id else None
    return found


def figures_for(year: int, region: Region | None) -> dict:
    scope, agency_id = scope_of(current_user)
    figures = coverage.coverage(year, region.id if region else None, scope=scope, agency_id=agency_id)
    ids = [r["region_id"] for r in figures["by_region"]]
    names = {r.id: r for r in db.session.scalars(select(Region).where(Region.id.in_(ids)))} if ids else {}
    rows = []
    for r in figures["by_region"]:
        place = names.get(r["region_id"])
        rows.append({**r, "name": place.name if place else "–", "code": place.code if place else "",
                     "level": place.level if place else "", "unreached": r["target"] - r["reached"],
                     "pct": r["reached"] * 100 / r["target"] if r["target"] else None})
    total = figures["target_households"]
    return {**figures, "rows": rows, "scope": scope, "agency_id": agency_id,
            "pct": figures["reached"] * 100 / total if total else None,
            "desil_rows": [{**d, "unreached": d["target"] - d["reached"],
                            "pct": d["reached"] * 100 / d["target"] if d["target"] else None}
                           for d in figures["by_desil"]]}


def latest_list():
    return db.session.execute(select(TargetList.source, TargetList.as_of).order_by(TargetList.id.desc())
                              .limit(1)).first()


def region_choices() -> list[tuple[Region, list[Region]]]:
    regions = db.session.scalars(select(Region).where(Region.level.in_(("kecamatan", "desa")))
                                 .order_by(Region.code)).all()
    kecamatan = [r for r in regions if r.level == "kecamatan"]
    return [(k, [d for d in regions if d.parent_id == k.id]) for k in kecamatan]


def _unreached_count(year: int, region: Region | None, scope) -> int:
    sub = coverage.unreached(year, region.id if region else None, scope, desil=1).subquery()
    return db.session.scalar(select(func.count()).select_from(sub)) or 0


# ---- pages --------------------------------------------------------------------------------------

@bp.route("/coverage", endpoint="coverage")
@permission_required("coverage.view")
def coverage_page():
    year, region = year_arg(), region_arg()
    data = figures_for(year, region)
    names = can(current_user, "beneficiaries.view")
    chart = coverage_chart(data["rows"], key="coverage-page")
    level_title = _("Desa/kelurahan") if region is not None else _("Kecamatan")
    return render_template(
        "beneficiaries/coverage_index.html", year=year, years=sorted(set(_years()) | {year}, reverse=True),
        region=region, trail=trail(region), data=data, chart=chart, level_title=level_title,
        definitions=dict(definitions(data["agency_id"] is not None)), latest=latest_list(),
        choices=region_choices(), show_names=names,
        unreached_count=_unreached_count(year, region, data["scope"]) if names else None)


@bp.route("/coverage/unreached")
@permission_required("beneficiaries.view")
def unreached():
    year, region = year_arg(), region_arg()
    desil = desil_arg(1)
    scope = services.household_scope(current_user)
    query = coverage.unreached(year, region.id if region else None, scope, desil=desil)
    pagination = db.paginate(query, page=page_arg(), per_page=PER_PAGE, error_out=False)
    return render_template("beneficiaries/coverage_unreached.html", year=year, region=region, trail=trail(region),
                           desil=desil, pagination=pagination, rows=pagination.items,
                           desa=desa_names(h.region_id for h in pagination.items), years=_years())


def _unreached_rows(year: int, region: Region | None, scope):
    desa, kecamatan = aliased(Region), aliased(Region)
    sub = coverage.unreached(year, region.id if region else None, scope, desil=1).subquery()
    household = aliased(TargetHousehold, sub)
    query = (select(household.nik_masked, household.name, household.birth_date, household.address, desa.name,
                    kecamatan.name, household.desil)
             .join(desa, desa.id == household.region_id).outerjoin(kecamatan, kecamatan.id == desa.parent_id)
             .order_by(kecamatan.code, desa.code, household.name_key, household.id))
    yield from db.session.execute(query.execution_options(yield_per=2000))


@bp.route("/coverage.xlsx")
@permission_required("coverage.view")
def coverage_xlsx():
    year, region = year_arg(), region_arg()
    data = figures_for(year, region)
    place = " › ".join(r.name for r in trail(region)) if region else _("Seluruh kabupaten")
    latest = latest_list()
    heading = [_("Cakupan daftar sasaran oleh program, tahun %(y)s", y=year), _("Wilayah: %(w)s", w=place),
               _("Daftar sasaran: %(s)s per %(d)s", s=latest.source, d=date_id(latest.as_of)) if latest
               else _("Belum ada daftar sasaran."),
               _("Diunduh %(t)s oleh %(u)s; NIK disamarkan.", t=date_id(jakarta_now()), u=current_user.username)]
    if data["agency_id"] is not None:
        heading.append(_("Untuk OPD Anda: desa yang dicakup kegiatan OPD Anda."))
    rows = (_unreached_rows(year, region, data["scope"]) if can(current_user, "beneficiaries.view") else None)
    body = coverage_workbook(heading, data, definitions(data["agency_id"] is not None), data["rows"],
                             _("Desa/kelurahan") if region is not None else _("Kecamatan"), rows)
    slug = f"-{region.code}" if region else ""
    return xlsx_download(body, f"cakupan-penerima-manfaat-{year}{slug}.xlsx")

