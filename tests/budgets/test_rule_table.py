"""Which rules suit which ballots: budgets' table (used by forms and `Round.clean`) equals the
tally core's. budgets may not import the core, so this test pins the two together."""

from __future__ import annotations

from ballots.services import PB_VOTE_TYPE
from ballots.tally.core import rules_for_vote_type
from budgets.models import ALLOWED_RULES, RULES_WITH_SAT, BallotType, Round, Rule, Sat


def test_every_ballot_type_allows_exactly_the_rules_the_core_counts() -> None:
    for ballot_type in BallotType:
        core = rules_for_vote_type(PB_VOTE_TYPE[ballot_type])
        assert ALLOWED_RULES[ballot_type] == frozenset(core), ballot_type


def test_the_rules_with_a_choice_of_satisfaction_are_the_cores() -> None:
    with_choice = {
        rule
        for ballot_type in BallotType
        for rule, sats in rules_for_vote_type(PB_VOTE_TYPE[ballot_type]).items()
        if Sat.CARDINALITY in sats
    }
    assert frozenset(with_choice) == RULES_WITH_SAT
    assert {rule.value for rule in Rule} == {
        rule for ballot_type in BallotType for rule in ALLOWED_RULES[ballot_type]
    }


def test_a_cumulative_round_may_be_counted_with_mes_add1() -> None:
    """The core supports and tests mes-add1 on cumulative ballots (pabutools does too)."""
    round = Round(
        ballot_type=BallotType.CUMULATIVE, rule=Rule.MES_ADD1, sat=Sat.COST, max_points=10
    )
    assert "rule" not in _clean_errors(round)


def _clean_errors(round: Round) -> dict[str, object]:
    from django.core.exceptions import ValidationError

    try:
        round.clean()
    except ValidationError as exc:
        return dict(exc.message_dict)
    return {}
