"""Numbers and dates as people type them (forms) or spreadsheets export them (CSV, XLSX), for the
poverty rules.  ``None`` is blank; ``NOT_NUMBER`` marks a value that is not what was asked for.

* counts and Rupiah (``parse_count``): ``8420``, ``8.420``, ``8 420``, ``8.420,00`` (a dot or a space
  groups thousands, only in groups of three; a decimal part must be zeros), or a whole float;
  ``Rp`` in front is allowed.  A comma followed by anything but zeros is not a whole number;
* percentages and indices (``parse_decimal``): with a comma, the comma is the decimal mark and dots
  group thousands (``6,59``, ``1.234,5``); without one, a dot is the decimal mark (``6.59``).  A
  percentage never needs thousands, so ``6.590`` is 6,59 here, not six thousand.  A trailing ``%``
  is allowed;
* dates (``parse_date``): ``2024-07-01`` or day first ``01/07/2024``, ``01-07-2024``, ``01.07.2024``.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime
from typing import Any

NOT_NUMBER = object()
_INT_PLAIN = re.compile(r"^-?\d+$")
_INT_GROUPED = re.compile(r"^-?\d{1,3}([. ]\d{3})+$")
_INT_DECIMAL_ZERO = re.compile(r"^(-?\d{1,3}(?:[. ]\d{3})*|-?\d+),0+$")
_DEC_COMMA = re.compile(r"^-?(\d{1,3}(\.\d{3})+|\d+),\d+$")
_DEC_DOT = re.compile(r"^-?\d+(\.\d+)?$")
_DAY_FIRST = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")


def blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _clean(value: str) -> str:
    return value.strip().replace("\u00a0", " ").replace("\u2212", "-")


def parse_count(value: Any) -> Any:
    """A whole number (int), ``None`` for blank, else ``NOT_NUMBER``."""
    if blank(value):
        return None
    if isinstance(value, bool):
        return NOT_NUMBER
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if math.isfinite(value) and value.is_integer() else NOT_NUMBER
    if isinstance(value, str):
        text = _clean(value)
        for prefix in ("rp.", "rp"):
            if text.lower().startswith(prefix):
                text = text[len(prefix):].strip()
                break
        if _INT_PLAIN.match(text):
            return int(text)
        if _INT_GROUPED.match(text):
            return int(text.replace(".", "").replace(" ", ""))
        if match := _INT_DECIMAL_ZERO.match(text):
            return int(match.group(1).replace(".", "").replace(" ", ""))
    return NOT_NUMBER


def parse_decimal(value: Any) -> Any:
    """A number (float), ``None`` for blank, else ``NOT_NUMBER``."""
    if blank(value):
        return None
    if isinstance(value, bool):
        return NOT_NUMBER
    if isinstance(value, (int, float)):
        try:
            result = float(value)
        except OverflowError:
            return NOT_NUMBER
        return result if math.isfinite(result) else NOT_NUMBER
    if isinstance(value, str):
        text = _clean(value).replace(" ", "").removesuffix("%")
        if "," in text:
            return float(text.replace(".", "").replace(",", ".")) if _DEC_COMMA.match(text) else NOT_NUMBER
        if _DEC_DOT.match(text):
            return float(text)
    return NOT_NUMBER


def parse_date(value: Any) -> Any:
    """A date, ``None`` for blank, else ``NOT_NUMBER``."""
    if blank(value):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        text = value.strip()
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
        if match := _DAY_FIRST.match(text):
            try:
                return date(int(match.group(3)), int(match.group(2)), int(match.group(1)))
            except ValueError:
                return NOT_NUMBER
    return NOT_NUMBER
