"""The coverage chart, the same on the coverage page and in the Rakor report: per kecamatan (or desa),
target households reached and not reached by any program, stacked."""

from __future__ import annotations

from flask_babel import gettext as _
from markupsafe import Markup

from tracker.charts import Series, stacked_bar_chart


def coverage_chart(rows: list[dict], *, key: str = "coverage") -> Markup | None:
    """``rows``: dicts with ``name``, ``reached`` and ``target``; ``None`` when there is nothing to draw."""
    rows = [r for r in rows if r["target"]]
    if not rows:
        return None
    return stacked_bar_chart(
        _("Rumah tangga sasaran yang dijangkau program"), [r["name"] for r in rows],
        [Series(_("Dijangkau"), [r["reached"] for r in rows]),
         Series(_("Belum dijangkau"), [r["target"] - r["reached"] for r in rows])],
        width=640, key=key)
