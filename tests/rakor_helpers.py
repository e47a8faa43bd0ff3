"""What the Rakor report tests (PDF and workbook) add around their activities: two years of BPS
poverty figures, one verified CSR contribution, last quarter's Rakor with two agreements, and the
signer in the report settings."""

from __future__ import annotations

from datetime import UTC, date, datetime

from tracker.csr.models import CsrCommitment, CsrContribution
from tracker.extensions import db
from tracker.meetings.models import Agreement, Meeting
from tracker.poverty.models import PovertyStat
from tracker.reports.models import ReportSettings

YEAR = 2025
NIP = "197001011995031001"


def add_context(*, kab, company, activity, dinsos, dinkes, signer_name: str) -> None:
    db.session.add_all([
        PovertyStat(region_id=kab.id, year=2024, month=3, source="BPS", poor_count=26_470, poor_pct=6.37),
        PovertyStat(region_id=kab.id, year=2025, month=3, source="BPS", poor_count=25_720, poor_pct=6.11),
    ])
    commitment = CsrCommitment(company_id=company.id, year=YEAR, title="Bedah rumah", strategy="S1",
                               amount=500_000_000, activity_id=activity.id)
    db.session.add(commitment)
    db.session.flush()
    db.session.add(CsrContribution(commitment_id=commitment.id, date=date(2025, 5, 2), amount=125_000_000,
                                   status="verified", first_submitted_at=datetime(2025, 5, 3, tzinfo=UTC)))
    earlier = Meeting(date=date(2025, 4, 15), year=YEAR, quarter=1, kind="rakor", title="Rakor TKPK Triwulan I")
    this = Meeting(date=date(2025, 7, 21), year=YEAR, quarter=2, kind="rakor", title="Rakor TKPK Triwulan II")
    db.session.add_all([earlier, this])
    db.session.flush()
    db.session.add_all([
        Agreement(meeting_id=earlier.id, text="Verifikasi data P3KE desil 1", agency_id=dinsos.id,
                  due_date=date(2025, 6, 30), status="in_progress"),
        Agreement(meeting_id=earlier.id, text="Data PBI JKN diserahkan", agency_id=dinkes.id, status="open"),
    ])
    db.session.add(ReportSettings(place="Sampit", signer_title="Kepala Bappeda", signer_name=signer_name,
                                  signer_nip=NIP))
