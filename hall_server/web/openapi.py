"""The OpenAPI 3.1 document, generated from the endpoint table and the pydantic schemas."""

from __future__ import annotations

import re

from flask import Blueprint, jsonify
from pydantic.json_schema import models_json_schema

from .. import __version__
from . import schemas as s
from .api import ENDPOINTS

bp = Blueprint("openapi", __name__)
REF = "#/components/schemas/{model}"


def _components() -> dict:
    models = {ep.body for ep in ENDPOINTS if ep.body} | {ep.response for ep in ENDPOINTS} | {s.ErrorOut}
    _, top = models_json_schema([(m, "validation") for m in sorted(models, key=lambda m: m.__name__)],
                                ref_template=REF)
    return top.get("$defs", {})


def build_openapi() -> dict:
    from . import _optional_blueprints

    list(_optional_blueprints())  # feature modules add their endpoints when imported
    paths: dict = {}
    for ep in ENDPOINTS:
        path = "/api/v1" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", ep.path)
        params = []
        for conv, name in re.findall(r"<(?:(\w+):)?(\w+)>", ep.path):
            params.append({"name": name, "in": "path", "required": True,
                           "schema": {"type": "integer"} if conv == "int" else {"type": "string"}})
        if ep.command is not None:
            params.append({"name": "Idempotency-Key", "in": "header", "required": False,
                           "description": "A request id: a repeated request has its effect once",
                           "schema": {"type": "string", "minLength": 1, "maxLength": 64}})
        error = {"content": {"application/json": {"schema": {"$ref": REF.format(model="ErrorOut")}}}}
        responses = {
            str(ep.status): {
                "description": "Success",
                "content": {"application/json": {"schema": {"$ref": REF.format(model=ep.response.__name__)}}},
            },
            "400": {"description": "Malformed request or invalid command", **error},
            "401": {"description": "Not authenticated", **error},
            "403": {"description": "Not allowed for this caller", **error},
            "404": {"description": "Unknown field, counter, officer or ticket", **error},
            "409": {"description": "Refused by the rules of the hall (nothing changed)", **error},
            "429": {"description": "Too many requests", **error},
        }
        op = {
            "summary": ep.summary,
            "description": f"Who may call: {ep.who}.",
            "operationId": (f"{ep.method.lower()}{path}".replace("/", "_").replace("{", "").replace("}", "")
                            .replace("-", "_")),
            "parameters": params,
            "responses": responses,
        }
        if ep.body is not None:
            op["requestBody"] = {"required": True, "content": {"application/json": {
                "schema": {"$ref": REF.format(model=ep.body.__name__)}}}}
        paths.setdefault(path, {})[ep.method.lower()] = op
    return {
        "openapi": "3.1.0",
        "info": {"title": "MotCua Queue hall server", "version": __version__,
                 "description": ("Commands and queries of one centre's hall."
                                 " Live updates: Socket.IO (docs/protocol.md).")},
        "paths": paths,
        "components": {
            "schemas": _components(),
            "securitySchemes": {
                "device": {"type": "http", "scheme": "bearer", "description": "A device token from the hall file"},
                "staff": {"type": "apiKey", "in": "cookie", "name": "session",
                          "description": "Staff session (POST /api/v1/auth/login); changes need X-CSRF-Token"},
            },
        },
        "security": [{}, {"device": []}, {"staff": []}],
    }


@bp.get("/api/openapi.json")
def openapi_json():
    return jsonify(build_openapi())
