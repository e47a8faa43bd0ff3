"""The Indonesian number formats of ``tracker.formatting`` (Rp 1.234.567 · 45,67 %), character for
character, without Babel's per-call pattern parsing for the plain cases: the evaluation pages,
charts and summary print thousands of figures (60 OPDs × a dozen columns, charts, the risk list)
and Babel's ``format_decimal`` was the largest single cost of rendering them.

Whole numbers group by three with "."; decimals round half-even on the number's decimal form to
``digits`` places after ","; exactly what Babel does for the "id" locale with ``#,##0.00`` (tested
against ``tracker.formatting`` over random values).  Anything else (other types, huge or
non-finite values, more than six places) goes to ``tracker.formatting`` itself.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

from tracker import formatting

_SWAP = str.maketrans(",.", ".,")
_QUANTA = {digits: Decimal(1).scaleb(-digits) for digits in range(7)}
_LIMIT = Decimal(10) ** 15


def number(value, digits: int = 0) -> str:
    """``tracker.formatting.number``: 1234567 → "1.234.567", (45.675, 2) → "45,68"."""
    if value is None:
        return formatting.number(value, digits)
    kind = type(value)
    if kind is int and not digits:
        return f"{value:,}".translate(_SWAP)
    if (kind is int or kind is float or kind is Decimal) and digits in _QUANTA:
        exact = Decimal(str(value)) if kind is float else Decimal(value)
        if exact.is_finite() and abs(exact) < _LIMIT:
            shown = exact.quantize(_QUANTA[digits], rounding=ROUND_HALF_EVEN)
            return f"{shown:,.{digits}f}".translate(_SWAP)
    return formatting.number(value, digits)


def percent(value, digits: int = 2) -> str:
    """``tracker.formatting.percent``: 45.67 → "45,67 %"."""
    if value is None:
        return formatting.percent(value, digits)
    return number(value, digits) + " %"


def rupiah(value) -> str:
    """``tracker.formatting.rupiah``: Rp 1.234.567 (negative with a leading "-")."""
    if value is None:
        return formatting.rupiah(value)
    text = "Rp " + number(abs(int(value)))
    return "-" + text if value < 0 else text


def short_number(value: float) -> str:
    """``tracker.formatting.short_number``: "120", "45,5"."""
    if float(value).is_integer():
        return number(value)
    return number(value, 2).rstrip("0").rstrip(",")
