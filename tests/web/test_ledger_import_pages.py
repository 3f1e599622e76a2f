"""The dashboard's ledger import (preview = dry run, then apply) with the same bad and good
files as the command line: a bad file is refused with its problems listed (row, column,
problem in the user's language), nothing can be applied and nothing is written."""

from __future__ import annotations

import base64
import io
import re

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from core.types import Role
from dashboard.i18n import translate
from store.models import AuditEntry, Device
from tests.integration.inventory.ledger_files import BAD, GOOD, TAKEN_SERIAL, good_bytes
from tests.web.conftest import form_token

_PAYLOAD = re.compile(r'name="payload" value="([^"]+)"')
_ROW = re.compile(r"row (\d+), column (\w+): (\w+)")


@pytest.fixture
def supervisor(client: FlaskClient, logged_in, room, sessions: sessionmaker[Session]) -> str:
    with sessions() as s, s.begin():
        srv = s.scalar(select(Device).where(Device.name == "srv-1"))
        assert srv is not None
        srv.serial = TAKEN_SERIAL
    logged_in(Role.SUPERVISOR)
    return form_token(client, "/ledger/import")


def _counts(sessions: sessionmaker[Session]) -> tuple[int, int]:
    with sessions() as s:
        return (
            int(s.scalar(select(func.count()).select_from(Device)) or 0),
            int(s.scalar(select(func.count()).select_from(AuditEntry)) or 0),
        )


def _upload(client: FlaskClient, token: str, name: str, data: bytes):  # type: ignore[no-untyped-def]
    return client.post("/ledger/import/preview", content_type="multipart/form-data",
                       data={"csrf_token": token, "file": (io.BytesIO(data), name)})  # fmt: skip


@pytest.mark.parametrize("case", list(BAD), ids=list(BAD))
def test_a_bad_file_is_refused_with_its_problems(
    client: FlaskClient, supervisor: str, sessions: sessionmaker[Session], case: str
) -> None:
    name, data, problem = BAD[case]
    before = _counts(sessions)
    r = _upload(client, supervisor, name, data)
    assert r.status_code == 400
    page = r.get_data(as_text=True)
    assert not _PAYLOAD.search(page)  # nothing to confirm
    row = _ROW.fullmatch(problem)
    if row:
        number, _column, code = row.groups()
        assert f"<td>{number}</td>" in page
        # the words (up to the clashing row or asset they name), never the code
        assert translate("zh_CN", f"ledger.problem.{code}").split("%(")[0] in page
        assert f">{code}<" not in page
    # applying the refused file anyway (a forged confirm) writes nothing either
    r = client.post("/ledger/import/apply", data={
        "csrf_token": supervisor, "filename": name,
        "payload": base64.b64encode(data).decode() or "x",
    })  # fmt: skip
    assert r.status_code == 400
    assert _counts(sessions) == before


@pytest.mark.parametrize("case", list(GOOD), ids=list(GOOD))
def test_good_files_preview_then_apply(
    client: FlaskClient, supervisor: str, sessions: sessionmaker[Session], case: str
) -> None:
    name, _data, asset, title = GOOD[case]
    r = _upload(client, supervisor, name, good_bytes(case))
    assert r.status_code == 200
    page = r.get_data(as_text=True)
    assert asset in page and title in page  # the preview shows the decoded text
    with sessions() as s:
        assert s.scalar(select(Device).where(Device.name == asset)) is None  # a dry run
    payload = _PAYLOAD.search(page)
    assert payload
    r = client.post("/ledger/import/apply", data={
        "csrf_token": supervisor, "filename": name, "payload": payload.group(1),
    })  # fmt: skip
    assert r.status_code == 302
    with sessions() as s:
        d = s.scalar(select(Device).where(Device.name == asset))
        assert d is not None and d.title_zh == title
        actions = set(s.scalars(select(AuditEntry.action).where(AuditEntry.actor == "supervisor")))
        assert {"ledger.create", "ledger.import"} <= actions


def test_duty_cannot_import(client: FlaskClient, logged_in, room) -> None:
    logged_in(Role.DUTY)
    token = form_token(client, "/ledger/")
    assert _upload(client, token, "u8.csv", GOOD["utf-8"][1]).status_code == 403
