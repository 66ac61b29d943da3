"""Demo ballots: voting rounds get a few hundred ballots online and on paper; the rounds the demo
shows closed or published get ballots, then are closed (and published) by their councillors.

Everything goes through ballots.services (issue_codes, cast_ballot, enter_paper_batch entered by
two different councillors, close_round, publish_round asked and approved by two), so the ledger
holds the real history in the real order; nothing here writes the ledger or its models itself.
Idempotent: a round that already has ballots is left alone. Demo codes come from a seeded
generator (issue_codes' make_code) so the same unused codes can be printed on every run.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence

from django.db import transaction

from ballots import codes, services
from ballots.models import Ballot
from budgets.demo import DEMO_ROUNDS, councillors
from budgets.models import BallotType, Phase, Proposal, Round

DEMO_CODES_SHOWN = 3
# Demo voters declare that they live in the area, as the ballot page asks.
DEMO_DECLARATION = services.Declaration(basis="live", age_confirmed=True)
# (online, paper) ballots for rounds left open for voting, and for rounds closed by the seeder.
OPEN_BALLOTS = (420, 40)
CLOSED_BALLOTS = (300, 30)


def _demo_codes(round: Round) -> Callable[[], str]:
    """The demo's code generator for a round: seeded, so every run knows the same codes."""
    rng = random.Random(f"community-chest-demo-{round.pk}")
    return lambda: codes.demo_code(rng)


def _code_count(online: int, paper: int) -> int:
    return online + paper + DEMO_CODES_SHOWN + 5


def _popularity(round: Round, rng: random.Random) -> dict[int, float]:
    projects = services.ballot_projects(round)
    return {p.pk: rng.paretovariate(1.3) for p in projects}


def _cast_demo_ballots(round: Round, online: int, paper: int, say: Callable[[str], None]) -> None:
    """Issue codes, cast ballots online and enter a paper batch twice, all through the services."""
    rng = random.Random(round.pk)
    projects = services.ballot_projects(round)
    if not projects:
        say(f"  {round.title}: no projects on the ballot, so no demo ballots.")
        return
    all_codes = services.issue_codes(
        round, _code_count(online, paper), make_code=_demo_codes(round)
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
    clerks = councillors(round.ward)[:2]
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
        # Two different people enter the same batch; the second agreeing entry counts it.
        for clerk in clerks:
            services.enter_paper_batch(
                round,
                polling_place=f"{round.ward.name} Library",
                by=clerk,
                account=account,
                ballots=ballots,
            )
    say(f"  {round.title}: {services.turnout(round)['total']} voters.")


def _demo_targets() -> dict[tuple[str, str], str]:
    """(ward slug, title) of each demo round -> the phase the demo leaves it in."""
    return {(spec.ward, spec.title): spec.phase for spec in DEMO_ROUNDS}


def seed_ballots(say: Callable[[str], None]) -> None:
    """Ballots for the demo rounds in voting; then close, and publish, those meant to be.

    Only demo rounds still in voting with no ballot are touched, so running it again changes
    nothing. Closing and publishing are a councillor's clicks: close_round by the first
    councillor, publish_round asked by the first and approved by the second.
    """
    targets = _demo_targets()
    rounds = Round.objects.filter(phase=Phase.VOTING).select_related("ward").order_by("pk")
    for round in rounds:
        target = targets.get((round.ward.slug, round.title))
        if target is None or Ballot.objects.filter(round=round).exists():
            continue
        first, second = councillors(round.ward)[:2]
        with transaction.atomic():
            if target == Phase.VOTING:
                _cast_demo_ballots(round, *OPEN_BALLOTS, say=say)
                continue
            _cast_demo_ballots(round, *CLOSED_BALLOTS, say=say)
            if services.closes_early(round):
                # The demo's voting window ends an hour after seeding: closing now is early,
                # so one councillor asks with a reason and the other approves, as on the site.
                services.request_early_close(
                    round, by=first, reason="Demo: counted at seeding to show a result."
                )
                services.close_round(round, by=second)
            else:
                services.close_round(round, by=first)
            if target == Phase.PUBLISHED:
                services.publish_round(round, by=first)
                services.publish_round(round, by=second)
    for round in rounds.filter(phase=Phase.VOTING, allow_code_voting=True):
        if targets.get((round.ward.slug, round.title)) != Phase.VOTING:
            continue
        online, paper = OPEN_BALLOTS
        make_code = _demo_codes(round)
        issued = [make_code() for _ in range(_code_count(online, paper))]
        # The codes after those the demo voted with were issued and never used by the seeder.
        shown = issued[online + paper :][:DEMO_CODES_SHOWN]
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
