"""Indonesian display formats: Rp 1.234.567 · 45,67 % · 10 Maret 2025.

Numbers always use Indonesian separators (the documents they end up in are Indonesian); month
names follow the UI language.
"""

from __future__ import annotations

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
    return format_decimal(value, format=pattern, locale=NUMBER_LOCALE)


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


def funding_name(code: str | None) -> str:
    """'APBD_KAB' -> 'APBD Kabupaten/Kota' (names are seeded reference data; one query per request)."""
    from flask import g
    from sqlalchemy import select

    from tracker.extensions import db
    from tracker.reference.models import FundingSource

    names = g.get("_funding_names")
    if names is None:
        names = g._funding_names = dict(db.session.execute(select(FundingSource.code, FundingSource.name)).all())
    return names.get(code, code or "–")


def register_filters(app: Flask) -> None:
    app.jinja_env.filters.update(
        rupiah=rupiah, percent=percent, number=number, date_id=date_id, datetime_id=datetime_id,
        funding_name=funding_name,
    )
