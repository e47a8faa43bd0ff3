from flask_login import current_user

from tracker.api.core import dump, json_response, paginated_list, parse_body, route
from tracker.api.params import YearQuery
from tracker.api.schemas import LockIn, PeriodOut, PeriodPatch, UnlockIn
from tracker.errors import NotFound
from tracker.extensions import db
from tracker.periods import services


def _out(period) -> dict:
    data = dump(PeriodOut, period)
    data["late"] = services.is_late(period)
    return data


@route("/periods", "GET", summary="Empat triwulan satu tahun (yang belum tersimpan tampil dengan batas waktu bawaan)", tag="periods",
       response=PeriodOut, many=True, permission="periods.view", query=YearQuery)
def list_periods(params: YearQuery):
    periods = services.year_periods(params.year)
    return paginated_list([_out(p) for p in periods])


def _period(year: int, quarter: int):
    services.check_year(year)
    return services.get_period(year, quarter)


@route("/periods/<int:year>/<int:quarter>", "GET", summary="Satu triwulan", tag="periods",
       response=PeriodOut, permission="periods.view")
def get_period(year: int, quarter: int):
    if quarter not in services.QUARTER_LABELS:
        raise NotFound()
    return json_response(_out(services.year_periods(year)[quarter - 1]))


@route("/periods/<int:year>/<int:quarter>", "PATCH", summary="Ubah batas waktu pelaporan", tag="periods",
       body=PeriodPatch, response=PeriodOut, permission="periods.manage")
def patch_period(year: int, quarter: int):
    period = _period(year, quarter)
    body = parse_body(PeriodPatch)
    services.set_due_date(period, body.due_date, expected_version=body.version)
    db.session.commit()
    return json_response(_out(period))


@route("/periods/<int:year>/<int:quarter>/lock", "POST", summary="Kunci triwulan", tag="periods",
       body=LockIn, response=PeriodOut, permission="periods.lock")
def lock_period(year: int, quarter: int):
    period = _period(year, quarter)
    services.lock(period, current_user, parse_body(LockIn).reason or "")
    db.session.commit()
    return json_response(_out(period))


@route("/periods/<int:year>/<int:quarter>/unlock", "POST", summary="Buka kunci triwulan (alasan wajib)",
       tag="periods", body=UnlockIn, response=PeriodOut, permission="periods.lock")
def unlock_period(year: int, quarter: int):
    period = _period(year, quarter)
    services.unlock(period, current_user, parse_body(UnlockIn).reason)
    db.session.commit()
    return json_response(_out(period))
