"""A small kabupaten for the home page dashboards, with every kind of data a dashboard shows (plans with
indicators, reports in every status, CSR, poverty figures, Rakor agreements), and ``grow`` to make it
several times larger with the same shape (so the query counts can be compared).

The small world, year 2025, seen in quarter II (figures counted from verified reports only):

=========  ==========  =================  ================  ======================================
OPD        budget      realised Q1 + Q2   realisation       indicators (achievement as of Q2)
=========  ==========  =================  ================  ======================================
Dinsos     200 jt      10 + 20, 10 + –    40/200 = 20 %     A 7/10 = 70 % (sedang), B 2/10 = 20 %
Dinkes     150 jt¹     25 + 15, 30 + (30  70/150 = 46,67 %  C 4/4 = 100 % (sangat tinggi)
                       submitted)
Disdik     500 jt      100 + 200          300/500 = 60 %    E last 80/100 = 80 % (tinggi)
=========  ==========  =================  ================  ======================================

¹ Dinkes' second activity: pagu 150 jt, APBD-P 100 jt (so 50 + 100 = 150 effective).
Kabupaten: 850 jt, realised 410 jt = 48,24 % (Q1: 175 jt = 20,59 %, +27,65 poin); achievement mean
(70, 20, 100, 80) = 67,5 % (sedang), Q1 (30, 20, 50, 40) = 35 % → +32,50 poin.  Dinsos' activity B
has no Q2 report (late); Dinkes' D is submitted in Q2 (waits for verification).  CSR 2025: 500 jt
(for Dinsos' A: 200 jt verified, 50 jt submitted) + 300 jt unlinked.  Poverty (BPS, March):
2023 6,5 %, 2024 6,2 % (25.960 jiwa), 2025 5,95 % (25.380 jiwa, target 6,0 %).
"""

from __future__ import annotations

from datetime import date

from tests.evaluation_helpers import activity, report
from tracker.csr.models import CsrCommitment, CsrContribution
from tracker.extensions import db
from tracker.meetings.models import Agreement, Meeting
from tracker.poverty.models import PovertyStat, PovertyTarget
from tracker.reference.models import Company, Region

YEAR, QUARTER = 2025, 2
M = 1_000_000


def _agreement(meeting, text, agency, due):
    db.session.add(Agreement(meeting_id=meeting.id, text=text, agency_id=agency.id if agency else None,
                             due_date=due, status="open"))


def build_world(make_agency, make_user, make_company) -> dict:
    kab = Region(code="62.02", name="Kotawaringin Timur", level="kabupaten")
    db.session.add(kab)
    db.session.flush()
    dinsos = make_agency(code="1.06.01", name="Dinas Sosial", short_name="Dinsos")
    dinkes = make_agency(code="1.02.01", name="Dinas Kesehatan", short_name="Dinkes")
    disdik = make_agency(code="1.01.01", name="Dinas Pendidikan", short_name="Disdik")

    a = activity(dinsos, budget=100 * M, indicators=[{"target": 10}], code="1.06.02.2.01.0001")
    b = activity(dinsos, budget=100 * M, indicators=[{"target": 10}], code="1.06.02.2.01.0002")
    c = activity(dinkes, budget=50 * M, indicators=[{"target": 4}], code="1.02.02.2.01.0001")
    d = activity(dinkes, budget=150 * M, revised=100 * M, code="1.02.02.2.01.0002")
    e = activity(disdik, budget=500 * M, indicators=[{"target": 100, "aggregation": "last"}], code="1.01.02.2.01.0001")
    report(a, 1, realized=10 * M, values={0: 3})
    report(a, 2, realized=20 * M, values={0: 4})
    report(b, 1, realized=10 * M, values={0: 2})
    report(c, 1, realized=25 * M, values={0: 2})
    report(c, 2, realized=15 * M, values={0: 2})
    report(d, 1, realized=30 * M)
    report(d, 2, status="submitted", realized=30 * M)
    report(e, 1, realized=100 * M, values={0: 40})
    report(e, 2, realized=200 * M, values={0: 80})

    company = make_company(name="PT Agro Mentaya Lestari")
    linked = CsrCommitment(company_id=company.id, year=YEAR, title="Bedah rumah 20 unit", strategy="S1",
                           amount=500 * M, activity_id=a.id, regions=[], revisions=[])
    other = CsrCommitment(company_id=company.id, year=YEAR, title="Beasiswa anak nelayan", strategy="S2",
                          amount=300 * M, regions=[], revisions=[])
    db.session.add_all([linked, other])
    db.session.flush()
    db.session.add_all([
        CsrContribution(commitment_id=linked.id, date=date(YEAR, 5, 1), amount=200 * M, status="verified",
                        attachments=[]),
        CsrContribution(commitment_id=linked.id, date=date(YEAR, 6, 1), amount=50 * M, status="submitted",
                        attachments=[]),
    ])
    for year, count, pct in ((2023, 27000, 6.5), (2024, 25960, 6.2), (2025, 25380, 5.95)):
        db.session.add(PovertyStat(region_id=kab.id, year=year, month=3, source="BPS", poor_count=count,
                                   poor_pct=pct))
    db.session.add(PovertyTarget(region_id=kab.id, year=2025, measure="poor_pct", value=6.0))
    meeting = Meeting(date=date(YEAR, 3, 10), year=YEAR, quarter=1, kind="rakor", title="Rakor TKPK Triwulan I")
    db.session.add(meeting)
    db.session.flush()
    _agreement(meeting, "Verifikasi data P3KE desil 1 oleh Dinsos", dinsos, date(YEAR, 4, 30))
    _agreement(meeting, "Data PBI JKN diserahkan oleh Dinkes", dinkes, date(YEAR, 3, 31))
    db.session.commit()
    users = {role: make_user(role=role) for role in ("admin", "coordinator", "viewer")}
    users["agency"] = make_user(role="agency", agency=dinsos)
    users["company"] = make_user(role="company", company=company)
    return {"kabupaten": kab, "dinsos": dinsos, "dinkes": dinkes, "disdik": disdik, "company": company,
            "activities": {"a": a, "b": b, "c": c, "d": d, "e": e}, "meeting": meeting, "users": users}


def grow(world: dict, make_agency, factor: int = 4) -> None:
    """``factor`` times more of everything, in the same shape: more OPDs with activities and reports in
    every status (some late), more activities of Dinsos itself, more CSR, poverty years, agreements."""
    kab = world["kabupaten"]
    company = world["company"]
    agencies = [make_agency() for _ in range(3 * factor)]
    for n, agency in enumerate([world["dinsos"], *agencies]):
        for k in range(2 * factor if agency is world["dinsos"] else 2):
            act = activity(agency, budget=(k + 1) * 40 * M, revised=30 * M if k == 0 else None,
                           indicators=[{"target": 10}, {"target": 5, "aggregation": "last"}], commit=False)
            report(act, 1, realized=5 * M, values={0: 2, 1: 1}, commit=False)
            if (n + k) % 4:  # every fourth has no Q2 report (late)
                report(act, 2, status=("verified", "submitted", "returned")[(n + k) % 3], realized=7 * M,
                       values={0: 3, 1: 4}, commit=False)
            if k == 0:
                commitment = CsrCommitment(company_id=company.id, year=YEAR, title=f"Program CSR {n}", strategy="S3",
                                           amount=(n + 1) * 10 * M, activity_id=act.id, regions=[], revisions=[])
                db.session.add(commitment)
                db.session.flush()
                db.session.add(CsrContribution(commitment_id=commitment.id, date=date(YEAR, 4, 2),
                                               amount=(n + 1) * M, status="verified", attachments=[]))
    for year in range(2023 - 2 * factor, 2023):
        db.session.add(PovertyStat(region_id=kab.id, year=year, month=3, source="BPS", poor_count=28000 + year,
                                   poor_pct=7.0))
        db.session.add(PovertyTarget(region_id=kab.id, year=year, measure="poor_pct", value=7.1))
    for n in range(3 * factor):
        _agreement(world["meeting"], f"Kesepakatan tambahan {n}", world["dinsos"] if n % 2 else agencies[n],
                   date(YEAR, 4, 1 + n % 20))
    db.session.add(Company(name="PT Tambahan"))
    db.session.commit()
