"""Property tests (hypothesis): budget respected, order and names of voters irrelevant, greedy
monotone, and every explanation present."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from ballots.tally import Ballot, Instance, Profile, Project, tally

RULES = [
    ("greedy", "cost"),
    ("greedy", "cardinality"),
    ("mes", "cost"),
    ("mes", "cardinality"),
    ("mes-add1", "cost"),
    ("phragmen", "cost"),
    ("optimal", "cost"),
]


@st.composite
def elections(draw: st.DrawFn, vote_type: str = "approval") -> tuple[Instance, Profile]:
    m = draw(st.integers(1, 6))
    ids = [str(k) for k in draw(st.lists(st.integers(1, 30), min_size=m, max_size=m, unique=True))]
    costs = draw(st.lists(st.integers(0, 60), min_size=m, max_size=m))
    budget = draw(st.integers(0, 150))
    n = draw(st.integers(0, 10))
    ballots = []
    for i in range(n):
        chosen = draw(st.lists(st.sampled_from(ids), max_size=m, unique=True))
        if vote_type == "approval":
            ballots.append(Ballot(f"v{i}", tuple(chosen)))
        else:
            points = draw(st.lists(st.integers(1, 5), min_size=len(chosen), max_size=len(chosen)))
            ballots.append(Ballot(f"v{i}", tuple(chosen), tuple(points)))
    projects = [Project(pid, cost) for pid, cost in zip(ids, costs, strict=True)]
    return Instance(budget, projects, {}), Profile(vote_type, ballots)  # type: ignore[arg-type]


@settings(max_examples=60, deadline=None)
@given(elections())
def test_spent_never_exceeds_budget_and_every_project_is_explained(
    election: tuple[Instance, Profile],
) -> None:
    instance, profile = election
    for rule, sat in RULES:
        result = tally(instance, profile, rule, sat)
        assert result.spent <= instance.budget
        assert result.spent == sum(instance.projects[p].cost for p in result.selected)
        assert len(set(result.selected)) == len(result.selected)
        assert {p.id for p in result.projects} == set(instance.projects)
        for p in result.projects:
            assert p.reason
            assert p.selected == (p.id in result.selected)
            if p.selected:
                assert p.votes_needed is None


@settings(max_examples=40, deadline=None)
@given(elections(), st.randoms(use_true_random=False))
def test_voter_order_and_ids_do_not_matter(
    election: tuple[Instance, Profile], rng: random.Random
) -> None:
    instance, profile = election
    names = rng.sample(range(10**6), len(profile.ballots))
    ballots = [
        Ballot(f"renamed-{k}", b.projects, b.points)
        for k, b in zip(names, profile.ballots, strict=True)
    ]
    rng.shuffle(ballots)
    shuffled = Profile(profile.vote_type, ballots)
    for rule, sat in RULES:
        assert (
            tally(instance, profile, rule, sat).selected
            == tally(instance, shuffled, rule, sat).selected
        )


@settings(max_examples=40, deadline=None)
@given(elections("cumulative"))
def test_cumulative_budget_and_independence(election: tuple[Instance, Profile]) -> None:
    instance, profile = election
    reversed_profile = Profile("cumulative", list(reversed(profile.ballots)))
    for rule, sat in [("greedy", "cost"), ("mes", "cost"), ("mes", "cardinality")]:
        result = tally(instance, profile, rule, sat)
        assert result.spent <= instance.budget
        assert result.selected == tally(instance, reversed_profile, rule, sat).selected


@settings(max_examples=60, deadline=None)
@given(elections(), st.data())
def test_greedy_a_new_vote_for_a_funded_project_never_unfunds_it(
    election: tuple[Instance, Profile], data: st.DataObject
) -> None:
    instance, profile = election
    for sat in ("cost", "cardinality"):
        funded = tally(instance, profile, "greedy", sat).selected
        if not funded:
            continue
        project = data.draw(st.sampled_from(funded))
        more = Profile("approval", [*profile.ballots, Ballot("newcomer", (project,))])
        assert project in tally(instance, more, "greedy", sat).selected


@settings(max_examples=30, deadline=None)
@given(elections())
def test_votes_needed_is_verified_by_re_running(election: tuple[Instance, Profile]) -> None:
    instance, profile = election
    for rule in ("greedy", "mes"):
        result = tally(instance, profile, rule, "cost")
        for p in result.projects:
            if p.votes_needed is None:
                continue
            extra = [Ballot(f"extra{k}", (p.id,)) for k in range(p.votes_needed)]
            enough = Profile("approval", [*profile.ballots, *extra])
            assert p.id in tally(instance, enough, rule, votes_needed=False).selected
            fewer = Profile("approval", [*profile.ballots, *extra[:-1]])
            assert p.id not in tally(instance, fewer, rule, votes_needed=False).selected
