from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length


class LoginForm(FlaskForm):
    username = StringField(_l("Nama pengguna"), validators=[DataRequired(), Length(max=60)])
    password = PasswordField(_l("Kata sandi"), validators=[DataRequired(), Length(max=256)])
    next = HiddenField()


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(_l("Kata sandi saat ini"), validators=[DataRequired()])
    new_password = PasswordField(_l("Kata sandi baru"), validators=[DataRequired(), Length(max=256)])
    confirm = PasswordField(_l("Ulangi kata sandi baru"),
                            validators=[DataRequired(), EqualTo("new_password", message=_l("Kata sandi tidak sama."))])


class LanguageForm(FlaskForm):
    lang = SelectField(_l("Bahasa"), choices=[("id", "Bahasa Indonesia"), ("en", "English")])
    next = HiddenField()


class EmptyForm(FlaskForm):
    """A POST that carries nothing but the CSRF token (logout, delete, lock...)."""
