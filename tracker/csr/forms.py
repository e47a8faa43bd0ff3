"""Forms of the CSR pages.  WTForms renders the fields and checks the CSRF token; the rules are the
service's (``tracker.csr.validation``), whose messages are put back next to the fields.  Amounts may
be typed the Indonesian way ("250.000.000", "Rp 5.000.000")."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from sqlalchemy import select
from wtforms import HiddenField, SelectField, SelectMultipleField, StringField, TextAreaField

from tracker.csr.models import BENEFICIARY_UNITS, CASH, IN_KIND
from tracker.csr.validation import TEXT_LIMITS
from tracker.extensions import db
from tracker.forms import DateInput, Form, opt_int
from tracker.plans.forms import region_choices
from tracker.plans.models import Activity
from tracker.progress.forms import IntegerNumberField
from tracker.reference.models import Agency, Strategy
from tracker.review import MAX_COMMENT
from tracker.types import jakarta_now

KIND_LABELS = {CASH: _l("Tunai (uang)"), IN_KIND: _l("Natura (barang/jasa)")}


def rupiah_input(value: int | None) -> str:
    """250000000 -> "250.000.000", as the amount boxes show it."""
    return "" if value is None else f"{value:,}".replace(",", ".")


class CommitmentForm(Form):
    year = SelectField(_l("Tahun"), coerce=str, validate_choice=False)
    title = StringField(_l("Judul program"), render_kw={"maxlength": TEXT_LIMITS["title"]})
    description = TextAreaField(_l("Uraian"), render_kw={"rows": 3, "maxlength": TEXT_LIMITS["description"]})
    strategy = SelectField(_l("Strategi"), coerce=str, validate_choice=False)
    region_ids = SelectMultipleField(_l("Lokasi (kecamatan/desa)"), coerce=str, validate_choice=False,
                                     description=_l("Tahan Ctrl (atau Cmd) untuk memilih lebih dari satu."))
    amount = IntegerNumberField(_l("Nilai komitmen (Rp)"), description=_l("Bilangan bulat Rupiah, mis. 250.000.000."),
                                render_kw={"inputmode": "numeric", "autocomplete": "off"})
    activity_id = SelectField(_l("Kegiatan OPD yang didukung (opsional)"), coerce=str, validate_choice=False)
    revision_reason = TextAreaField(_l("Alasan perubahan nilai"),
                                    render_kw={"rows": 2, "maxlength": TEXT_LIMITS["revision_reason"]})
    version = HiddenField()

    def fill_choices(self, years: list[int], activity_year: int | None) -> None:
        self.year.choices = [(str(y), str(y)) for y in years]
        self.strategy.choices = [("", _l("— pilih —"))] + [
            (code, f"{code} — {name}") for code, name in db.session.execute(
                select(Strategy.code, Strategy.name).order_by(Strategy.sort_order))]
        self.region_ids.choices = region_choices()
        self.activity_id.choices = activity_choices(activity_year)

    def values(self, *, new: bool) -> dict:
        """The service's input (the same keys as the API's body)."""
        data = {
            "title": self.title.data or "", "description": self.description.data or "",
            "strategy": self.strategy.data or "", "amount": self.amount.data,
            "region_ids": [opt_int(v) if opt_int(v) is not None else v for v in (self.region_ids.data or [])],
            "activity_id": opt_int(self.activity_id.data) if self.activity_id.data else None,
        }
        if new:
            data["year"] = opt_int(self.year.data)
        elif self.revision_reason.data:
            data["revision_reason"] = self.revision_reason.data
        return data


def activity_choices(year: int | None) -> dict[str, list[tuple[str, str]]] | list:
    """The year's OPD activities as option groups per OPD, led by "none"."""
    none = [("", _l("— tidak terkait kegiatan OPD —"))]
    if year is None:
        return none
    rows = db.session.execute(
        select(Activity.id, Activity.code, Activity.name, Agency.short_name)
        .join(Agency, Agency.id == Activity.agency_id).where(Activity.year == year)
        .order_by(Agency.short_name, Activity.code)).all()
    groups: dict[str, list[tuple[str, str]]] = {"": none}
    for activity_id, code, name, agency in rows:
        groups.setdefault(agency, []).append((str(activity_id), f"{code} {name}"[:160]))
    return groups


def commitment_years(existing: list[int]) -> list[int]:
    now = jakarta_now().year
    return sorted(set(existing) | {now - 1, now, now + 1}, reverse=True)


class ContributionForm(Form):
    date = DateInput(_l("Tanggal"))
    kind = SelectField(_l("Bentuk"), coerce=str, validate_choice=False,
                       choices=[(CASH, KIND_LABELS[CASH]), (IN_KIND, KIND_LABELS[IN_KIND])])
    amount = IntegerNumberField(_l("Nilai (Rp)"),
                                description=_l("Tunai: jumlah yang dibayarkan. Natura: perkiraan nilai barang/jasa."),
                                render_kw={"inputmode": "numeric", "autocomplete": "off"})
    description = TextAreaField(_l("Uraian"), description=_l("Wajib untuk natura: barang/jasa apa yang diberikan."),
                                render_kw={"rows": 3, "maxlength": TEXT_LIMITS["description"]})
    beneficiaries = IntegerNumberField(_l("Penerima manfaat"), render_kw={"inputmode": "numeric", "autocomplete": "off"})
    beneficiary_unit = SelectField(_l("Satuan"), coerce=str, validate_choice=False,
                                   choices=[(u, u) for u in BENEFICIARY_UNITS])
    version = HiddenField()

    def values(self) -> dict:
        return {"date": self.date.data, "kind": self.kind.data, "amount": self.amount.data,
                "description": self.description.data or "",
                "beneficiaries": 0 if self.beneficiaries.data is None else self.beneficiaries.data,
                "beneficiary_unit": self.beneficiary_unit.data}


def contribution_form(contribution=None, formdata=None, *, year: int | None = None) -> ContributionForm:
    """Filled from the request, from a stored contribution, or blank for a commitment of ``year``
    (dated today when today lies in that year)."""
    if formdata is not None:
        return ContributionForm(formdata=formdata)
    if contribution is None:
        today = jakarta_now().date()
        return ContributionForm(formdata=None, data={"kind": CASH, "beneficiary_unit": "KK",
                                                     "date": today if today.year == year else None})
    return ContributionForm(formdata=None, data={
        "date": contribution.date, "kind": contribution.kind, "amount": rupiah_input(contribution.amount),
        "description": contribution.description, "beneficiaries": contribution.beneficiaries,
        "beneficiary_unit": contribution.beneficiary_unit, "version": str(contribution.version)})


class ReviewForm(Form):
    comment = TextAreaField(_l("Komentar (wajib bila dikembalikan)"), render_kw={"rows": 2, "maxlength": MAX_COMMENT})
    version = HiddenField()


class UploadForm(Form):
    file = FileField(_l("Berkas bukti (PDF, JPEG, PNG, XLSX, DOCX)"))


class ActionForm(Form):
    """CSRF only: buttons and lists whose fields are read from the request directly."""
