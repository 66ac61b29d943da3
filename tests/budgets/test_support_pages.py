"""The support buttons on the proposal list and page, the API endpoint, the round page's rule
and the settings form: every persona, wrong methods, and a double support on PostgreSQL."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection, connections
from django.test import Client

from budgets import services
from budgets.models import Phase, Proposal, ProposalStatus, Round, Support, SupportStage
from tests.budgets.conftest import make_round
from tests.budgets.test_support import feasible, resident, support_round
from tests.conftest import login, make_user
from wards.models import Membership, Role, Ward


@pytest.fixture
def supporting(sparkbrook: Ward) -> tuple[Round, Proposal]:
    round = support_round(sparkbrook)
    return round, feasible(round, "Benches by the pool")


def persona(name: str, sparkbrook: Ward, aston: Ward) -> Any:
    if name == "anonymous":
        return None
    user = make_user(name)
    roles = {
        "resident": (sparkbrook, Role.RESIDENT),
        "other_resident": (aston, Role.RESIDENT),
        "clerk": (sparkbrook, Role.CLERK),
        "other_councillor": (aston, Role.COUNCILLOR),
    }
    if name == "staff":
        user.is_staff = True
        user.save()
    else:
        ward, role = roles[name]
        Membership.objects.create(user=user, ward=ward, role=role)
    return user


# (persona, web status, API status, supported?)
MATRIX = [
    ("anonymous", 302, 403, False),
    ("resident", 302, 200, True),
    ("other_resident", 403, 403, False),
    ("clerk", 403, 403, False),
    ("other_councillor", 403, 403, False),
    ("staff", 403, 403, False),
]


@pytest.mark.parametrize(("who", "web", "api", "ok"), MATRIX)
def test_support_button_persona_matrix(
    who: str,
    web: int,
    api: int,
    ok: bool,
    client: Client,
    sparkbrook: Ward,
    aston: Ward,
    supporting: tuple[Round, Proposal],
) -> None:
    _, proposal = supporting
    user = persona(who, sparkbrook, aston)
    if user is not None:
        login(client, user)
    response = client.post(f"/proposals/{proposal.pk}/support/")
    assert response.status_code == web
    if who == "anonymous":
        assert "/accounts/login/" in response["Location"]
    assert Support.objects.filter(proposal=proposal).exists() is ok
    Support.objects.all().delete()
    response = client.post(f"/api/v1/proposals/{proposal.pk}/support/")
    assert response.status_code == api
    if ok:
        assert response.json()["support_count"] == 1
        assert response.json()["supported"] is True
        response = client.delete(f"/api/v1/proposals/{proposal.pk}/support/")
        assert response.status_code == 200
        assert response.json()["support_count"] == 0
    else:
        assert "reason" in response.json()


def test_wrong_methods(client: Client, resident_alice: Any, supporting: Any) -> None:
    _, proposal = supporting
    login(client, resident_alice)
    assert client.get(f"/proposals/{proposal.pk}/support/").status_code == 405
    assert client.get(f"/proposals/{proposal.pk}/unsupport/").status_code == 405
    assert client.put(f"/api/v1/proposals/{proposal.pk}/support/").status_code == 405
    assert client.get(f"/api/v1/proposals/{proposal.pk}/support/").status_code == 405
    assert client.post("/proposals/999999/support/").status_code == 404


def test_resident_supports_from_the_list_and_stops_from_the_page(
    client: Client, resident_alice: Any, supporting: Any
) -> None:
    round, proposal = supporting
    login(client, resident_alice)
    listing = client.get(f"/rounds/{round.pk}/proposals/").content.decode()
    assert "0 supports" in listing and ">Support</button>" in listing
    assert "you have used 0 of your 2 supports" in listing
    here = f"/rounds/{round.pk}/proposals/"
    response = client.post(f"/proposals/{proposal.pk}/support/", {"next": here}, follow=True)
    assert response.redirect_chain[-1][0] == here
    page = response.content.decode()
    assert "You support “Benches by the pool”." in page and "1 support ·" not in page
    assert "1 support" in page and "Stop supporting" in page
    detail = client.get(f"/proposals/{proposal.pk}/").content.decode()
    assert "1 resident</strong> supports this proposal" in detail
    response = client.post(f"/proposals/{proposal.pk}/unsupport/", follow=True)
    assert "You no longer support" in response.content.decode()
    assert not Support.objects.exists()


def test_off_site_next_is_ignored(client: Client, resident_alice: Any, supporting: Any) -> None:
    _, proposal = supporting
    login(client, resident_alice)
    response = client.post(f"/proposals/{proposal.pk}/support/", {"next": "https://evil.example/"})
    assert response["Location"] == f"/proposals/{proposal.pk}/"


def test_the_limit_says_why(client: Client, resident_alice: Any, sparkbrook: Ward) -> None:
    round = support_round(sparkbrook, support_limit=1)
    a, b = feasible(round, "A"), feasible(round, "B")
    login(client, resident_alice)
    client.post(f"/proposals/{a.pk}/support/")
    response = client.post(f"/proposals/{b.pk}/support/", follow=True)
    assert "the most this round allows" in response.content.decode()
    api = client.post(f"/api/v1/proposals/{b.pk}/support/")
    assert api.status_code == 400
    assert "the most this round allows" in str(api.json())
    assert Support.objects.count() == 1


def test_round_page_explains_the_rule_and_a_missed_proposal_says_by_how_much(
    client: Client, sparkbrook: Ward, councillor_sam: Any
) -> None:
    round = support_round(sparkbrook, shortlist_top=1)
    a, b = feasible(round, "A"), feasible(round, "B")
    services.support_proposal(a, by=resident(sparkbrook, "r1"))
    services.support_proposal(a, by=resident(sparkbrook, "r2"))
    page = client.get(f"/rounds/{round.pk}/").content.decode()
    assert "The 1 most supported proposals go through" in page
    assert "proposals tied with the last place go through too" in page
    services.change_phase(round, Phase.VOTING, by=councillor_sam)
    detail = client.get(f"/proposals/{b.pk}/").content.decode()
    assert "missed the shortlist by 2 supports" in detail
    listing = client.get(f"/rounds/{round.pk}/proposals/?status=not_shortlisted").content.decode()
    assert "missed the shortlist by 2 supports" in listing
    api = client.get(f"/api/v1/proposals/{b.pk}/").json()
    assert (api["status"], api["shortlist_missed_by"], api["support_count"]) == (
        ProposalStatus.NOT_SHORTLISTED,
        2,
        0,
    )
    listed = client.get(f"/api/v1/rounds/{round.pk}/proposals/").json()
    counts = {p["id"]: p["support_count"] for p in listed["results"]}
    assert counts[a.pk] == 2
    settings = client.get(f"/api/v1/rounds/{round.pk}/").json()
    assert settings["support_stage"] == "before_voting"
    assert (settings["support_limit"], settings["shortlist_top"]) == (2, 1)


def test_settings_form_sets_the_rule_and_shows_it_frozen(
    client: Client, sparkbrook: Ward, councillor_sam: Any
) -> None:
    round = make_round(sparkbrook, Phase.DRAFT)
    login(client, councillor_sam)
    form = client.get(f"/rounds/{round.pk}/edit/").content.decode()
    assert "Do residents shortlist the proposals first?" in form
    data = {
        "title": round.title,
        "budget": "50000",
        "categories_text": "Parks",
        "ballot_type": round.ballot_type,
        "rule": round.rule,
        "sat": round.sat,
        "min_age": 16,
        "eligible_live": "on",
        "allow_postcode_voting": "on",
        "allow_code_voting": "on",
        "seal_batch_size": 25,
        "support_stage": SupportStage.BEFORE_VOTING,
        "support_limit": 3,
    }
    response = client.post(f"/rounds/{round.pk}/edit/", data)
    assert response.status_code == 200
    assert "Say how the shortlist is made" in response.content.decode()
    response = client.post(f"/rounds/{round.pk}/edit/", {**data, "shortlist_top": 4})
    assert response.status_code == 302
    round.refresh_from_db()
    assert (round.support_stage, round.support_limit, round.shortlist_top) == (
        "before_voting",
        3,
        4,
    )
    round.phase, round.support_opened_at = Phase.SUPPORT, round.created_at
    round.save()
    assert (
        "the shortlist rule is frozen" in client.get(f"/rounds/{round.pk}/edit/").content.decode()
    )


def test_api_patch_refuses_a_frozen_rule(
    client: Client, councillor_sam: Any, supporting: Any
) -> None:
    round, _ = supporting
    login(client, councillor_sam)
    response = client.patch(
        f"/api/v1/rounds/{round.pk}/", {"shortlist_top": 9}, content_type="application/json"
    )
    assert response.status_code == 400
    assert "frozen" in str(response.json())


def test_support_phase_emails_the_wards_subscribers(sparkbrook: Ward, councillor_sam: Any) -> None:
    from django.utils import timezone

    from wards.models import EmailKind, OutboundEmail, WardSubscription

    WardSubscription.objects.create(
        ward=sparkbrook, email="a@example.org", secret="x" * 32, confirmed_at=timezone.now()
    )
    round = support_round(sparkbrook, phase=Phase.REVIEW)
    feasible(round, "A")
    services.change_phase(round, Phase.SUPPORT, by=councillor_sam)
    mail = OutboundEmail.objects.filter(kind=EmailKind.NOTICE).get()
    assert mail.subject.startswith("Sparkbrook: support the proposals you want shortlisted")
    assert "Each resident can support up to 2 proposals" in mail.body


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_double_support_at_once_counts_once(sparkbrook: Ward) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL): SQLite serialises all writers anyway")
    round = support_round(sparkbrook, support_limit=1)
    a, b = feasible(round, "A"), feasible(round, "B")
    alice = resident(sparkbrook, "alice-race")
    threads_n = 6
    start = threading.Barrier(threads_n)
    outcomes: list[Any] = []

    def worker(n: int) -> None:
        try:
            start.wait()
            target = a if n % 2 else b  # same proposal twice, and over the limit of one
            outcomes.append(services.support_proposal(target, by=alice))
        except Exception as exc:  # the refusals, checked below
            outcomes.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(threads_n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert Support.objects.filter(person=alice).count() == 1
    assert outcomes.count(True) == 1
    assert not any(isinstance(o, Exception) and "allows" not in str(o) for o in outcomes)
    assert AnonymousUser  # imported for the matrix's anonymous persona
