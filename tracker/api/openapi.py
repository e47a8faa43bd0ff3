"""``GET /api/v1/openapi.json`` and the browsable reference ``/api/v1/docs``.

The document is generated from what validates the requests: the pydantic bodies (``parse_body``),
the query models (``params.parse_query``), the URL converters, and each operation's kind for the
statuses it can answer.  Strings a client sends carry the ``pattern`` that refuses control
characters, as ``parse_body`` does.
"""

from __future__ import annotations

import re
from functools import lru_cache

from flask import jsonify, render_template, url_for
from pydantic.json_schema import GenerateJsonSchema, models_json_schema

from tracker.api.core import OPERATIONS, Operation, route
from tracker.api.params import MAX_ID, PATH_BOUNDS, PLAIN_TEXT, query_parameters
from tracker.api.schemas import ErrorBody

ERRORS = {
    400: "bad_request: JSON atau parameter tidak valid, tipe data salah",
    401: "unauthorized: token tidak ada, tidak valid atau kedaluwarsa",
    403: "forbidden: peran ini tidak berwenang",
    404: "not_found: tidak ada, atau milik OPD/perusahaan lain",
    405: "method_not_allowed: metode lain untuk alamat ini",
    409: "conflict: version usang, status tidak sesuai, atau duplikat",
    413: "payload_too_large: berkas atau data terlalu besar",
    422: "validation_error: data tidak memenuhi aturan (lihat fields)",
    423: "locked: triwulan sudah dikunci",
    429: "rate_limited: terlalu banyak percobaan masuk",
}
WRITES = {"POST", "PUT", "PATCH", "DELETE"}
PATH_PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")



class RequestSchema(GenerateJsonSchema):
    """Text in a request must not hold control characters (``core._control_fields``)."""

    def str_schema(self, schema):
        result = super().str_schema(schema)
        if self.mode == "validation":
            result.setdefault("pattern", PLAIN_TEXT)
        return result


def openapi_path(rule: str) -> str:
    return "/api/v1" + PATH_PARAM.sub(r"{\2}", rule)


def error_statuses(op: Operation) -> list[int]:
    """Every error status the operation can answer."""
    statuses = {400, 405}  # any request: a malformed parameter; another method of the same path
    if not op.public:
        statuses |= {401, 403, 404}
    if op.method in WRITES:
        statuses |= {409, 422}
        if op.tag == "progress":
            statuses.add(423)
    if op.body is not None or op.upload:
        statuses.add(413)
    statuses |= set(op.statuses)
    return sorted(statuses)


def _path_parameters(rule: str) -> list[dict]:
    params = []
    for converter, name in PATH_PARAM.findall(rule):
        if converter != "int":
            schema = {"type": "string", "minLength": 1, "pattern": r"^[^/\x00-\x1F\x7F]+$"}
        elif name in PATH_BOUNDS:  # checked by ``route`` before the view runs (404 outside)
            schema = {"type": "integer", "minimum": PATH_BOUNDS[name][0], "maximum": PATH_BOUNDS[name][1]}
        else:
            schema = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
        params.append({"name": name, "in": "path", "required": True, "schema": schema})
    return params


def _success(op: Operation, ref) -> dict:
    if op.binary:
        kinds = (op.binary,) if isinstance(op.binary, str) else op.binary
        return {"description": "Berkas", "content": {
            kind: {"schema": {"type": "string", "format": "binary"}} for kind in kinds}}
    if op.status == 204 or op.response is None:
        return {"description": "Berhasil"}
    if op.many:
        return {"description": "Daftar", "content": {"application/json": {"schema": {
            "type": "object", "required": ["items", "total", "page", "per_page"],
            "properties": {"items": {"type": "array", "items": ref(op.response)},
                           "total": {"type": "integer", "minimum": 0}, "page": {"type": "integer", "minimum": 1},
                           "per_page": {"type": "integer", "minimum": 1}}}}}}
    return {"description": "Berhasil", "content": {"application/json": {"schema": ref(op.response)}}}


def _request_body(op: Operation, ref) -> dict | None:
    content = {}
    if op.upload:
        fields = op.form or {}
        content["multipart/form-data"] = {"schema": {
            "type": "object", "required": ["file", *(name for name, (_s, needed) in fields.items() if needed)],
            "properties": {"file": {"type": "string", "format": "binary"},
                           **{name: schema for name, (schema, _needed) in fields.items()}}}}
    if op.body is not None and op.upload:  # JSON, or the same as a file
        content["application/json"] = {"schema": ref(op.body)}
        return {"required": True, "content": content}
    if op.upload:
        return {"required": True, "content": content}
    if op.body is not None:
        # A body of optional fields only may be left out (``parse_body`` reads nothing as ``{}``).
        required = any(field.is_required() for field in op.body.model_fields.values())
        return {"required": required, "content": {"application/json": {"schema": ref(op.body)}}}
    return None


@lru_cache(maxsize=1)
def build_document() -> dict:
    models = {ErrorBody}
    for op in OPERATIONS:
        models.update(m for m in (op.body, op.response, op.accepted) if m is not None)
    ordered = sorted(models, key=lambda m: m.__name__)
    bodies = {op.body for op in OPERATIONS if op.body is not None}
    _refs, top = models_json_schema(
        [(m, "validation" if m in bodies else "serialization") for m in ordered],
        ref_template="#/components/schemas/{model}", schema_generator=RequestSchema,
    )
    schemas = top.get("$defs", {})
    ref = lambda model: {"$ref": f"#/components/schemas/{model.__name__}"}  # noqa: E731
    error = {"content": {"application/json": {"schema": ref(ErrorBody)}}}

    paths: dict[str, dict] = {}
    for op in OPERATIONS:
        responses = {str(op.status): _success(op, ref)}
        if op.accepted is not None:
            responses["202"] = {"description": "Diterima: sedang dibuat, pantau status_url",
                                "content": {"application/json": {"schema": ref(op.accepted)}}}
        for status in error_statuses(op):
            responses[str(status)] = {"description": ERRORS[status], **error}
        operation = {
            "operationId": op.endpoint, "summary": op.summary, "tags": [op.tag],
            "parameters": _path_parameters(op.rule) + (query_parameters(op.query) if op.query else []),
            "responses": responses,
        }
        if op.public:
            operation["security"] = []
        if (body := _request_body(op, ref)) is not None:
            operation["requestBody"] = body
        paths.setdefault(openapi_path(op.rule), {})[op.method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {"title": "TKPK Tracker API", "version": "1.0.0",
                 "description": "API JSON TKPK Tracker. Autentikasi: POST /api/v1/tokens, lalu header "
                                "Authorization: Bearer TOKEN. Referensi yang dapat dijelajahi: /api/v1/docs."},
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"bearer": []}],
    }


@route("/openapi.json", "GET", summary="Deskripsi OpenAPI 3.1 API ini", tag="meta", public=True)
def openapi_document():
    return jsonify(build_document())


@route("/docs", "GET", summary="Referensi API yang dapat dijelajahi (Swagger UI, tanpa internet)", tag="meta",
       public=True, binary="text/html")
def api_docs():
    return render_template("api/docs.html", spec_url=url_for("api.openapi_document_get"))
