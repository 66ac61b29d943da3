"""Money on the ballot and the results page is written the way each language writes it, while
everything stored or downloaded reads the same whatever language the person was reading."""

from __future__ import annotations

import io
import json
import re

import openpyxl
import pytest
from django.test import Client
from django.utils import translation

from audit.models import Event
from ballots import services
from ballots.models import Result
from ballots.voting_codes import letters_html
from budgets.models import Phase, Round
from budgets.services.notices import queue_phase_notice
from tests.ballots.conftest import make_voting_round, project_ids
from tests.conftest import DECLARED
from wards import notices
from wards.models import OutboundEmail, Ward, WardSubscription
from wards.templatetags.money import number

pytestmark = pytest.mark.django_db

NBSP, RLM = "\u00a0", "\u200f"
LANGUAGES = ["en-gb", "ur", "pa", "bn", "pl", "ar"]

# How each language writes £100,000, £37,500 and £62,500 on a page: CLDR's separators and sign
# placement, Western digits, the pound sign; set apart with <bdi> on right-to-left pages.
MONEY = {
    "en-gb": ("£100,000", "£37,500", "£62,500"),
    "ur": ("<bdi>£100,000</bdi>", "<bdi>£37,500</bdi>", "<bdi>£62,500</bdi>"),
    "pa": ("£1,00,000", "£37,500", "£62,500"),
    "bn": ("1,00,000£", "37,500£", "62,500£"),
    "pl": (f"100{NBSP}000{NBSP}£", f"37{NBSP}500{NBSP}£", f"62{NBSP}500{NBSP}£"),
    "ar": (
        f"<bdi>{RLM}100,000{NBSP}£</bdi>",
        f"<bdi>{RLM}37,500{NBSP}£</bdi>",
        f"<bdi>{RLM}62,500{NBSP}£</bdi>",
    ),
}


def _published(ward: Ward, *, language: str = "en-gb") -> Round:
    """Two voters choose A and B (£62,500 together), one chooses C; greedy funds A and B.
    Closed and published while `language` is active, as from a councillor's page in it."""
    round = make_voting_round(ward)
    a, b, c, *_ = project_ids(round)
    codes = services.issue_codes(round, 3)
    for code, chosen in zip(codes, [[a, b], [a, b], [c]], strict=True):
        services.cast_ballot(round, chosen, code=code, declaration=DECLARED)
    with translation.override(language):
        services.close_round(round)
        services.publish_round(round)
    return round


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_ballot_writes_money_in_the_voter_s_language(
    client: Client, sparkbrook: Ward, language: str
) -> None:
    round = make_voting_round(sparkbrook)
    page = client.get(
        f"/rounds/{round.pk}/vote/", headers={"accept-language": language}
    ).content.decode()
    budget, cost, _ = MONEY[language]
    assert f'<html lang="{language}"' in page
    assert budget in page  # the budget, in the instructions and the running total
    assert cost in page  # project B's cost, beside its tick box
    if language not in ("en-gb", "ur"):  # no amount left in the English form
        assert "£100,000" not in page


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_results_page_writes_money_in_the_chosen_language(
    client: Client, sparkbrook: Ward, language: str
) -> None:
    round = _published(sparkbrook)
    client.cookies["django_language"] = language  # the switcher's choice
    page = client.get(f"/rounds/{round.pk}/results/").content.decode()
    budget, left_over, spent = MONEY[language]
    assert f'<html lang="{language}"' in page
    assert spent in page and budget in page
    # The money left over is said in a sentence built in Python: no <bdi> there, the same form.
    plain_left_over = re.sub(r"</?bdi>", "", left_over)
    assert plain_left_over in page
    # The chart's geometry stays in SVG numbers (a Polish or Arabic decimal comma would break it).
    svg = page[page.index("<svg") : page.index("</svg>")]
    assert not re.search(r'(?:width|x|y)="\d+,\d', svg)


def test_a_count_in_polish_groups_thousands_with_a_space(client: Client, sparkbrook: Ward) -> None:
    round = _published(sparkbrook)
    with translation.override("pl"):
        assert number(12_345) == f"12{NBSP}345"
    page = client.get(
        f"/rounds/{round.pk}/results/", headers={"accept-language": "pl"}
    ).content.decode()
    assert '<td class="num">2</td>' in page  # A's votes in the auditors' table


def _downloads(client: Client, round: Round, language: str) -> dict[str, bytes]:
    headers = {"accept-language": language}
    client.cookies["django_language"] = language
    paths = [
        f"/rounds/{round.pk}/result.json",
        f"/rounds/{round.pk}/result.csv",
        f"/rounds/{round.pk}/ballots.pb",
        f"/rounds/{round.pk}/ledger.jsonl",
        "/dashboard.csv",
        f"/api/v1/rounds/{round.pk}/result/",
    ]
    out = {}
    for path in paths:
        answer = client.get(path, headers=headers)
        assert answer.status_code == 200, path
        out[path] = b"".join(answer.streaming_content) if answer.streaming else answer.content
    sheet = client.get("/dashboard.xlsx", headers=headers)
    book = openpyxl.load_workbook(io.BytesIO(sheet.content))
    out["/dashboard.xlsx"] = json.dumps(
        [[c for row in ws.iter_rows(values_only=True) for c in row] for ws in book], default=str
    ).encode()
    return out


def test_stored_and_downloaded_results_are_the_same_in_every_language(
    client: Client, sparkbrook: Ward
) -> None:
    # Closed and published from an Arabic page: nothing stored may carry its number forms.
    round = _published(sparkbrook, language="ar")
    english = _downloads(client, round, "en-gb")
    for language in LANGUAGES[1:]:
        assert _downloads(client, round, language) == english, language
    stored = [json.dumps(e.payload, ensure_ascii=False) + e.body for e in Event.objects.all()]
    stored.append(json.dumps(Result.objects.get(round=round).result_json, ensure_ascii=False))
    stored.extend(text.decode() for path, text in english.items() if path != "/dashboard.xlsx")
    for text in stored:
        assert NBSP not in text and RLM not in text and "UK£" not in text
        # Amounts, where there are any, in the ledger's one form: £62,500 or £1,234.50.
        for amount in re.findall(r"£[\d,.]+\d", text):
            assert re.fullmatch(r"£\d{1,3}(,\d{3})*(\.\d\d)?", amount), amount


def test_letters_and_emails_write_money_in_their_own_language(sparkbrook: Ward) -> None:
    """A letter is printed in the language chosen for it, an email in its subscriber's, whatever
    language the councillor's page is in."""

    round = make_voting_round(sparkbrook)
    with translation.override("en-gb"):
        letter = letters_html(round, ["ABCD-EFGH"], base_url="http://x", language="pl")
    assert f"100{NBSP}000{NBSP}£" in letter and "£100,000" not in letter
    for address, language in [("p@example.org", "pl"), ("b@example.org", "bn")]:
        notices.subscribe(sparkbrook, address)
        subscription = WardSubscription.objects.get(email=address)
        notices.confirm(notices.confirm_token(subscription))
        WardSubscription.objects.filter(pk=subscription.pk).update(language=language)
    OutboundEmail.objects.all().delete()
    round.phase = Phase.VOTING
    with translation.override("ar"):
        assert queue_phase_notice(round) == 2
    bodies = {e.subscription.language: e.body for e in OutboundEmail.objects.all()}
    assert f"100{NBSP}000{NBSP}£" in bodies["pl"]
    assert "1,00,000£" in bodies["bn"]
