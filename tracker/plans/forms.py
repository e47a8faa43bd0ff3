"""Forms of the action plan pages.

WTForms renders the fields and checks the CSRF token; the rules themselves are the service's
(``tracker.plans.validation``), whose messages are put back next to the fields.  Indicator rows are
plain inputs named ``indicators-<n>-<field>`` so rows can be added and removed in place.
"""

from __future__ import annotations

import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from sqlalchemy import select
from wtforms import HiddenField, SelectField, SelectMultipleField, StringField, TextAreaField

from tracker.extensions import db
from tracker.forms import Form
from tracker.plans.models import BENEFICIARY_UNITS
from tracker.plans.validation import parse_int
from tracker.reference.models import Agency, FundingSource, Region, Strategy

INDICATOR_FIELDS = ("id", "name", "unit", "aggregation", "target", "q1", "q2", "q3", "q4", "target_end",
                    "achieved_before")
_ROW_KEY = re.compile(r"^indicators-(\d{1,4})-(" + "|".join(INDICATOR_FIELDS) + ")$")
TOP_FIELDS = ("agency_id", "year", "program", "kegiatan", "code", "name", "strategy", "funding_source", "budget",
              "revision_reason", "region_ids", "target_beneficiaries", "beneficiary_unit")


class ActivityForm(Form):
    agency_id = SelectField(_l("OPD"), coerce=str, validate_choice=False)
    year = SelectField(_l("Tahun"), coerce=str, validate_choice=False)
    program = StringField(_l("Program"), description=_l("Nama program sesuai nomenklatur SIPD."))
    kegiatan = StringField(_l("Kegiatan"))
    code = StringField(_l("Kode sub kegiatan"), description=_l("Format SIPD, mis. 1.06.02.2.01.0001."))
    name = StringField(_l("Nama sub kegiatan"))
    strategy = SelectField(_l("Strategi"), coerce=str, validate_choice=False)
    funding_source = SelectField(_l("Sumber dana"), coerce=str, validate_choice=False)
    budget = StringField(_l("Pagu (Rp)"), description=_l("Bilangan bulat Rupiah, mis. 250.000.000."))
    revision_reason = TextAreaField(_l("Alasan perubahan pagu (APBD-P)"))
    region_ids = SelectMultipleField(_l("Lokasi (kecamatan/desa)"), coerce=str, validate_choice=False,
                                     description=_l("Tahan Ctrl (atau Cmd) untuk memilih lebih dari satu."))
    target_beneficiaries = StringField(_l("Target penerima manfaat"))
    beneficiary_unit = SelectField(_l("Satuan penerima manfaat"), coerce=str, validate_choice=False)
    version = HiddenField()
    activity_id = HiddenField()

    def fill_choices(self, agencies: list[Agency] | None, years: list[int]) -> None:
        if agencies is not None:
            self.agency_id.choices = [("", _l("— pilih OPD —"))] + [
                (str(a.id), f"{a.short_name} — {a.name}") for a in agencies]
        self.year.choices = [(str(y), str(y)) for y in years]
        self.strategy.choices = [("", _l("— pilih —"))] + [
            (code, f"{code} — {name}") for code, name in db.session.execute(
                select(Strategy.code, Strategy.name).order_by(Strategy.sort_order))]
        self.funding_source.choices = [("", _l("— pilih —"))] + [
            (code, name) for code, name in db.session.execute(
                select(FundingSource.code, FundingSource.name).order_by(FundingSource.sort_order))]
        self.beneficiary_unit.choices = [(u, u) for u in BENEFICIARY_UNITS]
        self.region_ids.choices = region_choices()


def region_choices() -> dict[str, list[tuple[str, str]]]:
    """Kecamatan with their desa, as option groups."""
    regions = db.session.scalars(
        select(Region).where(Region.level.in_(("kecamatan", "desa"))).order_by(Region.code)).all()
    groups: dict[str, list[tuple[str, str]]] = {}
    names = {r.id: r.name for r in regions if r.level == "kecamatan"}
    for r in regions:
        if r.level == "kecamatan":
            groups.setdefault(r.name, []).insert(0, (str(r.id), _("Kec. %(name)s (seluruh kecamatan)", name=r.name)))
        else:
            groups.setdefault(names.get(r.parent_id, "-"), []).append((str(r.id), f"{r.name}"))
    return groups


def blank_row(index: int) -> dict:
    return {"index": index, "values": {"aggregation": "sum"}, "errors": {}}


def indicator_rows(formdata) -> list[dict]:
    """Rows from the submitted form, in their order on the page."""
    rows: dict[int, dict] = {}
    for key in formdata:
        match = _ROW_KEY.match(key)
        if match:
            index = int(match.group(1))
            rows.setdefault(index, blank_row(index))["values"][match.group(2)] = formdata.get(key, "")
    return [rows[i] for i in sorted(rows)]


def rows_from_activity(activity) -> list[dict]:
    from tracker.plans.validation import qty

    rows = []
    for i, ind in enumerate(activity.indicators):
        values = {"id": str(ind.id), "name": ind.name, "unit": ind.unit, "aggregation": ind.aggregation,
                  "target": qty(ind.target).replace("–", "")}
        for q, value in enumerate(ind.quarter_targets, start=1):
            values[f"q{q}"] = "" if value is None else qty(value)
        for key in ("target_end", "achieved_before"):
            values[key] = "" if getattr(ind, key) is None else qty(getattr(ind, key))
        rows.append({"index": i, "values": values, "errors": {}})
    return rows


def next_index(rows: list[dict]) -> int:
    return max((r["index"] for r in rows), default=-1) + 1


def form_data(form: ActivityForm, rows: list[dict], *, budget_key: str = "budget") -> dict:
    """The service's input from the form: the same keys as the API."""
    data = {
        "program": form.program.data, "kegiatan": form.kegiatan.data, "code": form.code.data, "name": form.name.data,
        "strategy": form.strategy.data, "funding_source": form.funding_source.data,
        budget_key: form.budget.data, "region_ids": [parse_int(v) if parse_int(v) is not None else v
                                                     for v in (form.region_ids.data or [])],
        "target_beneficiaries": form.target_beneficiaries.data, "beneficiary_unit": form.beneficiary_unit.data,
        "revision_reason": form.revision_reason.data,
        "agency_id": parse_int(form.agency_id.data) if form.agency_id.data else None,
        "year": parse_int(form.year.data) if form.year.data else None,
        "indicators": [],
    }
    for row in rows:
        v = row["values"]
        data["indicators"].append({
            "id": parse_int(v.get("id")) if v.get("id") else None,
            "name": v.get("name", ""), "unit": v.get("unit", ""), "aggregation": v.get("aggregation", ""),
            "target": v.get("target", ""), "quarter_targets": [v.get(f"q{q}", "") for q in range(1, 5)],
            # Renstra figures only when the page had their inputs (a page from before they existed keeps them).
            **{key: v[key] for key in ("target_end", "achieved_before") if key in v},
        })
    return data


def input_name(key: str, rows: list[dict]) -> str:
    """The page's input name for a service field key ('indicators.1.quarter_targets.2' -> 'indicators-4-q3')."""
    parts = key.split(".")
    if parts[0] == "indicators" and len(parts) >= 2 and parts[1].isdecimal() and int(parts[1]) < len(rows):
        index = rows[int(parts[1])]["index"]
        field = parts[2] if len(parts) > 2 else "name"
        if field == "quarter_targets":
            field = f"q{int(parts[3]) + 1}" if len(parts) > 3 else "q1"
        return f"indicators-{index}-{field}"
    return {"budget_revised": "budget"}.get(parts[0], parts[0])


def place_errors(form: ActivityForm, rows: list[dict], fields: dict[str, str]) -> list[str]:
    """Put each message next to its input; returns those that belong to no input."""
    loose = []
    for key, message in (fields or {}).items():
        name = input_name(key, rows)
        match = re.match(r"^indicators-(\d+)-(\w+)$", name)
        if match:
            row = next(r for r in rows if r["index"] == int(match.group(1)))
            row["errors"][match.group(2)] = message
        elif name in TOP_FIELDS and hasattr(form, name):
            field = getattr(form, name)
            field.errors = list(field.errors) + [message]
        elif name == "indicators":
            form.indicator_error = message
        else:
            loose.append(message)
    return loose


class UploadForm(Form):
    file = FileField(_l("Berkas Excel (.xlsx)"))


class AgreeForm(Form):
    note = StringField(_l("Catatan"))
