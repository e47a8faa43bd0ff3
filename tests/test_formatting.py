"""Indonesian display formats: Rp 1.234.567 · 45,68 % · 10 Maret 2025."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from tracker.formatting import date_id, datetime_id, number, percent, rupiah


@pytest.mark.parametrize("value, expected", [
    (1234567, "Rp 1.234.567"),
    (0, "Rp 0"),
    (999, "Rp 999"),
    (1000, "Rp 1.000"),
    (250_000_000, "Rp 250.000.000"),
    (12_345_678_901_234, "Rp 12.345.678.901.234"),
    (-5000, "-Rp 5.000"),
    (None, "–"),
])
def test_rupiah(value, expected):
    assert rupiah(value) == expected


@pytest.mark.parametrize("value, expected", [
    (45.678, "45,68 %"),
    (100, "100,00 %"),
    (0, "0,00 %"),
    (0.004, "0,00 %"),
    (1234.5, "1.234,50 %"),
    (None, "–"),
])
def test_percent(value, expected):
    assert percent(value) == expected


def test_percent_digits():
    assert percent(45.678, 1) == "45,7 %"
    assert percent(45.678, 0) == "46 %"


@pytest.mark.parametrize("value, digits, expected", [
    (1234567, 0, "1.234.567"), (1234.5, 1, "1.234,5"), (0.5, 2, "0,50"), (None, 0, "–")])
def test_number(value, digits, expected):
    assert number(value, digits) == expected


@pytest.mark.parametrize("value, expected", [
    (date(2025, 3, 10), "10 Maret 2025"),
    (date(2025, 1, 1), "1 Januari 2025"),
    (date(2025, 8, 17), "17 Agustus 2025"),
    (date(2025, 12, 31), "31 Desember 2025"),
    (None, "–"),
])
def test_date_id(app, value, expected):
    assert date_id(value) == expected


def test_date_id_outside_any_context():
    assert date_id(date(2025, 3, 10)) == "10 Maret 2025"


def test_date_id_converts_aware_datetimes_to_jakarta(app):
    # 20:00 UTC on 9 March is 03:00 on 10 March in Jakarta (UTC+7).
    assert date_id(datetime(2025, 3, 9, 20, 0, tzinfo=timezone.utc)) == "10 Maret 2025"


def test_datetime_id_is_jakarta_time(app):
    assert datetime_id(datetime(2025, 3, 9, 20, 5, tzinfo=timezone.utc)) == "10 Mar 2025 03:05"


def test_month_names_follow_the_ui_language(app):
    assert date_id(date(2025, 3, 10), locale="en") == "10 March 2025"
    with app.test_request_context("/"):
        from flask import session

        session["lang"] = "en"
        assert date_id(date(2025, 3, 10)) == "10 March 2025"
        assert rupiah(1234567) == "Rp 1.234.567"  # numbers keep Indonesian separators
        assert percent(45.678) == "45,68 %"


def test_filters_are_registered_for_templates(app):
    env = app.jinja_env
    template = env.from_string("{{ 1234567|rupiah }} | {{ 45.678|percent }} | {{ d|date_id }}")
    with app.test_request_context("/"):
        assert template.render(d=date(2025, 3, 10)) == "Rp 1.234.567 | 45,68 % | 10 Maret 2025"


@pytest.mark.parametrize("value", [1e300, 10**40, 1.7976931348623157e308, -(10**30)])
def test_any_number_a_client_may_send_still_prints(app, value):
    """Messages quote what was sent; babel alone raises decimal.InvalidOperation past 28 digits."""
    from tracker.formatting import number, rupiah, short_number

    with app.test_request_context():
        assert number(value).replace(".", "").lstrip("-")[:1].isdigit()
        assert rupiah(int(value)).startswith(("Rp ", "-Rp "))
        assert short_number(value)
