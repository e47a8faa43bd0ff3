"""Small wording helpers of the written summary (*ringkasan*): money the way people say it
("Rp 12,3 miliar"), percentages and points in the Indonesian format of the pages ("45,67 %",
"20,12 poin"), and lists joined the Indonesian way ("A, B dan C", "A, B dan 5 OPD lainnya")."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from flask_babel import gettext as _

from tracker.evaluation.numbers import number, percent, rupiah
from tracker.evaluation.ratings import rating_label

# (size, wording): the largest size the amount reaches names it; below a million the full figure.
_SCALES = ((10 ** 12, lambda n: _("Rp %(n)s triliun", n=n)), (10 ** 9, lambda n: _("Rp %(n)s miliar", n=n)),
           (10 ** 6, lambda n: _("Rp %(n)s juta", n=n)))
_TENTH = Decimal("0.1")


def money(value: int) -> str:
    """Rupiah in words of scale, one decimal, half-up, no ",0": Rp 12.345.678.901 → "Rp 12,3 miliar",
    Rp 1.000.000 → "Rp 1 juta", Rp 999.960.000 → "Rp 1 miliar"; under a million the full figure
    ("Rp 500.000"); negative amounts keep their sign."""
    value = int(value)
    if value < 0:
        return "-" + money(-value)
    for position, (size, wording) in enumerate(_SCALES):
        scaled = (Decimal(value) / size).quantize(_TENTH, rounding=ROUND_HALF_UP)
        if scaled >= 1:
            if scaled >= 1000 and position > 0:  # 999,96 juta rounds to 1.000 juta: say 1 miliar
                size, wording = _SCALES[position - 1]
                scaled = (Decimal(value) / size).quantize(_TENTH, rounding=ROUND_HALF_UP)
            text = number(scaled, 1)
            return wording(text.removesuffix(",0"))
    return rupiah(value)


def pct(value: float) -> str:
    """45.67 → "45,67 %" (``tracker.formatting.percent``, as on the pages; ``numbers`` prints the same)."""
    return percent(value)


def points(value: float | Decimal) -> str:
    """The size of a change in percentage points, without its sign: 20.12 → "20,12"."""
    return number(abs(Decimal(str(value))), 2)


def rating_words(code: str | None) -> str:
    """"sangat tinggi", "rendah" ... to sit inside a sentence."""
    return rating_label(code).lower()


def join(items: list[str], *, cap: int | None = None, others=None) -> str:
    """"A", "A dan B", "A, B dan C"; with ``cap`` and more items than that, the first ``cap`` and
    ``others(n)`` (e.g. "5 OPD lainnya") for the rest."""
    items = list(items)
    if cap is not None and len(items) > cap:
        rest = len(items) - cap
        items = items[:cap] + [others(rest) if others else _("%(n)d lainnya", n=rest)]
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    return _("%(first)s dan %(last)s", first=", ".join(items[:-1]), last=items[-1])


def join_agencies(names: list[str], cap: int) -> str:
    return join(names, cap=cap, others=lambda n: _("%(n)d OPD lainnya", n=n))


def join_activities(names: list[str], cap: int) -> str:
    return join(names, cap=cap, others=lambda n: _("%(n)d kegiatan lainnya", n=n))


def by_agency_name(row: dict) -> tuple:
    """Name order the way people read it (case-insensitive, the same on every database), then id."""
    return row["agency_name"].casefold(), row["agency_name"], row["agency_id"]
