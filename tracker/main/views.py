from flask import current_app, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_login import current_user, login_required
from markupsafe import Markup
from sqlalchemy import func, select

from tracker.auth.models import User
from tracker.authz import Role, can
from tracker.evaluation import dashboard
from tracker.evaluation.ratings import rating_badge, rating_label
from tracker import memo
from tracker.extensions import db
from tracker.main import bp
from tracker.meetings.views_home import home_panel as meetings_panel
from tracker.periods import services as periods
from tracker.periods.models import Period
from tracker.plans.queries import default_year, years_with_plans
from tracker.reference.models import Agency, Company, Region


def home_year(years: list[int]) -> int:
    """``?year=`` when given and valid, else the plans' default year (``plans.queries.default_year``)."""
    raw = request.args.get("year", "")
    if raw.isdecimal() and periods.MIN_YEAR <= int(raw) <= periods.MAX_YEAR:
        return int(raw)
    return default_year(years)


def home_quarter(year: int, today) -> int:
    """``?quarter=`` 1..4 when given, else the latest quarter of ``year`` that has ended."""
    raw = request.args.get("quarter", "").strip()
    if raw in ("1", "2", "3", "4"):
        return int(raw)
    return dashboard.default_quarter(year, today)


def evaluation_link():
    """The endpoint of the evaluation page the dashboard links to, or None while that page does not
    exist or the user may not open it."""
    if "evaluation.index" not in current_app.view_functions or not can(current_user, "evaluation.view"):
        return None
    return "evaluation.index"


def dashboard_html(user, year: int, quarter: int, today) -> Markup | None:
    """The role's dashboard as HTML, remembered (``tracker.memo``) while the data is unchanged: what it
    shows (the meetings panel too) depends only on the role, the OPD, the quarter, the day and the
    language, so every user sharing those shares one rendering (it was most of the page's time)."""
    def render() -> Markup | None:
        dash = dashboard.for_user(user, year, quarter, today=today)
        if not dash:
            return None
        return Markup(render_template("main/_dashboard.html", dash=dash, year=year, quarter=quarter,
                                      rating_label=rating_label, rating_badge=rating_badge,
                                      evaluation_endpoint=evaluation_link(), meetings_panel=meetings_panel(user)))

    key = (user.role, user.agency_id, year, quarter, today, str(get_locale()))
    return memo.remembered("home.dashboard_html", key, render)


@bp.route("/")
@login_required
def home():
    if current_user.role == Role.COMPANY:
        return redirect(url_for("csr.index"), code=303)  # a company's officer works on their CSR page
    years = years_with_plans(None)  # the quarters shown are everyone's, so are the years
    year = home_year(years)
    today = periods.today()
    quarter = home_quarter(year, today)
    counts = {
        "agencies": db.session.scalar(select(func.count()).select_from(Agency).where(Agency.active.is_(True))),
        "companies": db.session.scalar(select(func.count()).select_from(Company)),
        "regions": db.session.scalar(select(func.count()).select_from(Region)),
        "users": db.session.scalar(select(func.count()).select_from(User).where(User.active.is_(True))),
    }
    period_rows = db.session.scalars(select(Period).where(Period.year == year).order_by(Period.quarter)).all()
    choices = sorted(set(years) | {year}, reverse=True)
    html = dashboard_html(current_user, year, quarter, today)
    return render_template("main/home.html", counts=counts, periods=period_rows, year=year, years=choices,
                           quarter=quarter, is_late=periods.is_late, user=current_user,
                           dashboard_html=html, meetings_panel=None if html else meetings_panel(current_user))


@bp.route("/health")
def health():
    db.session.execute(select(1))
    return {"status": "ok"}
