"""The public audit pages and downloads: anyone may read them, nobody may post to them."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

import audit
from audit.canonical import ledger_line, subset_header
from audit.models import Event
from tests.audit.conftest import record_demo_round
from tests.conftest import login

COUNCILLOR = audit.Actor("councillor", "3f2a9c0d11e4b5a6c7d8")
PAGES = ["/audit/", "/audit/wards/sparkbrook/", "/audit/rounds/7/"]
DOWNLOADS = [
    "/audit/ledger.jsonl",
    "/rounds/7/ledger.jsonl",
    "/audit/checkpoints.json",
    "/audit/key",
]


def body(response: Any) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


@pytest.fixture
def demo(sparkbrook: Any, aston: Any) -> None:
    record_demo_round(round_id=7)


@pytest.fixture(params=["anonymous", "resident_alice", "councillor_bob", "auditor_carol"])
def visitor(request: pytest.FixtureRequest, client: Client) -> Client:
    if request.param != "anonymous":
        login(client, request.getfixturevalue(request.param))
    return client


@pytest.mark.django_db
def test_everyone_can_read_the_audit_trail(demo: None, visitor: Client) -> None:
    for url in PAGES + DOWNLOADS:
        response = visitor.get(url)
        assert response.status_code == 200, url
        assert body(response), url


@pytest.mark.django_db
def test_nothing_can_be_posted(demo: None, client: Client) -> None:
    for url in PAGES + DOWNLOADS:
        assert client.post(url).status_code == 405, url
        assert client.delete(url).status_code == 405, url
        assert client.head(url).status_code == 200, url


@pytest.mark.django_db
def test_the_round_page_tells_the_story_in_plain_words(demo: None, client: Client) -> None:
    html = client.get("/audit/rounds/7/").content.decode()
    assert "Audit trail for “Sparkbrook Community Chest 2026”" in html
    assert "Councillor 3f2a… opened voting" in html
    assert "4 ballots sealed" in html
    assert "3 ballots sealed (1 earlier ballot replaced by a new one)" in html
    assert "Resident 9b8c… submitted proposal #2 “Project 2”" in html
    assert "Elsewhere" not in html  # another round's event
    assert 'href="/rounds/7/ledger.jsonl"' in html


@pytest.mark.django_db
def test_the_ward_page_shows_only_that_ward(demo: None, client: Client) -> None:
    html = client.get("/audit/wards/aston/").content.decode()
    assert "Audit trail for Aston" in html
    assert "“Elsewhere”" in html
    assert "Project 2" not in html


@pytest.mark.django_db
def test_events_can_be_filtered_by_kind(demo: None, client: Client) -> None:
    html = client.get("/audit/", {"kind": "ballots.sealed"}).content.decode()
    assert "ballots sealed" in html
    assert "submitted proposal" not in html
    assert '<option value="ballots.sealed" selected>' in html
    html = client.get("/audit/", {"kind": "code.revoked"}).content.decode()
    assert "No “Voting code revoked” events are recorded here yet" in html


@pytest.mark.django_db
def test_pages_are_paginated_and_htmx_gets_only_the_list(sparkbrook: Any, client: Client) -> None:
    for n in range(60):
        audit.record(
            "proposal.edited", ward="sparkbrook", round=2, actor=COUNCILLOR, payload={"proposal": n}
        )
    first = client.get("/audit/rounds/2/").content.decode()
    assert "Page 1 of 2" in first
    assert "htmx" in first  # its page links fetch only the list (one page: no htmx loaded)
    assert "edited proposal #59" in first and "edited proposal #9<" not in first
    second = client.get("/audit/rounds/2/", {"page": 2}, HTTP_HX_REQUEST="true")
    html = second.content.decode()
    assert "edited proposal #9" in html
    assert "<html" not in html  # only the partial
    assert 'hx-get="?page=1"' in html and 'href="?page=1"' in html


@pytest.mark.django_db
def test_empty_states_are_helpful(sparkbrook: Any, client: Client) -> None:
    html = client.get("/audit/wards/sparkbrook/").content.decode()
    assert "Nothing has been recorded here yet" in html
    assert client.get("/audit/").status_code == 200


@pytest.mark.django_db
def test_unknown_ward_and_round_are_404(demo: None, client: Client) -> None:
    assert client.get("/audit/wards/atlantis/").status_code == 404
    assert client.get("/audit/rounds/999/").status_code == 404
    assert client.get("/rounds/999/ledger.jsonl").status_code == 404


@pytest.mark.django_db
def test_the_whole_ledger_is_streamed_line_by_line(demo: None, client: Client) -> None:
    response = client.get("/audit/ledger.jsonl")
    assert response.streaming
    assert response["Content-Type"].startswith("application/jsonl")
    expected = b"".join(ledger_line(e.body.encode(), e.hash) for e in Event.objects.order_by("seq"))
    assert body(response) == expected


@pytest.mark.django_db
def test_a_round_ledger_holds_only_that_round_after_a_header(demo: None, client: Client) -> None:
    lines = body(client.get("/rounds/7/ledger.jsonl")).splitlines(keepends=True)
    assert lines[0] == subset_header(7)
    rounds = {json.loads(x)["event"]["round"] for x in lines[1:]}
    assert rounds == {7}
    assert len(lines) - 1 == Event.objects.for_round(7).count()


@pytest.mark.django_db
def test_a_round_ledger_waits_until_the_round_closes(sparkbrook: Any, client: Client) -> None:
    audit.record("round.created", ward="sparkbrook", round=5, actor=COUNCILLOR, payload={})
    response = client.get("/rounds/5/ledger.jsonl")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/plain")
    assert b"Round 5 has not closed yet" in response.content
    html = client.get("/audit/rounds/5/").content.decode()
    assert "can be downloaded once the round closes" in html


@pytest.mark.django_db
def test_the_public_key_is_pem(demo: None, client: Client) -> None:
    from cryptography.hazmat.primitives import serialization

    response = client.get("/audit/key")
    assert response.content.startswith(b"-----BEGIN PUBLIC KEY-----")
    serialization.load_pem_public_key(response.content)
    assert (
        response["X-Key-Id"] == json.loads(client.get("/audit/checkpoints.json").content)["key_id"]
    )


@pytest.mark.django_db
def test_without_a_key_the_key_page_says_what_to_set(
    client: Client, monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    from audit import signing

    settings.AUDIT_SIGNING_KEY = ""
    monkeypatch.setattr(signing, "dev_key_allowed", lambda: False)
    response = client.get("/audit/key")
    assert response.status_code == 503
    assert b"AUDIT_SIGNING_KEY" in response.content
    assert json.loads(client.get("/audit/checkpoints.json").content)["key_id"] is None
