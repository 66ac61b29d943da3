"""Every free-text field a councillor or resident can fill in, tried with every kind of line
break, bidi and zero-width characters, a NUL, formula starts and ten thousand characters: each
form answers with a page (never a 500) and nothing stored keeps what wards.text removes."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ballots import services as ballot_services
from budgets.models import Phase
from budgets.models_discussion import Comment
from tests.ballots.conftest import make_voting_round
from tests.budgets.conftest import make_proposal, make_round
from tests.budgets.test_views import ROUND_POST
from tests.conftest import login
from tests.free_text_probe import VARIANTS, unclean_text
from wards.models import Ward

PASSWORD = "correct horse battery staple 9"


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_budgets_and_ballots_form(
    client: Client, sparkbrook: Ward, councillor_sam: Any, resident_alice: Any, variant: str
) -> None:
    text = VARIANTS[variant]
    answers = {}
    login(client, councillor_sam)
    answers["round"] = client.post(
        "/rounds/new/sparkbrook/",
        {**ROUND_POST, "title": text, "description": text, "categories_text": text + "\nParks"},
    )
    answers["neighbourhood"] = client.post("/wards/sparkbrook/neighbourhoods/", {"name": text})
    taking = make_round(sparkbrook, Phase.PROPOSALS, title="Proposals")
    places = f"/rounds/{taking.pk}/places/"
    answers["place"] = client.post(
        places,
        {"action": "add", "place-name": text, "place-address": text, "place-opening_times": text},
    )
    answers["help_desk"] = client.post(
        places,
        {
            "action": "help_desk",
            "desk-where": text,
            "desk-when": text,
            "desk-phone": "0121 464 0000",
        },
    )
    answers["round_edit"] = client.post(
        reverse("budgets:round_edit", args=[taking.pk]),
        {**ROUND_POST, "title": text, "description": text, "reason": text},
    )
    login(client, resident_alice)
    answers["proposal"] = client.post(
        reverse("budgets:proposal_new", args=[taking.pk]),
        {"title": text, "summary": text, "description": text, "cost": "100",
         "category": "Parks", "location": text, "delivery_partner": text},
    )  # fmt: skip
    proposal = make_proposal(taking, resident_alice)
    answers["proposal_edit"] = client.post(
        reverse("budgets:proposal_edit", args=[proposal.pk]),
        {"title": text, "summary": text, "description": text, "cost": "100", "category": "Parks"},
    )
    client.post(reverse("budgets:comment_new", args=[proposal.pk]), {"body": "plain"})
    answers["comment"] = client.post(
        reverse("budgets:comment_new", args=[proposal.pk]), {"body": text}
    )
    first = Comment.objects.order_by("pk").first()
    assert first is not None
    answers["comment_edit"] = client.post(
        reverse("budgets:comment_edit", args=[first.pk]), {"body": text}
    )
    answers["comment_report"] = client.post(
        reverse("budgets:comment_report", args=[first.pk]), {"reason": "other", "detail": text}
    )
    answers["pledge"] = client.post(
        reverse("budgets:pledge", args=[proposal.pk]), {"hours": "1", "in_kind": text}
    )
    answers["report"] = client.post(
        reverse("budgets:proposal_report", args=[proposal.pk]), {"reason": "other", "detail": text}
    )
    other = make_proposal(taking, resident_alice, title="Another")
    answers["withdraw"] = client.post(
        reverse("budgets:proposal_withdraw", args=[other.pk]), {"reason": text}
    )
    login(client, councillor_sam)
    answers["moderate"] = client.post(
        reverse("budgets:proposal_moderate", args=[proposal.pk]),
        {"decision": "hide", "reason": text},
    )
    answers["team"] = client.post(
        reverse("wards:team_add", args=["sparkbrook"]), {"username": text}
    )
    reviewing = make_round(sparkbrook, Phase.REVIEW, title="Review")
    answers["review"] = client.post(
        reverse("budgets:proposal_review", args=[make_proposal(reviewing, resident_alice).pk]),
        {"decision": "feasible", "reason": text},
    )
    voting = make_voting_round(sparkbrook, voting_end=timezone.now() + datetime.timedelta(days=3))
    answers["close_early"] = client.post(
        reverse("ballots:close", args=[voting.pk]), {"action": "ask", "reason": text}
    )
    answers["cancel"] = client.post(
        reverse("budgets:round_cancel", args=[voting.pk]), {"action": "ask", "reason": text}
    )
    (code,) = ballot_services.issue_codes(voting, 1)
    answers["revoke"] = client.post(
        reverse("ballots:revoke_code", args=[voting.pk]), {"code": code, "reason": text}
    )
    answers["paper"] = client.post(
        reverse("ballots:paper", args=[voting.pk]),
        {"polling_place": text, "issued": 3, "spoilt": 1, "unused": 1, "cast": 1,
         "ballots": f"{code}: 1"},
    )  # fmt: skip
    client.logout()
    answers["signup"] = client.post(
        "/accounts/signup/",
        {"username": text[:30], "email": "new@example.org", "postcode": text,
         "password1": PASSWORD, "password2": PASSWORD},
    )  # fmt: skip
    assert {name: a.status_code for name, a in answers.items() if a.status_code >= 500} == {}
    assert unclean_text() == []
