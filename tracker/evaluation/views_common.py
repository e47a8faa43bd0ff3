"""What the evaluation pages share: reading the choice of year, quarter, OPD and the unverified switch
from the query string (odd values fall back to the defaults and are named on the page, never a 500),
the scoping of an OPD user, and the display helpers (``None`` shows as "—").

Scoping (the same rule as the API): an OPD user always sees their own OPD; naming another OPD (or
one that does not exist) answers 404 "OPD tidak ditemukan", so guessing ids reveals nothing.  The
kabupaten's *totals* may be shown beside an OPD's own figures, never another OPD's rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask import request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from tracker.authz import agency_scope, may_see_agency
from tracker.errors import NotFound
from tracker.evaluation import bp
from tracker.evaluation.numbers import number, percent, rupiah, short_number
from tracker.evaluation.ratings import NO_VALUE, RATING_BADGES, RATINGS, rating_badge, rating_label
from tracker.extensions import db
from tracker.periods.services import MAX_YEAR, MIN_YEAR, quarter_end, quarter_label
from tracker.periods.services import today as jakarta_today
from tracker.plans.queries import default_year, years_with_plans
from tracker.reference.models import Agency
from tracker.review import STATUS_BADGES, status_label

MAX_ID = 2**31 - 1  # what an INTEGER column holds: a larger id is simply not found
TRUE_TEXT, FALSE_TEXT = ("1", "true", "on"), ("0", "false", "")
QUARTERS = (1, 2, 3, 4)


# ---- display helpers (Jinja globals) --------------------------------------------------------------

def show_pct(value, digits: int = 2) -> str:
    return NO_VALUE if value is None else percent(value, digits)


def show_rupiah(value) -> str:
    return NO_VALUE if value is None else rupiah(value)


def show_number(value) -> str:
    """A count or a K value: "120", "45,5"; ``None`` is "—"."""
    if value is None:
        return NO_VALUE
    return short_number(value) if isinstance(value, float) else number(value)


def show_points(value) -> str:
    """A change in percentage points with its sign: "+3,25 poin", "−1,5 poin"."""
    if value is None:
        return NO_VALUE
    sign = "+" if value > 0 else ("−" if value < 0 else "±")
    return _("%(sign)s%(n)s poin", sign=sign, n=number(abs(value), 2))


@bp.record_once
def register_template_globals(state):
    state.app.jinja_env.globals.update(
        ev_pct=show_pct, ev_rp=show_rupiah, ev_num=show_number, ev_points=show_points, ev_int=number,
        ev_rating_label=rating_label, ev_rating_badge=rating_badge, ev_ratings=RATINGS, ev_rating_badges=RATING_BADGES,
        ev_status_label=status_label, ev_status_badge=STATUS_BADGES.get, ev_quarter_label=quarter_label)


# ---- the choice ---------------------------------------------------------------------------------------

@dataclass
class Choice:
    year: int
    quarter: int
    agency_id: int | None
    include_unverified: bool
    agency: object | None = None  # the Agency row when one OPD is shown
    fixed_agency: bool = False  # an OPD user: no OPD selector
    ignored: list[str] = field(default_factory=list)  # parameters whose value was not understood
    years: list[int] = field(default_factory=list)
    today: date | None = None
    extra: dict = field(default_factory=dict)  # page-specific arguments kept in its links (activity_id)

    def args(self, **overrides) -> dict:
        """Query arguments of this choice for ``url_for`` (the switch only when on)."""
        values = {"year": self.year, "quarter": self.quarter}
        if self.agency_id is not None and not self.fixed_agency:
            values["agency_id"] = self.agency_id
        if self.include_unverified:
            values["include_unverified"] = 1
        values.update(self.extra)
        values.update(overrides)
        return {k: v for k, v in values.items() if v is not None}


def default_quarter(year: int, today: date) -> int:
    """The latest quarter of ``year`` that has ended (the one being evaluated), else the first."""
    ended = [q for q in QUARTERS if quarter_end(year, q) < today]
    return ended[-1] if ended else 1


def whole_number(raw: str, max_digits: int = 10) -> int | None:
    """ASCII digits only ("²" and "١" are digits to ``str.isdigit`` but not to ``int``, or not ours)."""
    return int(raw) if raw.isascii() and raw.isdecimal() and len(raw) <= max_digits else None


def int_arg(name: str, low: int, high: int, ignored: list[str]) -> int | None:
    """``request.args[name]`` when it is a whole number in [low, high]; otherwise None (and, when
    something was given, ``name`` is added to ``ignored``)."""
    raw = (request.args.get(name) or "").strip()
    if not raw:
        return None
    value = whole_number(raw)
    if value is not None and low <= value <= high:
        return value
    ignored.append(name)
    return None


def _bool_arg(name: str, ignored: list[str]) -> bool:
    raw = (request.args.get(name) or "").strip().lower()
    if raw in TRUE_TEXT:
        return True
    if raw not in FALSE_TEXT:
        ignored.append(name)
    return False


def visible_agency(agency_id: int) -> Agency:
    """The OPD row, or 404 when it does not exist or the user may not see it (another OPD)."""
    visible = agency_id <= MAX_ID and may_see_agency(agency_id, current_user)
    agency = db.session.get(Agency, agency_id) if visible else None
    if agency is None:
        raise NotFound(_("OPD tidak ditemukan."))
    return agency


def read_choice() -> Choice:
    """Year, quarter, OPD and the switch from ``request.args``, scoped to the user."""
    ignored: list[str] = []
    today = jakarta_today()
    scope = agency_scope(current_user)
    years = years_with_plans(scope)
    year = int_arg("year", MIN_YEAR, MAX_YEAR, ignored) or default_year(years)
    quarter = int_arg("quarter", 1, 4, ignored) or default_quarter(year, today)
    include_unverified = _bool_arg("include_unverified", ignored)
    raw_agency = (request.args.get("agency_id") or "").strip()
    requested = whole_number(raw_agency) if raw_agency else None
    if raw_agency and requested is None:
        ignored.append("agency_id")
    agency_id = requested if requested is not None else scope
    agency = visible_agency(agency_id) if agency_id is not None else None
    return Choice(year=year, quarter=quarter, agency_id=agency_id, include_unverified=include_unverified,
                  agency=agency, fixed_agency=scope is not None, ignored=ignored,
                  years=sorted(set(years) | {year}, reverse=True), today=today)


def agency_choices(choice: Choice) -> list:
    """(id, short name) of the OPDs a coordinator or viewer may pick; none for an OPD user."""
    if choice.fixed_agency:
        return []
    return db.session.execute(select(Agency.id, Agency.short_name).where(Agency.active.is_(True))
                              .order_by(Agency.short_name)).all()


IGNORED_LABELS = {"year": _l("tahun"), "quarter": _l("triwulan"), "agency_id": _l("OPD"),
                  "include_unverified": _l("data belum diverifikasi"), "activity_id": _l("kegiatan")}


def ignored_message(choice_ignored: list[str]) -> str | None:
    if not choice_ignored:
        return None
    names = ", ".join(str(IGNORED_LABELS.get(n, n)) for n in choice_ignored)
    return _("Nilai parameter berikut tidak dikenali dan diganti dengan bawaan: %(names)s.", names=names)
