"""The poverty pages' test kabupaten: five kecamatan (Pulau Hanaut and Teluk Sampit the pockets), three
years of BPS figures quoted by the seeds' reports ("8.420 jiwa (6,59%) in 2022 … 8.740 jiwa (6,66%)
in 2024"), a DTSEN figure disagreeing with BPS, household counts from DTSEN and P3KE, OPD activities
and CSR commitments located in some kecamatan."""

from __future__ import annotations

import html as html_lib
import re
from datetime import date
from xml.etree import ElementTree as ET

from tracker.csr.models import CsrCommitment
from tracker.extensions import db
from tracker.plans.models import Activity
from tracker.poverty import services

KECAMATAN = [("62.02.01", "Baamang"), ("62.02.02", "Pulau Hanaut"), ("62.02.03", "Teluk Sampit"),
             ("62.02.04", "Mentaya Hilir Selatan"), ("62.02.05", "Cempaga")]
# DTSEN 2024 households by desil: 3.000, 2.300, 1.000, 800, 500 of 7.600 (average share 20 %, pockets ≥ 30 %)
DTSEN_2024 = {"Pulau Hanaut": (900, 800, 700, 600), "Teluk Sampit": (700, 600, 550, 450),
              "Mentaya Hilir Selatan": (300, 250, 250, 200), "Baamang": (250, 200, 200, 150),
              "Cempaga": (150, 120, 130, 100)}
RANKED = ["Pulau Hanaut", "Teluk Sampit", "Mentaya Hilir Selatan", "Baamang", "Cempaga"]


def make_regions(make_region) -> dict:
    kab = make_region("62.02", "Kotawaringin Timur", "kabupaten")
    kec = {name: make_region(code, name, "kecamatan", kab) for code, name in KECAMATAN}
    tinduk = make_region("62.02.01.2001", "Tinduk", "desa", kec["Baamang"])
    return {"kabupaten": kab, "kecamatan": kec, "desa": tinduk}


def stat(region, year, poor_count, poor_pct, **extra) -> dict:
    return {"region_id": region.id, "year": year, "month": 3, "source": "BPS", "poor_count": poor_count,
            "poor_pct": poor_pct, "source_document": f"Berita Resmi Statistik Juli {year}",
            "source_date": date(year, 7, 1), **extra}


def households(region, year, source, values, people=None) -> dict:
    data = {"region_id": region.id, "year": year, "source": source, "source_document": f"{source} {year}",
            "source_date": date(year, 6, 30)}
    for d, v in enumerate(values, start=1):
        data[f"households_d{d}"] = v
        data[f"people_d{d}"] = (people or [round(x * 3.9) for x in values])[d - 1]
    return data


def make_figures(regions) -> None:
    kab, kec = regions["kabupaten"], regions["kecamatan"]
    services.create_stat(stat(kab, 2022, 8420, 6.59), None)
    services.create_stat(stat(kab, 2023, 8590, 6.63), None)
    services.create_stat(stat(kab, 2024, 8740, 6.66, p1=0.97, p2=0.21, poverty_line=612345, extreme_poor_count=1210,
                              extreme_pct=0.92), None)
    services.create_stat({"region_id": kab.id, "year": 2024, "month": None, "source": "DTSEN", "poor_count": 9100,
                          "source_document": "DTSEN Kemensos", "source_date": date(2024, 9, 15)}, None)
    for year, poor, extreme in ((2022, 6.45, 1.5), (2023, 6.35, 1.0), (2024, 6.2, 0.5)):
        services.create_target({"region_id": kab.id, "year": year, "measure": "poor_pct", "value": poor}, None)
        services.create_target({"region_id": kab.id, "year": year, "measure": "extreme_pct", "value": extreme}, None)
    for name, values in DTSEN_2024.items():
        services.create_household(households(kec[name], 2024, "DTSEN", values), None)
    services.create_household(households(kec["Baamang"], 2024, "P3KE", (300, 250, 200, 150)), None)
    db.session.commit()


def make_money(regions, agency, company) -> None:
    """OPD 2024: Rp 1 M over Baamang and Cempaga, Rp 300 jt over Tinduk (Baamang) and Teluk Sampit, Rp 200
    jt for the kabupaten, Rp 100 jt without location; CSR: Rp 400 jt Pulau Hanaut, Rp 100 jt Baamang."""
    kab, kec = regions["kabupaten"], regions["kecamatan"]
    spread = [(1_000_000_000, [kec["Baamang"], kec["Cempaga"]]), (300_000_000, [regions["desa"], kec["Teluk Sampit"]]),
              (200_000_000, [kab]), (100_000_000, [])]
    for n, (budget, places) in enumerate(spread, start=1):
        db.session.add(Activity(agency_id=agency.id, year=2024, program="P", kegiatan="K", code=f"1.06.02.2.01.{n:04d}",
                                name=f"Kegiatan {n}", strategy="S1", funding_source="APBD_KAB", budget=budget,
                                regions=places))
    for amount, place in ((400_000_000, kec["Pulau Hanaut"]), (100_000_000, kec["Baamang"])):
        db.session.add(CsrCommitment(company_id=company.id, year=2024, title=f"CSR {place.name}", strategy="S3",
                                     amount=amount, revisions=[], regions=[place]))
    db.session.commit()


def text_of(html: str) -> str:
    """The visible text, tags stripped, entities decoded, spaces collapsed."""
    return html_lib.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


def element(html: str, element_id: str) -> str:
    """The HTML of the element with ``id`` (up to its matching close tag, same-name nesting counted)."""
    match = re.search(rf'<(\w+)[^>]*\bid="{re.escape(element_id)}"', html)
    assert match, f"no #{element_id}"
    tag, depth, pos = match.group(1), 0, match.start()
    for m in re.finditer(rf"<(/?){tag}\b[^>]*>", html[pos:]):
        depth += -1 if m.group(1) else 1
        if depth == 0:
            return html[pos:pos + m.end()]
    raise AssertionError(f"#{element_id} not closed")


def svg_in(html: str, element_id: str) -> ET.Element:
    """The inline chart inside ``#element_id``, parsed as XML (it must be well-formed SVG)."""
    part = element(html, element_id)
    start, end = part.index("<svg"), part.rindex("</svg>") + len("</svg>")
    root = ET.fromstring(part[start:end])
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    return root


def svg_texts(root: ET.Element) -> list[str]:
    return ["".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text")]
