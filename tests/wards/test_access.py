"""The access helpers: who may do what in which ward."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError

from wards.access import Action, can, require
from wards.models import Membership, Role, Ward

pytestmark = pytest.mark.django_db


def test_resident_may_propose_and_vote_only_in_their_ward(
    resident_alice: Any, sparkbrook: Ward, aston: Ward
) -> None:
    assert can(resident_alice, Action.PROPOSE, sparkbrook)
    assert can(resident_alice, Action.VOTE, sparkbrook)
    assert not can(resident_alice, Action.PROPOSE, aston)
    assert not can(resident_alice, Action.REVIEW, sparkbrook)


def test_councillor_manages_only_their_ward(
    councillor_bob: Any, sparkbrook: Ward, aston: Ward
) -> None:
    assert can(councillor_bob, Action.MANAGE_ROUND, aston)
    assert not can(councillor_bob, Action.MANAGE_ROUND, sparkbrook)
    with pytest.raises(PermissionDenied, match="Only councillors for Sparkbrook"):
        require(councillor_bob, Action.REVIEW, sparkbrook)


def test_citywide_auditor_audits_every_ward_but_cannot_vote(
    auditor_carol: Any, sparkbrook: Ward, aston: Ward
) -> None:
    assert can(auditor_carol, Action.AUDIT, sparkbrook)
    assert can(auditor_carol, Action.AUDIT, aston)
    assert not can(auditor_carol, Action.VOTE, aston)


def test_staff_manage_everywhere_but_never_vote(staff_dave: Any, sparkbrook: Ward) -> None:
    assert can(staff_dave, Action.MANAGE_ROUND, sparkbrook)
    assert not can(staff_dave, Action.VOTE, sparkbrook)


def test_anonymous_is_asked_to_sign_in(sparkbrook: Ward) -> None:
    with pytest.raises(PermissionDenied, match="Please sign in"):
        require(AnonymousUser(), Action.PROPOSE, sparkbrook)


def test_inactive_user_may_do_nothing(resident_alice: Any, sparkbrook: Ward) -> None:
    resident_alice.is_active = False
    assert not can(resident_alice, Action.VOTE, sparkbrook)


def test_only_auditors_may_hold_a_citywide_role(resident_alice: Any) -> None:
    with pytest.raises(IntegrityError):
        Membership.objects.create(user=resident_alice, ward=None, role=Role.COUNCILLOR)
