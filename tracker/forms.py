"""The base class of every form: WTForms' own messages ("This field is required.") in the UI language.

WTForms ships no Indonesian catalogue, so ours lives in ``translations/id/LC_MESSAGES/wtforms.po``;
other languages use the catalogues WTForms ships.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from babel import support
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.i18n import translations as wtforms_shipped
from wtforms import DateField
from wtforms.validators import Length

from tracker.i18n import translation_directory


@lru_cache(maxsize=4)
def _catalogue(language: str) -> support.Translations:
    return support.Translations.load(translation_directory(), [language], domain="wtforms")


class _Translations:
    def _pick(self):
        locale = get_locale()
        if locale is not None and locale.language == "id":
            return _catalogue("id")
        return None

    def gettext(self, string):
        catalogue = self._pick()
        return catalogue.ugettext(string) if catalogue is not None else wtforms_shipped.gettext(string)

    def ngettext(self, singular, plural, n):
        catalogue = self._pick()
        if catalogue is not None:
            return catalogue.ungettext(singular, plural, n)
        return wtforms_shipped.ngettext(singular, plural, n)


TRANSLATIONS = _Translations()


class Form(FlaskForm):
    class Meta:
        def get_translations(self, form):
            return TRANSLATIONS


# ---- fields and validators every feature's forms share ---------------------------------------------

REQUIRED = _l("Wajib diisi.")


def max_len(n: int) -> Length:
    return Length(max=n, message=_l("Maksimal %(max)d karakter."))


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


def opt_int(value) -> int | None:
    """Coerce a select's value to an id; anything that is not a plain number becomes None.

    Never raises, so a tampered value ends as the service's own Indonesian message
    ("wajib diisi", "tidak ditemukan") instead of WTForms' English coercion error.
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    text = str(value).strip()
    return int(text) if text.isdecimal() and len(text) <= 9 else None


def form_version(form) -> int:
    """The version the user started editing from; a missing or garbled one counts as stale."""
    value = opt_int(form.version.data)
    return value if value is not None else -1
