"""The voting, receipt, results and voting-desk pages, for each persona."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import resolve, reverse

from ballots import services
from ballots.models import Ballot
from budgets.models import BallotType, Phase, Round
from tests.ballots.conftest import confirm_vote, make_voting_round, project_ids
from tests.conftest import DECLARED, login
from wards.models import Ward

PERSONAS = [
    "anonymous",
    "resident_alice",
    "resident_rhys",
    "councillor_sam",
    "councillor_bob",
    "auditor_carol",
]


def _as(client: Client, who: str, request: pytest.FixtureRequest) -> Client:
    if who != "anonymous":
        login(client, request.getfixturevalue(who))
    return client


def _vote_url(round: Round) -> str:
    return reverse("ballots:vote", args=[round.pk])


def _choices(ids: list[int], code: str = "", **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "projects": [str(i) for i in ids],
        "basis": "live",
        "age_confirmed": "1",
    }
    if code:
        data["code"] = code
    data.update(extra)
    return data


# --- The ballot ------------------------------------------------------------------------------


@pytest.mark.parametrize("who", PERSONAS)
def test_everyone_can_open_the_ballot(
    client: Client, voting_round: Round, who: str, request: pytest.FixtureRequest
) -> None:
    page = _as(client, who, request).get(_vote_url(voting_round))
    html = page.content.decode()
    assert page.status_code == 200
    assert "A Bench by the Brook" in html and "£25,000" in html
    assert "£0 of £100,000 chosen" in html
    # Only a resident of the ward votes without a code (a code is optional for them).
    assert ("Voting code (optional)" in html) is (who == "resident_alice")
    assert 'name="code"' in html


def test_voting_by_code_without_javascript(
    client: Client, voting_round: Round, ids: list[int], issued_codes: list[str]
) -> None:
    url = _vote_url(voting_round)
    review = client.post(url, _choices(ids[:2], issued_codes[0], step="review"))
    html = review.content.decode()
    assert review.status_code == 200
    assert "Check your vote" in html and "£62,500 of £100,000 chosen" in html
    assert not Ballot.objects.exists()
    # The review page carries everything forward in hidden fields: post it as the browser would.
    confirm = confirm_vote(
        client, url, _choices(ids[:2], issued_codes[0].lower().replace("-", " "), step="confirm")
    )
    html = confirm.content.decode()
    assert confirm.status_code == 200 and "Your vote has been cast" in html
    (ballot,) = Ballot.objects.all()
    assert ballot.receipt in html
    receipt = client.get(reverse("ballots:receipt", args=[ballot.receipt]))
    assert receipt.status_code == 200 and "Pending" in receipt.content.decode()


def test_review_page_can_go_back_with_choices_kept(
    client: Client, voting_round: Round, ids: list[int], issued_codes: list[str]
) -> None:
    edit = client.post(_vote_url(voting_round), _choices(ids[:2], issued_codes[0], step="edit"))
    html = edit.content.decode()
    assert edit.status_code == 200
    assert f'value="{ids[0]}" id="project-{ids[0]}" checked' in html
    assert f'value="{ids[2]}" id="project-{ids[2]}" aria-describedby' in html
    assert issued_codes[0] in html


def test_resident_votes_signed_in_and_is_signed_out(
    client: Client, voting_round: Round, ids: list[int], resident_alice: Any
) -> None:
    login(client, resident_alice)
    done = confirm_vote(client, _vote_url(voting_round), _choices(ids[:1], step="confirm"))
    assert done.status_code == 200 and "signed out" in done.content.decode()
    assert Ballot.objects.count() == 1
    assert "_auth_user_id" not in client.session


def test_a_changed_vote_says_so(
    client: Client, voting_round: Round, ids: list[int], issued_codes: list[str]
) -> None:
    url = _vote_url(voting_round)
    confirm_vote(client, url, _choices(ids[:1], issued_codes[0], step="confirm"))
    again = confirm_vote(client, url, _choices(ids[1:2], issued_codes[0], step="confirm"))
    assert "replaces the ballot you cast before" in again.content.decode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"projects": ["3", "4", "5"]}, "more than the £100,000 budget"),
        ({"projects": []}, "Choose at least one project"),
        ({"code": ""}, "Enter the voting code"),
        ({"age_confirmed": ""}, "Confirm that you are 16 or over"),
        ({"basis": ""}, "Say whether you live, work or study"),
        ({"basis": "visit"}, "Choose one of: live, work, study"),
        ({"code": "ABCDEF"}, "has 18 letters"),
    ],
)
def test_errors_are_shown_in_an_error_summary(
    client: Client,
    voting_round: Round,
    ids: list[int],
    issued_codes: list[str],
    data: dict[str, Any],
    message: str,
) -> None:
    posted = _choices(ids[:1], issued_codes[0], step="confirm")
    if "projects" in data:
        data = {"projects": [str(ids[int(p) - 1]) for p in data["projects"]]}
    posted.update(data)
    page = confirm_vote(client, _vote_url(voting_round), posted)
    html = page.content.decode()
    assert page.status_code == 400
    summary = html[html.index('class="error-summary"') :].split("</div>", 1)[0]
    assert message in summary
    assert not Ballot.objects.exists()


def test_a_selection_survives_a_wrong_code(
    client: Client, voting_round: Round, ids: list[int], issued_codes: list[str]
) -> None:
    from ballots import codes

    page = confirm_vote(
        client,
        _vote_url(voting_round),
        _choices([ids[0], ids[2]], codes.new_code(), step="confirm"),
    )
    html = page.content.decode()
    assert page.status_code == 400
    assert services.INVALID_CODE.split(";")[0] in html
    for pid in (ids[0], ids[2]):
        assert f'value="{pid}" id="project-{pid}" checked' in html
    assert f'value="{ids[1]}" id="project-{ids[1]}" checked' not in html
    assert "£65,000 of £100,000 chosen" in html
    assert not Ballot.objects.exists()


def test_htmx_running_total(client: Client, voting_round: Round, ids: list[int]) -> None:
    url = reverse("ballots:running_total", args=[voting_round.pk])
    fragment = client.post(url, {"projects": [ids[0], ids[1]]}, HTTP_HX_REQUEST="true")
    html = fragment.content.decode()
    assert fragment.status_code == 200
    assert "£62,500 of £100,000 chosen" in html
    assert "<html" not in html and 'id="running-total"' in html
    over = client.post(url, {"projects": ids[2:]}, HTTP_HX_REQUEST="true").content.decode()
    assert "£150,000 of £100,000 chosen" in over and "Remove £50,000 or more" in over
    assert client.get(url).status_code == 405


def test_running_total_for_points(client: Client, sparkbrook: Any) -> None:
    from tests.ballots.conftest import make_voting_round

    round = make_voting_round(sparkbrook, "cumulative", title="Points")
    a, b = project_ids(round)[:2]
    url = reverse("ballots:running_total", args=[round.pk])
    html = client.post(url, {f"points-{a}": "3", f"points-{b}": "4"}).content.decode()
    assert "7 of 10 points used" in html


def test_ranked_ballot_without_javascript(client: Client, sparkbrook: Any) -> None:
    from tests.ballots.conftest import make_voting_round

    round = make_voting_round(sparkbrook, "ranked", title="Ranked")
    ids = project_ids(round)
    (code,) = services.issue_codes(round, 1)
    data = {
        f"rank-{ids[3]}": "1",
        f"rank-{ids[0]}": "2",
        "code": code,
        "basis": "live",
        "age_confirmed": "1",
    }
    review = client.post(_vote_url(round), {**data, "step": "review"})
    html = review.content.decode()
    assert review.status_code == 200
    assert html.index("D Dog park") < html.index("A Bench by the Brook")
    confirm_vote(client, _vote_url(round), {**data, "step": "confirm"})
    assert Ballot.objects.get().selection == [str(ids[3]), str(ids[0])]


@pytest.mark.parametrize("phase", [Phase.REVIEW, Phase.CLOSED])
def test_ballot_outside_voting(
    client: Client, voting_round: Round, ids: list[int], issued_codes: list[str], phase: str
) -> None:
    Round.objects.filter(pk=voting_round.pk).update(phase=phase)
    page = client.get(_vote_url(voting_round))
    assert page.status_code == 200
    assert ("has closed" if phase == Phase.CLOSED else "not opened yet") in page.content.decode()
    confirm_vote(
        client, _vote_url(voting_round), _choices(ids[:1], issued_codes[0], step="confirm")
    )
    assert not Ballot.objects.exists()


def test_draft_rounds_have_no_ballot(client: Client, voting_round: Round) -> None:
    Round.objects.filter(pk=voting_round.pk).update(phase=Phase.DRAFT)
    assert client.get(_vote_url(voting_round)).status_code == 404


def test_vote_page_wrong_method(client: Client, voting_round: Round) -> None:
    assert client.put(_vote_url(voting_round)).status_code == 405
    assert client.delete(_vote_url(voting_round)).status_code == 405


# --- Receipts --------------------------------------------------------------------------------


def test_receipt_lookup_and_pages(client: Client, voting_round: Round, ids: list[int]) -> None:
    (code,) = services.issue_codes(voting_round, 1)
    receipt = services.cast_ballot(voting_round, [ids[0]], code=code, declaration=DECLARED).receipt
    found = client.get(reverse("ballots:receipt_lookup"), {"receipt": receipt.lower()})
    assert found.status_code == 302
    page = client.get(found["Location"])
    assert page.status_code == 200 and "Pending" in page.content.decode()
    missing = client.get(reverse("ballots:receipt", args=["ABCD-EFGH-JKLM-NPQR"]))
    assert missing.status_code == 404
    assert "could not find that receipt" in missing.content.decode()
    assert client.post(reverse("ballots:receipt", args=[receipt])).status_code == 405
    assert client.post(reverse("ballots:receipt_lookup")).status_code == 405


# --- Results ---------------------------------------------------------------------------------


@pytest.fixture
def counted_round(small_round: Round) -> Round:
    ids = project_ids(small_round)
    issued = services.issue_codes(small_round, 3)
    for code, sel in zip(issued, [[ids[0], ids[1]], [ids[0]], [ids[4]]], strict=True):
        services.cast_ballot(small_round, sel, code=code, declaration=DECLARED)
    return small_round


@pytest.mark.parametrize("who", PERSONAS)
def test_results_hidden_while_voting(
    client: Client, counted_round: Round, who: str, request: pytest.FixtureRequest
) -> None:
    page = _as(client, who, request).get(reverse("ballots:results", args=[counted_round.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "So far 3 people have voted" in html
    assert "<svg" not in html and "Funded" not in html and "A Bench" not in html


@pytest.mark.parametrize(
    ("who", "sees"),
    [
        ("anonymous", False),
        ("resident_alice", False),
        ("resident_rhys", False),
        ("councillor_sam", True),
        ("councillor_bob", False),
        ("auditor_carol", True),
    ],
)
def test_results_after_close_for_the_wards_councillors_and_auditors(
    client: Client, counted_round: Round, who: str, sees: bool, request: pytest.FixtureRequest
) -> None:
    services.close_round(counted_round)
    _as(client, who, request)
    page = client.get(reverse("ballots:results", args=[counted_round.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert ("<svg" in html) is sees
    assert ("Not yet published" in html) is sees
    if not sees:
        assert "A Bench" not in html
    for name in ("ballots_pb", "result_json", "result_csv"):
        download = client.get(reverse(f"ballots:{name}", args=[counted_round.pk]))
        assert download.status_code == (200 if sees else 404)


@pytest.mark.parametrize("who", PERSONAS)
def test_results_are_public_after_publication(
    client: Client, counted_round: Round, who: str, request: pytest.FixtureRequest
) -> None:
    services.close_round(counted_round)
    services.publish_round(counted_round)
    page = _as(client, who, request).get(reverse("ballots:results", args=[counted_round.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "2 projects won money" in html
    assert "3 people voted: 3 online and 0 on paper" in html
    assert "£62.50 of £100 was given to projects" in html
    # The money left over, in plain words.
    assert "£37.50 was not spent" in html and "councillors decide" in html
    chart = html[html.index("<svg") : html.index("</svg>")]
    assert chart.count("<rect") == 5 and chart.count("✓ funded") == 2
    plain = html[html.index("Why each project won or lost") : html.index("<svg")]
    for title in ("A Bench by the Brook", "B Bike racks", "C Community", "D Dog park", "E Lights"):
        item = plain[plain.index(title) :].split("</li>", 1)[0]
        assert "Funded:" in item or "Not funded:" in item
    # The precise explanation stays one click away, for auditors.
    precise = html[html.index("The exact count, for auditors") :]
    for title in ("A Bench by the Brook", "D Dog park"):
        row = precise[precise.index(title) :].split("</tr>", 1)[0]
        assert len(row.split("</td>")[-2]) > 40  # an explanation in words, not just a tag
    assert "What other counting rules would have funded" in html
    assert "Not yet published" not in html


def test_downloads_404_before_publication_and_serve_after(
    client: Client, counted_round: Round
) -> None:
    urls = [
        reverse(f"ballots:{name}", args=[counted_round.pk])
        for name in ("ballots_pb", "result_json", "result_csv")
    ]
    assert [client.get(u).status_code for u in urls] == [404, 404, 404]
    services.close_round(counted_round)
    assert [client.get(u).status_code for u in urls] == [404, 404, 404]
    result = services.publish_round(counted_round)
    pb, js, csv = (client.get(u) for u in urls)
    assert pb.content.decode() == result.ballots_pb
    assert js.json()["selected"] == result.result_json["selected"]
    assert csv.content.decode().splitlines()[0].startswith("project_id,title,cost_pence,votes")
    assert all(client.post(u).status_code == 405 for u in urls)


# --- Voting desk, close and publish -----------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("resident_alice", 403),
        ("resident_rhys", 403),
        ("councillor_bob", 403),
        ("auditor_carol", 403),
        ("councillor_sam", 200),
    ],
)
def test_voting_desk(
    client: Client, counted_round: Round, who: str, status: int, request: pytest.FixtureRequest
) -> None:
    page = _as(client, who, request).get(reverse("ballots:voting_desk", args=[counted_round.pk]))
    assert page.status_code == status
    if status == 200:
        html = page.content.decode()
        assert "Turnout so far: 3" in html and "Close voting…" in html
        assert "A Bench" not in html  # no vote counts before close


def test_voting_desk_anonymous_is_sent_to_sign_in(client: Client, counted_round: Round) -> None:
    page = client.get(reverse("ballots:voting_desk", args=[counted_round.pk]))
    assert page.status_code == 302 and "/accounts/login/" in page["Location"]


@pytest.mark.parametrize("who", ["resident_alice", "councillor_bob", "auditor_carol"])
def test_close_and_publish_buttons_refuse_others(
    client: Client, counted_round: Round, who: str, request: pytest.FixtureRequest
) -> None:
    _as(client, who, request)
    assert client.post(reverse("ballots:close", args=[counted_round.pk])).status_code == 403
    services.close_round(counted_round)
    assert client.post(reverse("ballots:publish", args=[counted_round.pk])).status_code == 403
    counted_round.refresh_from_db()
    assert counted_round.phase == Phase.CLOSED


def test_close_and_publish_anonymous(client: Client, counted_round: Round) -> None:
    for name in ("close", "publish"):
        response = client.post(reverse(f"ballots:{name}", args=[counted_round.pk]))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert Round.objects.get(pk=counted_round.pk).phase == Phase.VOTING


def test_publish_is_post_only_and_close_asks_first(
    client: Client, counted_round: Round, councillor_sam: Any
) -> None:
    login(client, councillor_sam)
    assert client.get(reverse("ballots:publish", args=[counted_round.pk])).status_code == 405
    url = reverse("ballots:close", args=[counted_round.pk])
    page = client.get(url)
    assert page.status_code == 200 and "I confirm that voting" in page.content.decode()
    assert client.put(url).status_code == 405
    unconfirmed = client.post(url)
    assert unconfirmed.status_code == 400 and "Tick the box" in unconfirmed.content.decode()
    assert Round.objects.get(pk=counted_round.pk).phase == Phase.VOTING


def test_councillors_close_and_publish_with_the_buttons(
    client: Client, counted_round: Round, councillor_sam: Any, councillor_sia: Any
) -> None:
    login(client, councillor_sam)
    closed = client.post(
        reverse("ballots:close", args=[counted_round.pk]), {"confirm": "1"}, follow=True
    )
    assert "Voting is closed" in closed.content.decode()
    assert Round.objects.get(pk=counted_round.pk).phase == Phase.CLOSED
    asked = client.post(reverse("ballots:publish", args=[counted_round.pk]), follow=True)
    assert "A second councillor must approve" in asked.content.decode()
    desk = client.get(reverse("ballots:voting_desk", args=[counted_round.pk])).content.decode()
    assert "You asked for publication" in desk and "Approve and publish" not in desk
    twice = client.post(reverse("ballots:publish", args=[counted_round.pk]), follow=True)
    assert "second councillor" in twice.content.decode()
    assert Round.objects.get(pk=counted_round.pk).phase == Phase.CLOSED

    login(client, councillor_sia)
    desk = client.get(reverse("ballots:voting_desk", args=[counted_round.pk])).content.decode()
    assert "Approve and publish" in desk
    done = client.post(reverse("ballots:publish", args=[counted_round.pk]), follow=True)
    assert "The result is published" in done.content.decode()
    assert Round.objects.get(pk=counted_round.pk).phase == Phase.PUBLISHED
    client.logout()
    public = client.get(reverse("ballots:results", args=[counted_round.pk])).content.decode()
    assert "<svg" in public


def test_ranks_and_points_survive_a_wrong_code(client: Client, sparkbrook: Any) -> None:
    from ballots import codes
    from tests.ballots.conftest import make_voting_round

    ranked = make_voting_round(sparkbrook, "ranked", title="Ranked")
    r = project_ids(ranked)
    page = confirm_vote(
        client,
        _vote_url(ranked),
        {
            f"rank-{r[3]}": "1",
            f"rank-{r[0]}": "2",
            "code": codes.new_code(),
            "basis": "live",
            "age_confirmed": "1",
            "step": "confirm",
        },
    )
    html = page.content.decode()
    assert page.status_code == 400
    assert re.search(rf'name="rank-{r[3]}"[^>]*value="1"', html)
    assert re.search(rf'name="rank-{r[0]}"[^>]*value="2"', html)

    points = make_voting_round(sparkbrook, "cumulative", title="Points")
    p = project_ids(points)
    page = confirm_vote(
        client,
        _vote_url(points),
        {
            f"points-{p[1]}": "4",
            "code": codes.new_code(),
            "basis": "live",
            "age_confirmed": "1",
            "step": "confirm",
        },
    )
    assert re.search(rf'name="points-{p[1]}"[^>]*value="4"', page.content.decode())


def test_every_download_linked_from_the_results_page_works(
    client: Client, counted_round: Round
) -> None:
    services.close_round(counted_round)
    services.publish_round(counted_round)
    html = client.get(reverse("ballots:results", args=[counted_round.pk])).content.decode()
    section = html[html.index("Check it yourself") :]
    links = re.findall(r'href="(/[^"]+)"', section)
    assert f"/rounds/{counted_round.pk}/ledger.jsonl" in links and len(links) >= 5
    for link in links:
        assert client.get(link, follow=True).status_code == 200, link


def test_the_round_page_counts_who_has_voted(
    client: Client, voting_round: Round, ids: list[int], issued_codes: list[str]
) -> None:
    """budgets shows turnout through the hook the ballots app registers (no import of ballots)."""
    for code in issued_codes[:2]:
        services.cast_ballot(voting_round, [ids[0]], code=code, declaration=DECLARED)
    page = client.get(voting_round.get_absolute_url()).content.decode()
    assert "2 people have voted so far" in page


def test_the_voting_desk_view_is_named_like_its_url(client: Client, counted_round: Round) -> None:
    from ballots import desk_views

    url = reverse("ballots:voting_desk", args=[counted_round.pk])
    assert url == f"/rounds/{counted_round.pk}/voting-desk/"
    assert resolve(url).func is desk_views.voting_desk


def test_ballot_templates_decide_nothing() -> None:
    """Phases and the two-person rule are decided by the services; the pages show their flags."""
    from pathlib import Path

    folder = Path(__file__).resolve().parents[2] / "templates" / "ballots"
    for template in sorted(folder.glob("*.html")):
        text = template.read_text()
        assert not re.search(r"\.(phase|status)\s*==", text), template.name
        assert "publish_requested_by" not in text, template.name
        assert "user.pk" not in text, template.name


def test_no_template_decides_a_phase_or_a_permission() -> None:
    """Across every app's templates: services and views decide, pages show their flags."""
    from pathlib import Path

    folder = Path(__file__).resolve().parents[2] / "templates"
    for template in sorted(folder.rglob("*.html")):
        text = template.read_text()
        assert not re.search(r"\.phase\s*==|phase\s*==\s*[\"']", text), template
        assert not re.search(r"\bis_staff\b|is_superuser|publish_requested_by", text), template


# --- Without JavaScript, and after an error ---------------------------------------------------


def test_check_my_total_adds_up_without_javascript_and_keeps_everything(
    client: Client, voting_round: Round, ids: list[int]
) -> None:
    page = client.post(
        _vote_url(voting_round), _choices(ids[:2], "not checked yet", step=["review", "check"])
    )
    html = page.content.decode()
    assert page.status_code == 200
    assert "£62,500 of £100,000 chosen." in html
    assert "There is a problem" not in html  # checking the total is not reviewing
    assert f'id="project-{ids[0]}" checked' in html and f'id="project-{ids[1]}" checked' in html
    assert 'value="not checked yet"' in html


def test_every_error_links_to_its_field(
    client: Client, voting_round: Round, ids: list[int]
) -> None:
    page = client.post(
        _vote_url(voting_round), {"projects": [str(i) for i in ids], "step": "review"}
    )
    html = page.content.decode()
    assert page.status_code == 400
    start = html.index('class="error-summary"')
    summary = html[start : html.index("</div>", start)]
    assert f'href="#project-{ids[0]}"' in summary  # over the budget
    assert 'href="#code"' in summary
    assert 'href="#basis-live"' in summary


@pytest.mark.parametrize("ballot_type", [BallotType.CUMULATIVE, BallotType.RANKED])
def test_number_ballots_keep_what_was_typed_after_an_error(
    client: Client, sparkbrook: Ward, ballot_type: str
) -> None:
    round = make_voting_round(sparkbrook, ballot_type)
    ids = project_ids(round)
    prefix = "points" if ballot_type == BallotType.CUMULATIVE else "rank"
    data = {f"{prefix}-{ids[0]}": "2", f"{prefix}-{ids[1]}": "lots", "step": "review"}
    page = client.post(_vote_url(round), data)
    html = page.content.decode()
    assert page.status_code == 400
    assert f'id="{prefix}-{ids[0]}" inputmode="numeric"' in html
    assert 'value="2"' in html and 'value="lots"' in html
    label = "Points for A Bench by the Brook" if prefix == "points" else "Rank for A Bench"
    assert label in html  # a visible label on every number box
