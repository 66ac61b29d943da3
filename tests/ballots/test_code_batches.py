"""A double click on "Issue the codes" (or back-and-resubmit) issues one batch, not two.

The desk's form carries a random batch secret made for each page; the codes are derived from it
(and the round's voting-code key), and the database keeps only a keyed hash of it. The same form
sent again answers the same ZIP, byte for byte, with no new codes and no new ledger event; the
same secret with other choices is refused, so a first batch is never left live with nobody
holding its letters."""

from __future__ import annotations

import csv
import datetime
import io
import re
import zipfile
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from audit import kinds
from audit.models import Event
from ballots import codes, services
from ballots.models import CodeBatch, VotingCode
from budgets.models import PollingPlace, Round
from tests.ballots.conftest import project_ids
from tests.conftest import DECLARED, login

SECRET = "s3cr3t-batch-secret-for-tests-only-0123456789"


def _url(round: Round) -> str:
    return reverse("ballots:issue_codes", args=[round.pk])


def _secret_on(page: Any) -> str:
    found = re.search(r'name="batch" value="([^"]+)"', page.content.decode())
    assert found, "the form carries no batch secret"
    return found.group(1)


def _post(client: Client, round: Round, batch: str, **data: Any) -> Any:
    form = {"count": 3, "polling_place": "", "language": "en", "batch": batch, **data}
    return client.post(_url(round), form)


def _codes_in(answer: Any) -> list[str]:
    archive = zipfile.ZipFile(io.BytesIO(answer.content))
    rows = list(csv.reader(io.StringIO(archive.read("codes.csv").decode("utf-8"))))
    return [row[0] for row in rows[1:]]


def test_the_same_form_sent_twice_issues_one_batch_and_answers_the_same_zip(
    client: Client, councillor_sam: Any, voting_round: Round, monkeypatch: pytest.MonkeyPatch
) -> None:
    login(client, councillor_sam)
    page = client.get(_url(voting_round))
    assert page.status_code == 200
    assert "no-store" in page["Cache-Control"]
    secret = _secret_on(page)
    assert secret != _secret_on(client.get(_url(voting_round)))  # one per page

    first = _post(client, voting_round, secret)
    # Sent again a few minutes later (a slow download, back-and-resubmit): the same bytes, the
    # files in the ZIP dated when the batch was issued.
    later = timezone.now() + datetime.timedelta(minutes=10)
    monkeypatch.setattr(timezone, "now", lambda: later)
    second = _post(client, voting_round, secret)
    assert first.status_code == second.status_code == 200
    assert first["Content-Type"] == second["Content-Type"] == "application/zip"
    assert first.content == second.content
    assert VotingCode.objects.filter(round=voting_round).count() == 3
    assert CodeBatch.objects.filter(round=voting_round).count() == 1
    assert Event.objects.filter(kind=kinds.CODES_ISSUED, round_id=voting_round.pk).count() == 1

    # A new page is a new batch.
    third = _post(client, voting_round, _secret_on(client.get(_url(voting_round))))
    assert set(_codes_in(third)).isdisjoint(_codes_in(first))
    assert VotingCode.objects.filter(round=voting_round).count() == 6


@pytest.mark.parametrize(
    "changed", [{"count": 4}, {"language": "ur"}, {"polling_place": "library"}]
)
def test_the_same_secret_with_other_choices_is_refused_and_writes_nothing(
    client: Client, councillor_sam: Any, voting_round: Round, changed: dict[str, Any]
) -> None:
    login(client, councillor_sam)
    if changed.get("polling_place") == "library":
        changed = {"polling_place": PollingPlace.objects.create(round=voting_round, name="L").pk}
    secret = _secret_on(client.get(_url(voting_round)))
    assert _post(client, voting_round, secret).status_code == 200
    before = (VotingCode.objects.count(), Event.objects.count(), CodeBatch.objects.count())

    again = _post(client, voting_round, secret, **changed)
    assert again.status_code == 400
    assert again["Content-Type"].startswith("text/html")
    assert "Reload the page" in again.content.decode()
    assert (VotingCode.objects.count(), Event.objects.count(), CodeBatch.objects.count()) == before


def test_a_form_without_its_batch_secret_is_refused(
    client: Client, councillor_sam: Any, voting_round: Round
) -> None:
    login(client, councillor_sam)
    for bad in ("", "short", "x" * 500, "not a secret!" * 4):
        answer = _post(client, voting_round, bad)
        assert answer.status_code == 400
    assert not VotingCode.objects.exists() and not CodeBatch.objects.exists()


def test_codes_from_a_secret_are_distinct_valid_and_differ_between_secrets(
    voting_round: Round,
) -> None:
    batch = codes.batch_codes(voting_round, SECRET, 500)
    assert len(set(batch)) == 500
    for code in batch:
        assert codes.normalise_code(code) == code
        assert codes.normalise_code(code.lower().replace("-", " ")) == code
        compact = code.replace("-", "")
        assert len(compact) == codes.CODE_DATA_CHARS + 1
        assert codes._check_char(compact[:-1]) == compact[-1]
    # The same secret gives the same codes; another secret, or another round, others.
    assert codes.batch_codes(voting_round, SECRET, 500) == batch
    assert set(codes.batch_codes(voting_round, SECRET + "x", 500)).isdisjoint(batch)
    # Every symbol of the alphabet turns up in every position (no position is stuck).
    for position in range(codes.CODE_DATA_CHARS):
        seen = {code.replace("-", "")[position] for code in batch}
        assert seen == set(codes.ALPHABET), position


def test_the_secret_alone_does_not_give_the_codes(voting_round: Round, settings: Any) -> None:
    """Derived under the round's voting-code key too: the form page alone (a browser's history,
    a proxy that ignored no-store) never gives the codes."""
    batch = codes.batch_codes(voting_round, SECRET, 3)
    other = Round.objects.get(pk=voting_round.pk)
    settings.VOTING_CODE_KEYS = {other.code_key_id: b"another-key-" * 4}
    assert set(codes.batch_codes(other, SECRET, 3)).isdisjoint(batch)


def test_codes_from_a_batch_vote_like_random_ones(councillor_sam: Any, voting_round: Round) -> None:
    issued = services.issue_code_batch(
        voting_round, 2, secret=SECRET, by=councillor_sam, polling_place=None, language="en"
    ).codes
    ids = project_ids(voting_round)
    receipt = services.cast_ballot(voting_round, [ids[0]], code=issued[0], declaration=DECLARED)
    assert receipt
    services.cast_ballot(voting_round, [ids[1]], code=issued[0], declaration=DECLARED)  # replace
    services.revoke_code(voting_round, issued[1], by=councillor_sam, reason="Letter lost")
    with pytest.raises(ValidationError):
        services.cast_ballot(voting_round, [ids[0]], code=issued[1], declaration=DECLARED)
    assert services.turnout(voting_round)["online"] == 1


def test_the_database_holds_nothing_a_code_can_be_derived_from(
    client: Client, councillor_sam: Any, voting_round: Round
) -> None:
    login(client, councillor_sam)
    secret = _secret_on(client.get(_url(voting_round)))
    answer = _post(client, voting_round, secret)
    issued = _codes_in(answer)
    _post(client, voting_round, secret)  # and the replay stores nothing either
    dump = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')
            dump.extend(repr(row) for row in cursor.fetchall())
    text = "\n".join(dump)
    # Nor would an error report: the secret is one of the view's sensitive POST parameters.
    assert "batch" in answer.wsgi_request.sensitive_post_parameters
    assert secret not in text
    for code in issued:
        assert code not in text and code.replace("-", "") not in text


def test_a_replay_long_after_is_refused(
    client: Client, councillor_sam: Any, voting_round: Round
) -> None:
    """The codes are downloadable again only for a short while: the desk deletes the file once the
    letters are printed, and an old page must not bring them back."""
    login(client, councillor_sam)
    secret = _secret_on(client.get(_url(voting_round)))
    assert _post(client, voting_round, secret).status_code == 200
    batch = CodeBatch.objects.get()
    batch.issued_at -= services.CODE_BATCH_REPLAY_WINDOW + datetime.timedelta(seconds=1)
    batch.save()
    again = _post(client, voting_round, secret)
    assert again.status_code == 400 and "Reload the page" in again.content.decode()
    assert VotingCode.objects.count() == 3


def test_the_refusal_comes_back_in_urdu(
    client: Client, councillor_sam: Any, voting_round: Round
) -> None:
    login(client, councillor_sam)
    urdu = {"accept-language": "ur"}
    page = client.get(_url(voting_round), headers=urdu)
    assert "بٹن دو بار دبانے سے وہی کوڈز دوبارہ ڈاؤن لوڈ ہوتے ہیں" in page.content.decode()
    secret = _secret_on(page)
    client.post(_url(voting_round), {"count": 3, "language": "en", "batch": secret}, headers=urdu)
    again = client.post(
        _url(voting_round), {"count": 5, "language": "en", "batch": secret}, headers=urdu
    )
    assert again.status_code == 400
    text = again.content.decode()
    assert "یہ فارم مختلف انتخاب کے ساتھ کوڈز کا ایک بیچ پہلے ہی جاری کر چکا ہے" in text
    assert "Reload the page" not in text
