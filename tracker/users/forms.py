"""Forms of the user administration pages.

Rules (username pattern, password strength, role binding) live in ``tracker.users.services``; the
forms check only what the services cannot see, such as the repeated password, and keep every
message in Indonesian.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo

from tracker.forms import REQUIRED, Form, max_len, opt_int

PASSWORD_HELP = _l("Minimal 12 karakter; kata sandi yang umum atau mudah ditebak ditolak.")


def password_fields(label):
    password = PasswordField(label, validators=[DataRequired(REQUIRED), max_len(256)],
                             description=PASSWORD_HELP)
    confirm = PasswordField(_l("Ulangi kata sandi"), validators=[
        DataRequired(REQUIRED), EqualTo("password", message=_l("Kata sandi tidak sama."))])
    return password, confirm


class _ProfileFields(Form):
    full_name = StringField(_l("Nama lengkap"), validators=[max_len(120)])
    email = StringField(_l("E-mail"), validators=[max_len(200)])
    # Choices are filled by the view; the service says whether the role and binding are valid.
    role = SelectField(_l("Peran"), validate_choice=False, validators=[DataRequired(REQUIRED)])
    agency_id = SelectField(_l("OPD"), coerce=opt_int, validate_choice=False)
    company_id = SelectField(_l("Perusahaan"), coerce=opt_int, validate_choice=False)


class UserCreateForm(_ProfileFields):
    username = StringField(_l("Nama pengguna"), validators=[DataRequired(REQUIRED), max_len(60)],
                           description=_l("3–60 karakter: huruf kecil, angka, titik, garis bawah atau strip."))
    password, confirm = password_fields(_l("Kata sandi awal"))


class UserEditForm(_ProfileFields):
    version = HiddenField()


class ResetPasswordForm(Form):
    password, confirm = password_fields(_l("Kata sandi baru"))
