"""Forms of the poverty pages.  WTForms renders the fields and checks the CSRF token; every rule is the
service's (``tracker.poverty.validation``): the fields are plain text, so "6,59", "8.420" and an empty
box (unknown, never 0) reach the rules as typed, and their Indonesian messages go back next to the
fields."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from sqlalchemy import select
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField

from tracker.extensions import db
from tracker.formatting import number
from tracker.forms import Form
from tracker.poverty.import_columns import KIND_LABELS, KINDS
from tracker.poverty.models import HOUSEHOLD_SOURCES, MEASURES, SOURCES
from tracker.poverty.validation import (
    HOUSEHOLD_MEASURES,
    TEXT_LIMITS,
    measure_label,
    month_label,
    source_label,
)
from tracker.reference.models import Region

COUNT = {"inputmode": "numeric", "autocomplete": "off"}
DECIMAL = {"inputmode": "decimal", "autocomplete": "off"}
STAT_DECIMALS = ("poor_pct", "p1", "p2", "extreme_pct")
STAT_COUNTS = ("poor_count", "poverty_line", "extreme_poor_count")


def count_input(value: int | None) -> str:
    """8420 -> "8.420" (as the boxes show a stored count; the rules read it back)."""
    return "" if value is None else number(value)


def decimal_input(value: float | None) -> str:
    """6.59 -> "6,59"; 10.0 -> "10" (no float noise, no trailing zeros)."""
    if value is None:
        return ""
    text = format(Decimal(repr(float(value))).normalize(), "f")
    return text.replace(".", ",")


def region_choices(levels: tuple[str, ...]) -> list[tuple[str, str]]:
    """The regions of ``levels`` in code order: the kabupaten, its kecamatan ("Kec. …"), their desa
    indented under them."""
    regions = db.session.scalars(select(Region).where(Region.level.in_(levels)).order_by(Region.code)).all()
    out = [("", _("— pilih wilayah —"))]
    for r in regions:
        if r.level == "kabupaten":
            out.append((str(r.id), r.name))
        elif r.level == "kecamatan":
            out.append((str(r.id), _("Kec. %(n)s", n=r.name)))
        else:
            out.append((str(r.id), "\u2003" + r.name))
    return out


class StatForm(Form):
    region_id = SelectField(_l("Wilayah"), coerce=str, validate_choice=False)
    year = StringField(_l("Tahun"), render_kw={"inputmode": "numeric", "maxlength": 4})
    month = SelectField(_l("Putaran"), coerce=str, validate_choice=False,
                        description=_l("BPS merilis angka Maret dan September; kosongkan bila hanya ada satu angka "
                                       "setahun."))
    source = SelectField(_l("Sumber"), coerce=str, validate_choice=False)
    poor_count = StringField(_l("Jumlah penduduk miskin (jiwa)"), render_kw=COUNT)
    poor_pct = StringField(_l("Persentase penduduk miskin, P0 (%)"), render_kw=DECIMAL,
                           description=_l("Mis. 6,59. Kosongkan bila tidak dirilis (bukan 0)."))
    p1 = StringField(_l("Indeks kedalaman kemiskinan (P1)"), render_kw=DECIMAL)
    p2 = StringField(_l("Indeks keparahan kemiskinan (P2)"), render_kw=DECIMAL)
    poverty_line = StringField(_l("Garis kemiskinan (Rp/kapita/bulan)"), render_kw=COUNT)
    extreme_poor_count = StringField(_l("Jumlah penduduk miskin ekstrem (jiwa)"), render_kw=COUNT)
    extreme_pct = StringField(_l("Persentase kemiskinan ekstrem (%)"), render_kw=DECIMAL)
    source_document = StringField(_l("Dokumen sumber"), render_kw={"maxlength": TEXT_LIMITS["source_document"]},
                                  description=_l("Mis. 'Berita Resmi Statistik Juli 2024' atau 'Kotawaringin Timur "
                                                 "Dalam Angka 2025'."))
    source_date = StringField(_l("Tanggal dokumen sumber"), render_kw={"type": "date"})
    notes = TextAreaField(_l("Catatan"), render_kw={"rows": 2, "maxlength": TEXT_LIMITS["notes"]})
    replace = BooleanField(_l("Ganti data yang ada"))
    version = HiddenField()

    def fill_choices(self) -> None:
        self.region_id.choices = region_choices(("kabupaten", "kecamatan"))
        self.month.choices = [("", _("Tahunan (tanpa putaran)"))] + [(str(m), month_label(m)) for m in (3, 9)]
        self.source.choices = [(s, source_label(s)) for s in SOURCES]

    def values(self) -> dict:
        data = {name: getattr(self, name).data or "" for name in (
            "region_id", "year", "month", "source", *STAT_COUNTS, *STAT_DECIMALS, "source_document", "source_date",
            "notes")}
        return data

    def load(self, stat) -> None:
        self.region_id.data, self.year.data = str(stat.region_id), str(stat.year)
        self.month.data, self.source.data = str(stat.month or ""), stat.source
        for name in STAT_COUNTS:
            getattr(self, name).data = count_input(getattr(stat, name))
        for name in STAT_DECIMALS:
            getattr(self, name).data = decimal_input(getattr(stat, name))
        self.source_document.data, self.notes.data = stat.source_document, stat.notes
        self.source_date.data = stat.source_date.isoformat() if stat.source_date else ""
        self.version.data = str(stat.version)


class TargetForm(Form):
    region_id = SelectField(_l("Wilayah"), coerce=str, validate_choice=False)
    year = StringField(_l("Tahun"), render_kw={"inputmode": "numeric", "maxlength": 4})
    measure = SelectField(_l("Ukuran"), coerce=str, validate_choice=False)
    value = StringField(_l("Target (%)"), render_kw=DECIMAL, description=_l("Persentase 0–100, mis. 5,50."))
    source_document = StringField(_l("Dokumen"), render_kw={"maxlength": TEXT_LIMITS["source_document"]},
                                  description=_l("Mis. 'RPJMD 2025–2029' atau 'RPKD 2025–2029'."))
    replace = BooleanField(_l("Ganti data yang ada"))
    version = HiddenField()

    def fill_choices(self) -> None:
        self.region_id.choices = region_choices(("kabupaten", "kecamatan"))
        self.measure.choices = [(m, measure_label(m)) for m in MEASURES]

    def values(self) -> dict:
        return {name: getattr(self, name).data or "" for name in
                ("region_id", "year", "measure", "value", "source_document")}

    def load(self, target) -> None:
        self.region_id.data, self.year.data = str(target.region_id), str(target.year)
        self.measure.data, self.value.data = target.measure, decimal_input(target.value)
        self.source_document.data, self.version.data = target.source_document, str(target.version)


class HouseholdForm(Form):
    region_id = SelectField(_l("Kecamatan atau desa/kelurahan"), coerce=str, validate_choice=False)
    year = StringField(_l("Tahun"), render_kw={"inputmode": "numeric", "maxlength": 4})
    source = SelectField(_l("Sumber"), coerce=str, validate_choice=False)
    households_d1 = StringField(_l("Desil 1"), render_kw=COUNT)
    households_d2 = StringField(_l("Desil 2"), render_kw=COUNT)
    households_d3 = StringField(_l("Desil 3"), render_kw=COUNT)
    households_d4 = StringField(_l("Desil 4"), render_kw=COUNT)
    people_d1 = StringField(_l("Desil 1"), render_kw=COUNT)
    people_d2 = StringField(_l("Desil 2"), render_kw=COUNT)
    people_d3 = StringField(_l("Desil 3"), render_kw=COUNT)
    people_d4 = StringField(_l("Desil 4"), render_kw=COUNT)
    source_document = StringField(_l("Dokumen sumber"), render_kw={"maxlength": TEXT_LIMITS["source_document"]})
    source_date = StringField(_l("Tanggal dokumen sumber"), render_kw={"type": "date"})
    replace = BooleanField(_l("Ganti data yang ada"))
    version = HiddenField()

    def fill_choices(self) -> None:
        self.region_id.choices = region_choices(("kecamatan", "desa"))
        self.source.choices = [(s, source_label(s)) for s in HOUSEHOLD_SOURCES]

    def values(self) -> dict:
        return {name: getattr(self, name).data or "" for name in
                ("region_id", "year", "source", *HOUSEHOLD_MEASURES, "source_document", "source_date")}

    def load(self, row) -> None:
        self.region_id.data, self.year.data, self.source.data = str(row.region_id), str(row.year), row.source
        for name in HOUSEHOLD_MEASURES:
            getattr(self, name).data = count_input(getattr(row, name))
        self.source_document.data = row.source_document
        self.source_date.data = row.source_date.isoformat() if row.source_date else ""
        self.version.data = str(row.version)


class DeleteForm(Form):
    """CSRF and the version the user saw."""
    version = HiddenField()


class ImportForm(Form):
    kind = SelectField(_l("Jenis data"), coerce=str, validate_choice=False)
    file = FileField(_l("Berkas CSV atau Excel (.xlsx)"))
    replace = BooleanField(_l("Ganti data yang sudah ada (duplikat)"),
                           description=_l("Tanpa centang, baris yang sudah ada di sistem ditolak sebagai kesalahan."))

    def fill_choices(self) -> None:
        self.kind.choices = [(k, _(KIND_LABELS[k])) for k in KINDS]
