"""Results in plain words: one sentence per project, the rule in one sentence, the money left."""

from __future__ import annotations

import re

import pytest

from ballots.plain_words import RULE_SENTENCES, left_over_sentence, project_sentence
from budgets.models import Rule

HARD_WORDS = re.compile(r"satisf|exhaust|utilitarian|cardinality|approval|greedy", re.I)


def _p(**kw: object) -> dict[str, object]:
    return {"id": "1", "cost": 10_000, "votes": 0, "selected": False, "votes_needed": None} | kw


def test_funded_says_how_many_people_chose_it() -> None:
    sentence = project_sentence(_p(votes=327, selected=True), vote_type="approval", budget=10**6)
    assert sentence == "Funded: 327 people chose it and it fitted the money left."
    one = project_sentence(_p(votes=1, selected=True), vote_type="approval", budget=10**6)
    assert one == "Funded: 1 person chose it and it fitted the money left."


def test_points_ballots_count_points() -> None:
    sentence = project_sentence(_p(votes=42, selected=True), vote_type="cumulative", budget=10**6)
    assert sentence == "Funded: it got 42 points and it fitted the money left."


@pytest.mark.parametrize(
    ("needed", "words"),
    [
        (1, "it needed 1 more vote."),
        (4, "it needed 4 more votes."),
        (37, "it needed about 40 more votes."),
        (40, "it needed 40 more votes."),
        (1234, "it needed about 1,200 more votes."),
    ],
)
def test_not_funded_says_about_how_many_more_votes(needed: int, words: str) -> None:
    sentence = project_sentence(
        _p(votes=3, votes_needed=needed), vote_type="approval", budget=10**6
    )
    assert sentence == f"Not funded: {words}"


def test_other_reasons_for_not_funding() -> None:
    assert project_sentence(_p(cost=10**7), vote_type="approval", budget=10**6) == (
        "Not funded: it cost more than all the money there was."
    )
    assert project_sentence(_p(), vote_type="approval", budget=10**6) == (
        "Not funded: nobody chose it."
    )
    assert project_sentence(_p(votes=5), vote_type="approval", budget=10**6) == (
        "Not funded: there was not enough money left for it."
    )


def test_money_left_over() -> None:
    assert left_over_sentence(0) == "All the money was spent."
    words = left_over_sentence(4_700_000)
    assert words.startswith("£47,000 was not spent")
    assert "councillors decide" in words


@pytest.mark.parametrize("rule", list(Rule))
def test_every_rule_has_one_short_plain_sentence(rule: Rule) -> None:
    sentence = RULE_SENTENCES[rule]
    assert sentence.count(".") == 1 and sentence.endswith(".")
    assert not HARD_WORDS.search(sentence)
    assert len(sentence.split()) <= 30
