"""Query parameters as pydantic models: one declaration validates the request and writes the
OpenAPI document's ``parameters``, so what the document allows is exactly what the code accepts.

A query string is text, so numbers are parsed strictly here ("12", not "12.0", "1_2", " 12" or "")
before pydantic checks bounds, choices and lengths.  An empty search text counts as absent, the
first of a repeated parameter counts, unknown parameters are ignored.  Any problem is ``400
bad_request`` with the parameter named in ``fields``.
"""

from __future__ import annotations

import re
import types
import typing
from typing import Any, Literal

from flask import current_app, g, request
from flask_babel import gettext as _
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from tracker.errors import BadRequest
from tracker.security import CONTROL_CHARACTERS

# Text the app accepts anywhere: no control characters but tab, line feed and carriage return.
PLAIN_TEXT = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F]*$"
# "3.0" is an integer to JSON Schema (and so to generated clients), as it is in JSON bodies.
INTEGER_TEXT = re.compile(r"-?\d{1,15}(?:\.0+)?")
MAX_ID = 2**31 - 1  # what an INTEGER column holds, as the URL converter (tracker.register_converters)



def year_field(**extra) -> Any:
    return Field(default=None, ge=2000, le=2100, **extra)


def id_field(**extra) -> Any:
    return Field(default=None, ge=1, le=MAX_ID, **extra)


def quarter_field(**extra) -> Any:
    return Field(default=None, ge=1, le=4, **extra)


# Path parameters whose range is narrower than the URL converter's: outside it the object does not exist.
PATH_BOUNDS = {"year": (2000, 2100), "quarter": (1, 4)}


def check_path(values: dict) -> None:
    from tracker.errors import NotFound

    for name, (low, high) in PATH_BOUNDS.items():
        if name in values and not low <= values[name] <= high:
            raise NotFound(_("Tahun %(a)d–%(b)d, triwulan 1–4.", a=PATH_BOUNDS["year"][0], b=PATH_BOUNDS["year"][1]))


class Query(BaseModel):
    model_config = ConfigDict(extra="ignore")


class PageQuery(Query):
    page: int = Field(default=1, ge=1, le=1_000_000, description="Halaman, mulai dari 1")
    per_page: int = Field(default=50, ge=1, le=500, description="Butir per halaman (bawaan 50, maksimal 500)")


class SearchText(Query):
    q: str = Field(default="", max_length=200, pattern=PLAIN_TEXT, description="Teks yang dicari")


class YearQuery(Query):
    year: int = Field(ge=2000, le=2100, description="Tahun anggaran (wajib)")


class AgencyFilter(Query):
    agency_id: int | None = id_field(description="Satu OPD (pengguna OPD: hanya OPD-nya sendiri)")


def _base_type(annotation: Any) -> Any:
    """``int | None`` -> ``int``; ``Literal[...]`` stays."""
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        options = [a for a in typing.get_args(annotation) if a is not type(None)]
        return options[0] if len(options) == 1 else annotation
    return annotation


def parse_query(model: type[Query]) -> Query:
    raw = dict(request.args.items())
    values: dict[str, Any] = {}
    problems: dict[str, str] = {}
    for name, info in model.model_fields.items():
        if name not in raw:
            continue
        text = raw[name]
        kind = _base_type(info.annotation)
        if text == "" and kind is str:
            continue  # an empty search is no search
        if kind is int:
            if not INTEGER_TEXT.fullmatch(text):
                problems[name] = _("Harus bilangan bulat.")
                continue
            values[name] = int(text.partition(".")[0])
        elif kind is bool:
            if text not in ("0", "1", "true", "false"):
                problems[name] = _("Harus 0, 1, true atau false.")
                continue
            values[name] = text in ("1", "true")
        else:
            values[name] = text
    if not problems:
        try:
            parsed = model.model_validate(values)
        except ValidationError as exc:
            for err in exc.errors(include_url=False):
                name = ".".join(str(p) for p in err["loc"])
                problems[name] = _query_message(err)
    if problems:
        names = ", ".join(sorted(problems))
        raise BadRequest(_("Parameter tidak valid: %(names)s.", names=names), problems)
    limit = current_app.config["API_PER_PAGE_MAX"]
    if isinstance(parsed, PageQuery) and parsed.per_page > limit:
        raise BadRequest(_("Parameter per_page di luar rentang."), {"per_page": _("Maksimal %(n)d.", n=limit)})
    return parsed


def _query_message(err: dict) -> str:
    kind, ctx = err["type"], err.get("ctx") or {}
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        return _("Di luar rentang.")
    if kind in ("literal_error", "enum"):
        return _("Harus salah satu dari: %(c)s.", c=str(ctx.get("expected", "")))
    if kind == "string_too_long":
        return _("Maksimal %(n)s karakter.", n=ctx.get("max_length"))
    if kind == "string_pattern_mismatch":
        return _("Berisi karakter yang tidak sah.")
    if kind == "missing":
        return _("Wajib diisi.")
    return _("Tidak valid.")


def current_page() -> tuple[int, int]:
    """(page, per_page) of this list request, as validated by the route."""
    params = g.get("api_params")
    if isinstance(params, PageQuery):
        return params.page, params.per_page
    return 1, current_app.config["API_PER_PAGE_DEFAULT"]


def with_pages(model: type[Query] | None) -> type[PageQuery]:
    """The list's own parameters plus ``page``/``per_page``."""
    if model is None:
        return PageQuery
    if issubclass(model, PageQuery):
        return model
    return type(model.__name__, (model, PageQuery), {"__module__": model.__module__})


def query_parameters(model: type[Query]) -> list[dict]:
    """The model's fields as OpenAPI ``in: query`` parameters (their schemas from pydantic)."""
    schema = model.model_json_schema(mode="validation")
    required = set(schema.get("required", []))
    result = []
    for name, prop in schema.get("properties", {}).items():
        prop = dict(prop)
        description = prop.pop("description", None)
        prop.pop("title", None)
        if "anyOf" in prop:  # ``X | None``: the parameter is simply left out when absent
            options = [p for p in prop.pop("anyOf") if p.get("type") != "null"]
            prop = {**options[0], **prop} if len(options) == 1 else {"anyOf": options, **prop}
        if prop.get("default") is None:
            prop.pop("default", None)
        param = {"name": name, "in": "query", "required": name in required, "schema": prop}
        if description:
            param["description"] = description
        result.append(param)
    return result


__all__ = ["CONTROL_CHARACTERS", "PLAIN_TEXT", "Literal", "PageQuery", "Query", "SearchText", "YearQuery", "AgencyFilter", "current_page",
           "id_field", "parse_query", "quarter_field", "query_parameters", "with_pages", "year_field"]
