"""Demo data of the progress feature: several quarters of reports in every status, as they stand on
the demo's ``today``.

Each quarter's state follows the calendar (``quarter_stage``): a quarter whose next quarter is already
past its due date has been evaluated at the Rakor and is locked (almost all verified, a few reports
never finished); the quarter whose due date has passed most recently is under review (mostly verified,
some still waiting or returned with Bappeda's comments, a few missing); a quarter that has ended but is
not yet due is in full swing; the running quarter has a few early drafts and submissions; later
quarters are empty.  Some reports came in after the due date.  Rows are inserted in bulk so the large
demo stays fast.
"""

from __future__ import annotations

import time as time_module
from datetime import date, datetime, time, timedelta

from sqlalchemy import insert, select, text, update

from tracker.auth.models import User
from tracker.extensions import db
from tracker.periods.models import Period
from tracker.periods.services import ensure_year, quarter_end
from tracker.plans.models import Activity, Indicator
from tracker.progress.models import DRAFT, RETURNED, SUBMITTED, VERIFIED, IndicatorValue, ProgressEvent, ProgressReport
from tracker.types import JAKARTA

FUTURE, RUNNING, OPEN, REVIEW, CLOSED = "future", "running", "open", "review", "closed"
CLOSED_MIX = [(VERIFIED, 0.97), (DRAFT, 0.01)]  # the rest: never written
LATE_SHARE = 0.15  # of the submissions of a quarter past its due date
LOCK_REASON = "Evaluasi triwulan selesai (Rakor TKPK)"
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
# The first activities of each OPD that has a demo login show every status: in the latest quarter that
# has ended (its window open for a few days at least) and is not locked yet ("latest"), and in the
# running one once half of it is gone.
SHOWCASE = [
    {"latest": RETURNED, "running": None},
    {"latest": SUBMITTED, "running": DRAFT},
    {"latest": VERIFIED, "running": DRAFT},
    {"latest": SUBMITTED, "running": SUBMITTED},
]
SHOWCASE_RUNNING_AFTER_DAYS = 45
SHOWCASE_OPEN_AFTER_DAYS = 5


def quarter_start(year: int, quarter: int) -> date:
    return date(year, 3 * quarter - 2, 1)


def quarter_stage(year: int, quarter: int, due: date, next_due: date, today: date) -> tuple[str, list]:
    """Where a quarter stands on ``today``, and the share of each report status in it (the rest of
    the activities have no report).  The stages follow the periods' rules: the reporting window opens
    the day after the quarter ends, a report is late after ``due``; Bappeda locks a quarter after its
    Rakor, which here is done once the next quarter is past its own due date."""
    start, end = quarter_start(year, quarter), quarter_end(year, quarter)
    if today < start:
        return FUTURE, []
    if today <= end:  # running: a few OPDs start early
        f = (today - start).days / (end - start).days
        return RUNNING, [(SUBMITTED, 0.06 * f), (DRAFT, 0.30 * f)]
    if today <= due:  # ended, window open, not yet due: in full swing
        h = (today - end).days / max((due - end).days, 1)
        return OPEN, [(VERIFIED, 0.08 * h), (SUBMITTED, 0.05 + 0.35 * h), (RETURNED, 0.05 * h),
                      (DRAFT, 0.30 - 0.10 * h)]
    if today <= next_due:  # past due, under review: mostly verified after a few weeks
        g = min((today - due).days / 45, 1.0)
        return REVIEW, [(VERIFIED, 0.45 + 0.35 * g), (SUBMITTED, 0.30 - 0.20 * g), (RETURNED, 0.10 - 0.04 * g),
                        (DRAFT, 0.08 - 0.05 * g)]
    return CLOSED, CLOSED_MIX


def _chain(times: list[datetime | None], latest: datetime) -> list[datetime | None]:
    """The steps of one report in order and none after ``latest``: a step that would lie in the future
    is moved back, and the steps before it with it, one hour apart."""
    out = list(times)
    limit = latest
    for i in range(len(out) - 1, -1, -1):
        if out[i] is None:
            continue
        out[i] = min(out[i], limit)
        limit = out[i] - timedelta(hours=1)
    return out


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
    with raw.cursor() as cursor, cursor.copy(f"COPY {model.__table__.name} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([row[c] for c in columns])


def _pick(mix, rng) -> str | None:
    roll = rng.random()
    for status, share in mix:
        if roll < share:
            return status
        roll -= share
    return None


def _showcase(activities, operators, stages, today) -> dict[tuple[int, int], str | None]:
    """(activity id, quarter) -> status for the first activities of each OPD with a demo login."""
    ended = [(year, quarter) for (year, quarter), (stage, _mix) in stages.items()
             if stage == REVIEW or (stage == OPEN and (today - quarter_end(year, quarter)).days >= SHOWCASE_OPEN_AFTER_DAYS)]
    running = [key for key, (stage, _mix) in stages.items() if stage == RUNNING]
    targets = []
    if ended:
        targets.append(("latest", max(ended)))
    if running:
        year, quarter = running[0]
        if (today - quarter_start(year, quarter)).days >= SHOWCASE_RUNNING_AFTER_DAYS:
            targets.append(("running", (year, quarter)))
    out: dict[tuple[int, int], str | None] = {}
    for slot, (year, quarter) in targets:
        seen: dict[int, int] = {}
        for a in activities:
            if a.year != year or a.agency_id not in operators:
                continue
            index = seen[a.agency_id] = seen.get(a.agency_id, -1) + 1
            if index < len(SHOWCASE):
                out[(a.id, quarter)] = SHOWCASE[index][slot]
    return out


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
    for year in years + [years[-1] + 1]:
        for period in ensure_year(year):
            due[(year, period.quarter)] = period.due_date
    today, now = ctx.today, ctx.now
    latest = now - timedelta(hours=1)
    stages = {(year, quarter): quarter_stage(year, quarter, due[(year, quarter)],
                                             due[(year + quarter // 4, quarter % 4 + 1)], today)
              for year in years for quarter in range(1, 5)}
    showcase = _showcase(activities, operators, stages, today)

    reports, plans = [], []  # plans: what to add once the report ids are known
    for a in activities:
        budget = a.budget_revised if a.budget_revised is not None else a.budget
        previous_status = VERIFIED
        spent = 0
        for quarter in range(1, 5):
            stage, mix = stages[(a.year, quarter)]
            if (a.id, quarter) in showcase:
                status = showcase[(a.id, quarter)]
            elif stage in (RUNNING, OPEN) and previous_status not in (VERIFIED, SUBMITTED, RETURNED):
                status = None  # an OPD that has not finished the last quarter does not start this one
            else:
                status = _pick(mix, rng) if mix else None
            previous_status = status
            if status is None:
                continue
            share = min(BUDGET_SHARE[quarter - 1] * rng.uniform(0.8, 1.05), 1.0)
            realized = max(int(budget * share) - spent, 0) // 1000 * 1000
            spent += realized
            physical = min(100.0, round(PHYSICAL[quarter - 1] + rng.uniform(-6, 4), 1))
            due_date = due[(a.year, quarter)]
            if stage == RUNNING:
                elapsed = max((today - quarter_start(a.year, quarter)).days, 1)
                created = _at(today - timedelta(days=rng.randint(1, min(elapsed, 40))), 9, rng)
            else:
                created = _at(quarter_end(a.year, quarter) + timedelta(days=1 + rng.randint(0, 4)), 9, rng)
            late = stage in (REVIEW, CLOSED) and rng.random() < LATE_SHARE
            submitted = None
            if status != DRAFT:
                if stage == RUNNING:
                    day = created.date() + timedelta(days=rng.randint(0, 5))
                elif late:
                    day = due_date + timedelta(days=rng.randint(1, 20))
                else:
                    day = due_date - timedelta(days=rng.randint(0, 8))
                submitted = max(_at(day, 14, rng), created + timedelta(hours=2))
            cycle = status == RETURNED or (status in (VERIFIED, SUBMITTED) and rng.random() < 0.1)
            returned_at = submitted + timedelta(days=rng.randint(2, 6)) if cycle and submitted else None
            resubmitted = returned_at + timedelta(days=rng.randint(1, 4)) if returned_at and status != RETURNED else None
            verified_at = (resubmitted or submitted) + timedelta(days=rng.randint(1, 10)) if status == VERIFIED else None
            created, submitted, returned_at, resubmitted, verified_at = _chain(
                [created, submitted, returned_at, resubmitted, verified_at], latest)
            last_submit = resubmitted or submitted
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
    # Quarters evaluated at their Rakor are locked, some six weeks after their due date.
    for (year, quarter), (stage, _mix) in sorted(stages.items()):
        if stage == CLOSED:
            locked_at = min(datetime.combine(due[(year, quarter)] + timedelta(days=45), time(10), JAKARTA), latest)
            db.session.execute(update(Period).where(Period.year == year, Period.quarter == quarter).values(
                locked=True, locked_at=locked_at, locked_by_id=coordinator_id, lock_reason=LOCK_REASON,
                version=Period.version + 1))
    if db.session.get_bind().dialect.name == "postgresql":
        # Fresh statistics for the bulk-loaded tables, or the planner guesses from empty tables until
        # autovacuum catches up (a quarter list took 0.4 s instead of 0.04 s right after the load).
        for table in ("activity", "indicator", "progress_report", "indicator_value", "progress_event", "period"):
            db.session.execute(text(f"ANALYZE {table}"))
    ctx.echo(f"Laporan triwulan contoh: {len(reports)} laporan, {len(values)} capaian indikator, {len(events)} riwayat "
             f"({time_module.perf_counter() - started:.1f} detik).")
