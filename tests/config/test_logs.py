"""Logs are JSON lines and carry no personal data: no voting codes, receipts, postcodes, names or
email addresses, whatever a resident does (vote, sign up, subscribe) and whatever goes wrong."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from ballots import services
from ballots.models import Ballot
from budgets.models import Round
from config.logs import UNMATCHED, JsonLinesFormatter
from tests.ballots.conftest import confirm_vote, make_voting_round, project_ids
from wards.models import Ward, WardPostcode

pytestmark = pytest.mark.django_db

EMAIL = "Zara.Khan@Example.org"
POSTCODE = "B12 9ZZ"
NAME = "Zaraqueen"


@pytest.fixture
def log_output() -> Iterator[io.StringIO]:
    """Everything any logger emits at any level, formatted as production formats it."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(JsonLinesFormatter())
    handler.setLevel(logging.DEBUG)
    loggers = [logging.getLogger(), logging.getLogger("django")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG)
    try:
        yield out
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.removeHandler(handler)
            logger.setLevel(level)


def _lines(out: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.getvalue().splitlines() if line.strip()]


def _clean(out: io.StringIO, secrets: list[str]) -> None:
    text = out.getvalue()
    lowered = text.casefold()
    for secret in secrets:
        for form in {secret, secret.replace("-", ""), secret.replace(" ", "")}:
            assert form.casefold() not in lowered, f"{secret!r} reached the log"


def test_voting_sign_up_and_subscribing_log_no_personal_data(
    client: Client, sparkbrook: Ward, log_output: io.StringIO
) -> None:
    WardPostcode.objects.create(ward=sparkbrook, postcode=POSTCODE)
    round: Round = make_voting_round(sparkbrook)
    ids = project_ids(round)
    code, wrong = services.issue_codes(round, 2)
    url = f"/rounds/{round.pk}/vote/"
    data = {"projects": [str(ids[0])], "basis": "live", "age_confirmed": "1", "code": code}
    confirm = confirm_vote(client, url, {**data, "step": "confirm"})
    assert "Your vote has been cast" in confirm.content.decode()
    receipt = Ballot.objects.get(round=round).receipt
    # Look the receipt up, then one that does not exist (a 404, which Django logs).
    assert client.get(f"/receipts/{receipt}").status_code == 200
    assert client.get("/receipts/ABCD-EFGH-JKLM-NPQR").status_code == 404
    # A wrong code.
    client.post(url, {**data, "code": "ZZZZ-ZZZZ-ZZZZ", "step": "confirm"})

    signup = client.post(
        "/accounts/signup/",
        {
            "username": NAME,
            "email": EMAIL,
            "password1": "a quiet river under seven bridges",
            "password2": "a quiet river under seven bridges",
            "postcode": POSTCODE.lower(),
            "first_name": NAME,
        },
    )
    assert signup.status_code == 302
    Client().post(f"/wards/{sparkbrook.slug}/subscribe/", {"email": "sub." + EMAIL})
    assert len(mail.outbox) >= 1
    # Something went wrong with an email: the SMTP refusal names the recipient.
    logging.getLogger("wards.outbox").warning("Email 1 failed: 550 <%s> unknown", EMAIL)

    lines = _lines(log_output)
    assert lines, "the walk logged nothing at all, so the test proves nothing"
    assert any(line.get("status") == 404 for line in lines)
    assert all({"time", "level", "logger", "message"} <= line.keys() for line in lines)
    _clean(log_output, [code, wrong, receipt, "ABCD-EFGH-JKLM-NPQR", POSTCODE, NAME, EMAIL])


def test_a_request_is_logged_by_its_route_not_its_path(
    client: Client, log_output: io.StringIO
) -> None:
    client.get("/receipts/WXYZ-WXYZ-WXYZ-WXYZ")
    client.get("/no/such/page/zara@example.org")
    routes = [line["route"] for line in _lines(log_output) if "route" in line]
    assert routes == ["/receipts/<str:code>", UNMATCHED]
    _clean(log_output, ["WXYZ-WXYZ-WXYZ-WXYZ", "zara@example.org"])


def test_exceptions_are_logged_without_email_addresses(log_output: io.StringIO) -> None:
    try:
        raise ValueError(f"refused {EMAIL}")
    except ValueError:
        logging.getLogger("ballots").exception("sending failed for %s", EMAIL)
    (line,) = _lines(log_output)
    assert line["level"] == "ERROR" and "[email]" in line["message"]
    assert "ValueError" in line["exception"]
    _clean(log_output, [EMAIL])


def test_a_request_line_names_the_reason_and_status(
    client: Client, log_output: io.StringIO
) -> None:
    client.get("/receipts/WXYZ-WXYZ-WXYZ-WXYZ")
    (line,) = [line for line in _lines(log_output) if "route" in line]
    assert line["message"] == "Not Found" and line["status"] == 404 and line["method"] == "GET"
