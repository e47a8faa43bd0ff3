"""Forms of the quarters page: due date, lock and unlock (one set per quarter, told apart by prefix)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, TextAreaField
from wtforms.validators import InputRequired

from tracker.forms import REQUIRED, DateInput, Form, max_len


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
