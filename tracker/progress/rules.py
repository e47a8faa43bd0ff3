"""The rules of a quarterly report, shared by the pages, the API and the Excel import.

Budget realised ≥ 0 and, summed over the year's quarters, at most the (revised) budget; physical
progress 0–100 and not below the previous quarter's without a reason; beneficiaries and indicator
values ≥ 0.  Values above a target are allowed but flagged (``ItemContext.flags``).
"""

from __future__ import annotations

import math
from datetime import date
from typing import Any

from flask_babel import gettext as _

from tracker.errors import ValidationFailed
from tracker.formatting import rupiah, short_number
from tracker.periods import services as periods
from tracker.periods.models import Period
from tracker.progress.context import ItemContext
from tracker.progress.models import ProgressReport

MAX_MONEY = 10**15
MAX_COUNT = 10**12
TEXT_LIMITS = {"progress_drop_reason": 1000, "problems": 4000, "follow_up": 4000}
SCALAR_FIELDS = ("budget_realized", "physical_progress", "progress_drop_reason", "beneficiaries_reached",
                 "problems", "follow_up")
INPUT_FIELDS = SCALAR_FIELDS + ("indicator_values",)


def report_late(report: ProgressReport | None, period: Period, today: date | None = None) -> bool:
    """Late: first submitted after the due date, or not submitted yet and the due date has passed."""
    return periods.submitted_late(report.first_submitted_at if report is not None else None, period, today)


def _int_value(raw: Any, name: str, errors: dict, maximum: int) -> int | None:
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, (int, float)) or (isinstance(raw, float) and not raw.is_integer()):
        errors[name] = _("Harus bilangan bulat.")
        return None
    value = int(raw)
    if value < 0:
        errors[name] = _("Tidak boleh negatif.")
    elif value > maximum:
        errors[name] = _("Angka terlalu besar.")
    return value


def _float_value(raw: Any, name: str, errors: dict) -> float | None:
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, (int, float)) or not math.isfinite(float(raw)):
        errors[name] = _("Harus berupa angka.")
        return None
    return float(raw)


def validate(ctx: ItemContext, data: dict) -> tuple[dict, dict[int, float]]:
    """The report's new state (current values overridden by those given) or ValidationFailed.

    Rules: budget realised ≥ 0 and, summed over the year's quarters, at most the (revised) budget;
    physical progress 0–100 and not below the previous quarter's without a reason; beneficiaries and
    indicator values ≥ 0.  Values above a target are allowed (see ``ItemContext.flags``).
    """
    report = ctx.report
    errors: dict[str, str] = {}
    state = {name: getattr(report, name) if report is not None else (None if name in
             ("budget_realized", "physical_progress", "beneficiaries_reached") else "") for name in SCALAR_FIELDS}
    values = {v.indicator_id: v.value for v in report.values} if report is not None else {}

    if "budget_realized" in data:
        state["budget_realized"] = _int_value(data["budget_realized"], "budget_realized", errors, MAX_MONEY)
    if "beneficiaries_reached" in data:
        state["beneficiaries_reached"] = _int_value(data["beneficiaries_reached"], "beneficiaries_reached", errors, MAX_COUNT)
    if "physical_progress" in data:
        value = _float_value(data["physical_progress"], "physical_progress", errors)
        if value is not None and not 0 <= value <= 100:
            errors["physical_progress"] = _("Progres fisik harus antara 0 dan 100 %.")
        state["physical_progress"] = value
    for name, limit in TEXT_LIMITS.items():
        if name in data:
            text = "" if data[name] is None else str(data[name]).strip()
            if len(text) > limit:
                errors[name] = _("Maksimal %(n)d karakter.", n=limit)
            state[name] = text

    indicators = {ind.id: ind for ind in ctx.indicators}
    for position, item in enumerate(data.get("indicator_values") or []):
        indicator_id = item.get("indicator_id") if isinstance(item, dict) else None
        if indicator_id not in indicators:
            errors[f"indicator_values.{position}.indicator_id"] = _("Indikator %(i)s bukan indikator kegiatan ini.", i=indicator_id)
            continue
        key = f"indicator_values.{indicator_id}"
        value = _float_value(item.get("value"), key, errors)
        if value is None:
            if key not in errors:
                values.pop(indicator_id, None)
            continue
        if value < 0:
            errors[key] = _("Capaian \"%(n)s\" tidak boleh negatif.", n=indicators[indicator_id].name)
            continue
        values[indicator_id] = value

    budget = state["budget_realized"]
    if budget is not None and "budget_realized" not in errors:
        total = ctx.budget_other_quarters() + budget
        ceiling = ctx.activity.effective_budget
        if total > ceiling:
            errors["budget_realized"] = _(
                "Realisasi anggaran kumulatif %(t)s melebihi pagu %(p)s (sisa yang dapat direalisasikan: %(s)s).",
                t=rupiah(total), p=rupiah(ceiling), s=rupiah(max(ceiling - ctx.budget_other_quarters(), 0)))
    physical = state["physical_progress"]
    previous = ctx.previous_physical()
    if physical is not None and "physical_progress" not in errors and previous is not None and physical < previous[1]:
        if not state["progress_drop_reason"]:
            message = _("Progres fisik kumulatif (%(v)s %%) lebih rendah dari triwulan %(q)s (%(p)s %%); isi alasannya.",
                        v=short_number(physical), q=periods.quarter_label(previous[0]), p=short_number(previous[1]))
            errors["physical_progress"] = message
            errors["progress_drop_reason"] = _("Wajib diisi jika progres fisik turun.")
    if errors:
        raise ValidationFailed(_("Data laporan triwulan tidak valid."), errors)
    return state, values
