"""Demo data of the meetings feature: the TKPK's year of meetings and the agreements they ended in, as
they stand on the demo's ``today``.

Each demo year has the schedule of the Kaltim seed: a January meeting (evaluation of last year's fourth
quarter and the year's schedule), the May pre-Rakor, the September data consolidation (verval P3KE/
DTSEN) and the December Rakor.  A meeting dated before ``today`` has been held: attendance, minutes
(quoting the poverty figures published by then) and agreements; the next one is on the calendar with
its agenda only; later ones are not recorded yet.  The two latest meetings held carry agreements in
every status: open (one overdue, one not yet due), in progress, done and confirmed by Bappeda, done and
awaiting confirmation, dropped with the reason; the demo login ``dinsos`` has an overdue one and an
open one, ``csr.agro``'s company one.  Older agreements are mostly done and confirmed, a few dropped
or still lingering.  Every agreement's history (created, then each change with who, when and the note)
ends in its status, and no timestamp is after ``now``.
"""

from __future__ import annotations

import calendar
import time as time_module
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from tracker.auth.models import User
from tracker.demo.meetings_catalogue import (
    BY_KIND,
    CONFIRM_NOTES,
    NOTES,
    OTHERS,
    ROMAN,
    SCHEDULE,
    SHOWCASE_LATEST,
    SHOWCASE_OLDER,
    agenda,
    evaluates,
    title,
)
from tracker.extensions import db
from tracker.formatting import number
from tracker.meetings.models import (
    DONE,
    DROPPED,
    EVALUASI,
    IN_PROGRESS,
    OPEN,
    PRA_RAKOR,
    RAKOR,
    VERVAL,
    Agreement,
    AgreementEvent,
    Meeting,
    MeetingAttendee,
)
from tracker.reference.models import Agency, Company, Region
from tracker.types import JAKARTA

# AgreementEvent.action values the demo writes
CREATE, STATUS, CONFIRM = "created", "status", "confirmed"  # as tracker.meetings.workflow writes them
GAP = timedelta(minutes=10)


@dataclass
class _Spec:
    agency_id: int | None
    company_id: int | None
    text: str
    due: date
    status: str
    confirmed: bool = False
    note: str = ""
    dropped_at: date | None = None  # dropped at a later meeting


def _at(day: date, hour: int, rng) -> datetime:
    return datetime.combine(day, time(hour, rng.randint(0, 59)), JAKARTA)


def _month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def _ordered(times: list[datetime], latest: datetime) -> list[datetime]:
    """The steps in order, GAP apart, none after ``latest`` (a step too late moves back, and those before)."""
    out = list(times)
    for i in range(1, len(out)):
        out[i] = max(out[i], out[i - 1] + GAP)
    limit = latest
    for i in range(len(out) - 1, -1, -1):
        out[i] = min(out[i], limit)
        limit = out[i] - GAP
    return out


def schedule(ctx) -> list[tuple[date, str, str, str]]:
    """The demo years' meetings (date, kind, chair, place) in date order, each on a working day."""
    out = []
    for year in ctx.years:
        for month, first, last, kind, chair, place in SCHEDULE:
            days = [date(year, month, d) for d in range(first, last + 1) if date(year, month, d).weekday() < 4]
            out.append((ctx.rng.choice(days), kind, chair, place))
    return sorted(out)


def _status_by_age(due: date, today: date, rng) -> tuple[str, bool]:
    late, roll = (today - due).days, rng.random()
    if late > 60:
        return ((DONE, True) if roll < 0.75 else (DONE, False) if roll < 0.8 else
                (DROPPED, False) if roll < 0.92 else (IN_PROGRESS, False))
    if late > 0:
        return ((DONE, True) if roll < 0.4 else (DONE, False) if roll < 0.6 else
                (IN_PROGRESS, False) if roll < 0.85 else (OPEN, False))
    return (OPEN, False) if roll < 0.5 else (IN_PROGRESS, False) if roll < 0.9 else (DONE, False)


class _Loader:
    def __init__(self, ctx):
        self.ctx, self.rng, self.today = ctx, ctx.rng, ctx.today
        self.latest = ctx.now - timedelta(minutes=5)
        self.coordinator = db.session.scalar(select(User.id).where(User.role == "coordinator").order_by(User.id))
        self.operators: dict[int, int] = {}
        for agency_id, user_id in db.session.execute(
                select(User.agency_id, User.id).where(User.role == "agency").order_by(User.id.desc())):
            self.operators[agency_id] = user_id
        self.by_short = ctx.data.get("agencies_by_short", {})
        self.agency_names = dict(db.session.execute(select(Agency.id, Agency.name)).all())
        self.company_ids = ctx.data.get("company_ids", [])
        self.company_names = dict(db.session.execute(select(Company.id, Company.name)).all())
        self.poverty = ctx.data.get("poverty") or {}
        self.region_names = dict(db.session.execute(select(Region.id, Region.name)).all())

    # ---- agreements ------------------------------------------------------------------------------

    def _party(self, party) -> tuple[int | None, int | None, str]:
        if isinstance(party, int):
            company_id = self.company_ids[party] if party < len(self.company_ids) else None
            return None, company_id, self.company_names.get(company_id, "")
        agency_id = self.by_short.get(party)
        return agency_id, None, self.agency_names.get(agency_id, "")

    def _spec(self, party, text: str, due: date, status: str | None, confirmed=False, note="",
              dropped_at=None) -> _Spec | None:
        agency_id, company_id, name = self._party(party)
        if agency_id is None and company_id is None:
            return None
        if status is None:
            status, confirmed = _status_by_age(due, self.today, self.rng)
        return _Spec(agency_id, company_id, text.format(company=name, opd=name), due, status, confirmed, note,
                     dropped_at)

    def specs(self, day: date, kind: str, role: str, next_day: date | None) -> list[_Spec]:
        """The agreements of a meeting held on ``day``; ``role``: "latest", "older" (the one before) or ""."""
        rng, out = self.rng, []
        if role == "older":
            for party, text, days, status, confirmed, note in SHOWCASE_OLDER:
                due = min(day + timedelta(days=days), (next_day or self.today) - timedelta(days=1))
                out.append(self._spec(party, text, max(due, day), status, confirmed, note,
                                      dropped_at=next_day if status == DROPPED else None))
        elif role == "latest":
            for party, text, days, status, confirmed, note in SHOWCASE_LATEST:
                due = (_month_end(max(day + timedelta(days=30), self.today + timedelta(days=10))) if days is None
                       else day + timedelta(days=days))
                out.append(self._spec(party, text, due, status, confirmed, note))
        named = [t for t in BY_KIND[kind] if t[0] != "*"]
        taken = {(s.agency_id, s.company_id) for s in out if s}
        pool = [t for t in named if self._party(t[0])[:2] not in taken]
        for party, text, days in rng.sample(pool, k=min(len(pool), 1 if role else rng.randint(2, 3))):
            out.append(self._spec(party, text, day + timedelta(days=days), None))
        if self.ctx.large:
            generic = [t for t in BY_KIND[kind] if t[0] == "*"]
            agencies = rng.sample(self.ctx.data["agency_ids"], k=min(len(self.ctx.data["agency_ids"]),
                                                                      rng.randint(8, 14)))
            for agency_id in agencies:
                _party, text, days = rng.choice(generic)
                name = self.agency_names[agency_id]
                due = day + timedelta(days=days + rng.randint(-5, 10))
                status, confirmed = _status_by_age(due, self.today, rng)
                out.append(_Spec(agency_id, None, text.format(opd=name), due, status, confirmed))
        return [s for s in out if s]

    def agreement(self, spec: _Spec, held: date) -> Agreement:
        rng, coordinator = self.rng, self.coordinator
        actor = self.operators.get(spec.agency_id, coordinator) if spec.agency_id else coordinator
        created = _at(held + timedelta(days=rng.randint(0, 2)), 14, rng)
        horizon = min(self.latest, datetime.combine(spec.due + timedelta(days=rng.randint(-10, 15)), time(10),
                                                    JAKARTA))
        span = max(horizon - created, timedelta(hours=2))
        steps = [(CREATE, created, coordinator, None, OPEN, "")]
        status, note = spec.status, spec.note or (rng.choice(NOTES[spec.status]) if spec.status in NOTES else "")
        if status in (IN_PROGRESS, DONE):
            progress = note if status == IN_PROGRESS else rng.choice(NOTES[IN_PROGRESS])
            steps.append((STATUS, created + span * rng.uniform(0.15, 0.45), actor, OPEN, IN_PROGRESS, progress))
        if status == DONE:
            steps.append((STATUS, created + span * rng.uniform(0.6, 0.95), actor, IN_PROGRESS, DONE, note))
            if spec.confirmed:
                steps.append((CONFIRM, steps[-1][1] + timedelta(days=rng.randint(2, 10), hours=rng.randint(0, 5)),
                              coordinator, DONE, DONE, rng.choice(CONFIRM_NOTES)))
        if status == DROPPED:
            at = _at(spec.dropped_at, 15, rng) if spec.dropped_at else created + span * rng.uniform(0.5, 0.9)
            steps.append((STATUS, at, coordinator, OPEN, DROPPED, note))
        # office hours on the day each step fell on
        times = _ordered([steps[0][1]] + [_at(t.astimezone(JAKARTA).date(), rng.randint(8, 15), rng)
                                          for _a, t, *_rest in steps[1:]], self.latest)
        events = [AgreementEvent(at=at, user_id=user, action=action, from_status=a, to_status=b, note=text)
                  for (action, _t, user, a, b, text), at in zip(steps, times)]
        confirm = next((e for e in events if e.action == CONFIRM), None)
        progress_note = next((e.note for e in reversed(events) if e.action == STATUS), "")
        return Agreement(text=spec.text, agency_id=spec.agency_id, company_id=spec.company_id, due_date=spec.due,
                         status=status, note=progress_note, confirmed_at=confirm.at if confirm else None,
                         confirmed_by_id=coordinator if confirm else None, created_at=times[0],
                         created_by_id=coordinator, updated_at=times[-1], events=events)

    # ---- meetings --------------------------------------------------------------------------------

    def attendees(self, kind: str, specs: list[_Spec]) -> list[MeetingAttendee]:
        rng, ctx = self.rng, self.ctx
        agencies = {s.agency_id for s in specs if s.agency_id}
        pool = ctx.data.get("agency_ids", [])
        agencies |= set(rng.sample(pool, k=min(len(pool), 20 if ctx.large else rng.randint(9, 12))))
        secretariat = self.by_short.get("Bapperida")
        if secretariat:
            agencies.add(secretariat)
        companies = {s.company_id for s in specs if s.company_id}
        if kind in (PRA_RAKOR, RAKOR):
            companies |= set(self.company_ids[:2 if kind == PRA_RAKOR else 4])
        out = [MeetingAttendee(agency_id=a, people=rng.randint(5, 8) if a == secretariat else rng.randint(1, 3))
               for a in sorted(agencies)]
        out += [MeetingAttendee(company_id=c, people=rng.randint(1, 2)) for c in sorted(companies)]
        out += [MeetingAttendee(name=name, people=people) for name, people in OTHERS[kind]]
        return out

    def _figures(self, day: date) -> list[str]:
        """What the minutes quote: BPS's latest March figure published before ``day``, the pockets."""
        bps = self.poverty.get("bps", {})
        known = [y for y, row in sorted(bps.items()) if row["source_date"] < day]
        out = []
        if known:
            year, row = known[-1], bps[known[-1]]
            sentence = (f"BPS mencatat jumlah penduduk miskin Maret {year} sebanyak {number(row['poor_count'])} jiwa "
                        f"({number(row['poor_pct'], 2)} %)")
            if year - 1 in bps:
                before = bps[year - 1]
                diff, points = row["poor_count"] - before["poor_count"], row["poor_pct"] - before["poor_pct"]
                word = "naik" if diff > 0 else "turun"
                sentence += (f", {word} {number(abs(diff))} jiwa ({'+' if points >= 0 else '−'}"
                             f"{number(abs(points), 2)} poin) dibanding Maret {year - 1}")
            out.append(sentence + ".")
        sources = {y: s for y, s in self.poverty.get("household_sources", {}).items() if date(y, 4, 30) < day}
        if sources and self.poverty.get("pockets"):
            year = max(sources)
            names = [self.region_names.get(r, "") for r in self.poverty["pockets"]]
            out.append(f"Kantong kemiskinan menurut data {sources[year]} {year}: {names[0]}, kemudian "
                       f"{', '.join(names[1:-1]) + ' dan ' if len(names) > 2 else ''}{names[-1]}.")
        return out

    def minutes(self, kind: str, day: date, chair: str, attendees: list[MeetingAttendee], n: int) -> str:
        e_year, quarter = evaluates(kind, day.year)
        opds = sum(1 for a in attendees if a.agency_id)
        companies = sum(1 for a in attendees if a.company_id)
        lines = [(f"Rapat dibuka oleh {chair}, dihadiri {sum(a.people for a in attendees)} orang dari {opds} OPD"
                 f"{f', {companies} perusahaan' if companies else ''} serta unsur kecamatan dan instansi vertikal."),
                 (f"Sekretariat TKPK memaparkan capaian rencana aksi OPD triwulan {ROMAN[quarter]} {e_year}: "
                 "sebagian OPD belum melengkapi daftar penerima manfaat by name by address.")]
        if kind != EVALUASI:
            lines += self._figures(day)
        lines.append({
            EVALUASI: f"Jadwal kegiatan TKPK tahun {day.year} disepakati: pra-Rakor pada bulan Mei, konsolidasi "
                      "data pada bulan September dan Rakor pada bulan Desember.",
            PRA_RAKOR: "Camat diminta mendampingi verifikasi data P3KE dan DTSEN per desa bersama pendamping PKH.",
            VERVAL: "Camat dan pendamping PKH melaporkan hasil verifikasi lapangan: masih ada keluarga desil 1 yang "
                    "belum memiliki NIK dan keluarga yang sudah pindah domisili.",
            RAKOR: "Ditegaskan bahwa tidak ada program yang berjalan sendiri: program OPD dan CSR perusahaan "
                   "diarahkan ke kantong kemiskinan dan sasaran DTSEN.",
        }[kind])
        lines.append(f"Rapat menghasilkan {n} kesepakatan yang dipantau dalam daftar tindak lanjut.")
        return "\n\n".join(lines)

    def meeting(self, day: date, kind: str, chair: str, place: str, specs: list[_Spec] | None) -> Meeting:
        """A meeting held (``specs``: its agreements) or only scheduled (``specs`` None)."""
        rng = self.rng
        e_year, quarter = evaluates(kind, day.year)
        created = min(_at(day - timedelta(days=rng.randint(10, 20)), 9, rng), self.latest)
        meeting = Meeting(date=day, year=e_year, quarter=quarter, kind=kind, title=title(kind, day.year), place=place,
                          agenda=agenda(kind, day.year), chair=chair, created_at=created,
                          created_by_id=self.coordinator, updated_at=created)
        if specs is not None:
            attendees = self.attendees(kind, specs)
            meeting.attendees = attendees
            meeting.minutes = self.minutes(kind, day, chair, attendees, len(specs))
            meeting.agreements = [self.agreement(s, day) for s in specs]
            meeting.updated_at = max(created, min(_at(day + timedelta(days=1), 11, rng), self.latest))
        return meeting


def load(ctx) -> None:
    started = time_module.perf_counter()
    loader = _Loader(ctx)
    planned = schedule(ctx)
    held = [m for m in planned if m[0] < ctx.today]  # one dated today is not written up yet
    upcoming = next((m for m in planned if m[0] >= ctx.today), None)
    meetings = []
    for i, (day, kind, chair, place) in enumerate(held):
        role = "latest" if i == len(held) - 1 else "older" if i == len(held) - 2 else ""
        next_day = held[i + 1][0] if i + 1 < len(held) else None
        meetings.append(loader.meeting(day, kind, chair, place, loader.specs(day, kind, role, next_day)))
    agreements = [a for m in meetings for a in m.agreements]
    if upcoming:
        meetings.append(loader.meeting(*upcoming, specs=None))
    db.session.add_all(meetings)
    db.session.flush()
    counts = Counter(a.status for a in agreements)
    overdue = sum(1 for a in agreements if a.is_overdue(ctx.today))
    ctx.echo(f"Rapat TKPK: {len(held)} rapat terlaksana{', 1 terjadwal' if upcoming else ''}, {len(agreements)} "
             f"kesepakatan ({', '.join(f'{s} {counts[s]}' for s in (OPEN, IN_PROGRESS, DONE, DROPPED))}; "
             f"{overdue} lewat tenggat) ({time_module.perf_counter() - started:.1f} detik).")
