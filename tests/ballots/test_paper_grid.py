"""The paper tick grid, GET/POST /rounds/<id>/paper/grid/: a paper batch entered by ticking, one
row per paper ballot and one column per project number; the same entry as typing, held to the
same double-keying."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import resolve, reverse

from ballots import desk_views, services
from ballots.forms import PaperBatchForm
from ballots.models import Ballot, BallotStatus, Channel, PaperBatch, PaperEntry
from ballots.paper_grid import MAX_GRID_ROWS, PaperGridForm, grid_row_limit
from budgets.models import BallotType, Phase, Round
from tests.ballots.conftest import make_voting_round, project_ids
from tests.conftest import login
from wards.models import Ward

ACCOUNT = {"polling_place": "Sparkbrook Library", "spoilt": "1", "unused": "2"}


def _account(cast: int) -> dict[str, str]:
    """A ballot-paper account that balances: issued = spoilt + unused + cast."""
    return {**ACCOUNT, "issued": str(3 + cast), "cast": str(cast)}


def _url(round: Round, rows: int | str | None = None) -> str:
    url = reverse("ballots:paper_grid", args=[round.pk])
    return url if rows is None else f"{url}?rows={rows}"


def _ticked(round: Round, ballots: list[tuple[str, Any]], rows: int | None = None) -> dict:
    """The grid as a clerk fills it in: per row the code, and the marks by paper number (a list
    of ticked numbers; a {number: points} dict; a list of numbers in the voter's order)."""
    rows = rows or len(ballots)
    data: dict[str, Any] = {**_account(len(ballots)), "rows": str(rows)}
    numbers = list(services.paper_numbers(round))
    for row in range(1, rows + 1):
        data[f"code-{row}"] = ""
        if round.ballot_type in (BallotType.CUMULATIVE, BallotType.RANKED):
            data.update({f"mark-{row}-{n}": "" for n in numbers})  # empty number boxes are sent
    for row, (code, marks) in enumerate(ballots, start=1):
        data[f"code-{row}"] = code
        if isinstance(marks, dict):
            data.update({f"mark-{row}-{n}": str(v) for n, v in marks.items()})
        elif round.ballot_type == BallotType.RANKED:
            data.update({f"mark-{row}-{n}": str(rank) for rank, n in enumerate(marks, start=1)})
        else:
            data.update({f"mark-{row}-{n}": "1" for n in marks})
    return data


def _typed(lines: list[str], cast: int) -> dict[str, Any]:
    return {**_account(cast), "ballots": "\n".join(lines) + "\n"}


def test_the_url() -> None:
    url = reverse("ballots:paper_grid", args=[4])
    assert url == "/rounds/4/paper/grid/"
    assert resolve(url).func is desk_views.paper_grid


def test_the_grid_has_a_row_per_paper_and_a_labelled_box_per_project(
    client: Client, voting_round: Round, clerk_cleo: Any
) -> None:
    login(client, clerk_cleo)
    page = client.get(_url(voting_round, 3))
    html = page.content.decode()
    assert page.status_code == 200
    assert html.count('type="checkbox"') == 3 * 5
    assert html.count('name="code-') == 3 and 'name="code-4"' not in html
    assert '<span class="visually-hidden">Ballot 3, project 5</span>' in html
    assert 'for="grid-mark-3-5"' in html and 'id="grid-mark-3-5"' in html
    assert '<label for="grid-code-2" class="visually-hidden">Ballot 2, voting code</label>' in html
    assert 'autocomplete="off"' in html and "<script>" not in html and "style=" not in html
    # Without a size the grid has 20 rows; the typed page links to it.
    assert client.get(_url(voting_round)).content.decode().count('name="code-') == 20
    typed_page = client.get(reverse("ballots:paper", args=[voting_round.pk])).content.decode()
    assert f'href="{_url(voting_round)}"' in typed_page


@pytest.mark.parametrize("ballot_type", [BallotType.CUMULATIVE, BallotType.RANKED])
def test_points_and_ranks_get_number_boxes(
    client: Client, sparkbrook: Ward, councillor_sam: Any, ballot_type: str
) -> None:
    round = make_voting_round(sparkbrook, ballot_type)
    login(client, councillor_sam)
    html = client.get(_url(round, 2)).content.decode()
    assert html.count('type="number" name="mark-') == 2 * 5 and 'type="checkbox"' not in html


def test_a_typed_first_keying_and_an_agreeing_ticked_second_are_accepted(
    client: Client,
    voting_round: Round,
    ids: list[int],
    issued_codes: list[str],
    councillor_sam: Any,
    clerk_cleo: Any,
) -> None:
    login(client, councillor_sam)
    typed = _typed([f"{issued_codes[0]}: 2, 1", f"{issued_codes[1].lower()}: 5"], cast=2)
    assert client.post(reverse("ballots:paper", args=[voting_round.pk]), typed).status_code == 302

    login(client, clerk_cleo)
    ticked = _ticked(voting_round, [(issued_codes[0], [1, 2]), (issued_codes[1], [5])])
    answer = client.post(_url(voting_round), ticked, follow=True)
    assert answer.status_code == 200 and "Accepted" in answer.content.decode()
    first, second = PaperEntry.objects.order_by("id")
    assert first.entered_by == councillor_sam and second.entered_by == clerk_cleo
    assert PaperBatch.objects.get().status == PaperBatch.Status.ACCEPTED
    live = Ballot.objects.filter(channel=Channel.PAPER, status=BallotStatus.LIVE)
    assert sorted(b.selection for b in live) == sorted(
        [sorted([str(ids[0]), str(ids[1])]), [str(ids[4])]]
    )


@pytest.mark.parametrize("second_keyed_by", ["typing", "ticking"])
def test_entries_that_differ_are_flagged_the_same_whichever_way_they_were_keyed(
    client: Client,
    voting_round: Round,
    issued_codes: list[str],
    councillor_sam: Any,
    clerk_cleo: Any,
    second_keyed_by: str,
) -> None:
    code = issued_codes[0]
    login(client, councillor_sam)
    first = _typed([f"{code}: 1, 3"], cast=1)
    client.post(reverse("ballots:paper", args=[voting_round.pk]), first)
    login(client, clerk_cleo)
    if second_keyed_by == "typing":
        client.post(reverse("ballots:paper", args=[voting_round.pk]), _typed([f"{code}: 1"], 1))
    else:
        client.post(_url(voting_round), _ticked(voting_round, [(code, [1])]))
    batch = PaperBatch.objects.get()
    assert batch.status == PaperBatch.Status.DISAGREE
    assert not Ballot.objects.exists()
    rows = services.paper_differences(batch)
    assert [(r["what"], r["same"]) for r in rows] == [
        ("Issued", True),
        ("Spoilt", True),
        ("Unused", True),
        ("Cast", True),
        ("Ballot 1", False),
    ]
    assert (rows[-1]["first"], rows[-1]["second"]) == (f"{code}: 1, 3", f"{code}: 1")


def test_the_same_person_cannot_key_a_batch_twice_by_ticking(
    client: Client, voting_round: Round, issued_codes: list[str], clerk_cleo: Any
) -> None:
    login(client, clerk_cleo)
    ticked = _ticked(voting_round, [(issued_codes[0], [1])])
    assert (
        client.post(
            reverse("ballots:paper", args=[voting_round.pk]), _typed([f"{issued_codes[0]}: 1"], 1)
        ).status_code
        == 302
    )
    again = client.post(_url(voting_round), ticked)
    assert again.status_code == 400 and "different person" in again.content.decode()
    assert PaperEntry.objects.count() == 1


@pytest.mark.parametrize(
    ("ballot_type", "typed", "ticked"),
    [
        (BallotType.KNAPSACK, ": 1, 4", [1, 4]),
        (BallotType.APPROVAL, ": 3, 2, 5", [2, 3, 5]),
        (BallotType.CUMULATIVE, ": 2=3, 5=7", {2: 3, 5: 7}),
        (BallotType.CUMULATIVE, ": 2=3, 4=0", {2: 3, 4: 0}),
        (BallotType.RANKED, ": 4, 1, 2", [4, 1, 2]),
        (BallotType.KNAPSACK, ":", []),  # a paper with a code and no marks
    ],
)
def test_a_ticked_ballot_is_the_same_entry_as_the_typed_one(
    sparkbrook: Ward,
    councillor_sam: Any,
    clerk_cleo: Any,
    ballot_type: str,
    typed: str,
    ticked: Any,
) -> None:
    round = make_voting_round(sparkbrook, ballot_type)
    (code,) = services.issue_codes(round, 1)
    as_typed = PaperBatchForm(_typed([f"{code.lower()} {typed}"], 1), round=round)
    as_ticked = PaperGridForm(_ticked(round, [(code.lower(), ticked)]), round=round, rows=1)
    assert as_typed.is_valid(), as_typed.errors
    assert as_ticked.is_valid(), as_ticked.errors
    for form, by in ((as_typed, councillor_sam), (as_ticked, clerk_cleo)):
        data = form.cleaned_data
        batch = services.enter_paper_batch(
            round,
            polling_place=data["polling_place"],
            by=by,
            account=services.PaperAccount(
                data["issued"], data["spoilt"], data["unused"], data["cast"]
            ),
            ballots=data["ballots"],
        )
    assert batch.status == PaperBatch.Status.ACCEPTED
    first, second = PaperEntry.objects.order_by("id")
    assert services.paper_entries_agree(first, second)


def test_a_ranked_paper_keeps_the_voter_s_order_even_with_gaps(sparkbrook: Ward) -> None:
    round = make_voting_round(sparkbrook, BallotType.RANKED)
    ids = project_ids(round)
    data = _ticked(round, [("X", {3: 1, 5: 4, 1: 2})])
    form = PaperGridForm(data, round=round, rows=1)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["ballots"] == [{"code": "X", "ranking": [ids[2], ids[0], ids[4]]}]


def test_empty_rows_are_skipped_like_blank_lines(
    client: Client, voting_round: Round, ids: list[int], issued_codes: list[str], clerk_cleo: Any
) -> None:
    login(client, clerk_cleo)
    data = _ticked(voting_round, [(issued_codes[0], [1]), (issued_codes[1], [2])], rows=10)
    assert client.post(_url(voting_round), data).status_code == 302
    assert len(PaperEntry.objects.get().ballots) == 2


def test_a_full_page_of_number_boxes_fits_in_one_request(
    client: Client, sparkbrook: Ward, councillor_sam: Any
) -> None:
    round = make_voting_round(sparkbrook, BallotType.CUMULATIVE)
    (code,) = services.issue_codes(round, 1)
    login(client, councillor_sam)
    assert grid_row_limit(round) == MAX_GRID_ROWS
    data = _ticked(round, [(code, {1: 4})], rows=MAX_GRID_ROWS)
    assert len(data) > 1_000  # past Django's default limit on form fields
    assert client.post(_url(round), data).status_code == 302


def test_the_row_limit_follows_the_request_field_limit(settings: Any, voting_round: Round) -> None:
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 1_000
    assert grid_row_limit(voting_round) == (1_000 - 50) // 6
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = None
    assert grid_row_limit(voting_round) == MAX_GRID_ROWS


@pytest.mark.parametrize("rows", ["0", "201", "-3", "abc", "", "1e3"])
def test_a_bad_number_of_rows_is_a_form_error(
    client: Client, voting_round: Round, clerk_cleo: Any, rows: str
) -> None:
    login(client, clerk_cleo)
    page = client.get(_url(voting_round, rows))
    html = page.content.decode()
    assert page.status_code == 400
    assert 'class="error-summary"' in html and "How many paper ballots" in html
    assert 'name="code-1"' not in html
    posted = client.post(_url(voting_round), {**_account(0), "rows": rows})
    assert posted.status_code == 400 and 'class="error-summary"' in posted.content.decode()
    assert not PaperBatch.objects.exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"mark-1-9": "1"}, "Ballot 1: 9 is not a project number on the paper ballot"),
        ({"mark-1-x": "1"}, "Ballot 1: x is not a project number on the paper ballot"),
        ({"mark-7-1": "1"}, "The grid has 2 rows; there is no ballot 7."),
        ({"mark-2-3": "yes"}, "Ballot 2: project 3 is either ticked or not."),
        ({"code-2": "X" * 101}, "Ballot 2: the voting code is too long"),
        ({"issued": "9"}, "does not balance"),
        ({"cast": "3", "issued": "6"}, "3 ballots were cast, but 2 were entered"),
        ({"issued": "many"}, "Ballot papers issued: Enter a whole number."),
        ({"polling_place": ""}, "Polling place: This field is required."),
    ],
)
def test_bad_marks_are_form_errors(
    client: Client,
    voting_round: Round,
    issued_codes: list[str],
    clerk_cleo: Any,
    change: dict[str, str],
    message: str,
) -> None:
    login(client, clerk_cleo)
    data = _ticked(voting_round, [(issued_codes[0], [1]), (issued_codes[1], [2])], rows=2)
    answer = client.post(_url(voting_round), {**data, **change})
    html = answer.content.decode().replace("&#x27;", "'")
    assert answer.status_code == 400
    assert 'class="error-summary"' in html and message in html
    assert not PaperBatch.objects.exists()
    # What was ticked stays ticked, to be corrected.
    assert 'id="grid-mark-1-1" value="1" checked' in html


@pytest.mark.parametrize(
    ("ballot_type", "marks", "message"),
    [
        (BallotType.CUMULATIVE, {1: "x"}, "'x' for project 1 is not a whole number"),
        (BallotType.CUMULATIVE, {1: "-2"}, "'-2' for project 1 is not a whole number"),
        (BallotType.CUMULATIVE, {1: "2.5"}, "'2.5' for project 1 is not a whole number"),
        (BallotType.RANKED, {1: "1", 2: "1"}, "rank 1 is given to more than one project"),
        (BallotType.RANKED, {1: "0"}, "ranks start at 1"),
        (BallotType.RANKED, {1: "first"}, "'first' for project 1 is not a whole number"),
    ],
)
def test_bad_numbers_are_form_errors(
    client: Client,
    sparkbrook: Ward,
    councillor_sam: Any,
    ballot_type: str,
    marks: dict[int, str],
    message: str,
) -> None:
    round = make_voting_round(sparkbrook, ballot_type)
    (code,) = services.issue_codes(round, 1)
    login(client, councillor_sam)
    answer = client.post(_url(round), _ticked(round, [(code, marks)]))
    html = answer.content.decode().replace("&#x27;", "'")
    assert answer.status_code == 400
    assert f"Ballot 1: {message}" in html and 'class="grid-row-error"' in html
    assert not PaperBatch.objects.exists()


def test_outside_voting_an_entry_is_refused_with_a_reason(
    client: Client, voting_round: Round, issued_codes: list[str], clerk_cleo: Any
) -> None:
    Round.objects.filter(pk=voting_round.pk).update(phase=Phase.CLOSED)
    login(client, clerk_cleo)
    answer = client.post(_url(voting_round), _ticked(voting_round, [(issued_codes[0], [1])]))
    assert answer.status_code == 400 and "Voting has closed" in answer.content.decode()
    assert not PaperBatch.objects.exists()


def test_a_draft_round_is_not_found(client: Client, voting_round: Round, clerk_cleo: Any) -> None:
    Round.objects.filter(pk=voting_round.pk).update(phase=Phase.DRAFT)
    login(client, clerk_cleo)
    assert client.get(_url(voting_round)).status_code == 404


@pytest.mark.parametrize(
    "who", ["anonymous", "resident_alice", "councillor_bob", "clerk_ade", "auditor_carol"]
)
def test_others_get_no_grid_and_enter_nothing(
    client: Client,
    request: pytest.FixtureRequest,
    voting_round: Round,
    issued_codes: list[str],
    who: str,
) -> None:
    if who != "anonymous":
        login(client, request.getfixturevalue(who))
    page = client.get(_url(voting_round, 2))
    posted = client.post(_url(voting_round), _ticked(voting_round, [(issued_codes[0], [1])]))
    for response in (page, posted):
        if who == "anonymous":
            assert response.status_code == 302 and "/accounts/login/" in response["Location"]
        else:
            assert response.status_code == 403
            assert 'name="code-1"' not in response.content.decode()
    assert not PaperBatch.objects.exists()


@pytest.mark.parametrize("who", ["clerk_cleo", "councillor_sam", "staff_dave"])
def test_the_ward_s_clerks_councillors_and_staff_may_use_it(
    client: Client, request: pytest.FixtureRequest, voting_round: Round, who: str
) -> None:
    login(client, request.getfixturevalue(who))
    assert client.get(_url(voting_round, 2)).status_code == 200


def test_wrong_methods(client: Client, voting_round: Round, clerk_cleo: Any) -> None:
    login(client, clerk_cleo)
    assert client.put(_url(voting_round)).status_code == 405
    assert client.delete(_url(voting_round)).status_code == 405
