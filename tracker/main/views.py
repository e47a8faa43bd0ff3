from flask import Blueprint, render_template
from flask_login import current_user, login_required
from sqlalchemy import func, select

from tracker.auth.models import User
from tracker.extensions import db
from tracker.periods import services as periods
from tracker.reference.models import Agency, Company, Region
from tracker.types import jakarta_now

bp = Blueprint("main", __name__)


@bp.route("/")
@login_required
def home():
    year = jakarta_now().year
    counts = {
        "agencies": db.session.scalar(select(func.count()).select_from(Agency).where(Agency.active.is_(True))),
        "companies": db.session.scalar(select(func.count()).select_from(Company)),
        "regions": db.session.scalar(select(func.count()).select_from(Region)),
        "users": db.session.scalar(select(func.count()).select_from(User).where(User.active.is_(True))),
    }
    from tracker.periods.models import Period

    period_rows = db.session.scalars(select(Period).where(Period.year == year).order_by(Period.quarter)).all()
    return render_template("main/home.html", counts=counts, periods=period_rows, year=year,
                           is_late=periods.is_late, user=current_user)


@bp.route("/health")
def health():
    db.session.execute(select(1))
    return {"status": "ok"}
