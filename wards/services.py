"""What councillors do to their ward from the ward pages: its team (clerks) and its postcode list.

Every function checks permission itself (wards.access, Action.MANAGE_WARD: the ward's councillors
and staff) and records what it changed in the ledger, naming people only by pseudonym.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.text import slugify
from django.utils.translation import gettext

import audit
from audit import kinds
from wards.access import Action, can, ledger_actor, require
from wards.models import Membership, Neighbourhood, Role, Ward, normalise_postcode
from wards.postcodes import PostcodeImport, import_postcodes, read_postcode_upload
from wards.text import single_line

# The roles a councillor may give and take away from the ward pages. Councillors, residents and
# auditors are set up by staff (or, for residents, by signing up), never here.
TEAM_ROLES = frozenset({Role.CLERK})


@dataclass(frozen=True)
class TeamMember:
    name: str
    username: str


@dataclass(frozen=True)
class Team:
    councillors: list[TeamMember]
    clerks: list[TeamMember]
    residents: int  # residents are counted, never listed: personal data stays minimal


def may_manage(user: Any, ward: Ward) -> bool:
    """May this person manage the ward's team and postcode list (the ward page's links)?"""
    return can(user, Action.MANAGE_WARD, ward)


def team(ward: Ward, *, viewer: Any) -> Team:
    """Who holds which role in the ward, for its councillors and staff."""
    require(viewer, Action.MANAGE_WARD, ward)
    members = (
        ward.memberships.filter(role__in=[Role.COUNCILLOR, Role.CLERK])
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "user__username")
    )

    def member(m: Membership) -> TeamMember:
        return TeamMember(m.user.get_full_name() or m.user.username, m.user.username)

    return Team(
        councillors=[member(m) for m in members if m.role == Role.COUNCILLOR],
        clerks=[member(m) for m in members if m.role == Role.CLERK],
        residents=ward.memberships.filter(role=Role.RESIDENT).count(),
    )


def _team_role(role: str) -> Role:
    if role not in {r.value for r in TEAM_ROLES}:
        raise ValidationError(
            gettext(
                "Only clerks can be added or removed here. Staff set up councillors in the admin."
            )
        )
    return Role(role)


def _person(username: str) -> Any:
    name = (username or "").strip()
    if not name:
        raise ValidationError(gettext("Enter the username of the person's account."))
    users = get_user_model()
    try:
        # No account can have a name the validator refuses; one holding a NUL could not even
        # be looked up on PostgreSQL (a 500 on the team page before).
        users.username_validator(name)
    except ValidationError:
        user = None
    else:
        user = users.objects.filter(username__iexact=name, is_active=True).first()
    if user is None:
        raise ValidationError(
            gettext(
                "There is no active account with the username %(name)s. The person needs "
                "an account first."
            )
            % {"name": repr(name[:150])}
        )
    return user


def _already(username: str, role: Role) -> str:
    if role == Role.CLERK:
        return gettext("%(username)s is already a clerk here.") % {"username": username}
    return f"{username} is already a {role.label.lower()} here."


def _record(kind: str, ward: Ward, user: Any, role: Role, by: Any) -> None:
    audit.record(
        kind,
        ward=ward,
        actor=ledger_actor(by, ward, Role.COUNCILLOR),
        # The person by pseudonym (the same one the ledger uses when they act), never a name.
        payload={"role": role.value, "person": audit.actor_for(user, role.value).id},
    )


@transaction.atomic
def grant_role(ward: Ward, username: str, role: str = Role.CLERK, *, by: Any) -> Membership:
    """Give the person with this username a team role in the ward (a clerk)."""
    require(by, Action.MANAGE_WARD, ward)
    granted = _team_role(role)
    user = _person(username)
    if Membership.objects.filter(user=user, ward=ward, role=granted).exists():
        raise ValidationError(_already(user.username, granted))
    try:
        with transaction.atomic():
            membership = Membership.objects.create(user=user, ward=ward, role=granted)
    except IntegrityError:  # added by someone else at the same moment
        raise ValidationError(_already(user.username, granted)) from None
    _record(kinds.ROLE_GRANTED, ward, user, granted, by)
    return membership


@transaction.atomic
def revoke_role(ward: Ward, username: str, role: str = Role.CLERK, *, by: Any) -> None:
    """Take a team role (a clerk's) in the ward away from the person with this username.
    Councillors are not removed here, neither oneself nor another."""
    require(by, Action.MANAGE_WARD, ward)
    revoked = _team_role(role)
    user = _person(username)
    deleted, _ = Membership.objects.filter(user=user, ward=ward, role=revoked).delete()
    if not deleted:
        raise ValidationError(
            gettext("%(username)s is not a clerk here.") % {"username": user.username}
            if revoked == Role.CLERK
            else f"{user.username} is not a {revoked.label.lower()} here."
        )
    _record(kinds.ROLE_REVOKED, ward, user, revoked, by)


@dataclass(frozen=True)
class PostcodeList:
    count: int
    neighbourhoods: list[tuple[str, int]]  # name, postcodes in it


def postcode_list(ward: Ward, *, viewer: Any) -> PostcodeList:
    require(viewer, Action.MANAGE_WARD, ward)
    from django.db.models import Count

    areas = ward.neighbourhoods.annotate(n=Count("postcodes")).order_by("name")
    return PostcodeList(ward.postcodes.count(), [(a.name, a.n) for a in areas])


def upload_postcodes(ward: Ward, upload: Any, *, replace: bool, by: Any) -> PostcodeImport:
    """Read an uploaded CSV of postcodes (5 MB at most; every bad line reported, nothing
    imported) and add them to the ward's list, or replace the list with them."""
    require(by, Action.MANAGE_WARD, ward)
    areas = read_postcode_upload(upload)
    return import_postcodes(ward, areas, replace=replace, by=by)


def add_neighbourhood(ward: Ward, name: str, *, by: Any) -> Neighbourhood:
    """A new named neighbourhood of the ward (postcodes can then be placed in it)."""
    require(by, Action.MANAGE_WARD, ward)
    clean = single_line(name or "")[:100]
    slug = slugify(clean)[:100]
    if not clean or not slug:
        raise ValidationError(gettext("Enter the neighbourhood's name."))
    if ward.neighbourhoods.filter(slug=slug).exists():
        raise ValidationError(
            gettext("%(ward)s already has a neighbourhood called %(name)s.")
            % {"ward": ward.name, "name": repr(clean)}
        )
    return Neighbourhood.objects.create(ward=ward, name=clean, slug=slug)


def wards_for_postcode(raw: str) -> list[Ward]:
    """The wards whose postcode lists hold this postcode (normally one), for "find your ward".

    Raises ValidationError in plain words: not a postcode, or on no ward's list.
    """
    try:
        postcode = normalise_postcode(single_line(raw)[:16])
    except ValueError as exc:
        raise ValidationError(str(exc)) from None
    wards = list(Ward.objects.filter(postcodes__postcode=postcode).distinct().order_by("name"))
    if not wards:
        raise ValidationError(
            gettext(
                "We could not find %(postcode)s on any ward's list. Check it is typed right. If "
                "it is, choose your ward from the list below, or ask your councillors to add it."
            )
            % {"postcode": postcode}
        )
    return wards
