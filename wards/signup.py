"""Residents' own accounts: a sign-up chooses its ward by postcode and is confirmed by email.

The account is created inactive. The confirmation link carries, signed and timed, the account and
the ward (and neighbourhood) its postcode chose; following it activates the account and gives it
the resident membership there. The postcode itself is stored nowhere: only the membership is.

An address that already belongs to an account gets no second account and the sign-up page
answers exactly as for a new one ("check your email"); the owner is told by email instead, so
the page never reveals who has an account.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.core import signing
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext

from wards.models import Membership, Neighbourhood, Role, Ward, WardPostcode, normalise_postcode

LINK_MAX_AGE = timedelta(days=3)
_SALT = "wards.signup.confirm"


class SignupError(Exception):
    """A sign-up that cannot go ahead; str(error) says why in plain words."""


class LinkRefused(SignupError):
    """A confirmation link that is forged, expired or already used."""


@dataclass(frozen=True)
class Place:
    ward: Ward
    neighbourhood: Neighbourhood | None


def place_for_postcode(raw: str) -> Place:
    """The ward (and neighbourhood) whose postcode list holds this postcode.

    Raises SignupError naming the problem: not a postcode, in no ward's list, or in several.
    """
    try:
        postcode = normalise_postcode(raw)
    except ValueError as exc:
        raise SignupError(str(exc)) from None
    rows = list(
        WardPostcode.objects.filter(postcode=postcode)
        .select_related("ward", "neighbourhood")
        .order_by("ward__name")
    )
    if not rows:
        raise SignupError(
            f"{postcode} is not on any ward's postcode list. Check it, or ask your ward's "
            "councillors to add it."
        )
    if len(rows) > 1:
        names = ", ".join(row.ward.name for row in rows)
        raise SignupError(
            f"{postcode} is on the lists of more than one ward ({names}). Ask your ward's "
            "councillors to add you."
        )
    return Place(ward=rows[0].ward, neighbourhood=rows[0].neighbourhood)


def _pending() -> QuerySet[Any]:
    """Accounts waiting for confirmation: never active, never signed in, no role anywhere."""
    return get_user_model().objects.filter(
        is_active=False, last_login__isnull=True, is_staff=False, memberships__isnull=True
    )


def username_taken(username: str, email: str) -> bool:
    """Whether `username` belongs to someone else. An unconfirmed sign-up by the same address
    does not count: signing up again (the first message went astray) replaces it."""
    holders = get_user_model().objects.filter(username__iexact=username)
    mine = _pending().filter(username__iexact=username, email__iexact=email)
    return holders.exclude(pk__in=mine.values("pk")).exists()


def delete_unconfirmed(now: Any = None) -> int:
    """Delete sign-ups whose link has expired unconfirmed, freeing their usernames; the number."""
    cutoff = (now or timezone.now()) - LINK_MAX_AGE
    stale = list(_pending().filter(date_joined__lt=cutoff).values_list("pk", flat=True))
    get_user_model().objects.filter(pk__in=stale).delete()
    return len(stale)


def sign_up(
    *,
    username: str,
    email: str,
    password: str,
    place: Place,
    confirm_url: Callable[[str], str],
    reset_url: str,
) -> None:
    """Create an inactive account and email its confirmation link (confirm_url(token)).

    When the address already belongs to a confirmed account, nothing is created and the owner is
    emailed a note with the password-reset address instead. An unconfirmed sign-up by the same
    address is replaced (its link stops working). Raises SignupError if the username was taken
    meanwhile.
    """
    users = get_user_model()
    pending = _pending().filter(email__iexact=email)
    if users.objects.filter(email__iexact=email).exclude(pk__in=pending.values("pk")).exists():
        _send(email, "registration/signup_exists", {"reset_url": reset_url})
        return
    try:
        with transaction.atomic():
            users.objects.filter(
                Q(pk__in=pending.values("pk"))
                | Q(pk__in=_pending().filter(username__iexact=username, email__iexact=email))
            ).delete()
            user = users.objects.create_user(
                username=username, email=email, password=password, is_active=False
            )
    except IntegrityError:
        raise SignupError("A user with that username already exists.") from None
    token = signing.dumps(
        {
            "u": user.pk,
            "w": place.ward.pk,
            "n": place.neighbourhood.pk if place.neighbourhood else None,
        },
        salt=_SALT,
        compress=True,
    )
    _send(
        email,
        "registration/signup_confirm",
        {
            "user": user,
            "ward": place.ward,
            "url": confirm_url(token),
            "days": LINK_MAX_AGE.days,
        },
    )


def check_link(token: str) -> tuple[Any, Place]:
    """The account and place a confirmation link names; raises LinkRefused saying why."""
    try:
        data = signing.loads(token, salt=_SALT, max_age=LINK_MAX_AGE)
    except signing.SignatureExpired:
        raise LinkRefused(
            gettext("This link has expired: links work for %(days)s days. Sign up again.")
            % {"days": LINK_MAX_AGE.days}
        ) from None
    except signing.BadSignature:
        raise LinkRefused(
            gettext("This link is not valid. Check that you copied all of it.")
        ) from None
    user = get_user_model().objects.filter(pk=data.get("u")).first()
    ward = Ward.objects.filter(pk=data.get("w")).first()
    if user is None or ward is None:
        raise LinkRefused(gettext("This link is not valid. Check that you copied all of it."))
    # An account that is active, or was once signed in to, has been confirmed already (or was
    # switched off by staff since, which an old link must not undo).
    if user.is_active or user.last_login is not None:
        raise LinkRefused(gettext("This link has already been used. You can sign in."))
    neighbourhood = None
    if data.get("n") is not None:
        neighbourhood = Neighbourhood.objects.filter(pk=data["n"], ward=ward).first()
    return user, Place(ward=ward, neighbourhood=neighbourhood)


def confirm(token: str) -> Any:
    """Activate the account a link names and make it a resident of its ward; once only."""
    with transaction.atomic():
        user, place = check_link(token)
        user = get_user_model().objects.select_for_update().get(pk=user.pk)
        if user.is_active:
            raise LinkRefused(gettext("This link has already been used. You can sign in."))
        user.is_active = True
        user.save(update_fields=["is_active"])
        Membership.objects.get_or_create(
            user=user,
            ward=place.ward,
            role=Role.RESIDENT,
            defaults={"neighbourhood": place.neighbourhood},
        )
    return user


def _send(email: str, template: str, context: dict[str, Any]) -> None:
    subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
    body = render_to_string(f"{template}_email.txt", context)
    send_mail(subject, body, None, [email])
