"""Login throttling: short, growing waits per account and per address, 429 with Retry-After.

The app's clock is a FixedClock (tests/web/conftest.py): a wait passes when the test
advances it, never by sleeping.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from core.clock import FixedClock
from core.types import Role
from dashboard.throttle import DEFAULT_POLICY, LoginPolicy
from tests.web.conftest import form_token, login

WRONG = "not the password"


def clock(app: Flask) -> FixedClock:
    fixed: FixedClock = app.extensions["roomwatch"].clock
    return fixed


def from_address(app: Flask, address: str) -> FlaskClient:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


@pytest.mark.parametrize(
    ("failures", "free", "seconds"),
    [
        (0, 5, 0),
        (4, 5, 0),
        (5, 5, 1),
        (6, 5, 2),
        (7, 5, 4),
        (10, 5, 32),
        (11, 5, 60),
        (500, 5, 60),
        (19, 20, 0),
        (20, 20, 1),
        (26, 20, 60),
    ],
)
def test_policy_delays_grow_and_are_capped(failures: int, free: int, seconds: float) -> None:
    assert DEFAULT_POLICY.delay(failures, free) == seconds
    assert LoginPolicy(base_seconds=0.5, max_seconds=4).delay(100, 1) == 4


def test_forty_wrong_passwords_then_the_right_one(
    app: Flask, client: FlaskClient, make_user: Callable[[Role], str]
) -> None:
    """The reported attack: 40 wrong passwords in a row, then the right one at once."""
    make_user(Role.DUTY)
    codes = [login(client, "duty", WRONG).status_code for _ in range(40)]
    assert codes == [401] * 5 + [429] * 35
    right_too_soon = login(client, "duty")
    assert right_too_soon.status_code == 429  # else the wait would not slow the guessing
    assert right_too_soon.headers["Retry-After"] == "1"  # refusals did not lengthen it
    assert "登录失败次数过多，请等待 1 秒后再试" in right_too_soon.get_data(as_text=True)
    assert client.get("/").status_code == 302  # not logged in
    clock(app).advance(1)
    assert login(client, "duty").status_code == 302
    assert client.get("/").status_code == 200


def test_waits_double_up_to_a_minute_and_a_success_resets(
    app: Flask, client: FlaskClient, make_user: Callable[[Role], str]
) -> None:
    make_user(Role.DUTY)
    for _ in range(5):
        assert login(client, "duty", WRONG).status_code == 401
    waits = []
    for _ in range(9):
        refused = login(client, "duty", WRONG)
        assert refused.status_code == 429
        waits.append(int(refused.headers["Retry-After"]))
        clock(app).advance(waits[-1])
        assert login(client, "duty", WRONG).status_code == 401  # the wait is over: one try
    assert waits == [1, 2, 4, 8, 16, 32, 60, 60, 60]
    clock(app).advance(60)
    assert login(client, "duty").status_code == 302
    client.post("/logout", data={"csrf_token": form_token(client, "/")})
    assert login(client, "duty", WRONG).status_code == 401  # a fresh run of failures


def test_message_in_english(
    app: Flask, client: FlaskClient, make_user: Callable[[Role], str]
) -> None:
    make_user(Role.DUTY)
    client.post("/language", data={"lang": "en", "csrf_token": form_token(client)})
    for _ in range(6):
        refused = login(client, "duty", WRONG)
    assert refused.status_code == 429
    assert "Too many failed logins: wait 1 s, then try again" in refused.get_data(as_text=True)


def test_one_account_locked_does_not_lock_its_neighbours(
    app: Flask, client: FlaskClient, make_user: Callable[[Role], str]
) -> None:
    make_user(Role.DUTY)
    make_user(Role.SUPERVISOR)
    for _ in range(40):
        login(client, "duty", WRONG)
    assert login(client, "duty").status_code == 429
    # same address, another account: the 5 real failures are far below the address budget
    assert login(app.test_client(), "supervisor").status_code == 302


def test_an_address_has_a_budget_over_all_names(
    app: Flask, client: FlaskClient, make_user: Callable[[Role], str]
) -> None:
    """Spraying many names from one address: after 20 failures the address waits too."""
    make_user(Role.SUPERVISOR)
    for i in range(DEFAULT_POLICY.address_free):  # 4 names x 5 tries: no account waits yet
        assert login(client, f"guess-{i % 5}", WRONG).status_code == 401
    refused = login(app.test_client(), "supervisor")
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "1"
    assert login(from_address(app, "10.0.0.9"), "supervisor").status_code == 302
    clock(app).advance(1)
    assert login(app.test_client(), "supervisor").status_code == 302


def test_an_account_waits_whatever_the_address(
    app: Flask, make_user: Callable[[Role], str]
) -> None:
    """Guessing one account from many addresses: the account's own count still applies."""
    make_user(Role.DUTY)
    for i in range(DEFAULT_POLICY.account_free):
        assert login(from_address(app, f"10.0.1.{i}"), "duty", WRONG).status_code == 401
    assert login(from_address(app, "10.0.2.1"), "duty").status_code == 429


def test_unknown_names_wait_like_real_ones(app: Flask, client: FlaskClient) -> None:
    """The throttle does not tell which names exist."""
    codes = [login(client, "nobody", WRONG).status_code for _ in range(6)]
    assert codes == [401] * 5 + [429]


def test_forged_post_is_refused_during_a_wait(
    app: Flask, client: FlaskClient, make_user: Callable[[Role], str]
) -> None:
    make_user(Role.DUTY)
    for _ in range(6):
        login(client, "duty", WRONG)
    forged = client.post("/login", data={"username": "duty", "password": "correct horse battery"})
    assert forged.status_code == 400  # CSRF is checked before anything else
    clock(app).advance(1)
    assert login(client, "duty").status_code == 302  # and it did not count as a failure


def test_old_failures_are_forgotten(
    app: Flask, client: FlaskClient, make_user: Callable[[Role], str]
) -> None:
    make_user(Role.DUTY)
    for _ in range(5):
        login(client, "duty", WRONG)
    clock(app).advance(DEFAULT_POLICY.window.total_seconds() + 1)
    assert login(client, "duty", WRONG).status_code == 401  # not 429: the run is forgotten
