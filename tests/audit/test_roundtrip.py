"""Round trip: a whole demo round, run by the real services (proposals, reviews, ballots online
and on paper, close, publish), verifies from its public downloads alone."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client

from audit.verify import main
from tests.audit.conftest import fetch

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not (os.environ.get("AUDIT_ROUNDTRIP") or os.environ.get("DATABASE_URL")),
        reason="seeds the whole demo (a minute): runs on PostgreSQL or with AUDIT_ROUNDTRIP=1",
    ),
]


@pytest.mark.django_db
def test_a_published_demo_round_verifies_from_its_downloads(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from budgets.models import Round

    call_command("seed_demo", verbosity=0)
    published = Round.objects.filter(phase="published").first()
    assert published is not None
    client = Client()
    files = {
        "round.jsonl": f"/rounds/{published.pk}/ledger.jsonl",
        "ledger.jsonl": "/audit/ledger.jsonl",
        "key.pem": "/audit/key",
        "checkpoints.json": "/audit/checkpoints.json",
        "ballots.pb": f"/rounds/{published.pk}/ballots.pb",
        "result.json": f"/rounds/{published.pk}/result.json",
    }
    for name, url in files.items():
        (tmp_path / name).write_bytes(fetch(client, url))
    for ledger in ("round.jsonl", "ledger.jsonl"):
        status = main(
            [
                str(tmp_path / ledger),
                *("--key", str(tmp_path / "key.pem")),
                *("--checkpoints", str(tmp_path / "checkpoints.json")),
                *("--ballots", str(tmp_path / "ballots.pb")),
                *("--result", str(tmp_path / "result.json")),
            ]
        )
        out = capsys.readouterr().out
        assert status == 0, out
        assert "published ballots match the sealed commitments" in out
