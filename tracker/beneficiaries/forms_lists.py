"""Forms of the per-activity beneficiary lists.  WTForms renders the fields and checks the CSRF token;
the rules are the service's (``services.add_people``): the fields reach it as typed, and its Indonesian
messages go back next to the fields."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from sqlalchemy import select
from sqlalchemy.orm import aliased
from wtforms import HiddenField, SelectField, StringField

from tracker.extensions import db
from tracker.forms import DateInput, Form
from tracker.reference.models import Region

NUMBER = {"inputmode": "numeric", "autocomplete": "off", "maxlength": 24}


def desa_choices() -> dict[str, list[tuple[str, str]]] | list[tuple[str, str]]:
    """Every desa, grouped under its kecamatan (an ``<optgroup>`` each), in code order."""
    kecamatan = aliased(Region)
    rows = db.session.execute(
        select(Region.id, Region.name, kecamatan.name).join(kecamatan, kecamatan.id == Region.parent_id)
        .where(Region.level == "desa").order_by(kecamatan.code, Region.code)).all()
    groups: dict[str, list[tuple[str, str]]] = {"": [("", _("— pilih desa/kelurahan —"))]}
    for region_id, name, kecamatan_name in rows:
        groups.setdefault(_("Kec. %(n)s", n=kecamatan_name), []).append((str(region_id), name))
    return groups


class PersonForm(Form):
    """One person (or household) the program reached in the quarter."""

    quarter = HiddenField()
    nik = StringField(_l("NIK"), render_kw=NUMBER,
                      description=_l("16 angka. Boleh kosong bila ada nomor KK atau tanggal lahir."))
    kk = StringField(_l("Nomor KK"), render_kw=NUMBER,
                     description=_l("Untuk program per keluarga/rumah tangga."))
    name = StringField(_l("Nama"), render_kw={"maxlength": 120, "autocomplete": "off"})
    birth_date = DateInput(_l("Tanggal lahir"), description=_l("Dipakai untuk pencocokan bila NIK kosong atau "
                                                                "tidak sah."))
    address = StringField(_l("Alamat"), render_kw={"maxlength": 255, "autocomplete": "off"})
    region_id = SelectField(_l("Desa/kelurahan"), coerce=str, validate_choice=False)

    def fill_choices(self) -> None:
        self.region_id.choices = desa_choices()

    def person(self) -> dict:
        """The fields as the service takes them (``region_id`` an id, or None when not a number)."""
        raw = (self.region_id.data or "").strip()
        return {"nik": self.nik.data or None, "kk": self.kk.data or None, "name": self.name.data or "",
                "birth_date": self.birth_date.data, "address": self.address.data or "",
                "region_id": int(raw) if raw.isdecimal() and len(raw) <= 9 else None}


class ListUploadForm(Form):
    quarter = HiddenField()
    file = FileField(_l("Berkas Excel (.xlsx) atau CSV"))


class DecideForm(Form):
    """Confirm or reject one probable match; ``version`` is the beneficiary row's as the page showed it."""

    version = HiddenField()
    decision = HiddenField()


# The service's field names, as a person reads them in a row's error.
FIELD_LABELS = {"nik": _l("NIK"), "kk": _l("Nomor KK"), "name": _l("Nama"), "birth_date": _l("Tanggal lahir"),
                "address": _l("Alamat"), "region_id": _l("Desa/kelurahan"), "region_code": _l("Kode wilayah")}


def field_label(name: str) -> str:
    return str(FIELD_LABELS.get(name, name))
