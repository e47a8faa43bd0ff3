"""The base class of every form: WTForms' own messages ("This field is required.") in the UI language.

WTForms ships no Indonesian catalogue, so ours lives in ``translations/id/LC_MESSAGES/wtforms.po``;
other languages use the catalogues WTForms ships.
"""

from __future__ import annotations

from functools import lru_cache

from babel import support
from flask_babel import get_locale
from flask_wtf import FlaskForm
from flask_wtf.i18n import translations as wtforms_shipped

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
