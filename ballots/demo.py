"""Demo ballots: voting rounds get a few hundred ballots online and on paper; closed and
published rounds get ballots, a count and (for published ones) publication.

Idempotent: a round that already has ballots is left alone. Demo codes come from a seeded
generator so the same unused codes can be printed every run for people trying the demo.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence

from django.contrib.auth import get_user_model
from django.db import transaction

from ballots import codes, services
from ballots.models import Ballot, VotingCode
from budgets.models import BallotType, Phase, Proposal, Round

DEMO_CODES_SHOWN = 3
# Demo voters declare that they live in the area, as the ballot page asks.
DEMO_DECLARATION = services.Declaration(basis="live", age_confirmed=True)


def _demo_codes(round: Round, count: int) -> list[str]:
    rng = random.Random(f"community-chest-demo-{round.pk}")
    return [codes.demo_code(rng) for _ in range(count)]


def _popularity(round: Round, rng: random.Random) -> dict[int, float]:
    projects = services.ballot_projects(round)
    return {p.pk: rng.paretovariate(1.3) for p in projects}


def _cast_demo_ballots(round: Round, online: int, paper: int, say: Callable[[str], None]) -> None:
    rng = random.Random(round.pk)
    projects = services.ballot_projects(round)
    if not projects:
        say(f"  {round.title}: no projects on the ballot, so no demo ballots.")
        return
    all_codes = _demo_codes(round, online + paper + DEMO_CODES_SHOWN + 5)
    with transaction.atomic():
        VotingCode.objects.bulk_create(
            [VotingCode(round=round, code_hash=codes.hash_code(round, c)) for c in all_codes],
            ignore_conflicts=True,
        )
    popularity = _popularity(round, rng)
    for code in all_codes[:online]:
        selection = random_selection(round, projects, rng, popularity)
        services.cast_ballot(
            round, selection, code=code, projects=projects, declaration=DEMO_DECLARATION
        )
    # A handful change their minds, as real voters do.
    for code in all_codes[: max(1, online // 20)]:
        selection = random_selection(round, projects, rng, popularity)
        services.cast_ballot(
            round, selection, code=code, projects=projects, declaration=DEMO_DECLARATION
        )
    clerks = list(
        get_user_model().objects.filter(
            memberships__ward=round.ward, memberships__role="councillor"
        )[:2]
    )
    if paper and len(clerks) == 2:
        paper_codes = all_codes[online : online + paper]
        ballots = []
        for code in paper_codes:
            selection = random_selection(round, projects, rng, popularity)
            key = "points" if isinstance(selection, dict) else "projects"
            if round.ballot_type == "ranked":
                key = "ranking"
            ballots.append({"code": code, key: selection})
        # One voter also voted online: their paper ballot is rejected, with the reason recorded.
        ballots.append({"code": all_codes[0], "projects": ballots[0].get("projects", [])})
        if round.ballot_type != "knapsack" and round.ballot_type != "approval":
            ballots.pop()
        account = services.PaperAccount(
            issued=len(ballots) + 7, spoilt=2, unused=5, cast=len(ballots)
        )
        for clerk in clerks:
            services.enter_paper_batch(
                round,
                polling_place=f"{round.ward.name} Library",
                by=clerk,
                account=account,
                ballots=ballots,
            )
    say(f"  {round.title}: {services.turnout(round)['total']} voters.")


def seed_ballots(say: Callable[[str], None]) -> None:
    rounds = Round.objects.filter(
        phase__in=[Phase.VOTING, Phase.CLOSED, Phase.PUBLISHED]
    ).select_related("ward")
    for round in rounds.order_by("pk"):
        if Ballot.objects.filter(round=round).exists():
            continue
        target = round.phase
        if target == Phase.VOTING:
            _cast_demo_ballots(round, online=420, paper=40, say=say)
            continue
        # Closed and published demo rounds: vote, then count (and publish) as staff would.
        Round.objects.filter(pk=round.pk).update(phase=Phase.VOTING)
        round.refresh_from_db()
        _cast_demo_ballots(round, online=300, paper=30, say=say)
        services.close_round(round)
        if target == Phase.PUBLISHED:
            services.publish_round(round)
    for round in Round.objects.filter(phase=Phase.VOTING, allow_code_voting=True).order_by("pk"):
        unused = _demo_codes(round, 10_000)
        used = set(
            VotingCode.objects.filter(round=round, voter__isnull=False).values_list(
                "code_hash", flat=True
            )
        )
        issued = set(VotingCode.objects.filter(round=round).values_list("code_hash", flat=True))
        shown = [
            c
            for c in unused
            if codes.hash_code(round, c) in issued and codes.hash_code(round, c) not in used
        ][:DEMO_CODES_SHOWN]
        if shown:
            say(
                f"Vote in '{round.title}' at /rounds/{round.pk}/vote/ with a demo code: "
                + ", ".join(shown)
            )


def random_selection(
    round: Round, projects: Sequence[Proposal], rng: random.Random, popularity: Mapping[int, float]
) -> services.Selection:
    """A plausible ballot for demo data: popular projects more often, within the ballot's rules."""
    order = sorted(projects, key=lambda p: rng.random() / max(popularity[p.pk], 1e-9))
    kind = round.ballot_type
    if kind == BallotType.KNAPSACK:
        chosen, total = [], 0
        target = rng.uniform(0.3, 1.0) * round.budget_pence
        for p in order:
            if total + p.cost_pence <= min(target, round.budget_pence):
                chosen.append(p.pk)
                total += p.cost_pence
        return chosen or [min(projects, key=lambda p: p.cost_pence).pk]
    if kind == BallotType.APPROVAL:
        low = round.min_choices or 1
        high = min(round.max_choices or len(order), len(order))
        return [p.pk for p in order[: rng.randint(low, max(low, high))]]
    if kind == BallotType.CUMULATIVE:
        points: dict[int, int] = {}
        left = round.max_points or 10
        for p in order[: rng.randint(1, 4)]:
            give = rng.randint(1, left) if left else 0
            if give:
                points[p.pk] = give
                left -= give
        return points
    k = min(round.max_choices or 3, len(order))
    return [p.pk for p in order[:k]]
