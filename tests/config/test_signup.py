"""Residents create their own account: postcode -> ward, email confirmation, password reset."""

from __future__ import annotations

import io
import re
import time
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core import mail, signing
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from tests.conftest import PASSWORD
from wards import ratelimit, signup
from wards.models import Membership, Neighbourhood, Role, Ward, WardPostcode

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a quiet river under seven bridges"


@pytest.fixture
def postcodes(sparkbrook: Ward, aston: Ward) -> None:
    heath = Neighbourhood.objects.get(ward=sparkbrook, slug="balsall-heath")
    WardPostcode.objects.create(ward=sparkbrook, postcode="B12 9AA", neighbourhood=heath)
    WardPostcode.objects.create(ward=sparkbrook, postcode="B11 1AA")
    WardPostcode.objects.create(ward=aston, postcode="B6 5AA")


def _form(**overrides: str) -> dict[str, str]:
    data = {
        "username": "zara",
        "email": "zara@example.org",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "postcode": "b12 9aa",
    }
    data.update(overrides)
    return data


def _link(message: Any) -> str:
    found = re.search(r"https?://testserver(/accounts/signup/confirm/[^/\s]+/)", message.body)
    assert found, message.body
    return found.group(1)


def _sign_up(client: Client, **overrides: str) -> str:
    response = client.post("/accounts/signup/", _form(**overrides))
    assert response.status_code == 302
    assert response["Location"] == "/accounts/signup/sent/"
    assert "Check your email" in client.get(response["Location"]).content.decode()
    return _link(mail.outbox[-1])


def test_sign_up_confirm_and_sign_in(client: Client, postcodes: None, sparkbrook: Ward) -> None:
    link = _sign_up(client)
    assert mail.outbox[-1].to == ["zara@example.org"]
    user = get_user_model().objects.get(username="zara")
    assert not user.is_active
    assert not user.memberships.exists()
    # Not yet: an unconfirmed account cannot sign in.
    refused = client.post("/accounts/login/", {"username": "zara", "password": PASSWORD})
    assert refused.status_code == 200

    page = client.get(link)
    assert page.status_code == 200
    assert "Sparkbrook" in page.content.decode()
    user.refresh_from_db()
    assert not user.is_active  # opening the link (as a mail scanner would) activates nothing

    confirmed = client.post(link, follow=True)
    assert "Your account is confirmed" in confirmed.content.decode()
    user.refresh_from_db()
    assert user.is_active
    membership = Membership.objects.get(user=user)
    assert (membership.ward, membership.role) == (sparkbrook, Role.RESIDENT)
    assert membership.neighbourhood is not None
    assert membership.neighbourhood.slug == "balsall-heath"

    response = client.post("/accounts/login/", {"username": "zara", "password": PASSWORD})
    assert response.status_code == 302


def test_a_postcode_without_neighbourhood_gives_the_ward_only(
    client: Client, postcodes: None, aston: Ward
) -> None:
    client.post(_sign_up(client, postcode="B65AA"))
    membership = Membership.objects.get(user__username="zara")
    assert (membership.ward, membership.neighbourhood) == (aston, None)


def test_the_link_works_once(client: Client, postcodes: None) -> None:
    link = _sign_up(client)
    client.post(link)
    again = client.post(link)
    assert again.status_code == 400
    assert "already been used" in again.content.decode()
    assert client.get(link).status_code == 400
    assert Membership.objects.filter(user__username="zara").count() == 1


def test_an_expired_link_is_refused(
    client: Client, postcodes: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    link = _sign_up(client)
    later = time.time() + signup.LINK_MAX_AGE.total_seconds() + 60
    monkeypatch.setattr(time, "time", lambda: later)
    response = client.post(link)
    assert response.status_code == 400
    assert "expired" in response.content.decode()
    assert not get_user_model().objects.get(username="zara").is_active


def test_a_forged_link_is_refused(client: Client, postcodes: None, aston: Ward) -> None:
    link = _sign_up(client)
    user = get_user_model().objects.get(username="zara")
    # Someone rewrites the payload to choose another ward: the signature no longer matches.
    token = link.rstrip("/").rsplit("/", 1)[1]
    forged = signing.dumps({"u": user.pk, "w": aston.pk, "n": None}, salt="another salt")
    for bad in (forged, token[:-2] + "xx", "nonsense"):
        response = client.post(f"/accounts/signup/confirm/{bad}/")
        assert response.status_code == 400
        assert "not valid" in response.content.decode()
    user.refresh_from_db()
    assert not user.is_active
    assert not Membership.objects.filter(user=user).exists()


def test_a_postcode_in_no_ward_is_a_form_error(client: Client, postcodes: None) -> None:
    response = client.post("/accounts/signup/", _form(postcode="B99 9ZZ"))
    assert response.status_code == 200
    assert "B99 9ZZ is not on any ward&#x27;s postcode list" in response.content.decode()
    response = client.post("/accounts/signup/", _form(postcode="hello"))
    assert "Enter a full UK postcode" in response.content.decode()
    assert not get_user_model().objects.filter(username="zara").exists()
    assert mail.outbox == []


def test_a_taken_username_is_a_form_error(
    client: Client, postcodes: None, resident_alice: Any
) -> None:
    response = client.post("/accounts/signup/", _form(username="Alice"))
    assert response.status_code == 200
    assert "A user with that username already exists" in response.content.decode()
    assert mail.outbox == []


def test_weak_or_mismatched_passwords_are_refused(client: Client, postcodes: None) -> None:
    body = client.post("/accounts/signup/", _form(password1="12345678", password2="12345678"))
    assert "This password is too common" in body.content.decode()
    body = client.post("/accounts/signup/", _form(password2=NEW_PASSWORD))
    assert "The two password fields didn" in body.content.decode()
    assert not get_user_model().objects.filter(username="zara").exists()


def test_an_existing_email_gets_the_same_page_and_a_note(
    client: Client, postcodes: None, resident_alice: Any
) -> None:
    resident_alice.email = "alice@example.org"
    resident_alice.save()
    response = client.post("/accounts/signup/", _form(email="ALICE@example.org"))
    assert response.status_code == 302
    assert response["Location"] == "/accounts/signup/sent/"
    assert not get_user_model().objects.filter(username="zara").exists()
    (note,) = mail.outbox
    assert note.to == ["ALICE@example.org"]
    assert "already has one" in note.body
    assert "/accounts/password_reset/" in note.body
    assert "/accounts/signup/confirm/" not in note.body


def test_nothing_of_the_postcode_is_stored(client: Client, postcodes: None) -> None:
    WardPostcode.objects.all().delete()  # the ward lists are the only place postcodes may be
    WardPostcode.objects.create(ward=Ward.objects.get(slug="sparkbrook"), postcode="B11 1AA")
    client.post(_sign_up(client, postcode="b111aa"))
    WardPostcode.objects.all().delete()
    dump = io.StringIO()
    call_command("dumpdata", stdout=dump)
    text = dump.getvalue().upper().replace(" ", "")
    assert "B111AA" not in text
    assert Membership.objects.filter(user__username="zara", ward__slug="sparkbrook").exists()


def test_signed_in_people_and_wrong_methods(
    client: Client, postcodes: None, resident_alice: Any
) -> None:
    assert client.get("/accounts/signup/").status_code == 200
    assert client.put("/accounts/signup/").status_code == 405
    assert client.post("/accounts/signup/sent/").status_code == 405
    assert client.delete("/accounts/signup/confirm/abc/").status_code == 405
    client.force_login(resident_alice)
    assert client.get("/accounts/signup/")["Location"] == "/"


def test_sign_ups_are_rate_limited_per_client(client: Client, postcodes: None) -> None:
    for i in range(ratelimit.ACCOUNT_MAIL_LIMIT_PER_CLIENT):
        client.post("/accounts/signup/", _form(username=f"user{i}", email=f"u{i}@example.org"))
    response = client.post("/accounts/signup/", _form())
    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()
    assert not get_user_model().objects.filter(username="zara").exists()
    # Another client is not held up.
    other = Client(REMOTE_ADDR="198.51.100.7")
    assert other.post("/accounts/signup/", _form())["Location"] == "/accounts/signup/sent/"


def test_sign_in_page_links_to_sign_up_and_reset(client: Client) -> None:
    page = client.get("/accounts/login/").content.decode()
    assert 'href="/accounts/signup/"' in page
    assert 'href="/accounts/password_reset/"' in page


def test_password_reset(client: Client, resident_alice: Any) -> None:
    resident_alice.email = "alice@example.org"
    resident_alice.save()
    response = client.post("/accounts/password_reset/", {"email": "alice@example.org"})
    assert response["Location"] == "/accounts/password_reset/done/"
    (message,) = mail.outbox
    found = re.search(r"http://testserver(/accounts/reset/\S+/)", message.body)
    assert found, message.body
    page = client.get(found.group(1), follow=True)
    assert "Set a new password" in page.content.decode()
    url = page.redirect_chain[-1][0]
    done = client.post(url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done["Location"] == "/accounts/reset/done/"
    assert client.login(username="alice", password=NEW_PASSWORD)


def test_password_reset_for_an_unknown_address_looks_the_same(client: Client) -> None:
    response = client.post("/accounts/password_reset/", {"email": "nobody@example.org"})
    assert response["Location"] == "/accounts/password_reset/done/"
    assert mail.outbox == []
    assert client.get("/accounts/password_reset/done/").status_code == 200


def test_password_resets_are_rate_limited(client: Client) -> None:
    for _ in range(ratelimit.ACCOUNT_MAIL_LIMIT_PER_CLIENT):
        client.post("/accounts/password_reset/", {"email": "nobody@example.org"})
    response = client.post("/accounts/password_reset/", {"email": "nobody@example.org"})
    assert response.status_code == 429


def test_place_for_postcode_names_both_wards_of_a_shared_postcode(
    postcodes: None, aston: Ward
) -> None:
    WardPostcode.objects.create(ward=aston, postcode="B11 1AA")
    with pytest.raises(signup.SignupError, match="more than one ward"):
        signup.place_for_postcode("B11 1AA")


def test_signing_up_again_replaces_an_unconfirmed_sign_up(client: Client, postcodes: None) -> None:
    first = _sign_up(client)
    second = _sign_up(client, postcode="B6 5AA")  # the first message went astray
    assert get_user_model().objects.filter(username="zara").count() == 1
    assert client.post(first).status_code == 400
    client.post(second)
    assert Membership.objects.get(user__username="zara").ward.slug == "aston"


def test_an_unconfirmed_username_is_held_against_another_address(
    client: Client, postcodes: None
) -> None:
    _sign_up(client)
    response = client.post("/accounts/signup/", _form(email="someone@example.org"))
    assert "A user with that username already exists" in response.content.decode()


def test_an_unconfirmed_sign_up_is_deleted_once_its_link_expires(
    client: Client, postcodes: None
) -> None:
    _sign_up(client)
    _sign_up(client, username="yusuf", email="yusuf@example.org")
    client.post(_link(mail.outbox[-1]))  # yusuf confirms; zara never does
    call_command("advance_rounds", stdout=io.StringIO())
    assert get_user_model().objects.filter(username="zara").exists()  # still within 3 days
    get_user_model().objects.filter(username="zara").update(
        date_joined=timezone.now() - signup.LINK_MAX_AGE - timedelta(minutes=1)
    )
    get_user_model().objects.filter(username="yusuf").update(
        date_joined=timezone.now() - signup.LINK_MAX_AGE - timedelta(minutes=1)
    )
    call_command("advance_rounds", stdout=io.StringIO())
    assert not get_user_model().objects.filter(username="zara").exists()
    assert get_user_model().objects.get(username="yusuf").is_active
