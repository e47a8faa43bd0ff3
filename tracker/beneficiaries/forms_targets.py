"""Forms of the target-list and verval pages.  WTForms renders the fields and checks the CSRF token;
the rules (source, the file's rows, a verval result) are the services' (``target_import``, ``verval``)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import HiddenField, SelectField
from wtforms.validators import InputRequired

from tracker.beneficiaries.models import SOURCES
from tracker.forms import REQUIRED, DateInput, Form

SOURCE_LABELS = {"P3KE": _l("P3KE (Kemenko PMK)"), "DTSEN": _l("DTSEN (BPS/Kemensos)"),
                 "DTKS": _l("DTKS (Dinas Sosial)"), "other": _l("Lainnya")}


class TargetImportForm(Form):
    """A newer target list: its source, the date the list is as of, and the file."""

    source = SelectField(_l("Sumber daftar"), choices=[(s, SOURCE_LABELS[s]) for s in SOURCES],
                         validators=[InputRequired(message=REQUIRED)])
    as_of = DateInput(_l("Keadaan per tanggal"), validators=[InputRequired(message=REQUIRED)],
                      description=_l("Tanggal data pada daftar itu (bukan tanggal impor)."))
    file = FileField(_l("Berkas Excel (.xlsx) atau CSV"),
                     description=_l("Kolom: nik, kk, nama, jenis_kelamin, tanggal_lahir, alamat, kode_wilayah, "
                                    "desil. Semua baris diimpor, atau tidak satu pun bila ada yang salah."))


class RevealForm(Form):
    """Only the CSRF token: opening a full NIK is a POST, so it is never a link that a crawler, a
    prefetch or the browser history repeats."""


class VervalForm(Form):
    """One page of a desa's verval list.  The rows' fields (``result-<id>``, ``note-<id>``,
    ``version-<id>``) are read by the view, as many as the page shows."""

    page = HiddenField()
