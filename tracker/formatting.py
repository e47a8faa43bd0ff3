"""Indonesian display formats: Rp 1.234.567 · 45,67 % · 10 Maret 2025.

Numbers always use Indonesian separators (the documents they end up in are Indonesian); month
names follow the UI language.
"""

from __future__ import annotations

import decimal
from datetime import date, datetime

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal
from flask import Flask
from flask_babel import get_locale

from tracker.types import JAKARTA

NUMBER_LOCALE = "id"


def _ui_locale() -> str:
    try:
        return str(get_locale() or "id")
    except (RuntimeError, AttributeError):
        return "id"


def number(value, digits: int = 0) -> str:
    if value is None:
        return "–"
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    # Babel rounds in the current decimal context (28 digits): a number any JSON client may send
    # (1e300, 10**40) must still print, not raise InvalidOperation.
    with decimal.localcontext() as context:
        context.prec = 400
        return format_decimal(value, format=pattern, locale=NUMBER_LOCALE)


def short_number(value: float) -> str:
    """A count or measure as people write it: "120", "45,5" (up to two decimals, no trailing zeros)."""
    if float(value).is_integer():
        return number(value)
    return number(value, 2).rstrip("0").rstrip(",")


def rupiah(value) -> str:
    if value is None:
        return "–"
    text = "Rp " + number(abs(int(value)))
    return "-" + text if value < 0 else text


def percent(value, digits: int = 2) -> str:
    if value is None:
        return "–"
    return number(value, digits) + " %"


def date_id(value: date | datetime | None, locale: str | None = None) -> str:
    if value is None:
        return "–"
    if isinstance(value, datetime):
        value = value.astimezone(JAKARTA).date() if value.tzinfo else value.date()
    return format_date(value, "d MMMM y", locale=locale or _ui_locale())


def datetime_id(value: datetime | None, locale: str | None = None) -> str:
    if value is None:
        return "–"
    return format_datetime(value, "d MMM y HH:mm", tzinfo=JAKARTA, locale=locale or _ui_locale())


def register_filters(app: Flask) -> None:
    app.jinja_env.filters.update(
        rupiah=rupiah, percent=percent, number=number, date_id=date_id, datetime_id=datetime_id,
    )
