"""Paper ballots: double entry by two people, the ballot-paper account, and one mark-off
register across both channels."""

from __future__ import annotations

import re
import threading
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client
from django.urls import reverse

from audit.models import Event
from ballots import services
from ballots.models import (
    Ballot,
    BallotStatus,
    Channel,
    PaperBatch,
    PaperEntry,
    PaperRejection,
    Voter,
)
from budgets.models import Phase, Round
from tests.ballots.conftest import make_voting_round, project_ids
from tests.conftest import DECLARED, login, make_user
from wards.models import Membership, Role, Ward


def _enter(
    round: Round,
    by: Any,
    ballots: list[dict[str, Any]],
    *,
    place: str = "Library",
    account: tuple[int, int, int, int] | None = None,
) -> PaperBatch:
    issued, spoilt, unused, cast = account or (len(ballots) + 2, 1, 1, len(ballots))
    return services.enter_paper_batch(
        round,
        polling_place=place,
        by=by,
        account=services.PaperAccount(issued, spoilt, unused, cast),
        ballots=ballots,
    )


def test_two_agreeing_entries_count(
    small_round: Round, councillor_sam: Any, councillor_sia: Any
) -> None:
    voting_round, ids = small_round, project_ids(small_round)
    issued_codes = services.issue_codes(voting_round, 3)
    ballots = [
        {"code": issued_codes[0], "projects": [ids[0], ids[1]]},
        {"code": issued_codes[1].lower(), "projects": [str(ids[4])]},
        {"code": issued_codes[2], "projects": [ids[1], ids[0]]},
    ]
    batch = _enter(voting_round, councillor_sam, ballots)
    assert batch.status == PaperBatch.Status.AWAITING_SECOND
    assert not Ballot.objects.exists()
    batch = _enter(voting_round, councillor_sia, ballots)
    assert batch.status == PaperBatch.Status.ACCEPTED
    assert Ballot.objects.filter(channel=Channel.PAPER, status=BallotStatus.LIVE).count() == 3
    assert set(Voter.objects.values_list("channel", flat=True)) == {Channel.PAPER}
    assert services.turnout(voting_round) == {"online": 0, "paper": 3, "total": 3}
    assert Event.objects.filter(kind="paper_batch.accepted").count() == 1
    result = services.close_round(voting_round)
    assert result.paper_turnout == 3
    # Two votes each for A and B, one for E: greedy funds A and B (£62.50), then E (£60) no
    # longer fits. (With one vote each, ties go to the id compared as text, so the outcome would
    # depend on whether the ids had crossed a power of ten, i.e. on which tests ran before.)
    assert result.result_json["selected"] == [str(ids[0]), str(ids[1])]


def test_disagreeing_entries_are_shown_side_by_side(
    client: Client,
    voting_round: Round,
    ids: list[int],
    issued_codes: list[str],
    councillor_sam: Any,
    councillor_sia: Any,
) -> None:
    _enter(voting_round, councillor_sam, [{"code": issued_codes[0], "projects": [ids[0]]}])
    batch = _enter(voting_round, councillor_sia, [{"code": issued_codes[0], "projects": [ids[1]]}])
    assert batch.status == PaperBatch.Status.DISAGREE
    assert not Ballot.objects.exists()
    rows = services.paper_differences(batch)
    (different,) = [r for r in rows if not r["same"]]
    assert different["what"] == "Ballot 1"
    code = issued_codes[0]
    # The paper ballot's numbers, as the clerks typed them (ids[0] is project 1).
    assert different["first"] == f"{code}: 1"
    assert different["second"] == f"{code}: 2"

    login(client, councillor_sam)
    page = client.get(reverse("ballots:paper_batch", args=[voting_round.pk, batch.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Entries disagree" in html and "side by side" in html
    row = html[html.index("Ballot 1") :].split("</tr>", 1)[0]
    assert f"{code}: 1</td>" in row and f"{code}: 2</td>" in row and "No" in row

    # A third entry that matches the latest one resolves the batch.
    batch = _enter(voting_round, councillor_sam, [{"code": issued_codes[0], "projects": [ids[1]]}])
    assert batch.status == PaperBatch.Status.ACCEPTED
    assert Ballot.objects.get().selection == [str(ids[1])]


def test_the_same_person_cannot_enter_a_batch_twice(
    voting_round: Round, ids: list[int], issued_codes: list[str], councillor_sam: Any
) -> None:
    ballots = [{"code": issued_codes[0], "projects": [ids[0]]}]
    _enter(voting_round, councillor_sam, ballots)
    with pytest.raises(ValidationError, match="different person"):
        _enter(voting_round, councillor_sam, ballots)
    assert not Ballot.objects.exists()


@pytest.mark.parametrize(
    ("account", "message"),
    [((10, 1, 1, 1), "does not balance"), ((3, 0, 0, 3), "3 ballots were cast, but 1")],
)
def test_an_account_that_does_not_balance_is_refused(
    voting_round: Round,
    ids: list[int],
    issued_codes: list[str],
    councillor_sam: Any,
    account: tuple[int, int, int, int],
    message: str,
) -> None:
    with pytest.raises(ValidationError, match=message):
        _enter(
            voting_round,
            councillor_sam,
            [{"code": issued_codes[0], "projects": [ids[0]]}],
            account=account,
        )
    assert not PaperBatch.objects.exists()


def _double_entry(round: Round, a: Any, b: Any, ballots: list[dict[str, Any]]) -> PaperBatch:
    _enter(round, a, ballots)
    return _enter(round, b, ballots)


def test_a_code_that_voted_online_is_rejected_on_paper(
    voting_round: Round,
    ids: list[int],
    issued_codes: list[str],
    councillor_sam: Any,
    councillor_sia: Any,
) -> None:
    online = services.cast_ballot(
        voting_round, [ids[0]], code=issued_codes[0], declaration=DECLARED
    )
    batch = _double_entry(
        voting_round,
        councillor_sam,
        councillor_sia,
        [
            {"code": issued_codes[1], "projects": [ids[2]]},
            {"code": issued_codes[0], "projects": [ids[3]]},
        ],
    )
    assert batch.status == PaperBatch.Status.ACCEPTED
    (rejection,) = PaperRejection.objects.filter(batch=batch)
    assert rejection.position == 2 and "already voted" in rejection.reason
    assert issued_codes[0] not in rejection.reason
    # The online ballot still counts; only one paper ballot was added.
    assert services.receipt_status(online.receipt).status == "pending"
    assert Ballot.objects.filter(channel=Channel.PAPER).count() == 1
    event = Event.objects.get(kind="paper_batch.accepted")
    assert event.payload["rejected"] == [{"position": 2, "reason": rejection.reason}]


def test_a_code_used_on_paper_cannot_vote_online(
    voting_round: Round,
    ids: list[int],
    issued_codes: list[str],
    councillor_sam: Any,
    councillor_sia: Any,
) -> None:
    _double_entry(
        voting_round,
        councillor_sam,
        councillor_sia,
        [{"code": issued_codes[0], "projects": [ids[0]]}],
    )
    with pytest.raises(ValidationError) as exc:
        services.cast_ballot(voting_round, [ids[1]], code=issued_codes[0], declaration=DECLARED)
    assert exc.value.messages == [services.INVALID_CODE]
    assert Ballot.objects.get().channel == Channel.PAPER


def test_a_duplicate_code_within_a_batch_counts_once(
    voting_round: Round,
    ids: list[int],
    issued_codes: list[str],
    councillor_sam: Any,
    councillor_sia: Any,
) -> None:
    batch = _double_entry(
        voting_round,
        councillor_sam,
        councillor_sia,
        [
            {"code": issued_codes[0], "projects": [ids[0]]},
            {"code": issued_codes[0], "projects": [ids[1]]},
        ],
    )
    assert Ballot.objects.get().selection == [str(ids[0])]
    (rejection,) = batch.rejections.all()
    assert rejection.position == 2 and "already voted" in rejection.reason


def test_invalid_paper_ballots_are_rejected_with_reasons(
    voting_round: Round,
    ids: list[int],
    issued_codes: list[str],
    councillor_sam: Any,
    councillor_sia: Any,
) -> None:
    services.revoke_code(voting_round, issued_codes[2], by=councillor_sam, reason="lost")
    batch = _double_entry(
        voting_round,
        councillor_sam,
        councillor_sia,
        [
            {"code": "not-a-code", "projects": [ids[0]]},
            {"code": issued_codes[1], "projects": ids[2:]},  # £150,000: over budget
            {"code": issued_codes[2], "projects": [ids[0]]},
        ],
    )
    reasons = {r.position: r.reason for r in batch.rejections.all()}
    assert "not a valid code" in reasons[1]
    assert "more than the" in reasons[2]
    assert "revoked" in reasons[3]
    assert not Ballot.objects.exists()


def test_paper_entry_needs_a_councillor_of_the_ward(
    voting_round: Round,
    ids: list[int],
    issued_codes: list[str],
    councillor_bob: Any,
    resident_alice: Any,
) -> None:
    for user in (councillor_bob, resident_alice):
        with pytest.raises(PermissionDenied):
            _enter(voting_round, user, [{"code": issued_codes[0], "projects": [ids[0]]}])


def test_paper_entry_only_while_voting(
    voting_round: Round, ids: list[int], issued_codes: list[str], councillor_sam: Any
) -> None:
    Round.objects.filter(pk=voting_round.pk).update(phase=Phase.CLOSED)
    voting_round.refresh_from_db()
    with pytest.raises(ValidationError, match="closed"):
        _enter(voting_round, councillor_sam, [{"code": issued_codes[0], "projects": [ids[0]]}])


def test_a_stale_round_in_voting_cannot_take_a_batch_once_the_database_says_closed(
    voting_round: Round,
    ids: list[int],
    issued_codes: list[str],
    councillor_sam: Any,
    councillor_sia: Any,
) -> None:
    """A page loaded the round while voting; it closed before the second entry was saved."""
    ballots = [{"code": issued_codes[0], "projects": [ids[0]]}]
    _enter(voting_round, councillor_sam, ballots)
    Round.objects.filter(pk=voting_round.pk).update(phase=Phase.CLOSED)
    assert voting_round.phase == Phase.VOTING  # the object in hand is stale
    with pytest.raises(ValidationError, match="Voting has closed"):
        _enter(voting_round, councillor_sia, ballots)
    with pytest.raises(ValidationError, match="Voting has closed"):
        _enter(voting_round, councillor_sia, ballots, place="Town hall")
    assert PaperBatch.objects.get().status == PaperBatch.Status.AWAITING_SECOND
    assert PaperEntry.objects.count() == 1
    assert not Ballot.objects.exists()
    assert not Event.objects.filter(kind="paper_batch.accepted").exists()


# --- No voting code kept in clear once a batch is resolved -------------------------------------

# A code as printed (upper case, grouped) or typed together; HMACs are lower-case hex.
CODE_PATTERN = re.compile(r"[2-9A-HJ-NP-Z]{6}-?[2-9A-HJ-NP-Z]{6}-?[2-9A-HJ-NP-Z]{6}")


def _raw_paper_entries() -> list[str]:
    """Every paper entry's ballots exactly as the database holds them."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT ballots FROM ballots_paperentry ORDER BY id")
        return [str(row[0]) for row in cursor.fetchall()]


def _assert_no_clear_code(typed: list[str]) -> None:
    stored = _raw_paper_entries()
    assert stored, "the entries are kept (only their codes are replaced)"
    for text in stored:
        assert not CODE_PATTERN.search(text), text
        for code in typed:
            assert code not in text
            assert code.upper() not in text
            assert code.replace("-", "").upper() not in text


def _assert_clear_codes_kept(typed: list[str]) -> None:
    stored = " ".join(_raw_paper_entries())
    assert CODE_PATTERN.search(stored)


def test_an_accepted_batch_keeps_only_hmacs_of_its_codes(
    client: Client,
    voting_round: Round,
    ids: list[int],
    issued_codes: list[str],
    councillor_sam: Any,
    councillor_sia: Any,
) -> None:
    typed = [issued_codes[0], issued_codes[1].lower(), issued_codes[2].replace("-", ""), "WRONG-1"]
    ballots = [
        {"code": typed[0], "projects": [ids[0], ids[1]]},
        {"code": typed[1], "projects": [ids[4]]},
        {"code": typed[2], "projects": [ids[2]]},
        {"code": typed[3], "projects": [ids[0]]},
    ]
    batch = _enter(voting_round, councillor_sam, ballots)
    _assert_clear_codes_kept(typed)  # while unresolved, so the entries can be compared
    batch = _enter(voting_round, councillor_sia, ballots)
    assert batch.status == PaperBatch.Status.ACCEPTED
    assert Ballot.objects.filter(channel=Channel.PAPER).count() == 3
    _assert_no_clear_code(typed)
    # The register still refuses each counted code a second time, online or on paper.
    with pytest.raises(ValidationError):
        services.cast_ballot(voting_round, [ids[1]], code=issued_codes[0], declaration=DECLARED)
    again = _enter(
        voting_round,
        councillor_sam,
        [{"code": issued_codes[1], "projects": [ids[0]]}],
        place="Town hall",
    )
    _enter(
        voting_round,
        councillor_sia,
        [{"code": issued_codes[1], "projects": [ids[0]]}],
        place=again.polling_place,
    )
    (rejection,) = PaperRejection.objects.filter(batch=again)
    assert "already voted" in rejection.reason

    # The batch page shows positions, marks and reasons, never a code.
    login(client, councillor_sam)
    html = client.get(reverse("ballots:paper_batch", args=[voting_round.pk, batch.pk])).content
    page = html.decode()
    assert "Accepted" in page and "Ballot 4" in page and "not a valid code" in page
    assert not CODE_PATTERN.search(page)
    assert not any(code in page or code.upper() in page for code in typed)

    services.close_round(voting_round)
    services.publish_round(voting_round)
    page = client.get(reverse("ballots:paper_batch", args=[voting_round.pk, batch.pk])).content
    assert not CODE_PATTERN.search(page.decode())
    _assert_no_clear_code(typed)


def test_a_disagreement_resolved_by_a_later_entry_is_scrubbed_too(
    client: Client,
    voting_round: Round,
    ids: list[int],
    issued_codes: list[str],
    councillor_sam: Any,
    councillor_sia: Any,
) -> None:
    first = [{"code": issued_codes[0], "projects": [ids[0]]}]
    typo = [{"code": issued_codes[3], "projects": [ids[1]]}]
    _enter(voting_round, councillor_sam, first)
    batch = _enter(voting_round, councillor_sia, typo)
    assert batch.status == PaperBatch.Status.DISAGREE
    _assert_clear_codes_kept([issued_codes[0], issued_codes[3]])
    batch = _enter(voting_round, councillor_sam, typo)
    assert batch.status == PaperBatch.Status.ACCEPTED
    assert PaperEntry.objects.filter(batch=batch).count() == 3
    _assert_no_clear_code([issued_codes[0], issued_codes[3]])
    rows = services.paper_differences(batch)
    assert [r["first"] for r in rows if r["what"] == "Ballot 1"] == ["2"]


def test_unresolved_batches_keep_no_clear_code_after_close(
    voting_round: Round,
    ids: list[int],
    issued_codes: list[str],
    councillor_sam: Any,
    councillor_sia: Any,
) -> None:
    _enter(voting_round, councillor_sam, [{"code": issued_codes[0], "projects": [ids[0]]}])
    _enter(
        voting_round,
        councillor_sam,
        [{"code": issued_codes[1], "projects": [ids[0]]}],
        place="Town hall",
    )
    disagree = _enter(
        voting_round,
        councillor_sia,
        [{"code": issued_codes[2], "projects": [ids[0]]}],
        place="Town hall",
    )
    assert disagree.status == PaperBatch.Status.DISAGREE
    typed = issued_codes[:3]
    _assert_clear_codes_kept(typed)
    assert services.scrub_unresolved_paper_codes(voting_round) == 3
    _assert_no_clear_code(typed)
    assert services.scrub_unresolved_paper_codes(voting_round) == 0
    rows = services.paper_differences(disagree)
    assert [(r["first"], r["second"]) for r in rows if r["what"] == "Ballot 1"] == [("1", "1")]


def test_closing_the_round_scrubs_unresolved_batches(
    voting_round: Round, ids: list[int], issued_codes: list[str], councillor_sam: Any
) -> None:
    _enter(voting_round, councillor_sam, [{"code": issued_codes[0], "projects": [ids[0]]}])
    services.close_round(voting_round)
    _assert_no_clear_code([issued_codes[0]])


# --- The pages --------------------------------------------------------------------------------


def _form(ids: list[int], codes_: list[str], **extra: Any) -> dict[str, Any]:
    """The clerk's form: projects by their numbers on the paper ballot (1 is ids[0])."""
    data = {
        "polling_place": "Sparkbrook Library",
        "issued": "5",
        "spoilt": "1",
        "unused": "2",
        "cast": "2",
        "ballots": f"{codes_[0]}: 1, 2\n{codes_[1].lower()}: 5\n",
    }
    data.update(extra)
    return data


def test_paper_pages_double_entry_through_the_forms(
    client: Client,
    voting_round: Round,
    ids: list[int],
    issued_codes: list[str],
    councillor_sam: Any,
    councillor_sia: Any,
) -> None:
    url = reverse("ballots:paper", args=[voting_round.pk])
    login(client, councillor_sam)
    assert client.get(url).status_code == 200
    first = client.post(url, _form(ids, issued_codes))
    batch = PaperBatch.objects.get()
    assert first.status_code == 302
    assert first["Location"] == reverse("ballots:paper_batch", args=[voting_round.pk, batch.pk])
    assert "A second person must now enter" in client.get(first["Location"]).content.decode()
    again = client.post(url, _form(ids, issued_codes))
    assert again.status_code == 400
    assert "different person" in again.content.decode()

    login(client, councillor_sia)
    second = client.post(url, _form(ids, issued_codes), follow=True)
    assert "Accepted" in second.content.decode()
    assert Ballot.objects.filter(channel=Channel.PAPER).count() == 2


def test_paper_numbers_become_the_right_projects(
    client: Client,
    voting_round: Round,
    ids: list[int],
    issued_codes: list[str],
    councillor_sam: Any,
    councillor_sia: Any,
) -> None:
    url = reverse("ballots:paper", args=[voting_round.pk])
    login(client, councillor_sam)
    page = client.get(url).content.decode()
    # The number → project table beside the form: 1 is the first project on the paper ballot.
    first_row = page[page.index("Project numbers") :].split("</tr>", 2)[1]
    assert "<td>1</td>" in first_row and services.paper_numbers(voting_round)[1].title in first_row
    assert client.post(url, _form(ids, issued_codes)).status_code == 302
    login(client, councillor_sia)
    assert client.post(url, _form(ids, issued_codes)).status_code == 302
    assert PaperBatch.objects.get().status == PaperBatch.Status.ACCEPTED
    services.close_round(voting_round)
    votes = voting_round.result.ballots_pb.split("VOTES\n", 1)[1].splitlines()[1:]
    marked = sorted(sorted(int(p) for p in line.split(";")[1].split(",")) for line in votes)
    assert marked == sorted([sorted([ids[0], ids[1]]), [ids[4]]])


def test_an_unknown_paper_number_is_a_form_error(
    client: Client,
    voting_round: Round,
    ids: list[int],
    issued_codes: list[str],
    councillor_sam: Any,
) -> None:
    login(client, councillor_sam)
    url = reverse("ballots:paper", args=[voting_round.pk])
    typed = f"{issued_codes[0]}: 1, 2\n{issued_codes[1]}: 2, 9\n"
    response = client.post(url, _form(ids, issued_codes, ballots=typed))
    html = response.content.decode()
    assert response.status_code == 400
    assert "Ballot 2: 9 is not a project number on the paper ballot" in html
    assert "numbered 1 to 5" in html
    assert not PaperBatch.objects.exists()


def test_database_ids_are_not_taken_for_paper_numbers(
    client: Client, sparkbrook: Ward, councillor_sam: Any
) -> None:
    # A second round, so its projects' ids (6 and up) are not its paper numbers (1 to 5).
    make_voting_round(sparkbrook, title="Earlier chest")
    round = make_voting_round(sparkbrook, title="Later chest")
    ids, issued = project_ids(round), services.issue_codes(round, 2)
    assert min(ids) > len(ids)
    login(client, councillor_sam)
    url = reverse("ballots:paper", args=[round.pk])
    typed = f"{issued[0]}: {ids[0]}\n{issued[1]}: 1\n"
    response = client.post(url, _form(ids, issued, ballots=typed))
    assert response.status_code == 400
    assert f"Ballot 1: {ids[0]} is not a project number" in response.content.decode()
    assert not PaperBatch.objects.exists()


@pytest.mark.parametrize(
    ("ballot_type", "typed", "expected"),
    [
        ("approval", {"projects": ["3", "1"]}, {"projects": [2, 0]}),
        ("ranked", {"ranking": ["3", "1", "2"]}, {"ranking": [2, 0, 1]}),
        ("cumulative", {"points": {"1": "4", "3": "6"}}, {"points": {0: "4", 2: "6"}}),
    ],
)
def test_selection_from_numbers_translates_every_ballot_type(
    sparkbrook: Ward, ballot_type: str, typed: dict[str, Any], expected: dict[str, Any]
) -> None:
    round = make_voting_round(sparkbrook, ballot_type)
    ids = project_ids(round)
    got = services.selection_from_numbers(round, {"code": "X", **typed})
    assert got["code"] == "X"
    (key,) = expected
    if key == "points":
        assert got[key] == {str(ids[i]): n for i, n in expected[key].items()}
    else:
        assert got[key] == [ids[i] for i in expected[key]]
    with pytest.raises(ValidationError, match="0 is not a project number"):
        services.selection_from_numbers(
            round, {"code": "X", key: ["0"] if key != "points" else {"0": "1"}}
        )


def test_paper_form_errors_are_summarised(
    client: Client,
    voting_round: Round,
    ids: list[int],
    issued_codes: list[str],
    councillor_sam: Any,
) -> None:
    login(client, councillor_sam)
    url = reverse("ballots:paper", args=[voting_round.pk])
    bad = client.post(url, _form(ids, issued_codes, ballots="no colon here"))
    html = bad.content.decode()
    assert bad.status_code == 400
    assert 'class="error-summary"' in html and "no colon" in html
    unbalanced = client.post(url, _form(ids, issued_codes, issued="9"))
    assert unbalanced.status_code == 400
    assert "does not balance" in unbalanced.content.decode()
    assert not PaperBatch.objects.exists()


@pytest.mark.parametrize("who", ["anonymous", "resident_alice", "councillor_bob", "auditor_carol"])
def test_paper_pages_are_for_the_wards_councillors(
    client: Client,
    voting_round: Round,
    ids: list[int],
    issued_codes: list[str],
    councillor_sam: Any,
    councillor_sia: Any,
    who: str,
    request: pytest.FixtureRequest,
) -> None:
    batch = _enter(voting_round, councillor_sam, [{"code": issued_codes[0], "projects": [ids[0]]}])
    if who != "anonymous":
        login(client, request.getfixturevalue(who))
    for url in (
        reverse("ballots:paper", args=[voting_round.pk]),
        reverse("ballots:paper_batch", args=[voting_round.pk, batch.pk]),
    ):
        response = client.get(url)
        if who == "anonymous":
            assert response.status_code == 302 and "/accounts/login/" in response["Location"]
        else:
            assert response.status_code == 403
    response = client.post(
        reverse("ballots:paper", args=[voting_round.pk]), _form(ids, issued_codes)
    )
    assert response.status_code in (302, 403)
    assert PaperBatch.objects.get().entries.count() == 1


def test_paper_batch_page_refuses_wrong_methods(
    client: Client,
    voting_round: Round,
    ids: list[int],
    issued_codes: list[str],
    councillor_sam: Any,
) -> None:
    batch = _enter(voting_round, councillor_sam, [{"code": issued_codes[0], "projects": [ids[0]]}])
    login(client, councillor_sam)
    url = reverse("ballots:paper_batch", args=[voting_round.pk, batch.pk])
    assert client.post(url).status_code == 405
    assert client.delete(reverse("ballots:paper", args=[voting_round.pk])).status_code == 405


# --- A batch racing the close, on real PostgreSQL ------------------------------------------------


def _published_receipts(round: Round) -> set[str]:
    ballots_pb = round.result.ballots_pb
    return {line.split(";")[0] for line in ballots_pb.split("VOTES\n", 1)[1].splitlines()[1:]}


def _race_second_entry_with_close(
    round: Round, second: Any, ballots: list[dict[str, Any]]
) -> dict[str, Any]:
    """Start the batch's second entry and close_round together; what each side met."""
    # Each side holds the round as its page loaded it: in voting.
    stale_for_entry = Round.objects.get(pk=round.pk)
    stale_for_close = Round.objects.get(pk=round.pk)
    barrier = threading.Barrier(2)
    met: dict[str, Any] = {}

    def run(name: str, work: Any) -> None:
        try:
            barrier.wait()
            met[name] = work()
        except Exception as exc:  # the test inspects what each side met
            met[name] = exc
        finally:
            connection.close()

    threads = [
        threading.Thread(
            target=run, args=("entry", lambda: _enter(stale_for_entry, second, ballots))
        ),
        threading.Thread(target=run, args=("close", lambda: services.close_round(stale_for_close))),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return met


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_batch_racing_the_close_is_either_counted_or_refused() -> None:
    """The second entry of a batch and close_round start together, again and again: the batch
    is counted (in ballots.pb and the turnout) or refused with a clear message, never accepted
    and left out of the count."""
    if connection.vendor != "postgresql":
        pytest.skip("the race is tested on PostgreSQL (set DATABASE_URL); SQLite serialises")
    outcomes: set[str] = set()
    for attempt in range(12):
        ward = Ward.objects.create(
            name=f"Race {attempt}", slug=f"race-{attempt}", chest_pence=10_000_000
        )
        first = make_user(f"first{attempt}")
        second = make_user(f"second{attempt}")
        for user in (first, second):
            Membership.objects.create(user=user, ward=ward, role=Role.COUNCILLOR)
        round = make_voting_round(ward)
        ids = project_ids(round)
        issued = services.issue_codes(round, 6)
        ballots = [{"code": code, "projects": [ids[i % 3]]} for i, code in enumerate(issued)]
        _enter(round, first, ballots)
        online = services.cast_ballot(round, [ids[4]], code=issued[5], declaration=DECLARED)

        met = _race_second_entry_with_close(round, second, ballots)
        assert not isinstance(met["close"], Exception), met["close"]
        round.refresh_from_db()
        assert round.phase == Phase.CLOSED
        result = round.result
        paper = set(
            Ballot.objects.filter(round=round, channel=Channel.PAPER).values_list(
                "receipt", flat=True
            )
        )
        batch = PaperBatch.objects.get(round=round)
        accepted_events = Event.objects.filter(round_id=round.pk, kind="paper_batch.accepted")
        if isinstance(met["entry"], Exception):
            assert isinstance(met["entry"], ValidationError), met["entry"]
            assert "Voting has closed" in " ".join(met["entry"].messages)
            assert batch.status != PaperBatch.Status.ACCEPTED
            assert paper == set() and not accepted_events.exists()
            assert result.paper_turnout == 0
            outcomes.add("refused")
        else:
            assert met["entry"].status == PaperBatch.Status.ACCEPTED
            # Five counted (the sixth code had voted online), all of them in the count.
            assert len(paper) == 5
            assert accepted_events.get().payload["counted"] == 5
            assert result.paper_turnout == 5
            outcomes.add("counted")
        assert _published_receipts(round) == paper | {online.receipt}
        assert result.online_turnout == 1
    assert outcomes  # which way each race went is up to the scheduler
