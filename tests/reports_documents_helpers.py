"""The small world the document tests (OPD form, CSR report, agreements list) render from: two OPDs
with activities and reports of 2026, two companies with commitments and contributions in every
status, household counts that make Pulau Hanaut a poverty pocket, and the meetings world of
``meetings_helpers`` (a Rakor with four agreements).  Texts carry HTML payloads that must come out
as literal text."""

from __future__ import annotations

from datetime import date

from tests import evaluation_helpers as ev
from tests.meetings_helpers import build_world
from tracker.csr.models import CsrCommitment, CsrContribution
from tracker.extensions import db
from tracker.poverty.models import HouseholdCount
from tracker.reports.registry import ReportParams

YEAR = 2026
PAYLOAD = '<script>alert("x")</script><b>Data</b> belum padan'
NOTE_PAYLOAD = "<img src=x onerror=alert(1)> rapat desa"


def households(region, total: int) -> HouseholdCount:
    return HouseholdCount(region_id=region.id, year=YEAR, source="DTSEN", households_d1=total, households_d2=0,
                          households_d3=0, households_d4=0, people_d1=total * 4, people_d2=0, people_d3=0,
                          people_d4=0)


def build(make_agency, make_company, make_user, kabupaten) -> dict:
    w = build_world(make_agency, make_company, make_user)
    baamang, hanaut = kabupaten["kecamatan"]
    db.session.add_all([households(baamang, 300), households(hanaut, 900)])

    a1 = ev.activity(w["dinsos"], year=YEAR, budget=250_000_000, code="1.06.02.2.01.0001",
                     indicators=[{"target": 100, "name": "Keluarga penerima bantuan", "unit": "KK"}])
    a2 = ev.activity(w["dinsos"], year=YEAR, budget=1_000_000_000, revised=1_200_000_000, code="1.06.02.2.01.0002",
                     indicators=[{"target": 80, "aggregation": "last", "name": "Persentase data padan", "unit": "%"}])
    a3 = ev.activity(w["dinkes"], year=YEAR, budget=90_000_000, code="1.02.02.2.01.0001",
                     indicators=[{"target": 10, "name": "Indikator Dinkes Tersembunyi"}])
    ev.report(a1, 1, realized=50_000_000, physical=20.0, values={0: 20})
    ev.report(a1, 2, status="submitted", realized=75_000_000, physical=45.5, values={0: 30}, problems=PAYLOAD,
              follow_up="Verifikasi bersama desa")
    ev.report(a2, 2, status="draft", realized=1_000_000, physical=5.0, values={0: 40})
    ev.report(a3, 2, realized=9_000_000, values={0: 5}, problems="Kendala Dinkes tersembunyi")

    desa_hanaut = kabupaten["desa"][2]
    agro = CsrCommitment(company_id=w["agro"].id, year=YEAR, title="<b>Bedah</b> rumah layak huni",
                         strategy="S1", amount=500_000_000, regions=[hanaut], revisions=[])
    sawit = CsrCommitment(company_id=w["sawit"].id, year=YEAR, title="Pelatihan UMKM sawit", strategy="S2",
                          amount=300_000_000, regions=[baamang, desa_hanaut], revisions=[])
    db.session.add_all([agro, sawit])
    db.session.flush()
    for commitment, amount, status in ((agro, 200_000_000, "verified"), (agro, 100_000_000, "submitted"),
                                       (agro, 50_000_000, "draft"), (sawit, 300_000_000, "verified")):
        db.session.add(CsrContribution(commitment_id=commitment.id, date=date(YEAR, 5, 1), kind="cash", amount=amount,
                                       status=status, beneficiaries=0, beneficiary_unit="KK", attachments=[]))
    w["a_dinsos"].note = NOTE_PAYLOAD
    db.session.commit()
    return {**w, "a1": a1, "a2": a2, "a3": a3, "baamang": baamang, "hanaut": hanaut}


def params(kind: str, fmt: str, **kw) -> ReportParams:
    return ReportParams(kind=kind, fmt=fmt, **kw)


def no_progress(_value: int) -> None:
    pass
