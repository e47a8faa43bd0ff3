"""Forms of the reference-data pages: OPDs, companies and regions.

The services (``tracker.reference.services``) hold the rules; the forms only carry the input, with
Indonesian messages for what they check themselves (required fields, lengths).  Every edit form has
the record's ``version`` in a hidden field so a stale edit is refused instead of overwriting.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired

from tracker.forms import REQUIRED, Form, max_len, opt_int


class AgencyForm(Form):
    code = StringField(_l("Kode OPD"), validators=[DataRequired(REQUIRED), max_len(30)],
                       description=_l("Kode urusan/unit sesuai SIPD, misalnya 1.06.01."))
    name = StringField(_l("Nama OPD"), validators=[DataRequired(REQUIRED), max_len(200)])
    short_name = StringField(_l("Nama singkat"), validators=[DataRequired(REQUIRED), max_len(60)])
    active = BooleanField(_l("Aktif"), default=True)
    version = HiddenField()


class CompanyForm(Form):
    name = StringField(_l("Nama perusahaan"), validators=[DataRequired(REQUIRED), max_len(200)])
    sector = StringField(_l("Sektor usaha"), validators=[max_len(100)],
                         description=_l("Misalnya perkebunan kelapa sawit, pertambangan, perbankan."))
    address = TextAreaField(_l("Alamat"), validators=[max_len(300)], render_kw={"rows": 2})
    contact_name = StringField(_l("Narahubung"), validators=[max_len(120)])
    contact_email = StringField(_l("E-mail narahubung"), validators=[max_len(200)])
    active = BooleanField(_l("Aktif"), default=True)
    version = HiddenField()


LEVEL_CHOICES = [
    ("kabupaten", _l("Kabupaten/Kota")),
    ("kecamatan", _l("Kecamatan")),
    ("desa", _l("Desa/Kelurahan")),
]


class RegionForm(Form):
    level = SelectField(_l("Tingkat"), choices=LEVEL_CHOICES, validate_choice=False,
                        validators=[DataRequired(REQUIRED)])
    parent_id = SelectField(_l("Induk wilayah"), coerce=opt_int, validate_choice=False,
                            description=_l("Kecamatan berinduk kabupaten, desa/kelurahan berinduk kecamatan."))
    code = StringField(_l("Kode Kemendagri"), validators=[DataRequired(REQUIRED), max_len(20)],
                       description=_l("Contoh: 62.02 (kabupaten), 62.02.01 (kecamatan), 62.02.01.2001 (desa)."))
    name = StringField(_l("Nama wilayah"), validators=[DataRequired(REQUIRED), max_len(120)])
    version = HiddenField()
