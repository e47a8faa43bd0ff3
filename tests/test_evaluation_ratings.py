"""The Permendagri 86/2017 rating of an achievement % and the half-up rounding every evaluation
percentage shares: each band's boundary on both sides, the values between the regulation's whole
numbers (90.5, 75.4, 50.01), ``None``; the SQL banding agrees with the Python one at every boundary;
an indicator reaching exactly a boundary gets that band through the whole evaluation."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import Float, cast, literal, select

from tests.evaluation_helpers import activity, report
from tracker.evaluation import figures, ratings
from tracker.evaluation.figures_sql import band_counts, threshold_columns
from tracker.extensions import db

BOUNDARIES = [
    # (value, rating): every lower bound, just below it, the gaps between the regulation's integers
    (1000.0, "sangat_tinggi"), (100.0, "sangat_tinggi"), (91.0, "sangat_tinggi"), (91.004, "sangat_tinggi"),
    (90.995, "sangat_tinggi"),  # shown as 91,00
    (90.994, "tinggi"), (90.99, "tinggi"), (90.5, "tinggi"), (90.49, "tinggi"), (90.0, "tinggi"),
    (76.0, "tinggi"), (75.995, "tinggi"), (75.994, "sedang"), (75.5, "sedang"), (75.4, "sedang"), (75.0, "sedang"),
    (66.0, "sedang"), (65.995, "sedang"), (65.99, "rendah"), (65.5, "rendah"), (65.0, "rendah"),
    (51.0, "rendah"), (50.995, "rendah"), (50.99, "sangat_rendah"), (50.5, "sangat_rendah"),
    (50.01, "sangat_rendah"), (50.0, "sangat_rendah"), (0.0, "sangat_rendah"),
]


@pytest.mark.parametrize(("value", "expected"), BOUNDARIES)
def test_rating_boundaries(value, expected):
    assert ratings.rating(value) == expected


def test_none_is_no_rating(app):
    assert ratings.rating(None) is None
    assert ratings.rating_label(None) == "—"
    assert ratings.rating_badge(None) == "text-bg-light border"


def test_every_rating_has_a_label_badge_and_colour(app):
    assert [ratings.rating_label(code) for code in ratings.RATINGS] == [
        "Sangat tinggi", "Tinggi", "Sedang", "Rendah", "Sangat rendah"]
    assert len({ratings.rating_badge(code) for code in ratings.RATINGS}) == 5
    assert set(ratings.RATING_COLOURS) == set(ratings.RATINGS)


@pytest.mark.parametrize(("value", "shown"), [
    (0.125, 0.13), (0.135, 0.14), (2.675, 2.68), (90.995, 91.0), (90.994999, 90.99), (12.344, 12.34),
    (100.0, 100.0), (Decimal("41.665"), 41.67), (None, None)])
def test_round_pct_is_half_up_on_the_number_as_written(value, shown):
    assert ratings.round_pct(value) == shown


@pytest.mark.parametrize(("numerator", "denominator", "expected"), [
    (50, 120, 41.67), (1, 3, 33.33), (2, 3, 66.67), (1, 8, 12.5), (1, 800, 0.13), (0, 5, 0.0), (5, 0, None),
    (5, None, None), (None, 5, None), (10**15, 3 * 10**15, 33.33), (55.0, 100.0, 55.0)])
def test_pct(numerator, denominator, expected):
    assert ratings.pct(numerator, denominator) == expected


def _sql_bands(value):
    """The band counts SQL gives one achievement value (the thresholds the roll-ups count with)."""
    row = db.session.execute(select(*threshold_columns(cast(literal(value), Float())))).one()
    return band_counts(row, 0 if value is None else 1)


@pytest.mark.parametrize(("value", "expected"), BOUNDARIES)
def test_sql_banding_agrees(app, value, expected):
    assert _sql_bands(value) == {code: int(code == expected) for code in ratings.RATINGS}


def test_sql_banding_of_null(app):
    assert _sql_bands(None) == dict.fromkeys(ratings.RATINGS, 0)


@pytest.mark.parametrize(("value", "target", "expected_pct", "expected"), [
    (91, 100, 91.0, "sangat_tinggi"), (181.99, 200, 91.0, "sangat_tinggi"),  # 90.995 shown 91,00
    (181.98, 200, 90.99, "tinggi"), (90.5, 100, 90.5, "tinggi"), (76, 100, 76.0, "tinggi"),
    (75.4, 100, 75.4, "sedang"), (66, 100, 66.0, "sedang"), (65.99, 100, 65.99, "rendah"),
    (51, 100, 51.0, "rendah"), (50.01, 100, 50.01, "sangat_rendah"), (0, 100, 0.0, "sangat_rendah")])
def test_an_indicator_on_a_boundary_through_the_evaluation(app, make_agency, value, target, expected_pct, expected):
    agency = make_agency()
    a = activity(agency, indicators=[{"target": target}])
    report(a, 1, realized=1, values={0: value})
    e = figures.evaluation(2025, 1, today=date(2025, 5, 1))
    row = e["indicators"][0]
    assert (row["achievement_pct"], row["rating"]) == (expected_pct, expected)
    assert e["agencies"][0]["rating"] == expected  # the OPD's mean of one indicator
    assert e["rating_counts"][expected] == 1  # counted in SQL with the same rule
