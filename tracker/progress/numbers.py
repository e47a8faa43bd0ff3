"""Numbers as people type them in forms and Excel cells: "1.250.000", "Rp 1.250.000", "45,5", "45.5 %"."""

from __future__ import annotations

import math
import re
from typing import Any

from flask_babel import gettext as _


def parse_number(raw: Any, *, integer: bool = False) -> int | float | None:
    """"1.250.000", "Rp 1.250.000", "45,5", "45.5 %" or a number → a number; empty → None.

    Raises ValueError with an Indonesian message for anything else.
    """
    if raw is None:
        return None
    if isinstance(raw, bool):
        raise ValueError(_("Harus berupa angka."))
    if isinstance(raw, (int, float)):
        value = raw
    else:
        text = str(raw).strip().replace("\u00a0", "").replace(" ", "")
        text = re.sub(r"^(?i:rp)\.?", "", text).rstrip("%")
        if text == "":
            return None
        if re.fullmatch(r"-?\d{1,3}(\.\d{3})+(,\d+)?", text):
            text = text.replace(".", "").replace(",", ".")
        elif re.fullmatch(r"-?\d{1,3}(,\d{3})+(\.\d+)?", text):
            text = text.replace(",", "")
        elif re.fullmatch(r"-?\d+(,\d+)?", text):
            text = text.replace(",", ".")
        elif not re.fullmatch(r"-?\d+(\.\d+)?", text):
            raise ValueError(_("Harus berupa angka."))
        value = float(text)
    if not math.isfinite(float(value)):
        raise ValueError(_("Harus berupa angka."))
    if integer:
        if not float(value).is_integer():
            raise ValueError(_("Harus bilangan bulat."))
        return int(value)
    return float(value)
