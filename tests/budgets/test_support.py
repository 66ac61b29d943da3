"""Support and shortlisting: the rule (threshold, top K, both, ties), who may support, the limit,
the frozen settings, the phase order with and without a support stage, and the ledger."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from audit import kinds
from audit.models import Event
from budgets import services
from budgets.models import Phase, Proposal, ProposalStatus, Round, Support, SupportStage
from budgets.services.support import decide_shortlist
from tests.budgets.conftest import make_proposal, make_round
from tests.conftest import make_user
from wards.models import Membership, Role, Ward


def resident(ward: Ward, name: str, **extra: Any) -> Any:
    user = make_user(name)
    Membership.objects.create(user=user, ward=ward, role=Role.RESIDENT, **extra)
    return user


def support_round(ward: Ward, *, phase: str = Phase.SUPPORT, **extra: Any) -> Round:
    values: dict[str, Any] = {
        "support_stage": SupportStage.BEFORE_VOTING,
        "support_limit": 2,
        "shortlist_top": 2,
    }
    values.update(extra)
    round = make_round(ward, phase, **values)
    if phase == Phase.SUPPORT:
        round.support_opened_at = round.created_at
        round.save(update_fields=["support_opened_at"])
    return round


def feasible(round: Round, title: str, cost: int = 1_000_000) -> Proposal:
    p = make_proposal(round, title=title, cost_pence=cost, estimated_cost_pence=cost)
    p.status = ProposalStatus.FEASIBLE
    p.save()
    return p


def supported_by(proposal: Proposal, n: int, ward: Ward) -> None:
    for k in range(n):
        Support.objects.create(proposal=proposal, person=make_user(f"s{proposal.pk}-{k}"))


# --- the rule, on counts alone ------------------------------------------------------------


def test_threshold_only() -> None:
    s = decide_shortlist({1: 5, 2: 3, 3: 0}, threshold=3, top=None)
    assert s.shortlisted == [1, 2]
    assert s.missed_by == {3: 3}


def test_top_k_only() -> None:
    s = decide_shortlist({1: 5, 2: 3, 3: 2, 4: 0}, threshold=None, top=2)
    assert s.shortlisted == [1, 2]
    assert s.missed_by == {3: 1, 4: 3}


def test_ties_at_the_k_boundary_all_go_through() -> None:
    s = decide_shortlist({1: 5, 2: 3, 3: 3, 4: 1}, threshold=None, top=2)
    assert s.shortlisted == [1, 2, 3]  # longer than K: nobody tied is cut by an arbitrary order
    assert s.missed_by == {4: 2}


def test_fewer_proposals_than_k_all_go_through() -> None:
    assert decide_shortlist({1: 0, 2: 4}, threshold=None, top=3).shortlisted == [1, 2]


def test_both_the_top_k_must_also_reach_the_threshold() -> None:
    s = decide_shortlist({1: 9, 2: 4, 3: 2, 4: 1}, threshold=5, top=3)
    assert s.shortlisted == [1]
    assert s.missed_by == {2: 1, 3: 3, 4: 4}
    s = decide_shortlist({1: 9, 2: 8, 3: 7, 4: 6}, threshold=5, top=2)
    assert s.shortlisted == [1, 2]
    assert s.missed_by == {3: 1, 4: 2}  # the bar is the K-th count, higher than the threshold


# --- supporting -------------------------------------------------------------------------


def test_resident_supports_once_and_counts_are_public(
    sparkbrook: Ward, resident_alice: Any
) -> None:
    round = support_round(sparkbrook)
    p = feasible(round, "Benches")
    assert services.support_proposal(p, by=resident_alice) is True
    assert services.support_proposal(p, by=resident_alice) is False  # one support per person
    assert services.support_counts(round) == {p.pk: 1}
    assert services.withdraw_support(p, by=resident_alice) is True
    assert services.support_counts(round) == {p.pk: 0}


def test_the_limit_per_person(sparkbrook: Ward, resident_alice: Any) -> None:
    round = support_round(sparkbrook, support_limit=2)
    a, b, c = (feasible(round, t) for t in ("A", "B", "C"))
    services.support_proposal(a, by=resident_alice)
    services.support_proposal(b, by=resident_alice)
    with pytest.raises(ValidationError, match="the most this round allows"):
        services.support_proposal(c, by=resident_alice)
    services.withdraw_support(a, by=resident_alice)
    assert services.support_proposal(c, by=resident_alice) is True


@pytest.mark.parametrize("who", ["anonymous", "other_ward", "councillor", "clerk", "staff"])
def test_only_residents_of_the_area_support(
    who: str, sparkbrook: Ward, aston: Ward, councillor_sam: Any, staff_dave: Any
) -> None:
    from django.contrib.auth.models import AnonymousUser

    round = support_round(sparkbrook)
    p = feasible(round, "Benches")
    users = {
        "anonymous": AnonymousUser(),
        "other_ward": resident(aston, "rhys"),
        "councillor": councillor_sam,
        "staff": staff_dave,
    }
    if who == "clerk":
        users["clerk"] = make_user("cleo")
        Membership.objects.create(user=users["clerk"], ward=sparkbrook, role=Role.CLERK)
    with pytest.raises(PermissionDenied):
        services.support_proposal(p, by=users[who])
    assert not Support.objects.exists()


def test_a_neighbourhoods_round_takes_only_its_residents(sparkbrook: Ward) -> None:
    hood = sparkbrook.neighbourhoods.get()
    round = support_round(sparkbrook, neighbourhood=hood)
    p = feasible(round, "Benches")
    with pytest.raises(PermissionDenied):
        services.support_proposal(p, by=resident(sparkbrook, "ward-only"))
    assert services.support_proposal(p, by=resident(sparkbrook, "local", neighbourhood=hood))


def test_no_support_outside_the_phase_or_for_a_non_candidate(
    sparkbrook: Ward, resident_alice: Any
) -> None:
    round = support_round(sparkbrook, phase=Phase.REVIEW)
    p = feasible(round, "Benches")
    with pytest.raises(ValidationError, match="only during the round's support phase"):
        services.support_proposal(p, by=resident_alice)
    plain = make_round(sparkbrook, Phase.REVIEW, title="No support")
    q = feasible(plain, "Swings")
    with pytest.raises(ValidationError, match="no support stage"):
        services.support_proposal(q, by=resident_alice)
    round.phase = Phase.SUPPORT
    round.save()
    p.status = ProposalStatus.NOT_FEASIBLE
    p.save()
    with pytest.raises(ValidationError, match="cannot be supported"):
        services.support_proposal(p, by=resident_alice)


# --- the phase order --------------------------------------------------------------------


def test_a_round_without_a_support_stage_never_enters_it(
    sparkbrook: Ward, councillor_sam: Any
) -> None:
    round = make_round(sparkbrook, Phase.PROPOSALS)
    assert services.next_phase(round) == Phase.REVIEW
    with pytest.raises(ValidationError, match="no support stage"):
        services.change_phase(round, Phase.SUPPORT, by=councillor_sam)


def test_before_review_goes_proposals_support_review_and_shortlists(
    sparkbrook: Ward, councillor_sam: Any
) -> None:
    round = make_round(
        sparkbrook,
        Phase.PROPOSALS,
        support_stage=SupportStage.BEFORE_REVIEW,
        support_limit=3,
        shortlist_threshold=2,
    )
    a, b = make_proposal(round, title="A"), make_proposal(round, title="B")
    with pytest.raises(ValidationError, match="only go to support"):
        services.change_phase(round, Phase.REVIEW, by=councillor_sam)
    round = services.change_phase(round, Phase.SUPPORT, by=councillor_sam)
    assert round.support_opened_at is not None
    voters = [resident(sparkbrook, f"r{k}") for k in range(3)]
    for v in voters:
        services.support_proposal(a, by=v)
    services.support_proposal(b, by=voters[0])
    round = services.change_phase(round, Phase.REVIEW, by=councillor_sam)
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.status == ProposalStatus.SUBMITTED
    assert (b.status, b.shortlist_missed_by) == (ProposalStatus.NOT_SHORTLISTED, 1)
    with pytest.raises(ValidationError, match="not shortlisted"):
        services.review_proposal(b, by=councillor_sam, decision="feasible", reason="ok")
    event = Event.objects.get(kind=kinds.ROUND_SHORTLISTED)
    assert event.payload["rule"]["threshold"] == 2
    assert event.payload["counts"] == {str(a.pk): 3, str(b.pk): 1}
    assert event.payload["shortlisted"] == [a.pk]
    assert event.payload["missed_by"] == {str(b.pk): 1}
    order = list(
        Event.objects.filter(round_id=round.pk).order_by("seq").values_list("kind", flat=True)
    )
    assert order.index(kinds.ROUND_SHORTLISTED) < len(order) - 1  # before the phase change


def test_before_voting_shortlist_is_the_ballot(sparkbrook: Ward, councillor_sam: Any) -> None:
    round = support_round(sparkbrook, phase=Phase.REVIEW, shortlist_top=1)
    a, b, c = feasible(round, "A"), feasible(round, "B"), feasible(round, "C")
    assert services.next_phase(round) == Phase.SUPPORT
    round = services.change_phase(round, Phase.SUPPORT, by=councillor_sam)
    voters = [resident(sparkbrook, f"r{k}") for k in range(2)]
    for v in voters:
        services.support_proposal(a, by=v)
        services.support_proposal(b, by=v)  # a and b tie at the boundary: both go through
    round = services.change_phase(round, Phase.VOTING, by=councillor_sam)
    assert set(round.proposals.on_ballot()) == {a, b}
    c.refresh_from_db()
    assert (c.status, c.shortlist_missed_by) == (ProposalStatus.NOT_SHORTLISTED, 2)
    frozen = Event.objects.get(kind=kinds.ROUND_SETTINGS_FROZEN)
    assert frozen.payload["ballot"] == sorted([a.pk, b.pk])


def test_when_voting_cannot_open_on_the_shortlist_nothing_changes(
    sparkbrook: Ward, councillor_sam: Any
) -> None:
    round = support_round(sparkbrook, shortlist_top=None, shortlist_threshold=5)
    a = feasible(round, "A")
    with pytest.raises(ValidationError, match="ballot would be empty"):
        services.change_phase(round, Phase.VOTING, by=councillor_sam)
    a.refresh_from_db()
    round.refresh_from_db()
    assert (round.phase, a.status) == (Phase.SUPPORT, ProposalStatus.FEASIBLE)
    assert not Event.objects.filter(kind=kinds.ROUND_SHORTLISTED).exists()


def test_the_scheduler_ends_support_on_its_date(sparkbrook: Ward) -> None:
    past = datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)
    round = support_round(sparkbrook, support_end=past)
    feasible(round, "A")
    results = services.advance_due_rounds()
    assert [r.outcome for r in results] == ["moved"]
    round.refresh_from_db()
    assert round.phase == Phase.VOTING


# --- settings ---------------------------------------------------------------------------


def test_support_settings_need_a_rule(sparkbrook: Ward, councillor_sam: Any) -> None:
    round = make_round(sparkbrook, Phase.DRAFT)
    with pytest.raises(ValidationError) as exc:
        services.update_round(round, by=councillor_sam, support_stage=SupportStage.BEFORE_VOTING)
    assert set(exc.value.message_dict) == {"support_limit", "shortlist_threshold"}
    round = services.update_round(
        round,
        by=councillor_sam,
        support_stage=SupportStage.BEFORE_VOTING,
        support_limit=3,
        shortlist_top=5,
    )
    assert round.phase_order == [
        "draft", "proposals", "review", "support", "voting", "closed", "published"
    ]  # fmt: skip


def test_the_rule_is_frozen_once_support_opens(sparkbrook: Ward, councillor_sam: Any) -> None:
    round = support_round(sparkbrook)
    with pytest.raises(ValidationError, match="shortlist rule is frozen"):
        services.update_round(round, by=councillor_sam, shortlist_top=5)
    with pytest.raises(ValidationError, match="frozen"):
        services.update_round(round, by=councillor_sam, support_stage=SupportStage.NONE)
    later = round.support_end or datetime.datetime(2099, 1, 1, tzinfo=datetime.UTC)
    services.update_round(round, by=councillor_sam, support_end=later)  # its end may move


def test_a_stage_already_passed_cannot_be_added(sparkbrook: Ward, councillor_sam: Any) -> None:
    round = make_round(sparkbrook, Phase.REVIEW)
    with pytest.raises(ValidationError, match="past the proposals open phase"):
        services.update_round(
            round,
            by=councillor_sam,
            support_stage=SupportStage.BEFORE_REVIEW,
            support_limit=1,
            shortlist_top=1,
        )


def test_a_round_in_support_can_be_cancelled_by_one_councillor(
    sparkbrook: Ward, councillor_sam: Any
) -> None:
    round = support_round(sparkbrook)
    round = services.cancel_round(round, by=councillor_sam, reason="The budget was withdrawn.")
    assert round.phase == Phase.CANCELLED
    assert round.cancelled_from == Phase.SUPPORT


def test_support_keeps_to_its_dates(sparkbrook: Ward, resident_alice: Any) -> None:
    from django.utils import timezone

    hour = datetime.timedelta(hours=1)
    round = support_round(sparkbrook, support_end=timezone.now() - hour)
    p = feasible(round, "Benches")
    with pytest.raises(ValidationError, match="Supporting closed on"):
        services.support_proposal(p, by=resident_alice)
    round.support_start, round.support_end = timezone.now() + hour, timezone.now() + 2 * hour
    round.save()
    with pytest.raises(ValidationError, match="Supporting opens on"):
        services.support_proposal(p, by=resident_alice)


def test_opening_support_records_the_frozen_rule(sparkbrook: Ward, councillor_sam: Any) -> None:
    round = support_round(sparkbrook, phase=Phase.REVIEW, shortlist_threshold=3)
    services.change_phase(round, Phase.SUPPORT, by=councillor_sam)
    event = Event.objects.get(kind=kinds.ROUND_PHASE_CHANGED, payload__to="support")
    assert event.payload["support_rule"]["shortlist_threshold"] == 3
    assert event.payload["support_rule"]["support_limit"] == 2
