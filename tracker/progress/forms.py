"""Forms of the progress pages.  Numbers may be typed the Indonesian way ("1.250.000", "45,5")."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from tracker.forms import Form
from tracker.progress.numbers import parse_number
from tracker.progress.rules import TEXT_LIMITS


class NumberField(StringField):
    """A text box holding a number; parse errors become field errors (never a 500)."""

    integer = False

    def process_formdata(self, valuelist):
        self.raw = valuelist[0] if valuelist else ""
        self.data = None
        if valuelist:
            self.data = parse_number(valuelist[0], integer=self.integer)  # ValueError -> process error

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        if self.data is None:
            return ""
        if isinstance(self.data, float) and self.data.is_integer():
            return str(int(self.data))
        return str(self.data)


class IntegerNumberField(NumberField):
    integer = True


class ReportForm(Form):
    budget_realized = IntegerNumberField(_l("Realisasi anggaran triwulan ini (Rp)"), validators=[Optional()],
                                         render_kw={"inputmode": "numeric", "autocomplete": "off"})
    physical_progress = NumberField(_l("Progres fisik kumulatif (%)"), validators=[Optional()],
                                    render_kw={"inputmode": "decimal", "autocomplete": "off"})
    progress_drop_reason = StringField(_l("Alasan jika progres fisik turun"),
                                       validators=[Length(max=TEXT_LIMITS["progress_drop_reason"])])
    beneficiaries_reached = IntegerNumberField(_l("Penerima manfaat tercapai"), validators=[Optional()],
                                               render_kw={"inputmode": "numeric", "autocomplete": "off"})
    problems = TextAreaField(_l("Kendala"), validators=[Length(max=TEXT_LIMITS["problems"])], render_kw={"rows": 3})
    follow_up = TextAreaField(_l("Tindak lanjut"), validators=[Length(max=TEXT_LIMITS["follow_up"])],
                              render_kw={"rows": 3})
    version = HiddenField()


def report_form(indicators, *, formdata=None, report=None) -> ReportForm:
    """A ReportForm with one value field per indicator (``ind_<id>``)."""

    class Form(ReportForm):
        pass

    for ind in indicators:
        setattr(Form, f"ind_{ind.id}", NumberField(ind.name, validators=[Optional()],
                                                   render_kw={"inputmode": "decimal", "autocomplete": "off"}))
    data = {}
    if report is not None:
        data = {name: getattr(report, name) for name in ("budget_realized", "physical_progress", "progress_drop_reason",
                                                          "beneficiaries_reached", "problems", "follow_up")}
        data["version"] = report.version
        data.update({f"ind_{v.indicator_id}": v.value for v in report.values})
    if formdata is not None:
        return Form(formdata=formdata)
    return Form(formdata=None, data=data)


def payload_from(form: ReportForm, indicators) -> tuple[dict, int | None]:
    payload = {name: getattr(form, name).data for name in ("budget_realized", "physical_progress",
                                                          "progress_drop_reason", "beneficiaries_reached",
                                                          "problems", "follow_up")}
    for name in ("progress_drop_reason", "problems", "follow_up"):
        payload[name] = (payload[name] or "").strip()
    payload["indicator_values"] = [{"indicator_id": ind.id, "value": getattr(form, f"ind_{ind.id}").data}
                                   for ind in indicators]
    raw = (form.version.data or "").strip()
    version = int(raw) if raw.isdecimal() else None
    return payload, version


class CommentForm(Form):
    comment = TextAreaField(_l("Komentar"), validators=[Length(max=2000)], render_kw={"rows": 2})


class UploadForm(Form):
    file = FileField(_l("Berkas bukti (PDF, JPEG, PNG, XLSX, DOCX)"))


class ActionForm(Form):
    """CSRF only: bulk buttons and tables whose fields are read from the request directly."""


class UnlockForm(Form):
    reason = StringField(_l("Alasan membuka kunci"), validators=[Length(max=500)])
