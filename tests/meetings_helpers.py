"""Shared set-up of the meetings tests: a kabupaten's Rakor with agreements for two OPDs, a company
and Bappeda itself, and a user of every role."""

from __future__ import annotations

from datetime import date

from tracker.extensions import db
from tracker.meetings import services

MEETING_DATE = date(2025, 3, 10)


def build_world(make_agency, make_company, make_user) -> dict:
    """Every role, two OPDs, two companies, one Rakor (10 March 2025) with four agreements: Dinsos (due 30
    April), Dinkes (due 31 March), PT Agro Lestari (due 31 May) and Bappeda itself (no due date)."""
    dinsos = make_agency(code="1.06.01", name="Dinas Sosial", short_name="Dinsos")
    dinkes = make_agency(code="1.02.01", name="Dinas Kesehatan", short_name="Dinkes")
    agro = make_company(name="PT Agro Lestari")
    sawit = make_company(name="PT Sawit Mentaya")
    users = {
        "admin": make_user(role="admin"),
        "bappeda": make_user(role="coordinator"),
        "dinsos": make_user(role="agency", agency=dinsos),
        "dinkes": make_user(role="agency", agency=dinkes),
        "agro": make_user(role="company", company=agro),
        "sawit": make_user(role="company", company=sawit),
        "viewer": make_user(role="viewer"),
    }
    bappeda = users["bappeda"]
    meeting = services.create_meeting({
        "date": "2025-03-10", "year": 2025, "quarter": 1, "kind": "rakor", "title": "Rakor TKPK Triwulan I",
        "place": "Aula Bappeda", "agenda": "Evaluasi P3KE", "chair": "Sekda",
        "attendance": [{"agency_id": dinsos.id, "people": 2}, {"company_id": agro.id, "people": 1},
                       {"name": "Camat Baamang", "people": 1}],
    }, bappeda)
    a_dinsos = services.add_agreement(meeting, {"text": "Verifikasi data P3KE desil 1", "agency_id": dinsos.id,
                                                "due_date": "2025-04-30"}, bappeda)
    a_dinkes = services.add_agreement(meeting, {"text": "Data PBI JKN diserahkan", "agency_id": dinkes.id,
                                                "due_date": date(2025, 3, 31)}, bappeda)
    a_agro = services.add_agreement(meeting, {"text": "CSR bedah rumah 20 unit", "company_id": agro.id,
                                              "due_date": "2025-05-31"}, bappeda)
    a_bappeda = services.add_agreement(meeting, {"text": "Rancangan RPKD disusun"}, bappeda)
    db.session.commit()
    return {"users": users, "dinsos": dinsos, "dinkes": dinkes, "agro": agro, "sawit": sawit, "meeting": meeting,
            "a_dinsos": a_dinsos, "a_dinkes": a_dinkes, "a_agro": a_agro, "a_bappeda": a_bappeda}
