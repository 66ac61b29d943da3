"""The one place that answers "may this user do that in this ward?".

Views, the API and services call these helpers; none of them repeats permission logic. Each
action lists the ward-scoped roles that allow it; staff may do every management action, but staff
status never lets anyone vote or propose on someone else's behalf.
"""

from __future__ import annotations

import enum
from typing import Any

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from wards.models import Membership, Role, Ward


class Action(enum.Enum):
    PROPOSE = "propose"
    VOTE = "vote"
    MANAGE_ROUND = "manage_round"
    REVIEW = "review"
    ENTER_PAPER = "enter_paper"
    AUDIT = "audit"
    MANAGE_WARD = "manage_ward"  # the ward's team (clerks) and its postcode list
    # Post delivery updates on funded projects: status, milestones, spending, photos.
    UPDATE_DELIVERY = "update_delivery"
    # Pledge volunteer hours or in-kind help to a proposal (a promise, never a vote).
    PLEDGE = "pledge"
    COMMENT = "comment"  # join the discussion of the ward's proposals
    MODERATE = "moderate"  # hide reported comments and proposals, or dismiss the reports


ALLOWED_ROLES: dict[Action, frozenset[Role]] = {
    Action.PROPOSE: frozenset({Role.RESIDENT}),
    Action.VOTE: frozenset({Role.RESIDENT}),
    Action.MANAGE_ROUND: frozenset({Role.COUNCILLOR}),
    Action.REVIEW: frozenset({Role.COUNCILLOR}),
    # Clerks enter paper batches and run the help desk for their ward, and nothing else.
    Action.ENTER_PAPER: frozenset({Role.COUNCILLOR, Role.CLERK}),
    Action.AUDIT: frozenset({Role.AUDITOR, Role.COUNCILLOR}),
    Action.MANAGE_WARD: frozenset({Role.COUNCILLOR}),
    # Clerks report on the ground as well as councillors: what was built, spent and when.
    Action.UPDATE_DELIVERY: frozenset({Role.COUNCILLOR, Role.CLERK}),
    Action.PLEDGE: frozenset({Role.RESIDENT}),
    # The discussion is about how this ward's money is spent: its residents (the people who may
    # propose and vote) and its councillors (who answer questions) take part; residents of other
    # wards read it but do not join in, which also keeps out drive-by brigading. Clerks keep
    # their narrow desk role; staff are not a ward's voice.
    Action.COMMENT: frozenset({Role.RESIDENT, Role.COUNCILLOR}),
    # Hiding is a public decision in the councillors' name ("hidden by the ward's councillors"),
    # so it is theirs (and staff's), not the clerks'.
    Action.MODERATE: frozenset({Role.COUNCILLOR}),
}
STAFF_ACTIONS = frozenset(
    {
        Action.MANAGE_ROUND,
        Action.REVIEW,
        Action.ENTER_PAPER,
        Action.AUDIT,
        Action.MANAGE_WARD,
        Action.UPDATE_DELIVERY,
        Action.MODERATE,
    }
)

REFUSALS: dict[Action, str] = {
    Action.PROPOSE: "Only residents of {ward} can propose projects here.",
    Action.VOTE: "Only residents of {ward} can vote here.",
    Action.MANAGE_ROUND: "Only councillors for {ward} can manage its budget rounds.",
    Action.REVIEW: "Only councillors for {ward} can review its proposals.",
    Action.ENTER_PAPER: "Only councillors or clerks for {ward} can enter paper ballots.",
    Action.AUDIT: "Only auditors and councillors for {ward} can see this.",
    Action.MANAGE_WARD: "Only councillors for {ward} can manage its team and postcode list.",
    Action.UPDATE_DELIVERY: "Only councillors or clerks for {ward} can report on its projects.",
    Action.PLEDGE: "Only residents of {ward} can pledge help to its projects.",
    Action.COMMENT: "Only residents and councillors of {ward} can join its discussions.",
    Action.MODERATE: "Only councillors for {ward} can moderate its discussions.",
}


def roles_in(user: Any, ward: Ward) -> frozenset[Role]:
    if user is None or not user.is_authenticated:
        return frozenset()
    cache: dict[int, frozenset[Role]] = getattr(user, "_ward_roles_cache", None) or {}
    if ward.pk not in cache:
        cache[ward.pk] = frozenset(
            Role(r)
            for r in Membership.objects.for_ward(ward)
            .filter(user=user)
            .values_list("role", flat=True)
        )
        user._ward_roles_cache = cache
    return cache[ward.pk]


def can(user: Any, action: Action, ward: Ward) -> bool:
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_staff and action in STAFF_ACTIONS:
        return True
    return bool(roles_in(user, ward) & ALLOWED_ROLES[action])


def require(user: Any, action: Action, ward: Ward) -> None:
    """Raise PermissionDenied (403) with a reason unless the user may act in the ward."""
    if not can(user, action, ward):
        if user is None or not user.is_authenticated:
            raise PermissionDenied("Please sign in first.")
        raise PermissionDenied(REFUSALS[action].format(ward=ward.name))


def is_resident(user: Any, ward: Ward, neighbourhood_id: int | None = None) -> bool:
    """A registered resident of the ward, or of one of its neighbourhoods when one is given (a
    neighbourhood's own round takes only the residents recorded in it)."""
    if not can(user, Action.VOTE, ward):
        return False
    if neighbourhood_id is None:
        return True
    return Membership.objects.filter(
        user=user, ward=ward, role=Role.RESIDENT, neighbourhood_id=neighbourhood_id
    ).exists()


def ledger_actor(user: Any, ward: Ward, role: Role) -> Any:
    """How the ledger names a signed-in person who acted in a ward: the role they acted in, under
    their stable pseudonym ("staff" for staff acting without that role). The one rule for every
    app; who acts when nobody is signed in (the scheduler, the command line) is the caller's."""
    import audit

    if role not in roles_in(user, ward) and getattr(user, "is_staff", False):
        return audit.actor_for(user, "staff")
    return audit.actor_for(user, role.value)


def get_ward(slug: str) -> Ward:
    """The public ward with this slug, or 404."""
    return get_object_or_404(Ward, slug=slug)


def wards_with_role(user: Any, role: Role) -> list[Ward]:
    """Wards in which the user holds a role (for navigation: 'your wards')."""
    if user is None or not user.is_authenticated:
        return []
    return list(Ward.objects.filter(memberships__user=user, memberships__role=role).distinct())
