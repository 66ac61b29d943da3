"""The round settings form in plain words: every choice explained, a recommended default, no
jargon on screen; a round made from the form's defaults counts by the recommended rule."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from django.test import Client

from budgets.models import BallotType, Round, Rule, Sat
from budgets.settings_words import BALLOT_TYPES, RECOMMENDED, RULES, SATS
from tests.budgets.test_views import ROUND_POST, body
from tests.conftest import login
from wards.models import Ward

pytestmark = pytest.mark.django_db

JARGON = ("mes-add1", "satisfaction", "utilitarian", "exhaustive", "cardinality", "knapsack")


def visible_text(page: str) -> str:
    """What a person reads: the page without tags (so without value="…" codes), unescaped."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def checked(page: str, name: str) -> str:
    """The value of the radio button `name` that the page starts checked."""
    for tag in re.findall(rf'<input[^>]*name="{name}"[^>]*>', page):
        if " checked" in tag:
            found = re.search(r'value="([^"]*)"', tag)
            assert found is not None
            return found.group(1)
    raise AssertionError(f"no {name} is checked")


def test_the_new_round_form_recommends_and_explains_every_choice(
    client: Client, councillor_sam: Any, sparkbrook: Ward
) -> None:
    login(client, councillor_sam)
    page = body(client.get("/rounds/new/sparkbrook/"))
    text = visible_text(page)
    assert "Equal Shares (recommended)" in text
    assert "every voter controls an equal share of the budget" in text.lower()
    assert "Greedy" in text and "The most popular projects first, until the money runs out" in text
    assert "Choose projects up to the budget (recommended)" in text
    for words in (BALLOT_TYPES, RULES, SATS):
        for name, description in words.values():
            assert str(name) in text and str(description) in text
    # One recommended choice per question, and each radio is tied to its sentence.
    assert text.count("(recommended)") >= 3
    assert 'aria-describedby="id_rule_0_description"' in page
    assert 'id="id_rule_0_description"' in page
    # The advanced settings fold away, and work without JavaScript (<details>).
    advanced = page[page.index("<summary>Advanced settings</summary>") :]
    assert 'name="sat"' in advanced and 'name="seal_batch_size"' in advanced
    assert "<details" in page[: page.index("<summary>Advanced settings</summary>")]


@pytest.mark.parametrize("where", ["new", "edit"])
def test_no_jargon_is_on_screen(
    client: Client, councillor_sam: Any, sparkbrook: Ward, draft_round: Round, where: str
) -> None:
    login(client, councillor_sam)
    url = "/rounds/new/sparkbrook/" if where == "new" else f"/rounds/{draft_round.pk}/edit/"
    page = body(client.get(url))
    text = visible_text(page).lower()
    for word in JARGON:
        assert word not in text, word
    # The codes themselves stay in the form's values, for the database and the API.
    assert 'value="mes-add1"' in page and 'value="cardinality"' in page


def test_a_round_made_from_the_forms_defaults_gets_the_recommended_choices(
    client: Client, councillor_sam: Any, sparkbrook: Ward
) -> None:
    login(client, councillor_sam)
    page = body(client.get("/rounds/new/sparkbrook/"))
    defaults = {name: checked(page, name) for name in ("ballot_type", "rule", "sat")}
    assert defaults == {"ballot_type": "knapsack", "rule": "mes-add1", "sat": "cost"}
    assert 'name="min_age" value="16"' in page and 'name="seal_batch_size" value="25"' in page
    post = {**ROUND_POST, **defaults}
    assert client.post("/rounds/new/sparkbrook/", post).status_code == 302
    round = Round.objects.get()
    assert (round.ballot_type, round.rule, round.sat) == (
        BallotType.KNAPSACK,
        Rule.MES_ADD1,
        Sat.COST,
    )
    assert RECOMMENDED["rule"] == Rule.MES_ADD1


def test_editing_shows_the_rounds_own_choice_not_the_recommendation(
    client: Client, councillor_sam: Any, draft_round: Round
) -> None:
    assert draft_round.rule == Rule.GREEDY
    login(client, councillor_sam)
    page = body(client.get(f"/rounds/{draft_round.pk}/edit/"))
    assert checked(page, "rule") == "greedy"


def test_an_error_in_the_advanced_settings_opens_them(
    client: Client, councillor_sam: Any, sparkbrook: Ward
) -> None:
    login(client, councillor_sam)
    page = body(client.post("/rounds/new/sparkbrook/", {**ROUND_POST, "seal_batch_size": "5"}))
    assert '<details class="details" open>\n    <summary>Advanced settings' in page
    assert not Round.objects.exists()


def test_a_refused_combination_names_rules_in_words(
    client: Client, councillor_sam: Any, sparkbrook: Ward
) -> None:
    login(client, councillor_sam)
    page = body(
        client.post(
            "/rounds/new/sparkbrook/", {**ROUND_POST, "ballot_type": "ranked", "rule": "mes-add1"}
        )
    )
    assert "cannot count ranked ballots. Choose one of: Greedy." in page
