"""What the home page shows each role, assembled from the evaluation's figures (plain functions: no
request; the caller passes the user, the year and the quarter).

- Bappeda (coordinator, admin): the kabupaten in the chosen quarter — the headline (pagu,
  realisation, achievement and rating, change since the last quarter), realisation per OPD, the
  rating distribution, completeness, CSR, the poverty trend — and its work queues: reports waiting
  for verification, the late OPDs and the OPDs with the lowest realisation.
- A viewer (pimpinan): the same consolidated picture without the work queues (the lowest OPDs are
  part of the picture; the reports to verify and the late OPDs to chase are Bappeda's).
- An OPD user: its own figures against the kabupaten's, what it still has to do, and its activities
  with the lowest realisation.  Only its own OPD's rows are read, besides the kabupaten's totals.
- Company users never get here (their home is their CSR page).

A fixed number of queries per role whatever the data size (tested): every figure comes from
``figures`` (fixed counts; the change since the last quarter is the evaluation's own
``previous_*`` figures, and beside an OPD the kabupaten is ``figures.totals``, one query), the
poverty trend from ``poverty.queries.trend``, the tasks from ``progress.reminders.tasks_for``.
"""

from __future__ import annotations

from datetime import date

from flask_babel import get_locale
from flask_babel import gettext as _

from tracker import memo
from tracker.authz import Role, agency_scope, can
from tracker.evaluation import figures
from tracker.evaluation import dashboard_charts as charts
from tracker.evaluation.ratings import round_pct
from tracker.periods.services import quarter_end
from tracker.periods.services import today as jakarta_today
from tracker.poverty import queries as poverty_queries
from tracker.progress import reminders

LIST_LIMIT = 5  # rows in each "late" / "lowest" list


def default_quarter(year: int, today: date) -> int:
    """The quarter a dashboard opens on: the latest one of ``year`` that has ended; for the running
    year before its first quarter ends, that (current) first quarter; a year ahead opens on I."""
    if year < today.year:
        return 4
    if year > today.year:
        return 1
    ended = [q for q in (1, 2, 3, 4) if quarter_end(year, q) < today]
    return max(ended, default=1)


def change(now: float | None, before: float | None) -> float | None:
    """Percentage points from ``before`` to ``now``; ``None`` when either is missing."""
    return None if now is None or before is None else round_pct(now - before)


def _headline(ev: dict) -> dict:
    """The top numbers, with the change since the previous quarter (``None`` in quarter I)."""
    previous = ev["previous_achievement_pct"]
    return {"budget": ev["budget"], "budget_original": ev["budget_original"],
            "budget_revised_activities": ev["budget_revised_activities"],
            "realized_quarter": ev["realized_quarter"], "realized_cumulative": ev["realized_cumulative"],
            "realization_pct": ev["realization_pct"], "previous_realization_pct": ev["previous_realization_pct"],
            "realization_change": change(ev["realization_pct"], ev["previous_realization_pct"]),
            "achievement_pct": ev["achievement_pct"], "rating": ev["rating"],
            "previous_achievement_pct": previous,
            "achievement_change": change(ev["achievement_pct"], previous),
            "activities": ev["activity_count"], "indicator_count": ev["indicator_count"],
            "rated_indicator_count": ev["rated_indicator_count"]}


def lowest_agencies(agencies: list[dict]) -> list[dict]:
    """The OPDs with the lowest realisation % (at most ``LIST_LIMIT``, and at most half of the OPDs
    that have a figure, so a kabupaten of two OPDs names one; nobody is "lowest" alone)."""
    rated = [a for a in agencies if a["realization_pct"] is not None]
    if len(rated) < 2:
        return []
    ordered = sorted(rated, key=lambda a: (a["realization_pct"], a["agency_name"]))
    return ordered[:min(LIST_LIMIT, len(rated) // 2)]


def late_agencies(agencies: list[dict]) -> list[dict]:
    """The OPDs with late reports in the quarter, the most late first (at most ``LIST_LIMIT``)."""
    late = [a for a in agencies if a["late"]]
    return sorted(late, key=lambda a: (-a["late"], -a["missing"], a["agency_name"]))[:LIST_LIMIT]


def _poverty(year: int) -> dict | None:
    """The kabupaten's P0 trend and the latest change up to ``year``; ``None`` without any P0 figure."""
    trend = poverty_queries.trend()
    known = [r for r in trend if r["poor_pct"] is not None]
    if not known:
        return None
    latest = next((r for r in reversed(known) if r["year"] <= year), known[-1])
    return {"trend": trend, "latest": latest, "chart": charts.poverty_chart(trend),
            "change": poverty_queries.change_since_last_year(latest["year"], rows=trend)}


def _empty(kind: str, year: int, quarter: int, **extra) -> dict:
    return {"kind": kind, "empty": True, "year": year, "quarter": quarter, **extra}


def _kabupaten_figures(year: int, quarter: int, today: date) -> dict | None:
    """What every kabupaten-wide dashboard of this quarter shows of the data (not the user's queues)."""
    ev = figures.evaluation(year, quarter, detail=False, today=today)
    if not ev["activity_count"]:
        return None
    agencies = ev["agencies"]
    lowest = lowest_agencies(agencies)
    return {
        "due_date": ev["due_date"], "quarter_end": ev["quarter_end"], "headline": _headline(ev),
        "agency_count": len(agencies), "completeness": ev["completeness"], "csr": ev["csr"],
        "rating_counts": ev["rating_counts"], "agencies": agencies, "poverty": _poverty(year),
        "charts": {"realisation": charts.realisation_chart(agencies, {a["agency_id"] for a in lowest}),
                   "ratings": charts.rating_chart(ev["rating_counts"]),
                   "completeness": charts.completeness_chart(agencies),
                   "csr": charts.csr_chart(ev["csr"])},
        "lowest": lowest, "late": late_agencies(agencies),
    }


def _remembered(name: str, key: tuple, compute):
    """Remembered while the data is unchanged (``tracker.memo``); the charts are in the user's language."""
    return memo.remembered(name, (*key, str(get_locale())), compute)


def kabupaten_dashboard(user, year: int, quarter: int, *, today: date | None = None) -> dict:
    """Bappeda's dashboard (with its work queues) or, for a viewer, the consolidated picture."""
    today = today or jakarta_today()
    queues = can(user, "progress.review")
    kind = "coordinator" if queues else "viewer"
    shared = _remembered("dashboard.kabupaten", (year, quarter, today),
                         lambda: _kabupaten_figures(year, quarter, today))
    if shared is None:
        return _empty(kind, year, quarter, queues=queues)
    result = {"kind": kind, "empty": False, "year": year, "quarter": quarter, "queues": queues, **shared,
              "late": shared["late"] if queues else [], "review_tasks": []}
    if queues:
        result["review_tasks"] = [t for t in reminders.tasks_for(user, today) if t.kind == "review"]
    return result


def lowest_activities(activities: list[dict]) -> list[dict]:
    """An OPD's activities with the lowest realisation % as of the quarter (those with a budget)."""
    items = [a for a in activities if a["realization_pct"] is not None]
    return sorted(items, key=lambda a: (a["realization_pct"], a["code"], a["activity_id"]))[:LIST_LIMIT]


def _agency_figures(agency_id: int | None, year: int, quarter: int, today: date) -> dict | None:
    own = figures.evaluation(year, quarter, agency_id=agency_id, today=today)
    if not own["activity_count"]:
        return None
    kabupaten = figures.totals(year, quarter)
    entry = own["agencies"][0]
    headline = _headline(own)
    return {
        "agency_name": entry["agency_name"], "agency_full_name": entry["agency_full_name"],
        "due_date": own["due_date"], "quarter_end": own["quarter_end"],
        "headline": headline, "kabupaten": {k: kabupaten[k] for k in ("realization_pct", "achievement_pct", "rating")},
        "completeness": own["completeness"], "csr": own["csr"], "rating_counts": own["rating_counts"],
        "lowest_activities": lowest_activities(own["activities"]),
        "charts": {"compare": charts.comparison_chart(entry["agency_name"], headline, kabupaten),
                   "ratings": charts.rating_chart(own["rating_counts"], title=_(
                       "Sebaran predikat capaian indikator %(opd)s", opd=entry["agency_name"]))},
    }


def agency_dashboard(user, year: int, quarter: int, *, today: date | None = None) -> dict:
    """An OPD user's dashboard: its own OPD (from the user, never from a request) against the kabupaten's
    totals (``figures.totals``: one query, nothing of the other OPDs but the sums)."""
    today = today or jakarta_today()
    agency_id = agency_scope(user)
    tasks = reminders.tasks_for(user, today)
    shared = _remembered("dashboard.agency", (agency_id, year, quarter, today),
                         lambda: _agency_figures(agency_id, year, quarter, today))
    if shared is None:
        return _empty("agency", year, quarter, agency_id=agency_id, tasks=tasks)
    return {"kind": "agency", "empty": False, "year": year, "quarter": quarter, "agency_id": agency_id, **shared,
            "tasks": tasks}


def for_user(user, year: int, quarter: int, *, today: date | None = None) -> dict | None:
    """The dashboard of ``user``'s role, or ``None`` for a role without one (companies)."""
    if user.role == Role.AGENCY:
        return agency_dashboard(user, year, quarter, today=today)
    if user.role in (Role.ADMIN, Role.COORDINATOR, Role.VIEWER):
        return kabupaten_dashboard(user, year, quarter, today=today)
    return None
