"""Run pabutools (GPL; a test-only oracle, none of its code is copied) on our instances.

`oracle(instance, profile, rule, sat)` returns the set of funded project ids pabutools gives for
our rule id, using the pabutools calls the issue names as the reference for each rule.
"""

from __future__ import annotations

from typing import Any

from ballots.tally import Instance, Profile, dumps_pb


def to_pabutools(instance: Instance, profile: Profile) -> tuple[Any, Any]:
    """Build pabutools objects directly (its reader cannot read an empty cumulative ballot)."""
    from pabutools.election import (
        ApprovalBallot,
        ApprovalProfile,
        CumulativeBallot,
        CumulativeProfile,
    )
    from pabutools.election import Instance as PInstance
    from pabutools.election import Project as PProject

    if profile.vote_type not in ("approval", "cumulative"):
        from pabutools.election.pabulib import parse_pabulib_from_string

        return parse_pabulib_from_string(dumps_pb(instance, profile))
    projects = {pid: PProject(pid, p.cost) for pid, p in instance.projects.items()}
    p_instance = PInstance(projects.values(), budget_limit=instance.budget)
    if profile.vote_type == "approval":
        ballots = [ApprovalBallot(projects[pid] for pid in b.projects) for b in profile.ballots]
        return p_instance, ApprovalProfile(ballots)
    cumulative = []
    for b in profile.ballots:
        ballot = CumulativeBallot()
        for pid, pts in zip(b.projects, b.points or (), strict=True):
            ballot[projects[pid]] = pts
        cumulative.append(ballot)
    return p_instance, CumulativeProfile(cumulative)


def _sat_class(vote_type: str, sat: str) -> Any:
    from pabutools.election import Additive_Cardinal_Sat, Cardinality_Sat, Cost_Sat

    if sat == "cardinality":
        return Cardinality_Sat
    if vote_type in ("cumulative", "scoring"):
        return Additive_Cardinal_Sat
    return Cost_Sat


def oracle_outcome(p_instance: Any, p_profile: Any, vote_type: str, rule: str, sat: str) -> Any:
    from pabutools.rules import (
        completion_by_rule_combination,
        greedy_utilitarian_welfare,
        max_additive_utilitarian_welfare,
        method_of_equal_shares,
        sequential_phragmen,
    )

    sat_class = _sat_class(vote_type, sat)
    if rule == "greedy":
        return greedy_utilitarian_welfare(p_instance, p_profile, sat_class=sat_class)
    if rule == "mes":
        return method_of_equal_shares(p_instance, p_profile, sat_class=sat_class)
    if rule == "mes-add1":
        return completion_by_rule_combination(
            p_instance,
            p_profile,
            [method_of_equal_shares, greedy_utilitarian_welfare],
            [
                {"sat_class": sat_class, "voter_budget_increment": 1},
                {"sat_class": sat_class},
            ],
        )
    if rule == "phragmen":
        return sequential_phragmen(p_instance, p_profile)
    if rule == "optimal":
        return max_additive_utilitarian_welfare(p_instance, p_profile, sat_class=sat_class)
    raise ValueError(rule)


def oracle(instance: Instance, profile: Profile, rule: str, sat: str = "cost") -> set[str]:
    p_instance, p_profile = to_pabutools(instance, profile)
    outcome = oracle_outcome(p_instance, p_profile, profile.vote_type, rule, sat)
    return {p.name for p in outcome}


def oracle_welfare(instance: Instance, profile: Profile, selected: set[str], sat: str) -> Any:
    """Total satisfaction pabutools assigns to a funded set (to compare `optimal` outcomes)."""
    p_instance, p_profile = to_pabutools(instance, profile)
    chosen = [p for p in p_instance if p.name in selected]
    sat_profile = p_profile.as_sat_profile(_sat_class(profile.vote_type, sat))
    return sat_profile.total_satisfaction(chosen)
