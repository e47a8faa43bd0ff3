"""The evaluation's fast number formats print exactly what ``tracker.formatting`` (Babel) prints."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from tracker import formatting
from tracker.evaluation import numbers

ties = st.integers(-10**7, 10**7).map(lambda n: n / 1000 + 0.0005)  # x.xxx5: half-even vs half-up
floats = st.one_of(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e13, max_value=1e13), ties,
                   st.floats(min_value=0, max_value=200).map(lambda x: round(x, 3)))
values = st.one_of(st.integers(-10**14, 10**14), floats,
                   st.decimals(allow_nan=False, allow_infinity=False, min_value=-10**12, max_value=10**12, places=4))


@settings(max_examples=400)
@given(value=values, digits=st.integers(0, 3))
def test_number_and_percent_equal_babels(value, digits):
    assert numbers.number(value, digits) == formatting.number(value, digits)
    assert numbers.percent(value, digits) == formatting.percent(value, digits)


@settings(max_examples=200)
@given(value=st.one_of(st.integers(-10**14, 10**14), floats))
def test_rupiah_and_short_number_equal_babels(value):
    assert numbers.rupiah(value) == formatting.rupiah(value)
    assert numbers.short_number(value) == formatting.short_number(value)


def test_the_edges():
    for value, digits in ((None, 0), (None, 2), (0, 0), (-0.0, 2), (0.005, 2), (0.015, 2), (45.675, 2), (2.5, 0),
                          (3.5, 0), (Decimal("-0.005"), 2), (10**20, 0), (1e300, 2), (1.5, 9)):
        assert numbers.number(value, digits) == formatting.number(value, digits), (value, digits)
    assert numbers.percent(None) == formatting.percent(None) and numbers.rupiah(None) == formatting.rupiah(None)
    assert numbers.number(1234567) == "1.234.567" and numbers.percent(45.675) == "45,68 %"
