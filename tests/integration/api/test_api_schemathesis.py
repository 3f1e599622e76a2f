"""The API against its own OpenAPI document, on a live server: no 500 for any input.

schemathesis reads ``/api/v1/openapi.json`` from a real waitress server (SQLite and
PostgreSQL) and sends bodies the schema allows (positive) and bodies it forbids
(negative); every answer must be a documented status with a body of the documented shape,
never a server error, and a forbidden body must be refused.

(schemathesis' own pytest plugin does not run under pytest 9, so each operation's cases are
drawn from its strategy with ``hypothesis.given`` here.)
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import (
    negative_data_rejection,
    not_a_server_error,
    positive_data_acceptance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import Engine

from core.config import ServerSettings, Settings
from dashboard.api.openapi import document
from dashboard.app import create_app
from dashboard.serve import WebServer
from store.accounts import create_token
from store.db import session_factory

MAX_BATCH = 20
DOCUMENT = document(MAX_BATCH)
OPERATIONS = [  # every route but the document itself
    (path, method.upper())
    for path, item in DOCUMENT["paths"].items()
    for method in item
    if path != "/openapi.json"
]
# a body the schema forbids exists only where there is a body
CASES = [
    (path, method, mode)
    for path, method in OPERATIONS
    for mode in GenerationMode
    if mode is GenerationMode.POSITIVE or "requestBody" in DOCUMENT["paths"][path][method.lower()]
]
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]
MODE_CHECKS = {
    GenerationMode.POSITIVE: [positive_data_acceptance],
    GenerationMode.NEGATIVE: [negative_data_rejection],
}


@pytest.fixture
def live(engine: Engine) -> Iterator[tuple[str, str]]:
    """A served app over ``engine`` and an agent token: (base URL, token)."""
    with session_factory(engine)() as s, s.begin():
        token = create_token(s, "fuzz-agent")
    conf = Settings(secret_key="fuzz-secret", server=ServerSettings(max_batch_samples=MAX_BATCH))
    web = WebServer(create_app(conf, engine=engine), "127.0.0.1", 0)
    web.start()
    try:
        yield web.url, token
    finally:
        web.stop()


def test_the_document_is_served_and_names_every_route(live: tuple[str, str]) -> None:
    url, _ = live
    schema = schemathesis.openapi.from_url(f"{url}/api/v1/openapi.json")
    served = {(op.ok().path, op.ok().method.upper()) for op in schema.get_all_operations()}
    assert served == set(OPERATIONS)
    assert {"/samples", "/events", "/targets", "/alarms", "/health"} == {p for p, _ in served}
    assert schema.raw_schema == json.loads(json.dumps(DOCUMENT))


@pytest.mark.parametrize(
    ("path", "method", "mode"), CASES, ids=[f"{m} {p} {g.value}" for p, m, g in CASES]
)
def test_no_server_error_for_any_input(
    live: tuple[str, str], path: str, method: str, mode: GenerationMode
) -> None:
    url, token = live
    operation = schemathesis.openapi.from_url(f"{url}/api/v1/openapi.json")[path][method]
    checks = CHECKS + MODE_CHECKS[mode]

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
    def one(case: Any) -> None:
        case.call_and_validate(
            base_url=f"{url}/api/v1", headers={"Authorization": f"Bearer {token}"}, checks=checks
        )

    one()
