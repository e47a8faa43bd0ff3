from flask import g, request
from flask_babel import gettext as _

from tracker.api.core import json_response, parse_body, route
from tracker.api.schemas import TokenIn, TokenOut
from tracker.auth import services, throttle
from tracker.errors import Unauthorized
from tracker.extensions import db
from tracker.types import to_jakarta_iso


@route("/tokens", "POST", summary="Tukar nama pengguna dan kata sandi dengan token API", tag="auth",
       body=TokenIn, response=TokenOut, status=201, public=True, statuses=(429,))
def create_token():
    body = parse_body(TokenIn)
    ip = request.remote_addr or ""
    throttle.check(body.username, ip)
    user = services.authenticate(body.username, body.password)
    if user is None:
        throttle.record_failure(body.username, ip)
        raise Unauthorized(_("Nama pengguna atau kata sandi salah."))
    throttle.clear(body.username)
    raw, token = services.issue_token(user)
    db.session.commit()
    return json_response({"token": raw, "expires_at": to_jakarta_iso(token.expires_at)}, 201)


@route("/tokens/current", "DELETE", summary="Cabut token yang sedang dipakai", tag="auth", status=204)
def revoke_current_token():
    services.revoke_token(g.api_token)
    db.session.commit()
    return "", 204
