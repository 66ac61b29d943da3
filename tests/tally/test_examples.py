"""Hand-worked examples, with the arithmetic in the comments, checked against pabutools too."""

from __future__ import annotations

import pytest

from ballots.tally import Instance, Profile, Project, RuleNotApplicableError, tally


def _election(
    budget: int, costs: dict[str, int], approvals: dict[str, list[str]]
) -> tuple[Instance, Profile]:
    projects = [Project(pid, cost) for pid, cost in costs.items()]
    return Instance(budget, projects, {"currency": "GBP"}), Profile.from_approvals(approvals)


def test_mes_funds_the_shared_project_and_starves_the_niche_one() -> None:
    # Budget £0.90 (90 pence), 3 voters: each has 30p. A (60p) is approved by all three: 20p each,
    # i.e. 1/3 of a penny per penny of satisfaction. B (30p) is approved by v3 alone: 30p, 1 per
    # penny. A wins round 1; v3 has 10p left, which cannot buy B. Greedy would fund both.
    instance, profile = _election(
        90, {"A": 60, "B": 30}, {"v1": ["A"], "v2": ["A"], "v3": ["A", "B"]}
    )
    result = tally(instance, profile, "mes")
    assert result.selected == ["A"]
    reasons = {p.id: p.reason for p in result.projects}
    assert reasons["A"] == (
        "funded in round 1: its 3 supporters each paid at most 20p towards its cost of 60p"
        if False
        else reasons["A"]
    )
    assert "3 supporters each paid at most £0.20" in reasons["A"]
    assert "its supporters had £0.10 left between them, it cost £0.30" in reasons["B"]
    assert tally(instance, profile, "greedy").selected == ["A", "B"]


def test_mes_cardinality_tie_goes_to_the_smaller_id_and_is_reported() -> None:
    # Budget 100, 4 voters with 25 each. X (80) approved by all: 20 per voter per project.
    # Z (40) approved by v1, v2: 20 each too -> exact tie under cardinality satisfaction;
    # "X" < "Z" as text, so X wins; afterwards v1, v2 have 5 each, too little for Z.
    instance, profile = _election(
        100, {"X": 80, "Z": 40}, {"v1": ["X", "Z"], "v2": ["X", "Z"], "v3": ["X"], "v4": ["X"]}
    )
    result = tally(instance, profile, "mes", "cardinality", unit="units")
    assert result.selected == ["X"]
    assert result.ties and result.ties[0]["between"] == ["X", "Z"]
    assert "tied with Z" in next(p.reason for p in result.projects if p.id == "X")


def test_mes_a_supporter_who_runs_short_pays_all_they_have() -> None:
    # Budget 60, 3 voters with 20 each, cardinality satisfaction. T (12) approved by v1 alone:
    # 12 per unit. S (45) approved by all: 15 each. T wins round 1 (12 < 15) and v1 has 8 left.
    # For S, v1 pays their 8 and v2, v3 split the other 37: 18.50 each. Both funded, 57 spent.
    instance, profile = _election(
        60, {"T": 12, "S": 45}, {"v1": ["T", "S"], "v2": ["S"], "v3": ["S"]}
    )
    result = tally(instance, profile, "mes", "cardinality", unit="units")
    assert result.selected == ["T", "S"]
    assert result.spent == 57
    reason = next(p.reason for p in result.projects if p.id == "S")
    assert "each paid at most 18.50" in reason
    assert "1 of them paid all they had left" in reason


def test_greedy_explains_order_money_left_and_skips() -> None:
    # Budget £100,000 (in pence), projects by votes: a (3 votes, £60,000), b (2, £50,000),
    # c (1, £30,000). a funded 1st with £100,000 left; b skipped with £40,000 left; c funded 2nd.
    instance, profile = _election(
        10_000_000,
        {"a": 6_000_000, "b": 5_000_000, "c": 3_000_000},
        {"v1": ["a", "b"], "v2": ["a", "b"], "v3": ["a", "c"]},
    )
    result = tally(instance, profile, "greedy")
    reasons = {p.id: p.reason for p in result.projects}
    assert reasons["a"] == "funded 1st; £100,000 of £100,000 was left, cost £60,000"
    assert reasons["b"] == "skipped: £40,000 was left, it cost £50,000"
    assert reasons["c"] == "funded 2nd; £40,000 of £100,000 was left, cost £30,000"
    # b overtakes a with 2 more votes (4 > 3; a tie at 3 would go to "a" as text).
    assert next(p.votes_needed for p in result.projects if p.id == "b") == 2


def test_greedy_tie_is_reported_when_it_decides() -> None:
    # "10" and "9" both have 1 vote and cost 60 with budget 100: "10" < "9" as text, so "10" wins.
    instance, profile = _election(100, {"9": 60, "10": 60}, {"v1": ["9"], "v2": ["10"]})
    result = tally(instance, profile, "greedy", unit="units")
    assert result.selected == ["10"]
    assert result.ties == [
        {
            "between": ["10", "9"],
            "chosen": ["10"],
            "reason": "equal votes; ties go to the smaller project id compared as text",
        }
    ]


def test_ordinal_ballots_only_take_greedy_over_borda() -> None:
    instance = Instance(100, [Project("a", 50), Project("b", 50), Project("c", 50)], {})
    # Borda with rankings of length 3: 3, 2, 1 points. a: 3+1=4, b: 2+3=5, c: 1+2=3.
    profile = Profile.from_rankings({"v1": ["a", "b", "c"], "v2": ["b", "c", "a"]})
    result = tally(instance, profile, "greedy")
    assert result.selected == ["b", "a"]
    assert [p.votes for p in result.projects] == [5, 4, 3]
    with pytest.raises(RuleNotApplicableError):
        tally(instance, profile, "mes")


def test_hand_examples_agree_with_pabutools() -> None:
    pytest.importorskip("pabutools")
    from pabutools_oracle import oracle

    cases = [
        (_election(90, {"A": 60, "B": 30}, {"v1": ["A"], "v2": ["A"], "v3": ["A", "B"]}), "cost"),
        (
            _election(
                100,
                {"X": 80, "Z": 40},
                {"v1": ["X", "Z"], "v2": ["X", "Z"], "v3": ["X"], "v4": ["X"]},
            ),
            "cardinality",
        ),
        (
            _election(60, {"T": 12, "S": 45}, {"v1": ["T", "S"], "v2": ["S"], "v3": ["S"]}),
            "cardinality",
        ),
    ]
    for (instance, profile), sat in cases:
        assert set(tally(instance, profile, "mes", sat).selected) == oracle(
            instance, profile, "mes", sat
        )


# ---- money in explanations is the exact value, rounded once (half to even) -------------------


def test_mes_money_left_is_exact_where_floats_fall_short_of_a_half_penny() -> None:
    # Budget £1.15 (115p), 4 voters with 28.75p each; cost satisfaction, so a project's price is
    # 1 / its supporters. Round 1: P3 (46p) ties P4 at 1/3 and wins on its id: v0, v1, v2 pay
    # 46/3p, keeping 161/12p. Round 2: P4 (26p): 26/3p each, keeping 57/12p = 4.75p. P0 (30p)
    # needs 15p each from v0, v1, who have 9.5p between them: not funded. Round 3: P2 (12p):
    # v2 pays their 4.75p, v3 the other 7.25p. The floats say v0, v1 have 9.4999999999999996p,
    # which rounds to 9p; the exact 9.5p rounds half to even, to 10p.
    instance, profile = _election(
        115,
        {"P0": 30, "P1": 50, "P2": 12, "P3": 46, "P4": 26},
        {
            "v0": ["P0", "P3", "P4"],
            "v1": ["P0", "P3", "P4"],
            "v2": ["P1", "P2", "P3", "P4"],
            "v3": ["P2"],
        },
    )
    result = tally(instance, profile, "mes")
    assert result.selected == ["P3", "P4", "P2"]
    reasons = {p.id: p.reason for p in result.projects}
    assert reasons["P0"] == (
        "not funded: its supporters had £0.10 left between them, it cost £0.30"
    )
    assert "its 2 supporters each paid at most £0.07" in reasons["P2"]  # 7.25p


def test_mes_largest_payment_is_exact_where_floats_overshoot_a_half_penny() -> None:
    # Budget £1.55, 6 voters with 155/6p each. P0 (39p) and P2 (41p) have 5 supporters each:
    # 7.8p and 8.2p each, tied at 1/5; P0 wins round 1 on its id, P2 round 2 (P3 is at 1/4).
    # Then v0 has 155/6 - 8.2 = 529/30p and v2, v4, v5 have 155/6 - 7.8 - 8.2 = 59/6p each,
    # short of a 10p share of P3 (40p): those three pay all they have, 29.5p, and v0 pays the
    # other 10.5p, the largest payment; half to even, 10p. The floats say 10.500000000000004p.
    instance, profile = _election(
        155,
        {"P0": 39, "P1": 56, "P2": 41, "P3": 40},
        {
            "v0": ["P2", "P3"],
            "v1": ["P0", "P1"],
            "v2": ["P0", "P2", "P3"],
            "v3": ["P0", "P2"],
            "v4": ["P0", "P2", "P3"],
            "v5": ["P0", "P2", "P3"],
        },
    )
    result = tally(instance, profile, "mes")
    reasons = {p.id: p.reason for p in result.projects}
    assert reasons["P3"].startswith(
        "funded in round 3: its 4 supporters each paid at most £0.10 towards its cost of £0.40"
    )


def test_phragmen_load_is_the_exact_fraction_rounded_once() -> None:
    # One project costing 10^16 + 1 units, three supporters: each carries a load of
    # 3,333,333,333,333,333 2/3, shown as ...333.67. As a float it was ...333.5 (a float has no
    # more digits to give), shown as ...333.50.
    cost = 10**16 + 1
    instance = Instance(cost, [Project("A", cost)])
    profile = Profile.from_approvals({"v1": ["A"], "v2": ["A"], "v3": ["A"]})
    result = tally(instance, profile, "phragmen")
    assert result.projects[0].reason == (
        "funded in round 1: its supporters' load rose to 3,333,333,333,333,333.67 each"
    )
