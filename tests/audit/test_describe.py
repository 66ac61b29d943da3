"""Every known kind reads as a sentence; unknown kinds and odd payloads never break a page."""

from __future__ import annotations

import pytest

from audit.describe import KIND_LABELS, describe, when

SAMPLES = [
    (
        "round.created",
        {"title": "Ladypool 2026"},
        "Councillor 3f2a… created the budget round “Ladypool 2026”",
    ),
    ("round.phase_changed", {"to": "voting"}, "Councillor 3f2a… opened voting"),
    ("round.phase_changed", {"to": "closed"}, "Councillor 3f2a… closed voting"),
    ("round.settings_frozen", {}, "Councillor 3f2a… froze the ballot settings for voting"),
    (
        "proposal.reviewed",
        {"proposal": 4, "decision": "rejected"},
        "Councillor 3f2a… reviewed proposal #4 and rejected it",
    ),
    (
        "proposal.merged",
        {"merged": [3, 5], "into": 2},
        "Councillor 3f2a… merged proposals #3, #5 into #2",
    ),
    ("codes.issued", {"count": 250}, "Councillor 3f2a… issued 250 voting codes"),
    ("ballots.sealed", {"commitments": ["a"] * 25, "superseded": []}, "25 ballots sealed"),
    (
        "paper_batch.entered",
        {"batch": "B7", "count": 40},
        "Councillor 3f2a… entered paper batch B7 of 40 paper ballots",
    ),
    (
        "paper_batch.rejected",
        {"batch": "B7", "reason": "totals differ"},
        "Councillor 3f2a… rejected paper batch B7: totals differ",
    ),
    (
        "paper_batch.accepted",
        {"batch": 7, "polling_place": "Ladypool Library"},
        "Councillor 3f2a… accepted paper batch 7 (Ladypool Library)",
    ),
    (
        "proposal.merged",
        {"proposal": 3, "title": "Benches", "merged_into": 2},
        "Councillor 3f2a… merged proposal #3 “Benches” into #2",
    ),
    (
        "round.updated",
        {"changed": {"budget_pence": 100, "closes_at": "x"}, "reason": ""},
        "Councillor 3f2a… changed the round's settings: budget, closes at",
    ),
    (
        "round.closed",
        {"result_sha256": "ab" * 32, "turnout": {"online": 3, "paper": 1, "total": 4}},
        "Councillor 3f2a… closed the round (4 voters), sealed its last ballots and recorded "
        "a fingerprint of the result, which stays private until it is published",
    ),
    (
        "result.published",
        {"selected": ["1", "2"]},
        "Councillor 3f2a… published the result: 2 projects funded",
    ),
    (
        "checkpoint.signed",
        {"seq": 41, "reason": "round closed"},
        "The ledger was signed up to event #41 (when the round closed)",
    ),
    ("ward.renamed", {}, "Councillor 3f2a… recorded “ward.renamed”"),
]


@pytest.mark.parametrize(("kind", "payload", "sentence"), SAMPLES)
def test_sentences(kind: str, payload: dict, sentence: str) -> None:
    assert describe(kind, payload, "councillor", "3f2a9c0d11e4") == sentence


@pytest.mark.parametrize("kind", list(KIND_LABELS))
@pytest.mark.parametrize("payload", [{}, None, {"proposal": None, "commitments": "x", "to": 3}])
def test_every_kind_survives_any_payload(kind: str, payload: object) -> None:
    assert describe(kind, payload, "system", "system")


def test_times_are_plain() -> None:
    assert when("2026-11-24T23:41:33Z") == "24 Nov 2026, 23:41 UTC"
    assert when("2026-11-24") == "24 Nov 2026"
    assert when("garbage") == "garbage"


def test_every_kind_of_event_has_one_name_and_a_label() -> None:
    """audit.kinds names every kind the apps record; each has plain words on the audit pages."""
    import re
    from pathlib import Path

    from audit import kinds
    from audit.describe import KIND_LABELS

    assert set(KIND_LABELS) == kinds.ALL
    root = Path(__file__).resolve().parents[2]
    for app in ("audit", "wards", "budgets", "ballots"):
        for path in (root / app).rglob("*.py"):
            if "migrations" in path.parts or path.name == "kinds.py":
                continue
            text = path.read_text()
            # Every kind is recorded through its name in audit.kinds, never a string literal.
            assert not re.search(r'(?:record|append)\(\s*"[a-z_]+\.[a-z_]+"', text), path
