"""Personal data that expires: after a published round's challenge period, what identified its
voters is deleted; the result, the published files and the ledger still verify afterwards, and
the ledger records the counts. Long-unused accounts are warned by email, then deleted."""

from __future__ import annotations

import datetime
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from audit.models import Event
from audit.verify import main as verify
from ballots import retention, services
from ballots.models import (
    Ballot,
    Channel,
    PaperEntry,
    Participation,
    Result,
    Voter,
    VotingCode,
)
from budgets.models import Round
from tests.ballots.conftest import close_and_publish, project_ids
from tests.conftest import DECLARED, make_user
from wards.models import InactivityNotice, Membership, Role, Ward

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)


def _published_round(round: Round, alice: Any, clerk: Any, sam: Any, sia: Any) -> Round:
    """Code, signed-in, assisted and paper ballots, then close and publish."""
    ids = project_ids(round)
    codes = services.issue_codes(round, 6)
    services.cast_ballot(round, [ids[0]], code=codes[0], declaration=DECLARED)
    services.cast_ballot(round, [ids[1]], code=codes[1], declaration=DECLARED)
    services.cast_ballot(round, [ids[0], ids[1]], user=alice, declaration=DECLARED)
    services.cast_ballot(round, [ids[2]], code=codes[2], user=clerk, declaration=DECLARED)
    for by in (sam, sia):
        services.enter_paper_batch(
            round,
            polling_place="Library",
            by=by,
            account=services.PaperAccount(3, 0, 1, 2),
            ballots=[
                {"code": codes[3], "projects": [ids[0]]},
                {"code": codes[4], "projects": [ids[3]]},
            ],
        )
    close_and_publish(round)
    return round


@pytest.fixture
def published(
    voting_round: Round, resident_alice: Any, councillor_sam: Any, councillor_sia: Any
) -> Round:
    clerk = make_user("cleo")
    Membership.objects.create(user=clerk, ward=voting_round.ward, role=Role.CLERK)
    return _published_round(voting_round, resident_alice, clerk, councillor_sam, councillor_sia)


def _downloads(round: Round, where: Path) -> dict[str, Path]:
    client = Client()
    paths = {}
    for name, url in [
        ("ledger", "/audit/ledger.jsonl"),
        ("round_ledger", f"/rounds/{round.pk}/ledger.jsonl"),
        ("checkpoints", "/audit/checkpoints.json"),
        ("keys", "/audit/keys"),
        ("ballots", f"/rounds/{round.pk}/ballots.pb"),
        ("result", f"/rounds/{round.pk}/result.json"),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        body = b"".join(response.streaming_content) if response.streaming else response.content
        paths[name] = where / name
        paths[name].write_bytes(body)
    return paths


def test_nothing_is_purged_before_the_challenge_period_ends(published: Round) -> None:
    published_at = Result.objects.get(round=published).published_at
    assert retention.purge_due_rounds(now=published_at + 89 * DAY) == []
    assert VotingCode.objects.filter(round=published).count() == 6
    assert Participation.objects.filter(round=published).exists()


def test_after_the_challenge_period_voters_data_goes_and_everything_still_verifies(
    published: Round, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = _downloads(published, tmp_path)
    receipts = set(Ballot.objects.filter(round=published).values_list("receipt", flat=True))
    assert Ballot.objects.filter(round=published, assisted=True).count() == 1
    turnout = sorted(Voter.objects.filter(round=published).values_list("channel", "basis"))
    published_at = Result.objects.get(round=published).published_at

    (done,) = retention.purge_due_rounds(now=published_at + 90 * DAY)

    assert (done.voting_codes, done.register_keys, done.assisted_flags) == (6, 6, 1)
    assert (done.paper_codes, done.participations) == (4, 1)
    assert not VotingCode.objects.filter(round=published).exists()
    keys = Voter.objects.filter(round=published).values_list("key", "account_key")
    assert all(k.startswith("purged-") and a == "" for k, a in keys)
    # Turnout by channel and basis, the ballots and their receipts all stay.
    assert sorted(Voter.objects.filter(round=published).values_list("channel", "basis")) == turnout
    assert set(Ballot.objects.filter(round=published).values_list("receipt", flat=True)) == receipts
    assert not Ballot.objects.filter(round=published, assisted=True).exists()
    assert Ballot.objects.filter(round=published, channel=Channel.PAPER).count() == 2
    for entry in PaperEntry.objects.filter(batch__round=published):
        assert entry.ballots and all(set(item) == {"selection"} for item in entry.ballots)
    assert not Participation.objects.filter(round=published).exists()
    event = Event.objects.get(kind="personal_data.purged")
    assert event.round_id == published.pk
    assert event.payload == {
        "voting_codes": 6,
        "register_keys": 6,
        "assisted_flags": 1,
        "paper_codes": 4,
        "participations": 1,
        "challenge_period_days": 90,
    }
    # Idempotent: a second run finds nothing to do and records nothing.
    assert retention.purge_due_rounds(now=published_at + 91 * DAY) == []
    assert Event.objects.filter(kind="personal_data.purged").count() == 1

    where = tmp_path / "after"
    where.mkdir()
    after = _downloads(published, where)
    for name in ("ballots", "result"):
        assert after[name].read_bytes() == before[name].read_bytes()
    publication = ["--ballots", after["ballots"], "--result", after["result"]]
    for ledger in (after["ledger"], after["round_ledger"]):
        args = [ledger, "--keys", after["keys"], *publication]
        status = verify([str(a) for a in args])
        out = capsys.readouterr().out
        assert status == 0, out
    status = verify([str(a) for a in (after["ledger"], "--previous", before["ledger"], "--strict")])
    assert status == 0, capsys.readouterr().out
    # The public pages still answer.
    client = Client()
    assert client.get(f"/rounds/{published.pk}/results/").status_code == 200
    assert client.get(f"/audit/rounds/{published.pk}/").status_code == 200


def test_advance_rounds_runs_the_purge(published: Round, settings: Any) -> None:
    Result.objects.filter(round=published).update(published_at=timezone.now() - 91 * DAY)
    out = StringIO()
    call_command("advance_rounds", stdout=out)
    assert f"Round {published.pk}: deleted 6 voting code hashes" in out.getvalue()
    assert Result.objects.get(round=published).personal_data_purged_at is not None


def _age(user: Any, days: int) -> None:
    moment = timezone.now() - days * DAY
    get_user_model().objects.filter(pk=user.pk).update(last_login=moment, date_joined=moment)


def test_unused_accounts_are_warned_then_deleted_unless_they_sign_in(
    sparkbrook: Ward, settings: Any
) -> None:
    from wards.retention import purge_inactive_accounts

    settings.ACCOUNT_INACTIVE_DAYS = 1095
    settings.ACCOUNT_DELETION_NOTICE_DAYS = 30
    gone = make_user("gone", email="gone@example.org")
    back = make_user("back", email="back@example.org")
    recent = make_user("recent", email="recent@example.org")
    staff = make_user("operator", email="op@example.org", is_staff=True)
    for user in (gone, back, staff):
        _age(user, 1100)
    _age(recent, 100)

    first = purge_inactive_accounts()
    assert (first.notices_sent, first.deleted) == (2, 0)
    assert sorted(m.to[0] for m in mail.outbox) == ["back@example.org", "gone@example.org"]
    assert "will be deleted on" in mail.outbox[0].body
    # A second run the same day sends nothing more.
    assert purge_inactive_accounts().notices_sent == 0
    assert len(mail.outbox) == 2

    # "back" signs in during the notice period.
    get_user_model().objects.filter(pk=back.pk).update(last_login=timezone.now() + DAY)
    later = purge_inactive_accounts(now=timezone.now() + 31 * DAY)
    assert (later.deleted, later.returned) == (1, 1)
    users = get_user_model().objects
    assert not users.filter(pk=gone.pk).exists()
    assert users.filter(pk__in=[back.pk, recent.pk, staff.pk]).count() == 3
    assert not InactivityNotice.objects.exists()
    event = Event.objects.filter(kind="accounts.purged").last()
    assert event is not None
    assert event.payload == {"deleted": 1, "notices_sent": 0, "kept": 0, "inactive_days": 1095}
    assert "gone" not in event.body


def test_the_purge_command_reports_what_it_did(db: None) -> None:
    out = StringIO()
    call_command("purge_personal_data", stdout=out)
    assert "Accounts: 0 warned, 0 deleted" in out.getvalue()


def test_an_account_holding_council_records_is_warned_but_kept(
    published: Round, councillor_sam: Any, settings: Any
) -> None:
    """Sam entered a paper batch: the entry names who keyed it, so his account stays."""
    from wards.retention import purge_inactive_accounts

    _age(councillor_sam, 2000)
    assert purge_inactive_accounts().notices_sent >= 1
    later = purge_inactive_accounts(now=timezone.now() + 31 * DAY)
    assert later.kept >= 1
    assert get_user_model().objects.filter(pk=councillor_sam.pk).exists()


def test_the_desk_s_code_batches_go_with_the_code_hashes(
    sparkbrook: Ward, resident_alice: Any, councillor_sam: Any, councillor_sia: Any
) -> None:
    from ballots.models import CodeBatch
    from tests.ballots.conftest import make_voting_round

    round = make_voting_round(sparkbrook)
    services.issue_code_batch(
        round,
        2,
        secret=services.new_batch_secret(),
        by=councillor_sam,
        polling_place=None,
        language="en",
    )
    clerk = make_user("cleo")
    Membership.objects.create(user=clerk, ward=sparkbrook, role=Role.CLERK)
    _published_round(round, resident_alice, clerk, councillor_sam, councillor_sia)
    published_at = Result.objects.get(round=round).published_at
    assert published_at is not None
    assert retention.purge_due_rounds(now=published_at + 89 * DAY) == []
    assert CodeBatch.objects.filter(round=round).count() == 1
    retention.purge_due_rounds(now=published_at + 91 * DAY)
    assert not CodeBatch.objects.filter(round=round).exists()
    assert not VotingCode.objects.filter(round=round).exists()
