"""Residents subscribe to their ward by email (issue 13, the city view): double opt-in, one-click
unsubscribe, and an email when a round takes proposals, opens voting, closes and publishes."""

from __future__ import annotations

import datetime
import re
import time
from io import StringIO
from typing import Any

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from ballots import services as ballots
from budgets import services as budgets
from budgets.models import Phase, Round
from tests.ballots.conftest import make_voting_round
from tests.conftest import login, make_user
from wards import notices
from wards.models import EmailKind, Membership, OutboundEmail, Role, Ward, WardSubscription

pytestmark = pytest.mark.django_db

ADDRESS = "Zara.Khan@Example.org"
STORED = "zara.khan@example.org"
BASE = re.escape(str(settings.PUBLIC_BASE_URL).rstrip("/"))


@pytest.fixture
def clerk_cleo(sparkbrook: Ward) -> Any:
    user = make_user("cleo")
    Membership.objects.create(user=user, ward=sparkbrook, role=Role.CLERK)
    return user


def _link(message: Any, kind: str) -> str:
    found = re.search(BASE + rf"(/wards/subscriptions/{kind}/[^/\s]+/)", message.body)
    assert found, message.body
    return found.group(1)


def _subscribe(client: Client, ward: Ward, address: str = ADDRESS) -> Any:
    response = client.post(f"/wards/{ward.slug}/subscribe/", {"email": address})
    assert response.status_code == 302
    assert response["Location"] == f"/wards/{ward.slug}/subscribe/sent/"
    return response


def _subscribed(client: Client, ward: Ward, address: str = ADDRESS) -> str:
    """Subscribe and confirm; the unsubscribe link of the confirmed subscription."""
    _subscribe(client, ward, address)
    client.post(_link(mail.outbox[-1], "confirm"))
    subscription = WardSubscription.objects.get(ward=ward, email=address.lower())
    assert subscription.confirmed_at is not None
    return notices.unsubscribe_url(subscription).removeprefix(str(settings.PUBLIC_BASE_URL))


def _open_proposals(ward: Ward, councillor: Any, title: str = "Chest 2026", **fields: Any) -> Round:
    round = budgets.create_round(ward, by=councillor, title=title, **fields)
    return budgets.change_phase(round, Phase.PROPOSALS, by=councillor)


def _send() -> str:
    out = StringIO()
    call_command("send_ward_emails", stdout=out, stderr=out)
    return out.getvalue()


# The whole path ---------------------------------------------------------------------------------


def test_subscribe_confirm_get_notices_and_unsubscribe_with_one_click(
    client: Client, sparkbrook: Ward, councillor_sam: Any
) -> None:
    page = client.get(sparkbrook.get_absolute_url())
    assert 'action="/wards/sparkbrook/subscribe/"' in page.content.decode()

    response = _subscribe(client, sparkbrook)
    sent = client.get(response["Location"])
    assert "Check your email" in sent.content.decode()
    confirmation = mail.outbox[-1]
    assert confirmation.to == [STORED]
    assert "Sparkbrook" in confirmation.subject
    link = _link(confirmation, "confirm")

    # Opening the link (as a mail scanner would) confirms nothing; the button does.
    page = client.get(link)
    assert page.status_code == 200
    assert "Sparkbrook" in page.content.decode()
    assert WardSubscription.objects.get().confirmed_at is None
    confirmed = client.post(link, follow=True)
    assert confirmed.redirect_chain[-1][0] == sparkbrook.get_absolute_url()
    assert "You are subscribed" in confirmed.content.decode()
    assert WardSubscription.objects.get().confirmed_at is not None
    assert "already gets emails" in client.get(link).content.decode()

    round = _open_proposals(sparkbrook, councillor_sam)
    mail.outbox.clear()
    output = _send()
    assert "1 sent" in output
    (notice,) = mail.outbox
    assert notice.to == [STORED]
    assert notice.subject == "Sparkbrook: propose projects for Chest 2026"
    assert f"{settings.PUBLIC_BASE_URL}{round.get_absolute_url()}" in notice.body
    unsubscribe = _link(notice, "unsubscribe")
    assert notice.extra_headers["List-Unsubscribe"] == f"<{settings.PUBLIC_BASE_URL}{unsubscribe}>"
    assert notice.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    # RFC 8058: the mail provider POSTs, with no cookie and no CSRF token.
    provider = Client(enforce_csrf_checks=True)
    done = provider.post(unsubscribe, {"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200
    assert "You are unsubscribed" in done.content.decode()
    assert not WardSubscription.objects.exists()
    assert not OutboundEmail.objects.exists()
    # A second click (or the provider's retry) says the same.
    again = provider.post(unsubscribe)
    assert again.status_code == 200
    assert "You are unsubscribed" in again.content.decode()


def test_every_announced_phase_queues_one_notice(
    client: Client, sparkbrook: Ward, councillor_sam: Any
) -> None:
    _subscribed(client, sparkbrook)
    round = make_voting_round(sparkbrook, phase=Phase.REVIEW, settings_frozen_at=None)
    budgets.change_phase(round, Phase.VOTING, by=councillor_sam)
    ballots.close_round(round)
    ballots.publish_round(round)
    # Next year's chest: this year's is held by the round above.
    next_year = timezone.now() + datetime.timedelta(days=366)
    _open_proposals(
        sparkbrook,
        councillor_sam,
        title="Next year",
        voting_start=next_year,
        voting_end=next_year + datetime.timedelta(days=14),
    )
    subjects = set(
        OutboundEmail.objects.filter(kind=EmailKind.NOTICE).values_list("subject", flat=True)
    )
    assert subjects == {
        "Sparkbrook: voting is open for Sparkbrook chest 2026",
        "Sparkbrook: voting has closed for Sparkbrook chest 2026",
        "Sparkbrook: the result of Sparkbrook chest 2026 is published",
        "Sparkbrook: propose projects for Next year",
    }
    mail.outbox.clear()
    _send()
    assert len(mail.outbox) == 4
    assert all(m.extra_headers["List-Unsubscribe-Post"] for m in mail.outbox)


def test_review_and_draft_are_not_announced(
    client: Client, sparkbrook: Ward, councillor_sam: Any
) -> None:
    _subscribed(client, sparkbrook)
    round = _open_proposals(sparkbrook, councillor_sam)
    budgets.change_phase(round, Phase.REVIEW, by=councillor_sam)
    assert OutboundEmail.objects.filter(kind=EmailKind.NOTICE).count() == 1


def test_a_neighbourhood_round_names_its_neighbourhood(
    client: Client, sparkbrook: Ward, councillor_sam: Any
) -> None:
    _subscribed(client, sparkbrook)
    heath = sparkbrook.neighbourhoods.get()
    round = budgets.create_round(
        sparkbrook, by=councillor_sam, title="Heath fund", neighbourhood=heath
    )
    budgets.change_phase(round, Phase.PROPOSALS, by=councillor_sam)
    notice = OutboundEmail.objects.get(kind=EmailKind.NOTICE)
    assert notice.subject == "Balsall Heath: propose projects for Heath fund"
    assert "Balsall Heath (in Sparkbrook)" in notice.body


def test_unconfirmed_addresses_get_no_notice(
    client: Client, sparkbrook: Ward, councillor_sam: Any
) -> None:
    _subscribe(client, sparkbrook)
    _open_proposals(sparkbrook, councillor_sam)
    mail.outbox.clear()
    _send()
    assert mail.outbox == []
    assert not OutboundEmail.objects.filter(kind=EmailKind.NOTICE).exists()


def test_subscribers_of_another_ward_are_unaffected(
    client: Client, sparkbrook: Ward, aston: Ward, councillor_sam: Any
) -> None:
    _subscribed(client, aston)
    unsubscribe = _subscribed(client, sparkbrook)
    _subscribed(client, aston, "someone.else@example.org")
    _open_proposals(sparkbrook, councillor_sam)
    mail.outbox.clear()
    _send()
    assert [m.to for m in mail.outbox] == [[STORED]]
    assert "Sparkbrook" in mail.outbox[0].subject

    client.post(unsubscribe)
    assert not WardSubscription.objects.filter(ward=sparkbrook).exists()
    assert WardSubscription.objects.filter(ward=aston).count() == 2


def test_an_event_is_queued_once_per_subscriber(client: Client, sparkbrook: Ward) -> None:
    _subscribed(client, sparkbrook)
    for _ in range(2):
        notices.queue_ward_notice(sparkbrook, event_key="round-1-voting", subject="S", body="B")
    assert OutboundEmail.objects.filter(event_key="round-1-voting").count() == 1


# No enumeration, and no inbox flooding ---------------------------------------------------------


def _a_while_later() -> None:
    """As if the last confirmation request was sent longer ago than RESEND_AFTER."""
    earlier = timezone.now() - notices.RESEND_AFTER - datetime.timedelta(minutes=1)
    OutboundEmail.objects.filter(kind=EmailKind.CONFIRMATION).update(created_at=earlier)


def test_subscribing_again_answers_the_same_and_tells_only_the_owner(
    client: Client, sparkbrook: Ward
) -> None:
    first = _subscribe(client, sparkbrook, "new@example.org")
    _subscribed(client, sparkbrook)
    _a_while_later()
    mail.outbox.clear()
    again = _subscribe(client, sparkbrook, ADDRESS)
    assert again["Location"] == first["Location"]
    assert WardSubscription.objects.filter(email=STORED).count() == 1
    (note,) = mail.outbox
    assert note.to == [STORED]
    assert "already" in note.subject
    assert _link(note, "unsubscribe")


def test_asking_again_soon_sends_no_second_link(client: Client, sparkbrook: Ward) -> None:
    _subscribe(client, sparkbrook)
    _subscribe(client, sparkbrook)
    _send()
    assert len(mail.outbox) == 1
    _a_while_later()
    _subscribe(client, sparkbrook)
    assert len(mail.outbox) == 2
    assert _link(mail.outbox[1], "confirm")


def test_an_unconfirmed_subscription_is_forgotten_after_a_week(
    client: Client, sparkbrook: Ward
) -> None:
    _subscribe(client, sparkbrook)
    _subscribed(client, sparkbrook, "keep@example.org")
    WardSubscription.objects.filter(email=STORED).update(
        created_at=timezone.now() - notices.SUBSCRIPTION_LINK_MAX_AGE - datetime.timedelta(hours=1)
    )
    assert "Deleted 1 subscription not confirmed" in _send()
    assert list(WardSubscription.objects.values_list("email", flat=True)) == ["keep@example.org"]


# Bad input ------------------------------------------------------------------------------------


@pytest.mark.parametrize("address", ["", "not-an-address", "a@b", "x" * 250 + "@example.org"])
def test_a_bad_address_is_a_form_error(client: Client, sparkbrook: Ward, address: str) -> None:
    response = client.post("/wards/sparkbrook/subscribe/", {"email": address})
    assert response.status_code == 400
    assert "There is a problem" in response.content.decode()
    assert not WardSubscription.objects.exists()
    assert mail.outbox == []


def test_an_unknown_ward_is_404(client: Client, db: None) -> None:
    assert client.get("/wards/nowhere/subscribe/").status_code == 404
    assert client.post("/wards/nowhere/subscribe/", {"email": ADDRESS}).status_code == 404


def test_too_many_subscribe_forms_from_one_client_are_refused(
    client: Client, sparkbrook: Ward
) -> None:
    from wards.ratelimit import SUBSCRIBE_LIMIT_PER_CLIENT

    for n in range(SUBSCRIBE_LIMIT_PER_CLIENT):
        _subscribe(client, sparkbrook, f"person{n}@example.org")
    refused = client.post("/wards/sparkbrook/subscribe/", {"email": "one-more@example.org"})
    assert refused.status_code == 429
    assert "Too many attempts" in refused.content.decode()
    assert not WardSubscription.objects.filter(email="one-more@example.org").exists()


def test_subscribing_needs_the_csrf_token(sparkbrook: Ward) -> None:
    strict = Client(enforce_csrf_checks=True)
    assert strict.post("/wards/sparkbrook/subscribe/", {"email": ADDRESS}).status_code == 403
    assert not WardSubscription.objects.exists()


def test_confirming_needs_the_csrf_token(client: Client, sparkbrook: Ward) -> None:
    _subscribe(client, sparkbrook)
    strict = Client(enforce_csrf_checks=True)
    assert strict.post(_link(mail.outbox[-1], "confirm")).status_code == 403
    assert WardSubscription.objects.get().confirmed_at is None


def _tampered(link: str) -> list[str]:
    token = link.rstrip("/").rsplit("/", 1)[1]
    flipped = token[:-1] + ("A" if token[-1] != "A" else "B")
    prefix = link[: -len(token) - 1]
    return [f"{prefix}{flipped}/", f"{prefix}garbage/", f"{prefix}{token[:10]}/"]


def test_tampered_links_are_404(client: Client, sparkbrook: Ward) -> None:
    _subscribe(client, sparkbrook)
    confirm = _link(mail.outbox[-1], "confirm")
    for link in _tampered(confirm):
        assert client.get(link).status_code == 404
        assert client.post(link).status_code == 404
    assert WardSubscription.objects.get().confirmed_at is None
    client.post(confirm)
    unsubscribe = notices.unsubscribe_url(WardSubscription.objects.get()).removeprefix(
        str(settings.PUBLIC_BASE_URL)
    )
    for link in _tampered(unsubscribe):
        assert client.get(link).status_code == 404
        assert client.post(link).status_code == 404
    # A confirmation token is no unsubscribe token, and the other way round.
    confirm_token = confirm.rstrip("/").rsplit("/", 1)[1]
    unsubscribe_token = unsubscribe.rstrip("/").rsplit("/", 1)[1]
    assert client.post(f"/wards/subscriptions/unsubscribe/{confirm_token}/").status_code == 404
    assert client.post(f"/wards/subscriptions/confirm/{unsubscribe_token}/").status_code == 404
    assert WardSubscription.objects.filter(confirmed_at__isnull=False).count() == 1


def test_an_expired_confirmation_link_is_refused(
    client: Client, sparkbrook: Ward, monkeypatch: pytest.MonkeyPatch
) -> None:
    _subscribe(client, sparkbrook)
    link = _link(mail.outbox[-1], "confirm")
    later = time.time() + notices.SUBSCRIPTION_LINK_MAX_AGE.total_seconds() + 60
    monkeypatch.setattr(time, "time", lambda: later)
    response = client.post(link)
    assert response.status_code == 400
    assert "expired" in response.content.decode()
    assert WardSubscription.objects.get().confirmed_at is None


def test_a_confirmation_link_after_unsubscribing_is_refused(
    client: Client, sparkbrook: Ward
) -> None:
    _subscribe(client, sparkbrook)
    link = _link(mail.outbox[-1], "confirm")
    client.post(link)
    client.post(
        notices.unsubscribe_url(WardSubscription.objects.get()).removeprefix(
            str(settings.PUBLIC_BASE_URL)
        )
    )
    response = client.post(link)
    assert response.status_code == 400
    assert "no longer exists" in response.content.decode()
    assert not WardSubscription.objects.exists()


def test_opening_the_unsubscribe_link_asks_first(client: Client, sparkbrook: Ward) -> None:
    unsubscribe = _subscribed(client, sparkbrook)
    page = client.get(unsubscribe)
    assert page.status_code == 200
    assert "Stop emails about Sparkbrook?" in page.content.decode()
    assert WardSubscription.objects.exists()


# Wrong methods ------------------------------------------------------------------------------


def test_wrong_methods_are_405(client: Client, sparkbrook: Ward) -> None:
    unsubscribe = _subscribed(client, sparkbrook)
    confirm = "/wards/subscriptions/confirm/x/"
    for url in ("/wards/sparkbrook/subscribe/", confirm, unsubscribe):
        assert client.put(url).status_code == 405
        assert client.delete(url).status_code == 405
    assert client.post("/wards/sparkbrook/subscribe/sent/").status_code == 405
    assert WardSubscription.objects.exists()


# Personas: the form is the same for everyone ---------------------------------------------------


@pytest.mark.parametrize(
    "persona", [None, "resident_alice", "clerk_cleo", "councillor_bob", "councillor_sam"]
)
def test_anyone_may_subscribe(
    client: Client, sparkbrook: Ward, persona: str | None, request: pytest.FixtureRequest
) -> None:
    if persona is not None:
        login(client, request.getfixturevalue(persona))
    assert client.get("/wards/sparkbrook/subscribe/").status_code == 200
    _subscribe(client, sparkbrook)
    assert mail.outbox[-1].to == [STORED]
    assert WardSubscription.objects.get().ward == sparkbrook


def test_cancelling_a_public_round_tells_subscribers_why_and_a_draft_tells_nobody(
    client: Client, sparkbrook: Ward, councillor_sam: Any
) -> None:
    _subscribed(client, sparkbrook)
    draft = budgets.create_round(sparkbrook, by=councillor_sam, title="Draft", budget_pence=100)
    budgets.cancel_round(draft, by=councillor_sam, reason="Made by mistake")
    assert not OutboundEmail.objects.filter(kind=EmailKind.NOTICE).exists()

    round = _open_proposals(sparkbrook, councillor_sam, budget_pence=100)
    budgets.cancel_round(
        round, by=councillor_sam, reason="The council moved the money to flood repair"
    )
    mail.outbox.clear()
    _send()
    (notice,) = [m for m in mail.outbox if "cancelled" in m.subject]
    assert notice.subject == "Sparkbrook: Chest 2026 is cancelled"
    assert "The council moved the money to flood repair" in notice.body
    assert "will not be counted" not in notice.body


def test_each_subscriber_gets_round_notices_in_their_own_language(
    client: Client, sparkbrook: Ward, councillor_sam: Any
) -> None:
    """The language of the page a subscription was asked from is the language of its emails."""
    _subscribed(client, sparkbrook)
    polish = Client()
    polish.post(
        f"/wards/{sparkbrook.slug}/subscribe/",
        {"email": "kasia@example.org"},
        headers={"accept-language": "pl"},
    )
    polish.post(_link(mail.outbox[-1], "confirm"))
    assert WardSubscription.objects.get(email="kasia@example.org").language == "pl"
    _open_proposals(sparkbrook, councillor_sam)
    mail.outbox.clear()
    _send()
    by_address = {m.to[0]: m for m in mail.outbox}
    english, polski = by_address[STORED], by_address["kasia@example.org"]
    assert english.subject == "Sparkbrook: propose projects for Chest 2026"
    assert "Chest 2026 is taking proposals." in english.body
    assert polski.subject == "Sparkbrook: zgłoś projekty do edycji Chest 2026"
    assert "Edycja Chest 2026 przyjmuje propozycje." in polski.body
    assert "Aby zrezygnować z tych e-maili, otwórz:" in polski.body
    assert "propose" not in polski.body
