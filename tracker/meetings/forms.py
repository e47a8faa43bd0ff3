"""Forms of the meetings pages.  WTForms renders the fields and checks the CSRF token; the rules are the
service's (``tracker.meetings.validation``), whose messages are put back next to the fields.

Attendance is not one WTForms field: the meeting form shows a checkbox and a people count per OPD and
per company (``att_agency`` / ``people_agency_<id>``, ``att_company`` / ``people_company_<id>``) and a
text box for the others, one "name;people" per line; ``read_attendance`` turns that into the service's
list, with a label per line to put its errors on.
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from sqlalchemy import or_, select
from wtforms import HiddenField, SelectField, SelectMultipleField, StringField, TextAreaField

from tracker.errors import ValidationFailed
from tracker.extensions import db
from tracker.forms import DateInput, Form, opt_int
from tracker.meetings.labels import FILE_KIND_LABELS, KIND_LABELS, STATUS_LABELS
from tracker.meetings.models import AGREEMENT_STATUSES, FILE_KINDS, IN_PROGRESS, KINDS, OPEN
from tracker.meetings.validation import MAX_PEOPLE, TEXT_LIMITS
from tracker.reference.models import Agency, Company
from tracker.types import jakarta_now

ROMAN = ("I", "II", "III", "IV")


def kind_choices():
    return [(k, _(KIND_LABELS[k])) for k in KINDS]


def status_choices(statuses=AGREEMENT_STATUSES):
    return [(s, _(STATUS_LABELS[s])) for s in statuses]


def year_choices(current: int | None = None) -> list[tuple[str, str]]:
    now = jakarta_now().year
    years = set(range(now - 3, now + 2)) | ({current} if current else set())
    return [(str(y), str(y)) for y in sorted(years, reverse=True)]


def agency_rows(include: set[int] | None = None) -> list:
    """(id, name, short_name) of the active OPDs, plus inactive ones already named, by short name (as the
    checkboxes show them)."""
    stmt = (select(Agency.id, Agency.name, Agency.short_name)
            .where(or_(Agency.active.is_(True), Agency.id.in_(sorted(include or ())))).order_by(Agency.short_name))
    return db.session.execute(stmt).all()


def company_rows(include: set[int] | None = None) -> list:
    """(id, name) of the active companies, plus inactive ones already named."""
    stmt = (select(Company.id, Company.name)
            .where(or_(Company.active.is_(True), Company.id.in_(sorted(include or ())))).order_by(Company.name))
    return db.session.execute(stmt).all()


class MeetingForm(Form):
    date = DateInput(_l("Tanggal rapat"))
    kind = SelectField(_l("Jenis rapat"), coerce=str, validate_choice=False)
    title = StringField(_l("Judul"), render_kw={"maxlength": TEXT_LIMITS["title"]})
    year = SelectField(_l("Tahun yang dievaluasi"), coerce=str, validate_choice=False,
                       description=_l("Rapat Januari biasanya mengevaluasi tahun sebelumnya."))
    quarter = SelectField(_l("Triwulan yang dievaluasi"), coerce=str, validate_choice=False)
    place = StringField(_l("Tempat"), render_kw={"maxlength": TEXT_LIMITS["place"]})
    chair = StringField(_l("Pimpinan rapat"), render_kw={"maxlength": TEXT_LIMITS["chair"]})
    agenda = TextAreaField(_l("Agenda"), render_kw={"rows": 3, "maxlength": TEXT_LIMITS["agenda"]})
    minutes = TextAreaField(_l("Notulen / catatan rapat"), render_kw={"rows": 8, "maxlength": TEXT_LIMITS["minutes"]})
    others = TextAreaField(_l("Pihak lain yang hadir"), render_kw={"rows": 4},
                           description=_l("Satu baris per pihak: nama;jumlah orang, misalnya \"Camat Baamang;2\" "
                                          "atau \"BPS Kotawaringin Timur;1\"."))
    attendance = HiddenField()  # never rendered: carries the attendance errors
    version = HiddenField()

    def fill_choices(self, current_year: int | None = None) -> None:
        self.kind.choices = kind_choices()
        self.year.choices = year_choices(current_year)
        self.quarter.choices = [("", _("— tahunan —"))] + [
            (str(q), _("Triwulan %(r)s", r=ROMAN[q - 1])) for q in range(1, 5)]

    def values(self, attendance: list[dict]) -> dict:
        """The service's input (the same keys as the API's body)."""
        year = opt_int(self.year.data)
        quarter = (self.quarter.data or "").strip()
        return {
            "date": self.date.data, "kind": self.kind.data or "", "title": self.title.data or "",
            "year": year if year is not None else (self.year.data or None),
            "quarter": opt_int(quarter) if opt_int(quarter) is not None else (quarter or None),
            "place": self.place.data or "", "chair": self.chair.data or "", "agenda": self.agenda.data or "",
            "minutes": self.minutes.data or "", "attendance": attendance,
        }


def _people(raw: str | None, label: str, errors: list[str]) -> int | None:
    text = (raw or "").strip().replace(".", "")
    if not text:
        return 1
    if text.isdecimal() and int(text) <= MAX_PEOPLE:
        return int(text)
    errors.append(_("%(who)s: jumlah orang harus bilangan bulat 0 sampai %(n)d.", who=label, n=MAX_PEOPLE))
    return None


def read_attendance(formdata, agencies: dict[int, str], companies: dict[int, str]):
    """``(lines, labels, errors)`` from the meeting form: the service's attendance list, the label of
    each line (for its errors) and the problems found before the service is asked."""
    lines: list[dict] = []
    labels: list[str] = []
    errors: list[str] = []
    for key, names, field in (("agency", agencies, "agency_id"), ("company", companies, "company_id")):
        for raw in dict.fromkeys(formdata.getlist(f"att_{key}")):
            row_id = opt_int(raw)
            if row_id is None or row_id not in names:
                errors.append(_("OPD atau perusahaan tidak ditemukan."))
                continue
            people = _people(formdata.get(f"people_{key}_{row_id}"), names[row_id], errors)
            if people is not None:
                lines.append({field: row_id, "people": people})
                labels.append(names[row_id])
    for number, line in enumerate((formdata.get("others") or "").splitlines(), start=1):
        if not line.strip():
            continue
        name, sep, count = line.rpartition(";") if ";" in line else (line, "", "")
        name = name.strip()
        if not name:
            errors.append(_("Baris %(n)d pihak lain: nama wajib diisi (nama;jumlah orang).", n=number))
            continue
        people = _people(count if sep else "", name, errors)
        if people is not None:
            lines.append({"name": name, "people": people})
            labels.append(name)
    return lines, labels, errors


def attendance_failed(err: ValidationFailed, labels: list[str]) -> ValidationFailed:
    """The service's ``attendance.<i>`` errors as one ``attendance`` message naming each party."""
    fields, found = {}, []
    for key, message in (err.fields or {}).items():
        index = opt_int(key.partition(".")[2]) if key.startswith("attendance.") else None
        if index is not None:
            found.append(f"{labels[index] if index < len(labels) else index}: {message}")
        elif key == "attendance":
            found.append(message)
        else:
            fields[key] = message
    if found:
        fields["attendance"] = " ".join(found)
    return ValidationFailed(err.message, fields)


def attendance_state(meeting=None, formdata=None) -> dict:
    """What the attendance part of the form shows: ``{"agency": {id: people}, "company": {...}, "others": text}``."""
    state: dict = {"agency": {}, "company": {}, "others": ""}
    if formdata is not None:
        for key in ("agency", "company"):
            for raw in formdata.getlist(f"att_{key}"):
                row_id = opt_int(raw)
                if row_id is not None:
                    state[key][row_id] = formdata.get(f"people_{key}_{row_id}", "")
        state["others"] = formdata.get("others", "")
    elif meeting is not None:
        others = []
        for a in meeting.attendees:
            if a.agency_id is not None:
                state["agency"][a.agency_id] = str(a.people)
            elif a.company_id is not None:
                state["company"][a.company_id] = str(a.people)
            else:
                others.append(f"{a.name};{a.people}")
        state["others"] = "\n".join(others)
    return state


class AgreementForm(Form):
    """Adding agreements at a meeting: one per OPD ticked (or company chosen); none: Bappeda's own."""

    text = TextAreaField(_l("Isi kesepakatan"), render_kw={"rows": 3, "maxlength": TEXT_LIMITS["text"]})
    agency_ids = SelectMultipleField(_l("OPD penanggung jawab"), coerce=str, validate_choice=False)
    company_ids = SelectMultipleField(_l("Perusahaan penanggung jawab"), coerce=str, validate_choice=False,
                                      description=_l("Tahan Ctrl (atau Cmd) untuk memilih lebih dari satu."))
    due_date = DateInput(_l("Batas waktu"))

    def fill_choices(self) -> None:
        self.agency_ids.choices = [(str(r.id), r.short_name) for r in agency_rows()]
        self.company_ids.choices = [(str(r.id), r.name) for r in company_rows()]

    def values(self) -> dict:
        def ids(values):
            return [opt_int(v) if opt_int(v) is not None else v for v in (values or [])]
        return {"text": self.text.data or "", "agency_ids": ids(self.agency_ids.data),
                "company_ids": ids(self.company_ids.data), "due_date": self.due_date.data}


class AgreementEditForm(Form):
    text = TextAreaField(_l("Isi kesepakatan"), render_kw={"rows": 4, "maxlength": TEXT_LIMITS["text"]})
    party = SelectField(_l("Penanggung jawab"), coerce=str, validate_choice=False)
    due_date = DateInput(_l("Batas waktu"))
    version = HiddenField()

    def fill_choices(self, agreement) -> None:
        bappeda = [("", _("Bappeda (Sekretariat TKPK)"))]
        agencies = [(f"a:{r.id}", r.name) for r in agency_rows({agreement.agency_id} - {None})]
        companies = [(f"c:{r.id}", r.name) for r in company_rows({agreement.company_id} - {None})]
        self.party.choices = {"": bappeda, _("OPD"): agencies, _("Perusahaan"): companies}

    def values(self) -> dict:
        kind, _sep, raw = (self.party.data or "").partition(":")
        value = opt_int(raw) if opt_int(raw) is not None else (raw or "?")
        return {"text": self.text.data or "", "due_date": self.due_date.data,
                "agency_id": value if kind == "a" else None, "company_id": value if kind == "c" else None}


def party_value(agreement) -> str:
    if agreement.agency_id is not None:
        return f"a:{agreement.agency_id}"
    if agreement.company_id is not None:
        return f"c:{agreement.company_id}"
    return ""


class StatusForm(Form):
    status = SelectField(_l("Status"), coerce=str, validate_choice=False)
    note = TextAreaField(_l("Catatan perkembangan"), render_kw={"rows": 3, "maxlength": TEXT_LIMITS["note"]},
                         description=_l("Apa yang sudah dikerjakan; wajib bila kesepakatan dibatalkan. Status yang sama "
                                        "dengan catatan dicatat sebagai catatan perkembangan."))
    version = HiddenField()

    def fill_choices(self) -> None:
        self.status.choices = status_choices()


class ConfirmForm(Form):
    note = TextAreaField(_l("Catatan konfirmasi (opsional)"), render_kw={"rows": 2, "maxlength": TEXT_LIMITS["note"]})
    version = HiddenField()


class ReopenForm(Form):
    status = SelectField(_l("Dibuka kembali sebagai"), coerce=str, validate_choice=False)
    note = TextAreaField(_l("Alasan dibuka kembali (wajib)"), render_kw={"rows": 2, "maxlength": TEXT_LIMITS["note"]})
    version = HiddenField()

    def fill_choices(self) -> None:
        self.status.choices = status_choices((OPEN, IN_PROGRESS))


class MeetingFileForm(Form):
    kind = SelectField(_l("Jenis berkas"), coerce=str, validate_choice=False,
                       choices=[(k, _l(FILE_KIND_LABELS[k])) for k in FILE_KINDS])
    file = FileField(_l("Berkas (PDF, JPEG, PNG, XLSX, DOCX)"))


class EvidenceForm(Form):
    file = FileField(_l("Berkas bukti (PDF, JPEG, PNG, XLSX, DOCX)"))


class ActionForm(Form):
    """CSRF only: buttons whose fields are read from the request directly."""
