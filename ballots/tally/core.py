"""The one entry point: `tally(instance, profile, rule, sat)` -> an explained `Result`.

This module is the dispatch: the rule table, which rules apply to which ballots, and `tally`.
The rest lives by job: `results` (what a tally returns), `explain` (the reasons), `mes_add1`,
`votes_needed` and `comparison` (every rule side by side).
"""

from __future__ import annotations

from .errors import RuleNotApplicableError, UnknownRuleError
from .explain import Explainer
from .model import Instance, Profile, validate
from .money import Money
from .results import TIE_RULE, VERSION, ProjectResult, Result
from .satisfaction import SATS, utilities

__all__ = ["RULES", "VERSION", "ProjectResult", "Result", "applicable_rules", "tally"]
__all__ += ["TIE_RULE", "rules_for_vote_type"]

RULES: dict[str, str] = {
    "greedy": "Fund projects in order of votes, skipping any that no longer fit (cumulative "
    "ballots: points per unit of cost, as pabutools does; rankings: Borda score; --sat "
    "cardinality: votes per unit of cost).",
    "optimal": "Fund the affordable set of projects with the largest total satisfaction "
    "(an exact knapsack solved with scipy's MILP solver).",
    "mes": "Method of Equal Shares: every voter gets an equal share of the budget and a project is "
    "funded when its supporters can pay for it, cheapest per unit of satisfaction first.",
    "mes-add1": "Method of Equal Shares as cities run it: raise every voter's share one unit at a "
    "time while the outcome stays within budget, then fill what is left greedily by votes.",
    "phragmen": "Sequential Phragmén (approval ballots): fund the project whose supporters' "
    "shared load would stay lowest, until the next one would break the budget.",
}


def _check_rule(rule: str, sat: str, profile: Profile) -> None:
    if rule not in RULES:
        raise UnknownRuleError(f"unknown rule {rule!r}: use one of {', '.join(RULES)}")
    if sat not in SATS:
        raise UnknownRuleError(f"unknown satisfaction {sat!r}: use one of {', '.join(SATS)}")
    if profile.vote_type == "ordinal" and rule != "greedy":
        raise RuleNotApplicableError(
            f"rule {rule} does not apply to ordinal ballots; use greedy (over Borda scores)"
        )
    if rule == "phragmen" and profile.vote_type != "approval":
        raise RuleNotApplicableError("phragmen applies to approval ballots only")
    if rule == "mes-add1" and sat != "cost":
        raise RuleNotApplicableError("mes-add1 is defined with cost satisfaction only")


def applicable_rules(profile: Profile) -> list[tuple[str, str]]:
    """Every (rule, sat) pair that applies to this kind of ballot, in display order."""
    pairs: list[tuple[str, str]] = []
    for rule in RULES:
        for sat in SATS:
            if rule == "phragmen" and sat != "cost":
                continue  # Phragmén has no satisfaction measure: one row is enough
            try:
                _check_rule(rule, sat, profile)
            except (RuleNotApplicableError, UnknownRuleError):
                continue
            pairs.append((rule, sat))
    return pairs


def rules_for_vote_type(vote_type: str) -> dict[str, frozenset[str]]:
    """Which rules count this kind of ballot ("approval", "cumulative", "ordinal"), each with the
    satisfaction measures it may use (what `budgets.models.ALLOWED_RULES` must agree with)."""
    table: dict[str, set[str]] = {}
    profile = Profile(vote_type, [])  # type: ignore[arg-type]
    for rule, sat in applicable_rules(profile):
        table.setdefault(rule, set()).add(sat)
    return {rule: frozenset(sats) for rule, sats in table.items()}


def tally(
    instance: Instance,
    profile: Profile,
    rule: str,
    sat: str = "cost",
    *,
    unit: str | None = None,
    votes_needed: bool = True,
    check: bool = True,
    workers: int | None = None,
) -> Result:
    """Run `rule` and explain every project's outcome.

    `unit="pence"` shows money as pounds and pence (the default when META says currency GBP);
    `votes_needed=False` skips the re-runs that compute how many more votes unfunded projects
    needed (greedy and MES only); `check=False` skips re-validating ballots (already done when
    the profile was read from a file); `workers` caps the processes `mes-add1` may fork (default:
    2 where fork is available; pass 1 to stay in this process).
    """
    _check_rule(rule, sat, profile)
    if check:
        validate(instance, profile)
    money = Money.for_instance(instance.meta, unit)
    matrix = profile.matrix(instance)
    util = utilities(matrix, profile.vote_type, sat)
    explainer = Explainer(instance, profile, matrix, util, money, rule, sat)
    explainer.workers = workers
    if rule == "greedy":
        return explainer.greedy(votes_needed)
    if rule == "mes":
        return explainer.mes(votes_needed)
    if rule == "mes-add1":
        return explainer.mes_add1()
    if rule == "optimal":
        return explainer.optimal()
    return explainer.phragmen()
