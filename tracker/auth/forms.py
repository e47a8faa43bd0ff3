from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from tracker.forms import Form


class LoginForm(Form):
    username = StringField(_l("Nama pengguna"), validators=[DataRequired(), Length(max=60)])
    password = PasswordField(_l("Kata sandi"), validators=[DataRequired(), Length(max=256)])
    next = HiddenField()


class ChangePasswordForm(Form):
    current_password = PasswordField(_l("Kata sandi saat ini"), validators=[DataRequired()])
    new_password = PasswordField(_l("Kata sandi baru"), validators=[DataRequired(), Length(max=256)])
    confirm = PasswordField(_l("Ulangi kata sandi baru"),
                            validators=[DataRequired(), EqualTo("new_password", message=_l("Kata sandi tidak sama."))])


class LanguageForm(Form):
    lang = SelectField(_l("Bahasa"), choices=[("id", "Bahasa Indonesia"), ("en", "English")])
    next = HiddenField()


class EmptyForm(Form):
    """A POST that carries nothing but the CSRF token (logout, delete, lock...)."""
