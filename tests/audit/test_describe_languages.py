"""The audit pages describe each ledger event in the reader's language, with plural forms, while
the ledger itself (its payloads, hashes and the downloaded bytes) stays exactly as recorded."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import translation

import audit
from audit import kinds
from audit.describe import describe
from tests.audit.test_describe import SAMPLES

COUNCILLOR = audit.Actor("councillor", "3f2a9c0d11e4b5a6c7d8")
RESIDENT = audit.Actor("resident", "9944ab01cd23")
LANGUAGES = ["ur", "pa", "bn", "pl", "ar"]


def ledger_bytes(client: Client) -> bytes:
    response = client.get("/audit/ledger.jsonl")
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.mark.django_db
def test_an_event_is_described_in_polish_and_urdu_and_the_ledger_is_unchanged(
    client: Client, sparkbrook: Any
) -> None:
    audit.record(
        kinds.PROPOSAL_SUBMITTED,
        ward=sparkbrook,
        round=7,
        actor=RESIDENT,
        payload={"proposal": 12, "title": "Play area"},
    )
    audit.record(
        kinds.CODES_ISSUED, ward=sparkbrook, round=7, actor=COUNCILLOR, payload={"count": 3}
    )
    before = ledger_bytes(client)
    client.cookies["django_language"] = "pl"
    page = client.get("/audit/rounds/7/").content.decode()
    assert "Mieszkaniec 9944… złożył propozycję nr 12 „Play area”" in page
    assert "Radny 3f2a… wydał 3 kody do głosowania" in page
    assert "submitted proposal" not in page and "issued 3 voting codes" not in page
    client.cookies["django_language"] = "ur"
    page = client.get("/audit/rounds/7/").content.decode()
    assert "رہائشی 9944… نے تجویز نمبر 12 “Play area” بھیجی" in page
    assert "کونسلر 3f2a… نے 3 ووٹنگ کوڈ جاری کیے" in page
    # The ledger is bytes recorded once: reading it in another language changes none of them.
    assert ledger_bytes(client) == before
    assert b"Play area" in before and "wydał".encode() not in before


@pytest.mark.parametrize(
    ("count", "polish"),
    [(1, "wydał 1 kod do"), (3, "wydał 3 kody do"), (5, "wydał 5 kodów do"), (22, "22 kody")],
)
def test_counts_take_the_languages_plural_forms(count: int, polish: str) -> None:
    with translation.override("pl"):
        sentence = describe(kinds.CODES_ISSUED, {"count": count}, "councillor", "3f2a9c")
    assert polish in sentence


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(("kind", "payload", "english"), SAMPLES)
def test_every_sentence_is_translated(
    language: str, kind: str, payload: dict[str, Any], english: str
) -> None:
    with translation.override(language):
        sentence = describe(kind, payload, "councillor", "3f2a9c0d11e4")
    assert sentence and sentence != english
    for word in ("created", "reviewed", "merged", "issued", "entered", "accepted", "signed"):
        assert word not in sentence, sentence
