"""API shapes of the quarterly evaluation (api.md "Evaluation and reports").

The fields api.md names are all here with their names; the rest are the additions
``tracker.evaluation.figures`` computes (original pagu, completeness, the previous quarter, Renstra
columns, activity rows...), the written summary (``summary``), the kabupaten's totals beside one OPD
(``kabupaten``) and the comparisons.  Percentages are numbers 0–100 rounded to 2 decimals, ``null``
when there is nothing to divide by; money integer Rupiah; dates ``YYYY-MM-DD``.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field

from tracker.api.schemas import Out

Rating = Literal["sangat_tinggi", "tinggi", "sedang", "rendah", "sangat_rendah"]
Status = Literal["draft", "submitted", "returned", "verified"]
PCT = "Persen, 2 desimal; null bila tidak ada pembagi"
RATING = "Predikat Permendagri 86/2017; null bila capaian tidak ada"


class RatingCountsOut(Out):
    sangat_tinggi: int
    tinggi: int
    sedang: int
    rendah: int
    sangat_rendah: int
    none: int = Field(description="Indikator tanpa capaian (target 0 atau belum dilaporkan)")


class CompletenessOut(Out):
    activities: int
    reported: int
    verified: int
    submitted: int
    returned: int
    draft: int
    missing: int
    late: int


class AgencyRowOut(Out):
    agency_id: int
    agency_name: str = Field(description="Nama singkat OPD")
    agency_full_name: str
    agency_code: str
    budget: int = Field(description="Pagu efektif (APBD-P bila ada)")
    budget_original: int
    realized_quarter: int
    realized_cumulative: int
    realization_pct: float | None = Field(description=PCT)
    previous_realized_cumulative: int | None
    previous_realization_pct: float | None
    activities: int
    reported: int
    verified: int
    late: int
    submitted: int
    returned: int
    draft: int
    missing: int
    unverified_reports: int = Field(description="Laporan diajukan belum diverifikasi yang ikut dihitung (TW 1..q)")
    achievement_pct: float | None = Field(description=PCT)
    rating: Rating | None = Field(description=RATING)
    indicator_count: int
    rated_indicator_count: int
    rating_counts: RatingCountsOut


class StrategyRowOut(Out):
    strategy: str
    name: str
    activities: int
    budget: int
    budget_original: int
    realized_quarter: int
    realized_cumulative: int
    realization_pct: float | None = Field(description=PCT)


class CsrFiguresOut(Out):
    committed: int
    contributed_verified: int = Field(description="Kontribusi terverifikasi bertanggal s.d. akhir triwulan")
    contributed_submitted: int = Field(description="Kontribusi diajukan, belum diverifikasi, s.d. akhir triwulan")
    contributed_verified_year: int
    commitments: int
    cut_off: dt.date
    scope: Literal["kabupaten", "agency"]


class IndicatorRowOut(Out):
    indicator_id: int
    activity_id: int
    agency_id: int
    position: int
    name: str
    unit: str
    aggregation: Literal["sum", "last"]
    target: float
    target_quarters: list[float | None]
    target_end: float | None = Field(description="Target Renstra akhir periode (kolom 5)")
    achieved_before: float | None = Field(description="Realisasi Renstra s.d. tahun lalu (kolom 6)")
    quarters: list[float | None] = Field(description="Nilai terhitung TW I–IV; null sesudah triwulan ini atau "
                                                           "bila tidak dilaporkan")
    cumulative: float | None
    achievement_pct: float | None = Field(description=PCT)
    rating: Rating | None = Field(description=RATING)
    renstra_realized: float | None = Field(description="Kolom 14")
    renstra_pct: float | None = Field(description="Kolom 15")
    renstra_rating: Rating | None
    unverified_included: bool


class ActivityRowOut(Out):
    activity_id: int
    code: str
    name: str
    program: str
    kegiatan: str
    agency_id: int
    agency_name: str
    strategy: str
    funding_source: str
    budget: int
    budget_original: int
    budget_revised: int | None
    realized_quarters: list[int | None]
    realized_quarter: int
    realized_cumulative: int
    realization_pct: float | None = Field(description=PCT)
    physical_progress: float | None
    status: Status | None = Field(description="Status laporan triwulan ini; null = belum diisi")
    counted: bool
    late: bool
    first_submitted_at: str | None = Field(description="ISO-8601, +07:00")
    problems: str
    follow_up: str
    achievement_pct: float | None = Field(description=PCT)
    rating: Rating | None = Field(description=RATING)
    indicator_count: int
    unverified_included: bool


class RiskRowOut(Out):
    activity_id: int
    code: str
    name: str
    agency_id: int
    agency_name: str
    achievement_pct: float | None
    projected_achievement_pct: float | None
    projected_realization_pct: float | None


class SummaryOut(Out):
    sentences: list[str] = Field(description="Ringkasan dalam bahasa Indonesia, berurutan")
    paragraphs: list[list[str]] = Field(description="Kalimat yang sama per topik")
    at_risk: list[RiskRowOut] = Field(description="Kegiatan yang diproyeksikan di bawah ambang (sebelum TW IV)")
    below_target: list[RiskRowOut] = Field(description="TW IV: kegiatan yang berakhir di bawah ambang")
    projection_rule: str


class TotalsOut(Out):
    """The kabupaten's totals only (no OPD rows): shown beside one OPD's evaluation."""
    activities: int
    budget: int
    budget_original: int
    realized_quarter: int
    realized_cumulative: int
    realization_pct: float | None
    previous_realization_pct: float | None
    achievement_pct: float | None
    rating: Rating | None
    indicator_count: int
    rated_indicator_count: int


class DetailPageOut(Out):
    """Which page of the activity list ``activities`` (and ``indicators``) hold, when one was asked."""
    page: int
    per_page: int
    total: int = Field(description="Kegiatan seluruhnya (sama dengan activity_count)")
    pages: int


class EvaluationOut(Out):
    year: int
    quarter: int
    agency_id: int | None = Field(description="OPD yang dievaluasi; null = seluruh kabupaten")
    include_unverified: bool = Field(description="true: laporan diajukan yang belum diverifikasi ikut dihitung")
    unverified_included: bool = Field(description="true: minimal satu laporan belum diverifikasi benar-benar terhitung")
    quarter_end: dt.date
    due_date: dt.date
    today: dt.date
    activity_count: int
    budget: int = Field(description="Pagu efektif (APBD-P bila ada)")
    budget_original: int = Field(description="Pagu murni")
    budget_revised_activities: int
    realized_quarter: int
    realized_cumulative: int
    realization_pct: float | None = Field(description=PCT)
    previous_realized_cumulative: int | None = Field(description="TW 1..q-1; null di TW I")
    previous_realization_pct: float | None
    achievement_pct: float | None = Field(description=PCT)
    rating: Rating | None = Field(description=RATING)
    indicator_count: int
    rated_indicator_count: int
    rating_counts: RatingCountsOut
    completeness: CompletenessOut
    agencies: list[AgencyRowOut]
    strategies: list[StrategyRowOut]
    csr: CsrFiguresOut
    indicators: list[IndicatorRowOut]
    activities: list[ActivityRowOut]
    summary: SummaryOut
    kabupaten: TotalsOut | None = Field(description="Total seluruh kabupaten bila satu OPD dievaluasi, selain itu null")
    detail_page: DetailPageOut | None = Field(default=None, description="Dengan page/per_page: halaman daftar kegiatan "
                                              "yang dimuat (indikatornya ikut); tanpa itu null dan semua baris dimuat")
    previous_achievement_pct: float | None = Field(default=None, description="Capaian kinerja s.d. triwulan "
                                                   "sebelumnya (null di TW I)")


# ---- comparisons --------------------------------------------------------------------------------------

class QuarterFiguresOut(Out):
    quarter: int
    realized_quarter: int
    realized_cumulative: int
    realization_pct: float | None = Field(description=PCT)
    achievement_pct: float | None = Field(description=PCT)
    rating: Rating | None
    rated_indicator_count: int


class YearQuarterOut(QuarterFiguresOut):
    year: int
    budget: int
    activities: int


class LastYearOut(Out):
    current: YearQuarterOut
    previous: YearQuarterOut | None = Field(description="Triwulan yang sama tahun lalu; null bila tidak ada data")
    previous_activity_id: int | None = Field(description="Kegiatan yang sama (kode dan OPD sama) tahun lalu")
    change_realization_pct: float | None = Field(description="Perubahan dalam poin")
    change_achievement_pct: float | None = Field(description="Perubahan dalam poin")


class CompareOut(Out):
    year: int
    quarter: int
    agency_id: int | None
    activity_id: int | None
    include_unverified: bool
    activities: int
    budget: int
    budget_original: int
    quarters: list[QuarterFiguresOut] = Field(description="TW I s.d. triwulan ini, masing-masing seperti evaluasinya")
    same_quarter_last_year: LastYearOut
