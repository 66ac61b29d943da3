"""Demo delivery: the demo's published round (Edgbaston's) gets pledges of help from residents,
then delivery records for its funded projects: milestones, spending, volunteer hours and updates
with photos, and a record of what became of its unspent money.

Everything goes through the services (budgets.services.pledges, delivery.services), so the
ledger holds the real history; nothing here writes the ledger or its models itself. The photos
are drawn with Pillow from a seeded generator (no downloads), so every run draws the same ones.
Idempotent: a round whose projects already have a delivery record is left alone.
"""

from __future__ import annotations

import datetime
import io
import random
from collections.abc import Callable
from typing import Any

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw

from budgets.demo import councillors
from budgets.models import Phase, Round
from budgets.services.pledges import make_pledge
from delivery import services
from delivery.models import Delivery, Status, UnspentDecision

DEMO_ROUND = ("edgbaston", "Edgbaston Community Chest 2025")
# What each funded project (by title order) has become, cycling if there are more projects.
STORIES = (Status.DELIVERED, Status.IN_PROGRESS, Status.DELIVERED, Status.NOT_STARTED)
PALETTES = (
    ((0x1D, 0x70, 0xB8), (0x00, 0x70, 0x3C)),
    ((0xF4, 0x77, 0x38), (0x4C, 0x2C, 0x92)),
    ((0x00, 0x70, 0x3C), (0xFF, 0xDD, 0x00)),
)


def demo_photo(seed: str, *, width: int = 640, height: int = 420) -> SimpleUploadedFile:
    """A small made-up 'photo' (sky, ground, a few shapes), the same for the same seed."""
    rng = random.Random(seed)
    sky, ground = PALETTES[rng.randrange(len(PALETTES))]
    image = Image.new("RGB", (width, height), sky)
    draw = ImageDraw.Draw(image)
    horizon = rng.randint(height // 2, height * 3 // 4)
    draw.rectangle((0, horizon, width, height), fill=ground)
    for _ in range(rng.randint(3, 7)):
        x, y = rng.randrange(width - 60), rng.randrange(horizon - 80, height - 40)
        size = rng.randint(20, 70)
        colour = tuple(rng.randrange(256) for _ in range(3))
        draw.ellipse((x, y, x + size, y + size), fill=colour)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return SimpleUploadedFile(f"{seed}.png", out.getvalue(), content_type="image/png")


def _residents(ward_slug: str) -> list[Any]:
    return list(
        get_user_model()
        .objects.filter(memberships__ward__slug=ward_slug, memberships__role="resident")
        .order_by("username")
    )


def seed_delivery(say: Callable[[str], None]) -> None:
    ward_slug, title = DEMO_ROUND
    round = (
        Round.objects.filter(ward__slug=ward_slug, title=title, phase=Phase.PUBLISHED)
        .select_related("ward")
        .first()
    )
    if round is None:
        return
    projects = services.funded_proposals(round)
    if not projects or Delivery.objects.filter(round=round).exists():
        return
    rng = random.Random(f"community-chest-delivery-{round.pk}")
    first, second = councillors(round.ward)[:2]
    residents = _residents(ward_slug)
    # Residents pledge help first: a promise made to the proposal, shown against what is given.
    for n, proposal in enumerate(projects):
        for resident in residents[: 1 + n % max(1, len(residents))]:
            make_pledge(
                proposal,
                by=resident,
                hours=rng.choice((4, 8, 12, 24, 48)),
                in_kind=rng.choice(("", "", "tools", "tea and cake for the volunteers", "a van")),
            )
    start = (round.voting_end or round.created_at).date()
    for n, proposal in enumerate(projects):
        story = STORIES[n % len(STORIES)]
        if story == Status.NOT_STARTED:
            continue  # no record yet: the page says "not started"
        _tell(round, proposal, story, start, rng, by=(first, second))
    left = max(0, round.budget_pence - int(round.result.result_json.get("spent", 0)))
    services.record_unspent(
        round,
        by=first,
        decision=UnspentDecision.CARRIED_OVER,
        amount_pence=left,
        note="Added to next year's community chest, as the ward's councillors agreed.",
    )
    say(f"  {round.title}: delivery records for {len(projects)} funded projects, with photos.")


def _tell(
    round: Round,
    proposal: Any,
    story: str,
    start: datetime.date,
    rng: random.Random,
    *,
    by: tuple[Any, Any],
) -> None:
    """One project's delivery so far, as its councillors would report it."""
    first, second = by
    day = datetime.timedelta(days=1)
    plan = [("Order placed", 21), ("Work starts on site", 45), ("Finished and open", 90)]
    for name, offset in plan:
        services.set_milestone(
            round, proposal.pk, by=first, title=name, planned_on=start + offset * day
        )
    milestones = list(proposal.delivery.milestones.order_by("planned_on", "id"))
    services.post_update(
        round,
        proposal.pk,
        by=first,
        text="The order is placed and the work is booked in. Thank you to everyone who voted.",
        status=Status.IN_PROGRESS,
        spent_pence=proposal.cost_pence // 4,
        hours_delivered=rng.randint(4, 12),
        photo=demo_photo(f"{proposal.pk}-start"),
        photo_alt=f"The site of “{proposal.title}” before work began",
    )
    services.set_milestone(
        round, proposal.pk, by=first, milestone_id=milestones[0].pk, reached_on=start + 19 * day
    )
    services.set_milestone(
        round, proposal.pk, by=second, milestone_id=milestones[1].pk, reached_on=start + 50 * day
    )
    if story != Status.DELIVERED:
        return
    final = proposal.cost_pence - rng.choice((0, proposal.cost_pence // 20))
    services.post_update(
        round,
        proposal.pk,
        by=second,
        text="Finished and open to everyone. Volunteers from the street helped on the last day.",
        status=Status.DELIVERED,
        spent_pence=final,
        final_cost_pence=final,
        hours_delivered=rng.randint(10, 40),
        photo=demo_photo(f"{proposal.pk}-done"),
        photo_alt=f"“{proposal.title}” finished",
    )
    services.set_milestone(
        round, proposal.pk, by=second, milestone_id=milestones[2].pk, reached_on=start + 88 * day
    )
