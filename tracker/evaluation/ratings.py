"""The Permendagri 86/2017 rating (*predikat*) of an achievement percentage, and the rounding every
evaluation percentage shares.

The rule.  The regulation writes its bands as whole numbers (x ≥ 91; 76 ≤ x ≤ 90; 66 ≤ x ≤ 75;
51 ≤ x ≤ 65; x ≤ 50), which leaves the values between two bands (90.5, 75.4, 50.01) undecided.
We follow ``domain.md``: the bands are read as half-open intervals on their lower bounds —
Sangat tinggi x ≥ 91 · Tinggi 76 ≤ x < 91 · Sedang 66 ≤ x < 76 · Rendah 51 ≤ x < 66 ·
Sangat rendah x < 51 — applied to the percentage *as published*, i.e. rounded half-up to two
decimals first.  So 90.5 → Tinggi, 90.99 → Tinggi, 90.995 (shown as 91,00) → Sangat tinggi,
75.4 → Sedang, 50.01 and 50.99 → Sangat rendah.  A rating therefore never contradicts the number
printed next to it.  Nothing to divide by gives ``None`` (shown "—"), never 0 % and never an error.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l

SANGAT_TINGGI, TINGGI, SEDANG, RENDAH, SANGAT_RENDAH = "sangat_tinggi", "tinggi", "sedang", "rendah", "sangat_rendah"
RATINGS = (SANGAT_TINGGI, TINGGI, SEDANG, RENDAH, SANGAT_RENDAH)  # best first
LOWER_BOUNDS: dict[str, int | None] = {SANGAT_TINGGI: 91, TINGGI: 76, SEDANG: 66, RENDAH: 51, SANGAT_RENDAH: None}

# The same bands on the unrounded value, for SQL CASE expressions: round_pct(x) >= b  <=>  x >= b - 0.005
# (exact for every float, since round_pct rounds the float's shortest decimal form).
RAW_LOWER_BOUNDS: tuple[tuple[str, float], ...] = tuple(
    (code, float(Decimal(bound) - Decimal("0.005"))) for code, bound in LOWER_BOUNDS.items() if bound is not None)

RATING_LABELS = {
    SANGAT_TINGGI: _l("Sangat tinggi"),
    TINGGI: _l("Tinggi"),
    SEDANG: _l("Sedang"),
    RENDAH: _l("Rendah"),
    SANGAT_RENDAH: _l("Sangat rendah"),
}
RATING_BADGES = {
    SANGAT_TINGGI: "text-bg-success",
    TINGGI: "text-bg-primary",
    SEDANG: "text-bg-info",
    RENDAH: "text-bg-warning",
    SANGAT_RENDAH: "text-bg-danger",
    None: "text-bg-light border",
}
RATING_COLOURS = {  # chart fills, dark to light along the scale, readable in greyscale print
    SANGAT_TINGGI: "#1e6b34",
    TINGGI: "#1f4e79",
    SEDANG: "#5b9bd5",
    RENDAH: "#f4b860",
    SANGAT_RENDAH: "#c0392b",
}
NO_VALUE = "—"

_CENT = Decimal("0.01")


def round_pct(value) -> float | None:
    """Half-up to two decimals on the value's shortest decimal form (90.995 → 91.0, 0.125 → 0.13),
    as people round the number they read; ``None`` (and a non-finite value) gives ``None``.

    Python's ``round`` rounds the float's exact binary value, which differs from rounding its
    decimal form only when that form ends exactly in a 5 at the third decimal (a tie); those few
    go through ``Decimal`` (thousands of rows are rounded per evaluation)."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        return float(value.quantize(_CENT, rounding=ROUND_HALF_UP)) if value.is_finite() else None
    value = float(value)
    if not math.isfinite(value):
        return None
    thousandths = value * 1000
    nearest = round(thousandths)
    if abs(thousandths - nearest) > 1e-6 * max(1.0, abs(thousandths)) or nearest % 10 != 5:
        return round(value, 2) + 0.0  # + 0.0: never "-0.0"
    try:
        return float(Decimal(repr(value)).quantize(_CENT, rounding=ROUND_HALF_UP))
    except InvalidOperation:  # pragma: no cover  (finite floats always quantize)
        return None


def pct(numerator, denominator) -> float | None:
    """``numerator / denominator × 100`` rounded (``round_pct``); ``None`` when the denominator is
    0 or missing, or the numerator missing.  Whole numbers (Rupiah) are divided exactly."""
    if numerator is None or denominator is None or denominator == 0:
        return None
    if isinstance(numerator, int) and isinstance(denominator, int):
        if numerator >= 0 and denominator > 0:  # exact half-up in integers: floor(n × 10000 / d + 1/2)
            return ((numerator * 20000 + denominator) // (2 * denominator)) / 100
        return round_pct(Decimal(numerator) * 100 / Decimal(denominator))
    return round_pct(float(numerator) * 100 / float(denominator))


def rating(value: float | None) -> str | None:
    """The rating code of an achievement % (see the module's rule); ``None`` for ``None``."""
    return band(round_pct(value))


def band(shown: float | None) -> str | None:
    """The rating code of a percentage already rounded by ``round_pct`` (what ``rating`` does after rounding)."""
    if shown is None:
        return None
    for code in RATINGS:
        bound = LOWER_BOUNDS[code]
        if bound is None or shown >= bound:
            return code
    return SANGAT_RENDAH  # pragma: no cover  (the last band has no lower bound)


def rating_label(code: str | None) -> str:
    return str(RATING_LABELS[code]) if code in RATING_LABELS else NO_VALUE


def rating_badge(code: str | None) -> str:
    return RATING_BADGES.get(code, RATING_BADGES[None])


def empty_counts() -> dict[str, int]:
    """``{rating: 0, ..., "none": 0}``: how many items fall in each band (and how many have none)."""
    return {**dict.fromkeys(RATINGS, 0), "none": 0}
