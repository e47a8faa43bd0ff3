"""Forms of the quarters page: due date, lock and unlock (one set per quarter, told apart by prefix)."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, TextAreaField
from wtforms.validators import InputRequired

from tracker.forms import Form
from tracker.reference.forms import REQUIRED, max_len


class DateInput(DateField):
    """A date field (ISO ``YYYY-MM-DD``, as ``<input type=date>`` sends) with an Indonesian message."""

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        text = " ".join(valuelist).strip()
        if not text:
            self.data = None
            return
        try:
            self.data = datetime.strptime(text, "%Y-%m-%d").date()
        except ValueError:
            self.data = None
            raise ValueError(_l("Tanggal tidak valid; gunakan format TTTT-BB-HH, misalnya 2025-04-10.")) from None


class DueDateForm(Form):
    due_date = DateInput(_l("Batas pelaporan"), validators=[InputRequired(REQUIRED)])
    version = HiddenField()


class LockForm(Form):
    reason = TextAreaField(_l("Catatan penguncian (opsional)"), validators=[max_len(500)], render_kw={"rows": 2})


class UnlockForm(Form):
    reason = TextAreaField(_l("Alasan membuka kunci"), validators=[max_len(500)], render_kw={"rows": 2},
                           description=_l("Wajib diisi; dicatat di log audit."))


FORMS = {"due": DueDateForm, "lock": LockForm, "unlock": UnlockForm}


def quarter_form(kind: str, quarter: int, posted: bool = False) -> FlaskForm:
    """One of a quarter's forms; the prefix keeps the four quarters' fields apart on one page.

    ``posted`` reads the request's form data; otherwise the form starts empty (to be filled).
    """
    cls = FORMS[kind]
    prefix = f"q{quarter}-{kind}"
    return cls(prefix=prefix) if posted else cls(prefix=prefix, formdata=None)
