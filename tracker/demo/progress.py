"""Demo data of the progress feature: several quarters of reports in every status.

Past years are complete, verified and locked; in the current year Q1 is verified and locked, Q2 is
mostly verified with some submissions waiting and a few returned with Bappeda's comments, Q3 is in
full swing (drafts, submissions, returns, missing reports) and Q4 has barely started.  Some reports
came in after the due date.  Rows are inserted in bulk so the large demo stays fast.
"""

from __future__ import annotations

import time as time_module
from datetime import datetime, time, timedelta

from sqlalchemy import insert, select, text, update

from tracker.auth.models import User
from tracker.extensions import db
from tracker.periods.models import Period
from tracker.periods.services import ensure_year, quarter_end
from tracker.plans.models import Activity, Indicator
from tracker.progress.models import DRAFT, RETURNED, SUBMITTED, VERIFIED, IndicatorValue, ProgressEvent, ProgressReport
from tracker.types import JAKARTA, jakarta_now

# Probability of each status per quarter of the current year (the rest: not written yet).
CURRENT_YEAR_MIX = {
    1: [(VERIFIED, 0.93), (SUBMITTED, 0.0), (RETURNED, 0.0), (DRAFT, 0.02)],
    2: [(VERIFIED, 0.62), (SUBMITTED, 0.18), (RETURNED, 0.08), (DRAFT, 0.06)],
    3: [(VERIFIED, 0.22), (SUBMITTED, 0.30), (RETURNED, 0.12), (DRAFT, 0.16)],
    4: [(VERIFIED, 0.0), (SUBMITTED, 0.12), (RETURNED, 0.03), (DRAFT, 0.25)],
}
PAST_YEAR_MIX = [(VERIFIED, 0.97), (DRAFT, 0.01)]
BUDGET_SHARE = [0.14, 0.38, 0.68, 0.94]  # cumulative share of the budget realised by quarter end
PHYSICAL = [18.0, 42.0, 71.0, 96.0]  # cumulative physical progress by quarter end

PROBLEMS = [
    "Data calon penerima belum seluruhnya padan dengan DTSEN; menunggu verifikasi NIK dari Disdukcapil.",
    "Proses pengadaan barang terlambat karena e-katalog belum tayang.",
    "Akses ke desa di hulu Mentaya terhambat musim kemarau (sungai surut).",
    "Sebagian penerima pindah domisili sehingga perlu verifikasi ulang oleh desa.",
    "Pencairan anggaran tahap II menunggu laporan pertanggungjawaban tahap I.",
    "Cuaca ekstrem menunda pekerjaan fisik di lapangan.",
    "",
]
FOLLOW_UPS = [
    "Koordinasi dengan Disdukcapil dan pemerintah desa untuk pemadanan NIK.",
    "Percepatan proses pengadaan melalui pengadaan langsung sesuai ketentuan.",
    "Penjadwalan ulang distribusi melalui jalur darat bersama kecamatan.",
    "Verifikasi lapangan bersama pendamping PKH dan perangkat desa.",
    "Menyampaikan laporan pertanggungjawaban ke BPKAD pekan ini.",
    "",
]
RETURN_COMMENTS = [
    "Realisasi anggaran belum sesuai dengan SP2D di SIPD; mohon dicek kembali.",
    "Lampirkan daftar penerima by name by address (BNBA) sebagai bukti.",
    "Capaian indikator melebihi target triwulan; mohon jelaskan atau koreksi.",
    "Progres fisik tidak sejalan dengan realisasi keuangan; mohon penjelasan.",
    "Kendala dan tindak lanjut belum diisi secara spesifik.",
]
VERIFY_NOTES = ["", "", "", "Sesuai dengan data SIPD.", "Bukti lengkap."]
# The first activities of each OPD that has a demo login show every status in Q2/Q3 of the current year.
SHOWCASE = [
    {1: VERIFIED, 2: VERIFIED, 3: RETURNED},
    {1: VERIFIED, 2: VERIFIED, 3: SUBMITTED},
    {1: VERIFIED, 2: RETURNED, 3: None},
    {1: VERIFIED, 2: SUBMITTED, 3: DRAFT},
]


def _at(day, hour: int, rng) -> datetime:
    return datetime.combine(day, time(hour, rng.randint(0, 59)), JAKARTA)


def _bulk_insert(model, rows: list[dict]) -> None:
    """Many rows at once: COPY on PostgreSQL (an executemany of the large demo's 300,000 rows took
    40 s there, COPY 2 s), a plain executemany elsewhere.  Every row has the same keys."""
    if not rows:
        return
    connection = db.session.connection()
    if connection.dialect.name != "postgresql":
        db.session.execute(insert(model), rows)
        return
    columns = list(rows[0])
    raw = connection.connection.driver_connection  # psycopg 3, inside the session's transaction
    with raw.cursor() as cursor:
        with cursor.copy(f"COPY {model.__table__.name} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([row[c] for c in columns])


def _pick(mix, rng) -> str | None:
    roll = rng.random()
    for status, share in mix:
        if roll < share:
            return status
        roll -= share
    return None


def load(ctx) -> None:
    ids_by_year: dict[int, list[int]] = ctx.data.get("activity_ids_by_year", {})
    if not ids_by_year:
        ctx.echo("Laporan triwulan contoh dilewati: belum ada kegiatan.")
        return
    started = time_module.perf_counter()
    rng = ctx.rng
    years = sorted(ids_by_year)
    wanted = {i for ids in ids_by_year.values() for i in ids}
    coordinator_id = db.session.scalar(select(User.id).where(User.role == "coordinator").order_by(User.id))
    operators = {}
    for user_id, agency_id in db.session.execute(select(User.id, User.agency_id).where(User.role == "agency")
                                                 .order_by(User.id)):
        operators.setdefault(agency_id, user_id)
    activities = [a for a in db.session.execute(
        select(Activity.id, Activity.agency_id, Activity.year, Activity.budget, Activity.budget_revised,
               Activity.target_beneficiaries).where(Activity.year.in_(years)).order_by(Activity.id)) if a.id in wanted]
    indicators: dict[int, list] = {}
    for row in db.session.execute(
            select(Indicator.id, Indicator.activity_id, Indicator.aggregation, Indicator.target, Indicator.target_q1,
                   Indicator.target_q2, Indicator.target_q3, Indicator.target_q4)
            .join(Activity, Activity.id == Indicator.activity_id).where(Activity.year.in_(years))):
        indicators.setdefault(row.activity_id, []).append(row)
    due = {}
    for year in years:
        for period in ensure_year(year):
            due[(year, period.quarter)] = period.due_date

    showcase: dict[int, dict] = {}
    seen_per_agency: dict[int, int] = {}
    for a in activities:
        if a.year == ctx.current_year and a.agency_id in operators:
            index = seen_per_agency.get(a.agency_id, 0)
            seen_per_agency[a.agency_id] = index + 1
            if index < len(SHOWCASE):
                showcase[a.id] = SHOWCASE[index]
    reports, plans = [], []  # plans: what to add once the report ids are known
    current = ctx.current_year
    now = jakarta_now()
    today = now.date()
    for a in activities:
        budget = a.budget_revised if a.budget_revised is not None else a.budget
        previous_status = VERIFIED
        spent = 0
        for quarter in range(1, 5):
            if a.year < current:
                status = _pick(PAST_YEAR_MIX, rng)
            elif a.year == current and quarter in showcase.get(a.id, {}):
                status = showcase[a.id][quarter]
            elif a.year == current:
                status = _pick(CURRENT_YEAR_MIX[quarter], rng) if previous_status in (VERIFIED, SUBMITTED, RETURNED) else None
            else:
                status = None
            if quarter_end(a.year, quarter) >= today:
                status = None  # the reporting window has not opened yet
            previous_status = status
            if status is None:
                continue
            share = min(BUDGET_SHARE[quarter - 1] * rng.uniform(0.8, 1.05), 1.0)
            realized = max(int(budget * share) - spent, 0) // 1000 * 1000
            spent += realized
            physical = min(100.0, round(PHYSICAL[quarter - 1] + rng.uniform(-6, 4), 1))
            due_date = due[(a.year, quarter)]
            opened = due_date.replace(day=1)
            created = _at(opened + timedelta(days=rng.randint(0, 4)), 9, rng)
            late = rng.random() < 0.15
            submitted = None
            if status != DRAFT:
                day = due_date + timedelta(days=rng.randint(1, 20)) if late else due_date - timedelta(days=rng.randint(0, 8))
                submitted = min(max(_at(day, 14, rng), created + timedelta(hours=2)), now - timedelta(days=3))
            cycle = status == RETURNED or (status in (VERIFIED, SUBMITTED) and rng.random() < 0.1)
            returned_at = submitted + timedelta(days=rng.randint(2, 6)) if cycle and submitted else None
            resubmitted = returned_at + timedelta(days=rng.randint(1, 4)) if returned_at and status != RETURNED else None
            last_submit = resubmitted or submitted
            verified_at = last_submit + timedelta(days=rng.randint(1, 10)) if status == VERIFIED else None
            operator = operators.get(a.agency_id, coordinator_id)
            comment = rng.choice(RETURN_COMMENTS) if returned_at else ""
            if status == VERIFIED and not returned_at:
                comment = rng.choice(VERIFY_NOTES)
            reports.append({
                "activity_id": a.id, "year": a.year, "quarter": quarter, "status": status,
                "budget_realized": realized, "physical_progress": physical, "progress_drop_reason": "",
                "beneficiaries_reached": int((a.target_beneficiaries or 0) / 4 * rng.uniform(0.6, 1.2)),
                "problems": rng.choice(PROBLEMS), "follow_up": rng.choice(FOLLOW_UPS), "review_comment": comment,
                "first_submitted_at": submitted, "submitted_at": last_submit,
                "submitted_by_id": operator if submitted else None,
                "verified_at": verified_at, "verified_by_id": coordinator_id if verified_at else None,
                "returned_at": returned_at, "returned_by_id": coordinator_id if returned_at else None,
                "created_at": created, "created_by_id": operator, "updated_at": verified_at or last_submit or created,
                "updated_by_id": coordinator_id if verified_at else operator, "version": 1,
            })
            plans.append((a, quarter, status, operator, created, submitted, returned_at, resubmitted, verified_at,
                          comment))
    if not reports:
        return
    _bulk_insert(ProgressReport, reports)
    ids = {(r.activity_id, r.year, r.quarter): r.id for r in db.session.execute(
        select(ProgressReport.id, ProgressReport.activity_id, ProgressReport.year, ProgressReport.quarter)
        .where(ProgressReport.year.in_(years)))}
    values, events = [], []
    for a, quarter, _status, operator, created, submitted, returned_at, resubmitted, verified_at, comment in plans:
        report_id = ids[(a.id, a.year, quarter)]
        for ind in indicators.get(a.id, []):
            target = [ind.target_q1, ind.target_q2, ind.target_q3, ind.target_q4][quarter - 1]
            if target is None:
                target = ind.target / 4 if ind.aggregation == "sum" else ind.target
            value = max(target, 0) * rng.uniform(0.65, 1.15)
            # counts (sum) are whole numbers; levels such as a percentage keep one decimal
            values.append({"report_id": report_id, "indicator_id": ind.id,
                           "value": float(round(value)) if ind.aggregation == "sum" else round(value, 1)})
        events.append({"report_id": report_id, "at": created, "user_id": operator, "action": "create",
                       "from_status": None, "to_status": DRAFT, "comment": ""})
        if submitted:
            events.append({"report_id": report_id, "at": submitted, "user_id": operator, "action": "submit",
                           "from_status": DRAFT, "to_status": SUBMITTED, "comment": ""})
        if returned_at:
            events.append({"report_id": report_id, "at": returned_at, "user_id": coordinator_id, "action": "return",
                           "from_status": SUBMITTED, "to_status": RETURNED, "comment": comment})
        if resubmitted:
            events.append({"report_id": report_id, "at": resubmitted, "user_id": operator, "action": "submit",
                           "from_status": RETURNED, "to_status": SUBMITTED, "comment": ""})
        if verified_at:
            events.append({"report_id": report_id, "at": verified_at, "user_id": coordinator_id, "action": "verify",
                           "from_status": SUBMITTED, "to_status": VERIFIED,
                           "comment": "" if returned_at else comment})
    _bulk_insert(IndicatorValue, values)
    _bulk_insert(ProgressEvent, events)
    # The evaluation of past years and of the current year's first quarter is done: lock them.
    for year in years:
        for quarter in range(1, 5):
            if year < current or (year == current and quarter == 1):
                locked_at = datetime.combine(due[(year, quarter)] + timedelta(days=35), time(10), JAKARTA)
                db.session.execute(update(Period).where(Period.year == year, Period.quarter == quarter).values(
                    locked=True, locked_at=locked_at, locked_by_id=coordinator_id,
                    lock_reason="Evaluasi triwulan selesai (Rakor TKPK)", version=Period.version + 1))
    if db.session.get_bind().dialect.name == "postgresql":
        # Fresh statistics for the bulk-loaded tables, or the planner guesses from empty tables until
        # autovacuum catches up (a quarter list took 0.4 s instead of 0.04 s right after the load).
        for table in ("activity", "indicator", "progress_report", "indicator_value", "progress_event", "period"):
            db.session.execute(text(f"ANALYZE {table}"))
    ctx.echo(f"Laporan triwulan contoh: {len(reports)} laporan, {len(values)} capaian indikator, {len(events)} riwayat "
             f"({time_module.perf_counter() - started:.1f} detik).")
