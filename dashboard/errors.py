"""Error pages: HTML for people, the one JSON error shape under /api/."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

log = logging.getLogger(__name__)

API_PREFIX = "/api/"
_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    422: "validation_error",
    500: "internal_error",
    503: "unavailable",
}


def api_error(
    status: int, message: str, code: str | None = None, details: list[Any] | None = None
) -> ResponseReturnValue:
    body = {
        "error": {
            "code": code or _CODES.get(status, "error"),
            "message": message,
            "details": details or [],
        }
    }
    headers = {"WWW-Authenticate": 'Bearer realm="roomwatch"'} if status == 401 else {}
    return jsonify(body), status, headers


def _is_api() -> bool:
    return request.path.startswith(API_PREFIX)


def _page(status: int) -> ResponseReturnValue:
    return render_template("errors/error.html", status=status), status


def handle_http(exc: HTTPException) -> ResponseReturnValue:
    status = exc.code or 500
    if _is_api():
        return api_error(status, exc.description or exc.name)
    if status in (400, 403, 404, 405, 413):
        return _page(status)
    return exc


def handle_csrf(exc: CSRFError) -> ResponseReturnValue:
    log.warning("CSRF check failed on %s %s: %s", request.method, request.path, exc.description)
    return render_template("errors/error.html", status=400, csrf=True), 400


def handle_500(exc: InternalServerError) -> ResponseReturnValue:
    log.error(
        "unhandled error on %s %s", request.method, request.path, exc_info=exc.original_exception
    )
    if _is_api():
        return api_error(500, "internal error: see the server log")
    return _page(500)


def init_app(app: Flask) -> None:
    app.register_error_handler(CSRFError, handle_csrf)
    app.register_error_handler(InternalServerError, handle_500)
    app.register_error_handler(HTTPException, handle_http)
