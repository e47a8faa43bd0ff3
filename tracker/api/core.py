"""The API's plumbing: routes that describe themselves, bodies, pages and token authentication."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import wraps
from typing import Any

from flask import Blueprint, g, jsonify, request
from flask_babel import gettext as _
from pydantic import BaseModel, ValidationError
from sqlalchemy import func, select
from sqlalchemy.sql import Select

from tracker.api.params import CONTROL_CHARACTERS, Query, check_path, current_page, parse_query, with_pages
from tracker.authz import require
from tracker.errors import BadRequest, Unauthorized, ValidationFailed
from tracker.extensions import db
from tracker.i18n import N_
from tracker.types import utcnow

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@dataclass
class Operation:
    rule: str
    method: str
    endpoint: str
    summary: str
    tag: str
    body: type[BaseModel] | None = None
    response: type[BaseModel] | None = None
    many: bool = False
    status: int = 200
    query: type[Query] | None = None
    public: bool = False
    permission: str | None = None
    binary: str | tuple[str, ...] | None = None  # media type(s) of a file response
    upload: bool = False  # multipart/form-data with a ``file`` field
    statuses: tuple[int, ...] = ()  # error statuses beyond the ones every operation of its kind can answer
    accepted: type[BaseModel] | None = None  # also answers 202 with this body (a report being rendered)
    form: dict | None = None  # the upload's other form fields: name -> (JSON schema, required)


OPERATIONS: list[Operation] = []


def route(rule: str, method: str, *, summary: str, tag: str, body=None, response=None, many=False,
          status=200, query=None, public=False, permission=None, binary=None, upload=False, statuses=(),
          accepted=None, form=None):
    """Register an API route and its description (the OpenAPI document is built from these).

    ``query``: a ``params.Query`` model; the view receives it validated as ``params=`` (a list's
    ``page``/``per_page`` are added to it and read by ``paginated``).
    """
    query_model = with_pages(query) if many else query

    def decorator(view: Callable):
        endpoint = f"{view.__name__}_{method.lower()}"

        @wraps(view)
        def wrapped(*args, **kwargs):
            if not public:
                authenticate()
                if permission:
                    require(permission)
            check_path(kwargs)
            if query_model is not None:
                g.api_params = parse_query(query_model)
                if query is not None:
                    kwargs["params"] = g.api_params
            return view(*args, **kwargs)

        wrapped.permission = permission
        bp.add_url_rule(rule, endpoint=endpoint, view_func=wrapped, methods=[method])
        OPERATIONS.append(Operation(rule, method, endpoint, summary, tag, body, response, many, status,
                                    query_model, public, permission, binary, upload or form is not None, tuple(statuses),
                                    accepted, form))
        return wrapped

    return decorator


def authenticate():
    """Bearer token only: the API never accepts the browser's cookie (so it needs no CSRF token)."""
    from tracker.auth.services import user_for_token

    if getattr(g, "api_user", None) is not None:
        return g.api_user
    header = request.headers.get("Authorization", "")
    scheme, _sep, raw = header.partition(" ")
    if scheme.lower() != "bearer" or not raw.strip():
        raise Unauthorized(_("Token API diperlukan (header Authorization: Bearer <token>)."))
    _note_token_use(raw.strip())
    found = user_for_token(raw.strip())
    if found is None:
        raise Unauthorized(_("Token API tidak valid atau sudah kedaluwarsa."))
    user, token = found
    g.api_user, g.api_token = user, token
    g._login_user = user  # Flask-Login's current_user for the rest of the request
    return user


def _note_token_use(raw: str) -> None:
    """Record when a token was last used (at most hourly) in its own short transaction, before the
    request's own one begins: a GET never commits, and a write must not wait behind itself."""
    from flask import current_app
    from sqlalchemy import update
    from sqlalchemy.exc import OperationalError

    from tracker.auth.models import ApiToken
    from tracker.auth.sessions import hash_token

    now = utcnow()
    digest = hash_token(raw)
    try:
        with db.engine.connect() as connection:
            last_used = connection.execute(
                select(ApiToken.last_used_at).where(ApiToken.token_hash == digest)).first()
            if last_used is not None and (last_used[0] is None or now - last_used[0] > timedelta(hours=1)):
                connection.execute(update(ApiToken).where(ApiToken.token_hash == digest).values(last_used_at=now))
            connection.commit()
    except OperationalError:
        current_app.logger.warning("could not record API token use", exc_info=True)


# ---- request bodies ----------------------------------------------------------------------------

TYPE_ERRORS = {
    "json_invalid": N_("JSON tidak valid."),
    "json_type": N_("JSON tidak valid."),
    "model_type": N_("Harus berupa objek JSON."),
    "model_attributes_type": N_("Harus berupa objek JSON."),
    "int_type": N_("Harus bilangan bulat."),
    "int_parsing": N_("Harus bilangan bulat."),
    "int_from_float": N_("Harus bilangan bulat."),
    "float_type": N_("Harus berupa angka."),
    "float_parsing": N_("Harus berupa angka."),
    "string_type": N_("Harus berupa teks."),
    "bool_type": N_("Harus true atau false."),
    "bool_parsing": N_("Harus true atau false."),
    "list_type": N_("Harus berupa daftar."),
    "date_type": N_("Harus tanggal dengan format YYYY-MM-DD."),
    "date_parsing": N_("Harus tanggal dengan format YYYY-MM-DD."),
    "date_from_datetime_parsing": N_("Harus tanggal dengan format YYYY-MM-DD."),
    "date_from_datetime_inexact": N_("Harus tanggal dengan format YYYY-MM-DD."),
    "dict_type": N_("Harus berupa objek JSON."),
}
VALUE_ERRORS = {
    "missing": N_("Wajib diisi."),
    "greater_than_equal": N_("Harus lebih besar atau sama dengan %(ge)s."),
    "greater_than": N_("Harus lebih besar dari %(gt)s."),
    "less_than_equal": N_("Harus lebih kecil atau sama dengan %(le)s."),
    "less_than": N_("Harus lebih kecil dari %(lt)s."),
    "string_too_short": N_("Wajib diisi."),
    "string_too_long": N_("Maksimal %(max_length)s karakter."),
    "too_short": N_("Minimal %(min_length)s butir."),
    "too_long": N_("Maksimal %(max_length)s butir."),
    "literal_error": N_("Harus salah satu dari: %(expected)s."),
    "enum": N_("Harus salah satu dari: %(expected)s."),
    "value_error": "%(error)s",
}


def _field_name(loc: tuple) -> str:
    return ".".join(str(part) for part in loc) or "_body"


def _whole_numbers_as_integers(raw: bytes) -> bytes | str:
    """``2.0`` is an integer in JSON Schema (the document's language) though not to strict pydantic:
    give whole-number floats as integers.  A float field takes an integer just the same."""
    if b"." not in raw and b"e" not in raw.lower():
        return raw
    try:
        data = json.loads(raw, parse_constant=_refuse_constant)
    except (ValueError, RecursionError):
        return raw  # let pydantic name the problem (json_invalid -> 400)

    def whole(value):
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, list):
            return [whole(v) for v in value]
        if isinstance(value, dict):
            return {k: whole(v) for k, v in value.items()}
        return value

    return json.dumps(whole(data), ensure_ascii=False)


def _refuse_constant(name: str):
    raise ValueError(name)  # NaN, Infinity: not JSON


def parse_body(model: type[BaseModel]) -> BaseModel:
    """Strict JSON parsing: wrong types -> 400 bad_request, wrong values -> 422 validation_error."""
    if not request.is_json and request.get_data():
        raise BadRequest(_("Gunakan Content-Type: application/json."))
    raw = request.get_data() or b"{}"
    try:
        body = model.model_validate_json(_whole_numbers_as_integers(raw), strict=True)
    except ValidationError as exc:
        type_fields: dict[str, str] = {}
        value_fields: dict[str, str] = {}
        for err in exc.errors(include_url=False):
            kind = err["type"]
            name = _field_name(err["loc"])
            ctx = {k: (str(v) if not isinstance(v, str) else v) for k, v in (err.get("ctx") or {}).items()}
            if kind in TYPE_ERRORS:
                type_fields[name] = _(TYPE_ERRORS[kind])
            elif kind in VALUE_ERRORS:
                try:
                    value_fields[name] = _(VALUE_ERRORS[kind]) % ctx
                except (KeyError, TypeError):
                    value_fields[name] = err["msg"]
            else:
                value_fields[name] = err["msg"]
        if type_fields:
            if "_body" in type_fields:
                raise BadRequest(type_fields["_body"])
            raise BadRequest(_("Tipe data tidak sesuai."), {**type_fields, **value_fields})
        raise ValidationFailed(_("Data tidak valid."), value_fields)
    bad = _control_fields(body.model_dump())
    if bad:
        raise ValidationFailed(_("Data tidak valid."), {name: _("Berisi karakter yang tidak sah.") for name in bad})
    return body


def _control_fields(value, path: str = "") -> list[str]:
    """Fields whose text holds a control character (NUL, ESC...): refused at the door, as the
    document's ``pattern`` says, so no export, PDF or spreadsheet ever meets one."""
    if isinstance(value, str):
        return [path or "_body"] if CONTROL_CHARACTERS.search(value) else []
    if isinstance(value, dict):
        return [f for key, item in value.items() for f in _control_fields(item, f"{path}.{key}" if path else str(key))]
    if isinstance(value, (list, tuple)):
        return [f for i, item in enumerate(value) for f in _control_fields(item, f"{path}.{i}" if path else str(i))]
    return []


def given_fields(body: BaseModel) -> dict[str, Any]:
    """Only the fields the client actually sent (PATCH semantics)."""
    return body.model_dump(exclude_unset=True)


# ---- query parameters and pages ------------------------------------------------------------------

def page_params() -> tuple[int, int]:
    return current_page()


def paginated(statement: Select, serialize: Callable[[Any], dict], *, load: Callable[[list], list] | None = None,
              rows: bool = False):
    """One page of ``statement`` as ``{"items", "total", "page", "per_page"}`` (api.md, "Lists").

    ``rows``: the statement selects columns (tuples), not one entity; ``load`` turns the page's rows
    into the objects to serialise, in bounded queries.
    """
    page, per_page = page_params()
    total = db.session.scalar(select(func.count()).select_from(statement.order_by(None).subquery()))
    window = statement.limit(per_page).offset((page - 1) * per_page)
    found = [tuple(r) for r in db.session.execute(window)] if rows else db.session.scalars(window).all()
    objects = load(found) if load is not None else found
    return jsonify({"items": [serialize(o) for o in objects], "total": total, "page": page, "per_page": per_page})


def paginated_list(items: list):
    """One page of a list computed in Python (short lists: a quarter's tasks, an OPD × quarter grid)."""
    page, per_page = page_params()
    start = (page - 1) * per_page
    return jsonify({"items": items[start:start + per_page], "total": len(items), "page": page, "per_page": per_page})


def dump(schema: type[BaseModel], obj) -> dict:
    return schema.model_validate(obj, from_attributes=True).model_dump(mode="json")


def json_response(payload, status: int = 200):
    return jsonify(payload), status
