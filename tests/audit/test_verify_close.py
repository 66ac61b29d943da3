"""What closing puts in the ledger, checked by the verifier (issue 11, findings 9 and 11).

A round run by the real services: its ballots are sealed in batches of at least K (the last one
at close included), `round.closed` records only the result's hash (the winners are public only
with `result.published`), and the verifier checks both from the downloads.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

import audit
from audit.models import Event
from audit.verify import main
from ballots import counting, sealing, services
from budgets.models import Round
from tests.audit.conftest import fetch
from tests.ballots.conftest import make_voting_round, project_ids
from tests.conftest import DECLARED
from wards.models import Ward

K = 25


def _run_round(ward: Ward, n: int) -> Round:
    round = make_voting_round(ward, scale=1000, seal_batch_size=K)
    # The event the budgets app records when voting opens (the fixture sets the phase directly).
    audit.record(
        "round.settings_frozen",
        ward=ward,
        round=round,
        actor=audit.SYSTEM,
        payload={"settings": {"seal_batch_size": K}, "ballot": project_ids(round)},
    )
    ids = project_ids(round)
    for i, code in enumerate(services.issue_codes(round, n)):
        services.cast_ballot(round, [ids[i % 5]], code=code, declaration=DECLARED)
    return round


def _download(round: Round, tmp_path: Path) -> dict[str, Path]:
    client = Client()
    paths = {}
    for name, url in {
        "ledger": "/audit/ledger.jsonl",
        "ballots": f"/rounds/{round.pk}/ballots.pb",
        "result": f"/rounds/{round.pk}/result.json",
    }.items():
        paths[name] = tmp_path / url.rsplit("/", 1)[1]
        paths[name].write_bytes(fetch(client, url))
    return paths


def _verify(capsys: pytest.CaptureFixture[str], ledger: Path, files: dict[str, Path]) -> Any:
    status = main(
        [str(ledger), "--ballots", str(files["ballots"]), "--result", str(files["result"])]
    )
    return status, capsys.readouterr().out


@pytest.mark.django_db
def test_close_records_only_the_results_hash_and_seals_at_least_k(
    sparkbrook: Ward, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    round = _run_round(sparkbrook, 2 * K + 3)
    result = services.close_round(round)
    closed = Event.objects.get(round_id=round.pk, kind="round.closed")
    # Nothing about the outcome before publication: the hashes bind it, the winners wait.
    assert "selected" not in closed.payload and "spent" not in closed.payload
    assert closed.payload["result_sha256"] == result.result_sha256
    assert closed.payload["ballots_sha256"] == result.ballots_sha256
    for project in project_ids(round):
        assert f'"{project}"' not in json.dumps(closed.payload)
    seals = Event.objects.filter(round_id=round.pk, kind="ballots.sealed").order_by("seq")
    assert [len(e.payload["commitments"]) for e in seals] == [K, K + 3]

    services.publish_round(round)
    published = Event.objects.get(round_id=round.pk, kind="result.published")
    assert published.payload["selected"] == result.result_json["selected"]
    files = _download(round, tmp_path)
    status, out = _verify(capsys, files["ledger"], files)
    assert status == 0, out
    assert "2 sealed batch(es) in 1 round(s) hold at least their round's seal batch size" in out


@pytest.mark.django_db
def test_the_verifier_refuses_a_batch_smaller_than_k(
    sparkbrook: Ward,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A server sealing as before the fix (everything pending, nothing held back) leaves 3 for
    the seal at close: the verifier names that batch."""
    monkeypatch.setattr(
        sealing,
        "SEAL_HOLDING_BACK_SQL",
        services.SEAL_HOLDING_BACK_SQL.replace("ORDER BY commitment", "AND 1 = 0"),
    )
    round = _run_round(sparkbrook, 2 * K + 3)
    services.close_round(round)
    services.publish_round(round)
    seals = Event.objects.filter(round_id=round.pk, kind="ballots.sealed").order_by("seq")
    assert [len(e.payload["commitments"]) for e in seals] == [2 * K, 3]
    files = _download(round, tmp_path)
    status, out = _verify(capsys, files["ledger"], files)
    assert status == 1
    assert "lists 3 new commitment(s), fewer than the round's seal batch size K = 25" in out


@pytest.mark.django_db
def test_a_tiny_round_is_sealed_once_and_verifies(
    sparkbrook: Ward, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    round = _run_round(sparkbrook, 4)
    services.close_round(round)
    services.publish_round(round)
    seals = Event.objects.filter(round_id=round.pk, kind="ballots.sealed")
    assert [len(e.payload["commitments"]) for e in seals] == [4]
    files = _download(round, tmp_path)
    status, out = _verify(capsys, files["ledger"], files)
    assert status == 0, out


@pytest.mark.django_db
def test_a_result_swapped_after_close_is_caught_by_the_close_events_hash(
    sparkbrook: Ward, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Publication cannot bring another result than the one counted at close."""
    round = _run_round(sparkbrook, 6)
    result = services.close_round(round)
    swapped = dict(result.result_json, title="Another result")
    result.result_text = json.dumps(swapped, sort_keys=True, indent=1) + "\n"
    result.result_sha256 = counting.sha256_hex(result.result_text)
    result.save()
    services.publish_round(round)
    files = _download(round, tmp_path)
    status, out = _verify(capsys, files["ledger"], files)
    assert status == 1
    assert "result.json differs from the published file" in out
    assert "the round.closed event records" in out
