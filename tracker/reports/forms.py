"""Forms of the report pages: choosing a report, and the report settings.  WTForms renders the fields
and checks the CSRF token; the rules are the services' (``jobs.check_params``,
``settings.clean_settings``), whose messages are put back next to the fields."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from sqlalchemy import select
from wtforms import BooleanField, HiddenField, SelectField, StringField

from tracker.extensions import db
from tracker.forms import Form, opt_int
from tracker.periods.services import MAX_YEAR, MIN_YEAR
from tracker.reference.models import Agency
from tracker.reports.registry import ReportParams
from tracker.types import jakarta_now

ROMAN = ("I", "II", "III", "IV")
FORMAT_LABELS = {"pdf": _l("PDF (siap cetak)"), "xlsx": _l("Excel (.xlsx)")}


def year_choices(current: int | None = None) -> list[tuple[str, str]]:
    now = jakarta_now().year
    years = set(range(now - 4, now + 2)) | ({current} if current and MIN_YEAR <= current <= MAX_YEAR else set())
    return [(str(y), str(y)) for y in sorted(years, reverse=True)]


def quarter_choices() -> list[tuple[str, str]]:
    return [(str(q), _("Triwulan %(r)s", r=ROMAN[q - 1])) for q in range(1, 5)]


class ReportForm(Form):
    kind = SelectField(_l("Jenis laporan"), coerce=str, validate_choice=False)
    year = SelectField(_l("Tahun"), coerce=str, validate_choice=False)
    quarter = SelectField(_l("Triwulan"), coerce=str, validate_choice=False,
                          description=_l("Tidak dipakai untuk laporan CSR tahunan dan daftar kesepakatan."))
    agency_id = SelectField(_l("OPD"), coerce=str, validate_choice=False)
    verified_only = BooleanField(_l("Hanya data yang sudah diverifikasi"), default=True)
    fmt = SelectField(_l("Format"), coerce=str, validate_choice=False)

    def fill_choices(self, kinds: list[tuple[str, str]], fixed_agency=None, year: int | None = None) -> None:
        """``kinds``: (code, label) of the kinds the user may ask for; ``fixed_agency``: an OPD user's
        own OPD (the only choice)."""
        self.kind.choices = kinds
        self.year.choices = year_choices(year)
        self.quarter.choices = quarter_choices()
        if fixed_agency is not None:
            self.agency_id.choices = [(str(fixed_agency.id), fixed_agency.short_name)]
        else:
            rows = db.session.execute(select(Agency.id, Agency.short_name).where(Agency.active.is_(True))
                                      .order_by(Agency.short_name)).all()
            self.agency_id.choices = [("", _("— Seluruh kabupaten —"))] + [(str(i), name) for i, name in rows]
        self.fmt.choices = [(code, str(label)) for code, label in FORMAT_LABELS.items()]

    def params(self, locale: str) -> ReportParams:
        """What was chosen, as report parameters (checked by ``jobs.check_params``)."""
        year = opt_int(self.year.data)
        quarter = opt_int(self.quarter.data)
        kind = self.kind.data or ""
        if kind in ("csr", "agreements"):
            quarter = None
        if kind == "agreements":
            year = None
        return ReportParams(kind=kind, fmt=self.fmt.data or "", year=year, quarter=quarter,
                            agency_id=opt_int(self.agency_id.data),
                            include_unverified=not self.verified_only.data, locale=locale)


class SettingsForm(Form):
    place = StringField(_l("Tempat penandatanganan"), render_kw={"maxlength": 100},
                        description=_l("Misalnya Sampit; dicetak di atas tanda tangan."))
    signer_title = StringField(_l("Jabatan penandatangan"), render_kw={"maxlength": 150})
    signer_name = StringField(_l("Nama penandatangan"), render_kw={"maxlength": 150})
    signer_nip = StringField(_l("NIP penandatangan"), render_kw={"maxlength": 24, "inputmode": "numeric"},
                             description=_l("18 angka, tanpa spasi."))
    logo = FileField(_l("Logo (PNG atau JPEG, paling besar 512 KB)"))
    remove_logo = BooleanField(_l("Hapus logo"))
    version = HiddenField()

    def data_dict(self) -> dict:
        return {"place": self.place.data, "signer_title": self.signer_title.data,
                "signer_name": self.signer_name.data, "signer_nip": self.signer_nip.data}
