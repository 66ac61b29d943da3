"""The restore drill (README "Production", Backups): pg_dump the database, restore the dump into a
fresh database, and verify the ledger and every published round from what the restored database
serves, with the standalone verifier. PostgreSQL only: the dump is PostgreSQL's own.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings
from django.db import connection
from django.test import Client

import audit
from ballots import services
from budgets.models import Round
from tests.audit.conftest import fetch, public_pem, raw_private
from tests.ballots.conftest import make_voting_round, project_ids
from tests.conftest import DECLARED
from wards.models import Ward

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

REPO = Path(__file__).resolve().parents[2]
K = 25

# Run against the restored database in a process of its own: the downloads a verifier takes.
DOWNLOAD = r"""
import sys
from pathlib import Path
import django
django.setup()
from django.test import Client
from budgets.models import Round
out = Path(sys.argv[1])
client = Client()

def get(url, name):
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    (out / name).write_bytes(body)

get("/audit/ledger.jsonl", "ledger.jsonl")
get("/audit/checkpoints.json", "checkpoints.json")
for rid in Round.objects.filter(phase="published").values_list("pk", flat=True):
    get(f"/rounds/{rid}/ballots.pb", f"{rid}-ballots.pb")
    get(f"/rounds/{rid}/result.json", f"{rid}-result.json")
"""


@pytest.fixture(autouse=True)
def _postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the restore drill needs PostgreSQL (set DATABASE_URL); SQLite has no pg_dump")
    if not (shutil.which("pg_dump") and shutil.which("pg_restore")):
        pytest.skip("pg_dump and pg_restore are not installed (apt-get install postgresql-client)")


def _pg_env() -> dict[str, str]:
    db = connection.settings_dict
    env = dict(os.environ)
    env.update(
        {
            "PGHOST": str(db.get("HOST") or "127.0.0.1"),
            "PGPORT": str(db.get("PORT") or 5432),
            "PGUSER": str(db.get("USER") or "postgres"),
        }
    )
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return env


@pytest.fixture
def restored_name() -> Iterator[str]:
    name = f"{connection.settings_dict['NAME']}_restored_{os.getpid()}"
    yield name
    subprocess.run(
        ["dropdb", "--if-exists", "--force", name], env=_pg_env(), check=False, capture_output=True
    )


def _published_round(ward: Ward) -> Round:
    round = make_voting_round(ward, scale=1000, seal_batch_size=K)
    audit.record(
        "round.settings_frozen",
        ward=ward,
        round=round,
        actor=audit.SYSTEM,
        payload={"settings": {"seal_batch_size": K}, "ballot": project_ids(round)},
    )
    ids = project_ids(round)
    for i, code in enumerate(services.issue_codes(round, K + 5)):
        chosen = sorted({ids[0], ids[i % 5]})  # the cheapest and one other fit the budget
        services.cast_ballot(round, chosen, code=code, declaration=DECLARED)
    services.close_round(round)
    services.publish_round(round)
    round.refresh_from_db()
    assert round.phase == "published"
    return round


def test_a_dump_restored_into_a_fresh_database_verifies(
    sparkbrook: Ward, signing_key: Ed25519PrivateKey, restored_name: str, tmp_path: Path
) -> None:
    round = _published_round(sparkbrook)
    live = Client()
    before = {
        "ledger.jsonl": fetch(live, "/audit/ledger.jsonl"),
        f"{round.pk}-result.json": fetch(live, f"/rounds/{round.pk}/result.json"),
        f"{round.pk}-ballots.pb": fetch(live, f"/rounds/{round.pk}/ballots.pb"),
    }

    # The backup, as README "Production" documents it.
    dump = tmp_path / "chest.dump"
    env = _pg_env()
    name = str(connection.settings_dict["NAME"])
    subprocess.run(["pg_dump", "--format=custom", f"--file={dump}", name], env=env, check=True)
    # The drill: a fresh database, the dump restored into it.
    subprocess.run(["createdb", restored_name], env=env, check=True)
    subprocess.run(
        ["pg_restore", "--exit-on-error", "--no-owner", f"--dbname={restored_name}", str(dump)],
        env=env,
        check=True,
    )

    out = tmp_path / "restored"
    out.mkdir()
    db = connection.settings_dict
    app_env = {
        **os.environ,
        "DATABASE_URL": (
            f"postgres://{env['PGUSER']}:{db.get('PASSWORD') or ''}@{env['PGHOST']}:"
            f"{env['PGPORT']}/{restored_name}"
        ),
        "DEBUG": "0",
        "LOCAL_SETTINGS_FILE": "",
        "SECURE_SSL_REDIRECT": "0",
        "AUDIT_SIGNING_KEY": raw_private(signing_key),
        "SECRET_KEY": str(settings.SECRET_KEY),
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    subprocess.run([sys.executable, "-c", DOWNLOAD, str(out)], env=app_env, cwd=REPO, check=True)
    for name, body in before.items():
        assert (out / name).read_bytes() == body, f"{name} differs after the restore"

    key = tmp_path / "key.pem"
    key.write_bytes(public_pem(signing_key))
    verify = [sys.executable, "-m", "audit.verify", "--no-progress", "--key", str(key)]
    whole = subprocess.run(
        [
            *verify,
            "--checkpoints",
            str(out / "checkpoints.json"),
            "--require-signed",
            str(out / "ledger.jsonl"),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert whole.returncode == 0, whole.stdout + whole.stderr
    published = sorted(out.glob("*-result.json"))
    assert [p.name for p in published] == [f"{round.pk}-result.json"]
    for result in published:
        rid = result.name.split("-", 1)[0]
        one = subprocess.run(
            [
                *verify,
                "--ballots",
                str(out / f"{rid}-ballots.pb"),
                "--result",
                str(result),
                str(out / "ledger.jsonl"),
            ],
            cwd=REPO,
            capture_output=True,
            text=True,
        )
        assert one.returncode == 0, one.stdout + one.stderr
