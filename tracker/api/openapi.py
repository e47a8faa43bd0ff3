"""``GET /api/v1/openapi.json``: generated from the registered routes and their pydantic shapes."""

from __future__ import annotations

import re
from functools import lru_cache

from flask import jsonify
from pydantic.json_schema import models_json_schema

from tracker.api.core import OPERATIONS, route
from tracker.api.schemas import ErrorBody

ERRORS = {
    "400": "bad_request", "401": "unauthorized", "403": "forbidden", "404": "not_found",
    "409": "conflict", "413": "payload_too_large", "422": "validation_error", "423": "locked", "429": "rate_limited",
}
PATH_PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")


def openapi_path(rule: str) -> str:
    return "/api/v1" + PATH_PARAM.sub(r"{\2}", rule)


@lru_cache(maxsize=1)
def build_document() -> dict:
    models = {ErrorBody}
    for op in OPERATIONS:
        models.update(m for m in (op.body, op.response) if m is not None)
    ordered = sorted(models, key=lambda m: m.__name__)
    _refs, top = models_json_schema(
        [(m, "validation" if m.__name__.endswith(("In", "Patch")) else "serialization") for m in ordered],
        ref_template="#/components/schemas/{model}",
    )
    schemas = top.get("$defs", {})
    ref = lambda model: {"$ref": f"#/components/schemas/{model.__name__}"}  # noqa: E731

    paths: dict[str, dict] = {}
    for op in OPERATIONS:
        item = paths.setdefault(openapi_path(op.rule), {})
        params = [
            {"name": name, "in": "path", "required": True, "schema": {"type": "integer" if conv == "int" else "string"}}
            for conv, name in PATH_PARAM.findall(op.rule)
        ]
        params += [{"name": name, "in": "query", "required": False, "description": desc, "schema": {"type": "string"}}
                   for name, desc in op.query.items()]
        if op.many:
            params += [
                {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
                {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 500}},
            ]
        if op.binary:
            ok = {"description": "Berkas", "content": {op.binary: {"schema": {"type": "string", "format": "binary"}}}}
        elif op.response is None:
            ok = {"description": "Berhasil"}
        elif op.many:
            ok = {"description": "Daftar", "content": {"application/json": {"schema": {
                "type": "object", "required": ["items", "total"],
                "properties": {"items": {"type": "array", "items": ref(op.response)},
                               "total": {"type": "integer"}, "page": {"type": "integer"},
                               "per_page": {"type": "integer"}}}}}}
        else:
            ok = {"description": "Berhasil", "content": {"application/json": {"schema": ref(op.response)}}}
        responses = {str(op.status): ok}
        for status, code in ERRORS.items():
            responses[status] = {"description": code, "content": {"application/json": {"schema": ref(ErrorBody)}}}
        operation = {
            "operationId": op.endpoint, "summary": op.summary, "tags": [op.tag],
            "parameters": params, "responses": responses,
        }
        if op.public:
            operation["security"] = []
        if op.body is not None:
            operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": ref(op.body)}}}
        item[op.method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {"title": "TKPK Tracker API", "version": "1.0.0",
                 "description": "API JSON TKPK Tracker. Autentikasi: POST /api/v1/tokens, lalu header "
                                "Authorization: Bearer <token>."},
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
