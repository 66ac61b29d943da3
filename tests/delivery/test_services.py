"""The delivery rules: who reports, on which projects, when; what a report may hold; the ledger
events; and the unspent money."""

from __future__ import annotations

import datetime
import io
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from PIL import Image

from audit.models import Event
from audit.verify import check_phase_order
from budgets.models import Round
from delivery import pages, services
from delivery.models import Delivery, Milestone, Status, Unspent, Update
from tests.ballots.conftest import make_voting_round
from tests.delivery.conftest import image_bytes, upload
from wards.money import MAX_PENCE
from wards.ratelimit import TooManyActions

pytestmark = pytest.mark.django_db


def test_every_funded_project_is_listed_not_started_until_reported(
    published_round: Round, funded: list[int]
) -> None:
    summary = pages.round_delivery(published_round)
    assert summary is not None
    assert sorted(p.proposal.pk for p in summary.projects) == funded
    assert all(p.status == Status.NOT_STARTED and p.record is None for p in summary.projects)
    assert summary.allocated_pence == 6_250_000
    assert summary.left_unallocated_pence == 3_750_000


def test_a_councillor_posts_an_update_with_a_photo_and_the_ledger_keeps_hashes(
    published_round: Round, funded: list[int], councillor_sam: Any
) -> None:
    update = services.post_update(
        published_round,
        funded[0],
        by=councillor_sam,
        text="Benches ordered.\r\nDelivery in May.",
        status=Status.IN_PROGRESS,
        spent_pence=500_000,
        hours_delivered=6,
        photo=upload(image_bytes("PNG", (2000, 1000)), "site.png", "image/png"),
        photo_alt="The\u202e corner of the park",
    )
    assert update.text == "Benches ordered.\nDelivery in May."
    assert update.photo_alt == "The corner of the park"
    assert (update.photo_width, update.photo_height) == (1600, 800)
    assert default_storage.exists(update.photo.name)
    with default_storage.open(update.photo.name) as stored, Image.open(stored) as image:
        assert image.format == "JPEG" and image.size == (1600, 800)
    record = Delivery.objects.get(proposal_id=funded[0])
    assert (record.status, record.spent_pence, record.hours_delivered) == (
        "in_progress",
        500_000,
        6,
    )
    event = Event.objects.get(kind="delivery.updated")
    assert event.round_id == published_round.pk and event.actor_role == "councillor"
    assert event.payload["photo_sha256"] == update.photo_sha256
    assert event.payload["status"] == "in_progress" and event.payload["spent_pence"] == 500_000
    assert "Benches" not in str(event.payload) and "sam" not in str(event.payload).lower()
    assert len(event.payload["text_sha256"]) == 64


def test_a_clerk_reports_and_is_named_as_a_clerk(
    published_round: Round, funded: list[int], clerk_cleo: Any
) -> None:
    update = services.post_update(published_round, funded[0], by=clerk_cleo, text="Started.")
    assert update.posted_as == "clerk"
    assert Event.objects.get(kind="delivery.updated").actor_role == "clerk"


@pytest.mark.parametrize("who", ["resident_alice", "resident_rhys", "councillor_bob"])
def test_nobody_else_reports(
    published_round: Round, funded: list[int], who: str, request: pytest.FixtureRequest
) -> None:
    with pytest.raises(PermissionDenied):
        services.post_update(
            published_round, funded[0], by=request.getfixturevalue(who), text="Hello"
        )
    with pytest.raises(PermissionDenied):
        services.set_milestone(
            published_round,
            funded[0],
            by=request.getfixturevalue(who),
            title="x",
            planned_on=datetime.date(2026, 6, 1),
        )
    assert not Update.objects.exists() and not Event.objects.filter(kind__startswith="delivery")


def test_only_funded_projects_of_published_rounds(
    published_round: Round, unfunded: int, councillor_sam: Any, sparkbrook: Any
) -> None:
    with pytest.raises(ValidationError, match="Only projects the result funded"):
        services.post_update(published_round, unfunded, by=councillor_sam, text="x")
    open_round = make_voting_round(sparkbrook, title="Still voting")
    project = open_round.proposals.first()
    assert project is not None
    with pytest.raises(ValidationError, match="once the round's result is published"):
        services.post_update(open_round, project.pk, by=councillor_sam, text="x")
    with pytest.raises(ValidationError, match="once the round's result is published"):
        services.record_unspent(open_round, by=councillor_sam, decision="returned", amount_pence=1)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"text": "  \u200b\n\t"}, "Say what has happened"),
        ({"text": "x" * 2001}, "2,000 characters"),
        ({"status": "finished"}, "Choose one of the statuses"),
        ({"status": "cancelled"}, "Say why the project was cancelled"),
        ({"spent_pence": -1}, "not a negative number"),
        ({"spent_pence": MAX_PENCE + 1}, "Enter an amount up to"),
        ({"final_cost_pence": 1.5}, "whole pence"),
        ({"hours_delivered": 5001}, "between 0 and 5,000"),
        ({"hours_delivered": "10"}, "whole number"),
        ({"photo": upload(b"GIF89a fake"), "photo_alt": "x"}, "JPEG, PNG or WebP"),
        ({"photo": upload(image_bytes())}, "Describe the photo"),
    ],
)
def test_bad_reports_are_refused_and_nothing_is_written(
    published_round: Round,
    funded: list[int],
    councillor_sam: Any,
    fields: dict[str, Any],
    message: str,
) -> None:
    data = {"text": "An update", **fields}
    with pytest.raises(ValidationError, match=message):
        services.post_update(published_round, funded[0], by=councillor_sam, **data)
    assert not Delivery.objects.exists() and not Update.objects.exists()
    assert not Event.objects.filter(kind__startswith="delivery.").exists()


def test_a_cancellation_keeps_its_reason_and_a_later_status_clears_it(
    published_round: Round, funded: list[int], councillor_sam: Any
) -> None:
    services.post_update(
        published_round, funded[1], by=councillor_sam, text="Stopped.",
        status="cancelled", cancelled_reason="The landowner withdrew permission.",
    )  # fmt: skip
    summary = pages.round_delivery(published_round)
    assert summary is not None and summary.cancelled == 1
    assert Delivery.objects.get().cancelled_reason == "The landowner withdrew permission."
    services.post_update(
        published_round, funded[1], by=councillor_sam, text="Back on.", status="in_progress"
    )
    assert Delivery.objects.get().cancelled_reason == ""


def test_hours_add_up_and_show_against_pledges(
    published_round: Round, funded: list[int], councillor_sam: Any, resident_alice: Any
) -> None:
    from budgets.models import Proposal
    from budgets.services.pledges import make_pledge

    make_pledge(Proposal.objects.get(pk=funded[0]), by=resident_alice, hours=30, in_kind="tea")
    for hours in (5, 7):
        services.post_update(
            published_round, funded[0], by=councillor_sam, text="Work day", hours_delivered=hours
        )
    project = pages.project_delivery(published_round, Proposal.objects.get(pk=funded[0]))
    assert project.hours_delivered == 12 and project.pledges.hours == 30
    assert project.pledges.in_kind == ["tea"]


def test_milestones_are_added_and_reached(
    published_round: Round, funded: list[int], clerk_cleo: Any
) -> None:
    milestone = services.set_milestone(
        published_round, funded[0], by=clerk_cleo, title="Order placed",
        planned_on=datetime.date(2026, 6, 1),
    )  # fmt: skip
    services.set_milestone(
        published_round, funded[0], by=clerk_cleo, milestone_id=milestone.pk,
        reached_on=datetime.date(2026, 5, 28),
    )  # fmt: skip
    milestone.refresh_from_db()
    assert milestone.reached_on == datetime.date(2026, 5, 28)
    events = Event.objects.filter(kind="delivery.milestone_set").order_by("seq")
    assert [e.payload["reached_on"] for e in events] == [None, "2026-05-28"]
    for bad in (
        {"title": "", "planned_on": datetime.date(2026, 1, 1)},
        {"title": "x" * 121, "planned_on": datetime.date(2026, 1, 1)},
        {"title": "Late", "planned_on": datetime.date(2999, 1, 1)},
        {"title": "No date"},
        {"milestone_id": 999_999, "reached_on": datetime.date(2026, 1, 1)},
    ):
        with pytest.raises(ValidationError):
            services.set_milestone(published_round, funded[0], by=clerk_cleo, **bad)
    assert Milestone.objects.count() == 1


def test_unspent_money_is_recorded_by_a_councillor_within_the_budget(
    published_round: Round, councillor_sam: Any, clerk_cleo: Any
) -> None:
    with pytest.raises(PermissionDenied):
        services.record_unspent(published_round, by=clerk_cleo, decision="returned", amount_pence=1)
    with pytest.raises(ValidationError, match="more than the round's budget"):
        services.record_unspent(
            published_round, by=councillor_sam, decision="returned", amount_pence=10_000_001
        )
    with pytest.raises(ValidationError, match="carried over or returned"):
        services.record_unspent(
            published_round, by=councillor_sam, decision="spent on cake", amount_pence=1
        )
    services.record_unspent(
        published_round, by=councillor_sam, decision="carried_over", amount_pence=3_750_000
    )
    services.record_unspent(
        published_round, by=councillor_sam, decision="returned", amount_pence=3_000_000
    )
    (unspent,) = Unspent.objects.all()
    assert (unspent.decision, unspent.amount_pence) == ("returned", 3_000_000)
    payloads = [e.payload for e in Event.objects.filter(kind="delivery.unspent_recorded")]
    assert [p["decision"] for p in payloads] == ["carried_over", "returned"]


def test_reports_are_rate_limited(
    published_round: Round, funded: list[int], councillor_sam: Any
) -> None:
    # Different words each time: the same update sent again is one update (test_resubmit).
    for i in range(services.UPDATE_LIMIT):
        services.post_update(published_round, funded[0], by=councillor_sam, text=f"Report {i}")
    with pytest.raises(TooManyActions):
        services.post_update(published_round, funded[0], by=councillor_sam, text="Once more")
    assert Update.objects.count() == services.UPDATE_LIMIT


def test_the_ledger_keeps_phase_order_with_delivery_events(
    published_round: Round, funded: list[int], councillor_sam: Any
) -> None:
    services.post_update(
        published_round, funded[0], by=councillor_sam, text="Done", status="delivered"
    )
    services.record_unspent(
        published_round, by=councillor_sam, decision="carried_over", amount_pence=100
    )
    events = Event.objects.order_by("seq")
    bodies = [(e.seq, {"kind": e.kind, "round": e.round_id, "payload": e.payload}) for e in events]
    assert check_phase_order(bodies) is None
    # A delivery event before publication would be out of order.
    forged = [*bodies[:3], (999, {"kind": "delivery.updated", "round": published_round.pk})]
    assert check_phase_order(forged) is not None


def test_counts_by_ward_for_the_dashboard(
    published_round: Round, funded: list[int], councillor_sam: Any
) -> None:
    services.post_update(
        published_round, funded[0], by=councillor_sam, text="x", status="delivered"
    )
    services.post_update(
        published_round, funded[1], by=councillor_sam, text="y", status="in_progress"
    )
    counts = pages.counts_by_ward()
    assert counts[published_round.ward_id] == pages.DeliveryCounts(delivered=1, in_progress=1)


def test_a_stored_photo_has_no_gps(
    published_round: Round, funded: list[int], councillor_sam: Any
) -> None:
    image = Image.new("RGB", (50, 50))
    exif = Image.Exif()
    exif.get_ifd(0x8825)[2] = (52.0, 28.0, 30.0)
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes())
    update = services.post_update(
        published_round, funded[0], by=councillor_sam, text="Photo",
        photo=upload(out.getvalue()), photo_alt="A square",
    )  # fmt: skip
    with default_storage.open(update.photo.name) as stored, Image.open(stored) as saved:
        assert not saved.getexif() and not saved.getexif().get_ifd(0x8825)
