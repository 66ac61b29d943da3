# ruff: noqa: E501  (the project catalogue and the docstring table read best one row a line)
"""Demo budget rounds and proposals; BudgetsConfig.seed_demo runs this after the wards seeder.

Every phase has at least one round. Titles are stable, so the ballots seeder (which runs after
this one) can find its rounds with `Round.objects.get(ward__slug=..., title=...)`:

| ward (slug)              | title                                   | phase     | ballot, rule           |
|--------------------------|-----------------------------------------|-----------|------------------------|
| sparkbrook               | Sparkbrook Community Chest 2026         | voting    | knapsack, greedy       |
| sparkbrook (Balsall H.)  | Balsall Heath Neighbourhood Fund 2026   | proposals | approval 1-5, mes      |
| acocks-green             | Acocks Green Community Chest 2026       | support   | approval 1-5, greedy   |
| aston                    | Aston Community Chest 2026              | review    | knapsack, greedy       |
| moseley-and-kings-heath  | Moseley and Kings Heath Community Chest 2026 | draft | knapsack, greedy     |
| ladywood                 | Ladywood Community Chest 2026           | voting    | knapsack, mes          |
| selly-oak                | Selly Oak Community Chest 2026          | voting    | cumulative 10, greedy  |
| erdington                | Erdington Community Chest 2026          | voting    | ranked top 3, greedy   |
| hall-green               | Hall Green Community Chest 2026         | closed    | knapsack, greedy       |
| edgbaston                | Edgbaston Community Chest 2025          | published | knapsack, mes          |

Sparkbrook's round went through support and shortlisting before voting (the top 7 of its
feasible projects by residents' supports, ties included: the rest missed by a support); Acocks
Green's is in its support phase now, before review (a proposal needs 2 supports).

Every round is made by the services a councillor's clicks use (budgets.services create_round,
change_phase, submit_proposal, review_proposal, merge_proposals), one step at a time, so its
ledger is a real history in the real order; this module records no event and writes no model the
ledger covers itself. Rounds meant to be closed or published are taken as far as voting here; the
ballots seeder (ballots/demo.py) casts their ballots and closes and publishes them through
ballots.services. Dates are settings: each round gets a plausible timeline, except that the
windows the seeding passes through (proposals, voting) are stretched to include the time of
seeding, because the services check them against the clock; the events carry the real time.

Proposers are demo residents `resident-<ward-slug>-<n>` (wards.demo creates them for four wards;
this adds three for each other ward above, with the same demo password). Idempotent: a round that
exists is left alone.
"""

from __future__ import annotations

import datetime
import functools
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from budgets import services
from budgets.models import (
    BallotType,
    Phase,
    Proposal,
    ProposalStatus,
    ReviewDecision,
    Round,
    Rule,
    SupportStage,
)
from wards.demo import FIRST_NAMES, LAST_NAMES, demo_password
from wards.models import Membership, Neighbourhood, Role, Ward

CATEGORIES = [
    "Parks and green spaces",
    "Streets and safety",
    "Young people",
    "Older people",
    "Community spaces",
    "Environment",
]

# title, summary, category, low and high cost in pounds, location
PROJECTS: list[tuple[str, str, str, int, int, str]] = [
    ("Brighter street lighting on the back roads", "Replace failing lamps with LED lights on the darkest stretches, so people feel safe walking home.", "Streets and safety", 8_000, 30_000, "Side streets off the high road"),
    ("Youth club two evenings a week", "A safe, free place for 11 to 18 year olds, with trained youth workers and activities.", "Young people", 12_000, 38_000, "The community centre"),
    ("Community garden with raised beds", "Turn the unused plot into a garden where neighbours grow food together.", "Parks and green spaces", 3_000, 12_000, "The empty plot behind the library"),
    ("Timebank hub", "A shop-front hub where neighbours trade skills by the hour: repairs, lifts, tutoring.", "Community spaces", 6_000, 20_000, "A vacant unit on the parade"),
    ("New benches along the park path", "Ten sturdy benches so older residents can rest on the way to the shops.", "Older people", 1_500, 6_000, "The main park path"),
    ("CCTV at the bus interchange", "Cameras and better lighting where people wait late at night.", "Streets and safety", 10_000, 35_000, "The bus interchange"),
    ("Playground repairs", "Fix the broken swings, replace the worn safety surface and add an accessible roundabout.", "Parks and green spaces", 9_000, 40_000, "The recreation ground"),
    ("Litter picking kits and bins", "Grabbers, hoops and bags for volunteer litter picks, plus six new bins.", "Environment", 500, 3_000, "Across the ward"),
    ("Lunch club for older neighbours", "A weekly hot lunch and company for people who live alone.", "Older people", 4_000, 15_000, "The church hall"),
    ("Safer crossing by the primary school", "A raised table crossing and signs so children cross safely.", "Streets and safety", 15_000, 40_000, "Outside the primary school"),
    ("Tree planting on bare streets", "Fifty street trees for shade, cleaner air and nesting birds.", "Environment", 5_000, 25_000, "Streets with no trees"),
    ("Free bike repair sessions", "Monthly pop-up sessions with a mechanic and tools to borrow.", "Environment", 1_000, 5_000, "The library car park"),
    ("Outdoor gym equipment", "Simple outdoor exercise machines that anyone can use for free.", "Parks and green spaces", 8_000, 28_000, "The park by the canal"),
    ("Homework club with laptops", "After-school help and laptops for children without a quiet place to study.", "Young people", 5_000, 18_000, "The library"),
    ("Community fridge", "A shared fridge where shops and neighbours leave surplus food for anyone.", "Community spaces", 1_500, 6_000, "The community centre foyer"),
    ("Murals by local artists", "Brighten grey underpasses with murals designed with residents.", "Community spaces", 3_000, 14_000, "The two underpasses"),
    ("Wildflower verges", "Sow wildflowers on mown verges for bees and butterflies.", "Environment", 700, 4_000, "Main road verges"),
    ("Accessible toilet in the park", "An accessible, clean public toilet with a changing place.", "Parks and green spaces", 20_000, 40_000, "The park café"),
    ("Dementia-friendly cafe", "A monthly cafe where people with dementia and their carers meet.", "Older people", 2_000, 8_000, "The community centre"),
    ("Football pitch drainage", "Drain the waterlogged pitch so teams can play all winter.", "Young people", 10_000, 32_000, "The playing fields"),
    ("Alley gates for back entries", "Lockable gates to stop fly-tipping and burglary in the alleys.", "Streets and safety", 4_000, 16_000, "Back entries of terraced streets"),
    ("Repair cafe", "Volunteers fix toasters, clothes and bikes monthly instead of people binning them.", "Environment", 800, 4_000, "The scout hut"),
    ("Community noticeboards", "Weatherproof noticeboards so people without the internet hear what's on.", "Community spaces", 600, 2_500, "Shops and bus stops"),
    ("Summer holiday activities", "Sports, crafts and free lunches for children during the summer holidays.", "Young people", 6_000, 24_000, "Schools and parks"),
    ("Warm space in winter", "Keep the community centre open and heated on winter evenings.", "Community spaces", 3_000, 12_000, "The community centre"),
    ("Speed indicator signs", "Signs that flash drivers' speed on roads where people speed.", "Streets and safety", 2_500, 9_000, "Three residential roads"),
    ("Allotment water supply", "Taps and water butts so allotment holders stop carrying water.", "Parks and green spaces", 1_200, 5_000, "The allotments"),
    ("Digital skills for older people", "Weekly help with phones, tablets and online forms.", "Older people", 1_500, 7_000, "The library"),
]  # fmt: skip

REASONS = {
    ReviewDecision.FEASIBLE: [
        "The council's highways team confirmed this can be delivered within the estimate.",
        "The site is council land and the parks team can deliver this within a year.",
        "A local group has agreed to run it; the costs are realistic.",
        "Officers checked the quote and it is in line with similar projects.",
    ],
    ReviewDecision.FEASIBLE_CHANGED_COST: [
        "Feasible, but the contractor's quote includes installation the estimate missed.",
        "Feasible; the cost rises to cover two years of maintenance.",
        "Feasible at a lower cost: the council already owns some of the equipment.",
    ],
    ReviewDecision.NOT_FEASIBLE: [
        "Not feasible: the land is privately owned and the owner has not agreed.",
        "Not feasible: this is already funded by the council's highways programme next year.",
        "Not feasible: the police must approve camera sites and have not.",
    ],
}


@dataclass(frozen=True)
class DemoRound:
    ward: str
    title: str
    phase: str
    proposals: int
    neighbourhood: str = ""
    budget_pence: int = 0  # 0: the ward's chest
    settings: dict[str, Any] = field(default_factory=dict)
    reviewed_share: float = 1.0  # in review: how many are reviewed so far


DEMO_ROUNDS = [
    # The ward's chest (£100,000) is shared with Balsall Heath's neighbourhood round below.
    DemoRound("sparkbrook", "Sparkbrook Community Chest 2026", Phase.VOTING, 14,
              budget_pence=7_500_000,
              settings={"support_stage": SupportStage.BEFORE_VOTING, "support_limit": 3,
                        "shortlist_top": 7}),
    DemoRound(
        "sparkbrook", "Balsall Heath Neighbourhood Fund 2026", Phase.PROPOSALS, 9,
        neighbourhood="balsall-heath", budget_pence=2_500_000,
        settings={"ballot_type": BallotType.APPROVAL, "rule": Rule.MES, "min_choices": 1,
                  "max_choices": 5},
    ),
    DemoRound(
        "acocks-green", "Acocks Green Community Chest 2026", Phase.SUPPORT, 10,
        settings={"ballot_type": BallotType.APPROVAL, "min_choices": 1, "max_choices": 5,
                  "support_stage": SupportStage.BEFORE_REVIEW, "support_limit": 3,
                  "shortlist_threshold": 2},
    ),
    DemoRound("aston", "Aston Community Chest 2026", Phase.REVIEW, 16, reviewed_share=0.5),
    DemoRound("moseley-and-kings-heath", "Moseley and Kings Heath Community Chest 2026",
              Phase.DRAFT, 0),
    DemoRound("ladywood", "Ladywood Community Chest 2026", Phase.VOTING, 12,
              settings={"rule": Rule.MES}),
    DemoRound(
        "selly-oak", "Selly Oak Community Chest 2026", Phase.VOTING, 10,
        settings={"ballot_type": BallotType.CUMULATIVE, "max_points": 10},
    ),
    DemoRound(
        "erdington", "Erdington Community Chest 2026", Phase.VOTING, 8,
        settings={"ballot_type": BallotType.RANKED, "max_choices": 3},
    ),
    DemoRound("hall-green", "Hall Green Community Chest 2026", Phase.CLOSED, 12),
    DemoRound("edgbaston", "Edgbaston Community Chest 2025", Phase.PUBLISHED, 15,
              settings={"rule": Rule.MES}),
]  # fmt: skip

PHASE_INDEX: dict[str, int] = {p.value: i for i, p in enumerate(Phase)}
# How long a window the seeding itself needs stays open past the time of seeding (see _reachable).
SEEDING_MARGIN = datetime.timedelta(hours=1)
DEMO_REASON = "Demo data: this round's history is made by the same services a councillor uses."


def _timeline(
    phase: str, now: datetime.datetime, support_stage: str = SupportStage.NONE
) -> dict[str, datetime.datetime]:
    """Plausible dates that put `now` inside the phase (or after voting for closed/published);
    a support stage takes a week after proposals (then review) or after review (then voting)."""
    day = datetime.timedelta(days=1)
    offsets: dict[str, int] = {  # days from now at which proposals open
        Phase.DRAFT: 14,
        Phase.PROPOSALS: -10,
        Phase.SUPPORT: -30,
        Phase.REVIEW: -40,
        Phase.VOTING: -60,
        Phase.CLOSED: -90,
        Phase.PUBLISHED: -200,
    }
    start = (now + offsets[phase] * day).replace(hour=9, minute=0, second=0, microsecond=0)
    dates = {
        "proposals_start": start,
        "proposals_end": start + 28 * day,
        "review_start": start + 28 * day,
        "review_end": start + 49 * day,
        "voting_start": start + 49 * day,
        "voting_end": start + 77 * day,
    }
    if support_stage == SupportStage.BEFORE_REVIEW:
        dates["support_start"], dates["support_end"] = start + 28 * day, start + 35 * day
        dates["review_start"] = start + 35 * day
    elif support_stage == SupportStage.BEFORE_VOTING:
        dates["review_end"] = start + 42 * day
        dates["support_start"], dates["support_end"] = start + 42 * day, start + 49 * day
    return dates


def _reachable(
    dates: dict[str, datetime.datetime], phase: str, now: datetime.datetime
) -> dict[str, datetime.datetime]:
    """The dates with every window the seeding passes through stretched to include `now`.

    The services check dates against the real time (proposals are taken only while proposals are
    open, voting opens and ballots arrive only inside the voting window), and the seeding runs
    every step now. So a round whose plausible timeline is in the past gets its proposals and
    voting windows stretched to end just after the seeding, and keeps them so: the dates are
    settings, the ledger records when things really happened.
    """
    dates = dict(dates)
    target = PHASE_INDEX[phase]
    windows = [("proposals_start", "proposals_end", Phase.PROPOSALS)]
    windows.append(("voting_start", "voting_end", Phase.VOTING))
    if "support_start" in dates:  # only rounds with a support stage have its dates
        windows.append(("support_start", "support_end", Phase.SUPPORT))
    for start, end, needed_from in windows:
        if target >= PHASE_INDEX[needed_from]:
            dates[start] = min(dates[start], now)
            dates[end] = max(dates[end], now + SEEDING_MARGIN)
    return dates


@functools.cache
def _password_hash() -> str:
    from django.contrib.auth.hashers import make_password

    return make_password(demo_password())


def _residents(ward: Ward, rng: random.Random) -> list[Any]:
    """The ward's demo residents, creating three (as wards.demo does) if it has none."""
    User = get_user_model()
    people = list(
        User.objects.filter(
            memberships__ward=ward,
            memberships__role=Role.RESIDENT,
            username__startswith="resident-",
        ).order_by("username")
    )
    if people:
        return people
    for n in range(1, 4):
        user, created = User.objects.get_or_create(
            username=f"resident-{ward.slug}-{n}",
            defaults={"first_name": rng.choice(FIRST_NAMES), "last_name": rng.choice(LAST_NAMES)},
        )
        if created:
            user.password = _password_hash()
            user.save(update_fields=["password"])
        Membership.objects.get_or_create(user=user, ward=ward, role=Role.RESIDENT)
        people.append(user)
    return people


def councillors(ward: Ward) -> list[Any]:
    """The ward's demo councillors, in order (cllr-<ward>-1 first)."""
    return list(
        get_user_model()
        .objects.filter(memberships__ward=ward, memberships__role=Role.COUNCILLOR)
        .order_by("username")
    )


def _pick_decision(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.65:
        return ReviewDecision.FEASIBLE
    if roll < 0.82:
        return ReviewDecision.FEASIBLE_CHANGED_COST
    return ReviewDecision.NOT_FEASIBLE


def _seed_round(spec: DemoRound, now: datetime.datetime) -> Round | None:
    """Create the round and take it as far as voting (the ballots seeder closes and publishes
    it), every step through budgets.services, as a councillor and residents would."""
    ward = Ward.objects.filter(slug=spec.ward).first()
    if ward is None or Round.objects.filter(ward=ward, title=spec.title).exists():
        return None
    rng = random.Random(f"{spec.ward}/{spec.title}")
    hood = (
        Neighbourhood.objects.filter(ward=ward, slug=spec.neighbourhood).first()
        if spec.neighbourhood
        else None
    )
    councillor = councillors(ward)[0]
    round = services.create_round(
        ward,
        by=councillor,
        title=spec.title,
        description=(
            f"{hood.name if hood else ward.name} residents decide how to spend "
            "this year's community chest. Propose a project, see the councillors' review of "
            "each one, then vote."
        ),
        neighbourhood=hood,
        budget_pence=spec.budget_pence or ward.chest_pence,
        categories=CATEGORIES,
        **_reachable(
            _timeline(spec.phase, now, spec.settings.get("support_stage", SupportStage.NONE)),
            spec.phase,
            now,
        ),
        **spec.settings,
    )
    _seed_places(round, councillor)
    # The round's own order (with support where its settings put it), up to voting at most.
    order = round.phase_order
    target = Phase.VOTING if spec.phase in FINISHED else spec.phase
    steps = order[1 : order.index(target) + 1]
    proposals: list[Proposal] = []
    duplicate = None
    for phase in steps:
        round = services.change_phase(round, phase, by=councillor, reason=DEMO_REASON)
        if phase == Phase.PROPOSALS:
            with_duplicate = spec.proposals >= 10 and Phase.REVIEW in steps
            proposals, duplicate = _seed_proposals(round, spec.proposals, rng, with_duplicate)
        elif phase == Phase.REVIEW:
            # Those left off a shortlist made before review are not reviewed.
            waiting = [p for p in proposals if _status(p) == ProposalStatus.SUBMITTED]
            share = spec.reviewed_share if spec.phase == Phase.REVIEW else 1.0
            _seed_reviews(waiting[: round_up(len(waiting) * share)], duplicate, councillor, rng)
        elif phase == Phase.SUPPORT:
            _seed_supports(round, rng)
    return round


FINISHED = frozenset({Phase.CLOSED, Phase.PUBLISHED})
# Which candidates (by position, oldest first) each demo resident supports: a few with two
# supports, a few with one, and the rest none, so a top-7 shortlist leaves some out by one.
SUPPORT_PATTERN = [(0, 1, 2), (0, 3, 4), (1, 5, 6)]


def _status(proposal: Proposal) -> str:
    return Proposal.objects.values_list("status", flat=True).get(pk=proposal.pk)


def _seed_supports(round: Round, rng: random.Random) -> None:
    """The ward's demo residents support proposals, as their clicks would (support_proposal)."""
    pool = list(services.support_candidates(round).order_by("pk"))
    for resident, picks in zip(_residents(round.ward, rng), SUPPORT_PATTERN, strict=False):
        for index in picks:
            if index < len(pool):
                services.support_proposal(pool[index], by=resident)


def _seed_places(round: Round, councillor: Any) -> None:
    """A polling place and a help desk, as a councillor sets them on the round's places page
    (the paper batches the ballots seeder enters come from the same library)."""
    name = round.ward.name
    services.add_polling_place(
        round,
        by=councillor,
        name=f"{name} Library",
        address=f"{name}\nBirmingham",
        opening_times="Saturdays 10:00-16:00 while voting is open",
    )
    services.set_help_desk(
        round,
        by=councillor,
        where=f"{name} Library, the community room",
        when="Weekdays 10:00-16:00 while voting is open",
        phone="0121 496 0000",  # Ofcom's range for drama: rings nobody
    )


def round_up(x: float) -> int:
    return int(-(-x // 1))


def _seed_proposals(
    round: Round, count: int, rng: random.Random, with_duplicate: bool
) -> tuple[list[Proposal], Proposal | None]:
    """Residents propose `count` projects; with_duplicate: one of them twice, as happens."""
    if not count:
        return [], None
    residents = _residents(round.ward, rng)
    cap = round.budget_pence // 100
    made = []
    for index, (title, summary, category, low, high, where) in enumerate(
        rng.sample(PROJECTS, count)
    ):
        pounds = min(rng.randrange(low, high + 1, 50), cap)
        made.append(
            services.submit_proposal(
                round,
                by=residents[index % len(residents)],
                title=title,
                summary=summary,
                description=(
                    f"{summary}\n\nWhere: {where}. We have talked to neighbours, who back it. "
                    "The estimate comes from a supplier's quote and similar projects nearby."
                ),
                estimated_cost_pence=pounds * 100,
                category=category,
                location=where,
                delivery_partner=rng.choice(
                    ["", "", "Friends of the Park", "Residents' association"]
                ),
                volunteer_hours=rng.choice([None, None, 20, 50, 120]),
            )
        )
    duplicate = None
    if with_duplicate:
        original = made[0]
        duplicate = services.submit_proposal(
            round,
            by=residents[1 % len(residents)],
            title=f"{original.title} (second proposal)",
            summary=original.summary,
            description=original.description,
            estimated_cost_pence=original.estimated_cost_pence,
            category=original.category,
            location=original.location,
        )
    return made, duplicate


def _seed_reviews(
    proposals: list[Proposal], duplicate: Proposal | None, councillor: Any, rng: random.Random
) -> None:
    """The councillor reviews each proposal with a public reason, and merges the duplicate."""
    for proposal in proposals:
        decision = _pick_decision(rng)
        reason = rng.choice(REASONS[ReviewDecision(decision)])
        new_cost = None
        if decision == ReviewDecision.FEASIBLE_CHANGED_COST:
            factor = 1.2 if "lower" not in reason else 0.8
            new_cost = min(round_up(proposal.estimated_cost_pence * factor / 100) * 100,
                           proposal.round.budget_pence)  # fmt: skip
        services.review_proposal(
            proposal, by=councillor, decision=decision, reason=reason, new_cost_pence=new_cost
        )
        if duplicate is not None and proposal.pk == proposals[0].pk:
            services.merge_proposals(
                duplicate,
                proposal,
                by=councillor,
                reason="The same project as another proposal; merged so votes are not split.",
            )


@transaction.atomic
def seed(say: Callable[[str], None]) -> None:
    from wards.postcodes import load_sample_postcodes

    now = timezone.now()
    created = [r for spec in DEMO_ROUNDS if (r := _seed_round(spec, now)) is not None]
    phases = sorted({spec.phase for spec in DEMO_ROUNDS}, key=PHASE_INDEX.__getitem__)
    say(
        f"Budget rounds: {Round.objects.count()} ({len(created)} new), to be in phases "
        + ", ".join(phases)
        + f"; {Proposal.objects.count()} proposals."
    )
    added = load_sample_postcodes()
    say(f"Ward postcodes: {added} new from the sample list.")
