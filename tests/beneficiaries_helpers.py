"""Shared set-up of the beneficiaries tests: valid-looking NIKs, target-list files, and a small world
(the ``kabupaten`` fixture's 4 desa, two OPDs with an activity each, a user of every role)."""

from __future__ import annotations

import csv
import io
from datetime import date

from openpyxl import Workbook

from tests.progress_helpers import make_activity
from tracker.extensions import db
from tracker.plans.models import activity_region

HEADER = ["nik", "kk", "nama", "jenis_kelamin", "tanggal_lahir", "alamat", "kode_wilayah", "desil"]


def nik(kecamatan: str = "620201", born: date = date(1980, 5, 17), sex: str = "L", serial: int = 1) -> str:
    """A NIK as Disdukcapil issues it: region, DDMMYY (+40 on the day for women), serial."""
    day = born.day + (40 if sex == "P" else 0)
    return f"{kecamatan}{day:02d}{born.month:02d}{born.year % 100:02d}{serial:04d}"


def person(serial: int, desa: str = "62.02.01.2001", desil: int = 1, name: str | None = None,
           born: date | None = None, sex: str = "L", kecamatan: str | None = None) -> dict:
    born = born or date(1970 + serial % 30, 1 + serial % 12, 1 + serial % 27)
    kec = kecamatan or desa.replace(".", "")[:6]
    return {"nik": nik(kec, born, sex, serial), "kk": f"{kec}{serial:010d}", "nama": name or f"Warga Nomor {serial}",
            "jenis_kelamin": sex, "tanggal_lahir": born.isoformat(), "alamat": f"RT {serial % 9 + 1:02d}",
            "kode_wilayah": desa, "desil": desil}


def csv_file(people: list[dict], header: list[str] = HEADER, delimiter: str = ";") -> io.BytesIO:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(header)
    for p in people:
        writer.writerow([p.get(h, "") for h in header])
    return io.BytesIO(out.getvalue().encode("utf-8-sig"))


def xlsx_file(people: list[dict], header: list[str] = HEADER) -> io.BytesIO:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for p in people:
        sheet.append([p.get(h, "") for h in header])
    out = io.BytesIO()
    workbook.save(out)
    out.seek(0)
    return out


def link_regions(activity, *regions) -> None:
    db.session.execute(activity_region.insert(), [{"activity_id": activity.id, "region_id": r.id} for r in regions])
    db.session.commit()


def build_world(kabupaten, make_agency, make_user) -> dict:
    """Dinsos covers kecamatan Baamang (both its desa); Dinkes the desa Hanaut only."""
    dinsos = make_agency(code="1.06.01", name="Dinas Sosial", short_name="Dinsos")
    dinkes = make_agency(code="1.02.01", name="Dinas Kesehatan", short_name="Dinkes")
    sosial = make_activity(dinsos, year=2025, name="Bantuan sembako keluarga miskin")
    kesehatan = make_activity(dinkes, year=2025, name="Pemeriksaan kesehatan gratis")
    link_regions(sosial, kabupaten["kecamatan"][0])
    link_regions(kesehatan, kabupaten["desa"][3])
    users = {
        "admin": make_user(role="admin"),
        "bappeda": make_user(role="coordinator"),
        "dinsos": make_user(role="agency", agency=dinsos),
        "dinkes": make_user(role="agency", agency=dinkes),
        "company": make_user(role="company"),
        "viewer": make_user(role="viewer"),
    }
    return {"dinsos": dinsos, "dinkes": dinkes, "sosial": sosial, "kesehatan": kesehatan, "users": users,
            "desa": kabupaten["desa"], "kecamatan": kabupaten["kecamatan"]}
