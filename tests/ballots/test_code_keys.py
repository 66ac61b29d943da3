"""Voting-code keys: shared by every process of a checkout, pinned per round, rotatable.

Before: `make demo` seeded and served in two processes with two throwaway keys, so every printed
code was refused, and a restart changed every signed-in resident's register key (a second vote).
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from ballots import codes, services
from ballots.models import Ballot, BallotStatus, Voter
from budgets.models import Round
from tests.ballots.conftest import make_voting_round, project_ids
from tests.conftest import DECLARED
from wards.models import Ward

REPO = Path(__file__).resolve().parents[2]
OLD = b"the 2025 key: thirty-two characters or more"
NEW = b"the 2026 key: also thirty-two characters or more"


def _rotate(settings: Any) -> None:
    """What an operator does: a new current key, the old one moved to VOTING_CODE_OLD_KEYS."""
    settings.VOTING_CODE_KEY_ID = "2026a"
    settings.VOTING_CODE_KEYS = {"2026a": NEW, "2025a": OLD}


@pytest.fixture
def keyring_2025(settings: Any) -> None:
    settings.VOTING_CODE_KEY_ID = "2025a"
    settings.VOTING_CODE_KEYS = {"2025a": OLD}


def test_a_round_pins_the_key_it_first_uses(keyring_2025: None, sparkbrook: Ward) -> None:
    round = make_voting_round(sparkbrook)
    assert round.code_key_id == ""
    services.issue_codes(round, 2)
    assert Round.objects.get(pk=round.pk).code_key_id == "2025a"


def test_rotating_the_key_keeps_codes_and_register_keys_of_a_round_under_way(
    keyring_2025: None, settings: Any, voting_round: Round, resident_alice: Any
) -> None:
    ids = project_ids(voting_round)
    issued = services.issue_codes(voting_round, 3)
    by_code = services.cast_ballot(voting_round, [ids[0]], code=issued[0], declaration=DECLARED)
    by_account = services.cast_ballot(
        voting_round, [ids[0]], user=resident_alice, declaration=DECLARED
    )
    register = set(Voter.objects.values_list("key", flat=True))

    _rotate(settings)  # a restart with the new keyring: every object is read afresh
    round = Round.objects.get(pk=voting_round.pk)
    again_by_code = services.cast_ballot(round, [ids[1]], code=issued[0], declaration=DECLARED)
    again_by_account = services.cast_ballot(
        round, [ids[1]], user=resident_alice, declaration=DECLARED
    )
    fresh_code = services.cast_ballot(round, [ids[1]], code=issued[1], declaration=DECLARED)

    assert again_by_code.replaced and again_by_account.replaced and not fresh_code.replaced
    assert set(Voter.objects.values_list("key", flat=True)) >= register
    assert Voter.objects.count() == 3
    live = Ballot.objects.filter(round=round, status=BallotStatus.LIVE)
    assert live.count() == 3
    assert {services.receipt_status(c.receipt).status for c in (by_code, by_account)} == {
        "replaced"
    }
    # A round that starts after the rotation takes the new key.
    later = make_voting_round(voting_round.ward, title="Later")
    services.issue_codes(later, 1)
    assert Round.objects.get(pk=later.pk).code_key_id == "2026a"


def test_a_round_whose_key_is_gone_says_which_key_to_restore(
    keyring_2025: None, settings: Any, voting_round: Round
) -> None:
    issued = services.issue_codes(voting_round, 1)
    settings.VOTING_CODE_KEY_ID = "2026a"
    settings.VOTING_CODE_KEYS = {"2026a": NEW}  # the old key dropped instead of moved
    round = Round.objects.get(pk=voting_round.pk)
    with pytest.raises(codes.UnknownCodeKey, match=r"'2025a'.*VOTING_CODE_OLD_KEYS") as excinfo:
        services.cast_ballot(round, [project_ids(round)[0]], code=issued[0], declaration=DECLARED)
    assert NEW.decode() not in str(excinfo.value)


# --- Several processes ----------------------------------------------------------------------

SETUP = """
from ballots import services
from tests.ballots.conftest import make_voting_round
from tests.conftest import make_user
from wards.models import Membership, Role, Ward
ward = Ward.objects.create(name="Sparkbrook", slug="sparkbrook", chest_pence=10_000_000)
Membership.objects.create(user=make_user("alice"), ward=ward, role=Role.RESIDENT)
print(make_voting_round(ward).pk)
"""

CAST_SIGNED_IN = """
import os
from django.contrib.auth import get_user_model
from ballots import services
from budgets.models import Round
from tests.ballots.conftest import project_ids
from tests.conftest import DECLARED
round = Round.objects.get(pk=int(os.environ["CAST_ROUND"]))
alice = get_user_model().objects.get(username="alice")
cast = services.cast_ballot(round, [project_ids(round)[0]], user=alice, declaration=DECLARED)
print("replaced" if cast.replaced else "first")
"""

CAST = """
import os
from ballots import services
from budgets.models import Round
from tests.ballots.conftest import project_ids
from tests.conftest import DECLARED
round = Round.objects.get(pk=int(os.environ["CAST_ROUND"]))
try:
    cast = services.cast_ballot(
        round, [project_ids(round)[0]], code=os.environ["CAST_CODE"], declaration=DECLARED
    )
except Exception as exc:
    print("refused:", exc)
else:
    print("cast:", cast.receipt)
"""


def _env(tmp_path: Path, local_file: Path | None, **extra: str) -> dict[str, str]:
    """A shell where nothing is exported: no SECRET_KEY, no VOTING_CODE_KEY, no DEBUG."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SECRET_KEY", "VOTING_CODE", "AUDIT_SIGNING", "DEBUG", "PYTEST"))
        and k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    env["LOCAL_SETTINGS_FILE"] = str(local_file) if local_file else ""
    env.update(extra)
    return env


def _manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout.strip().splitlines()[-1]  # `shell` may say what it imported first


@pytest.mark.slow
def test_codes_issued_by_one_process_vote_in_another(tmp_path: Path) -> None:
    """The README's walk: `make demo` wrote var/local.env, then `manage.py issue_codes` in the
    same checkout, with nothing exported, issues codes the server (another process) accepts."""
    local, elsewhere = tmp_path / "local.env", tmp_path / "another-checkout.env"
    for path in (local, elsewhere):
        subprocess.run(
            [sys.executable, "-m", "config.local_settings", str(path)], cwd=REPO, check=True
        )
        assert path.stat().st_mode & 0o777 == 0o600
    env = _env(tmp_path, local)
    _ok(_manage(env, "migrate", "--no-input"))
    round_id = _ok(_manage(env, "shell", "-c", SETUP))
    _ok(_manage(env, "issue_codes", round_id, "--count", "3", "--out", str(tmp_path / "c.csv")))
    issued = [row[0] for row in list(csv.reader((tmp_path / "c.csv").open()))[1:]]
    assert len(issued) == 3

    # The server is another process (DEBUG on, as `make demo` runs it): the code votes.
    server = _env(tmp_path, local, DEBUG="1", CAST_ROUND=round_id, CAST_CODE=issued[0])
    said = _ok(_manage(server, "shell", "-c", CAST))
    assert said.startswith("cast:"), said

    # A server with other secrets (before: every process had its own throwaway key) refuses it.
    other = _env(tmp_path, elsewhere, DEBUG="1", CAST_ROUND=round_id, CAST_CODE=issued[1])
    said = _ok(_manage(other, "shell", "-c", CAST))
    assert said.startswith("refused:"), said
    # A signed-in resident votes, the server restarts (a new process), she votes again: her
    # ballot is replaced, never a second one (before: each process had its own register key).
    said = [_ok(_manage(server, "shell", "-c", CAST_SIGNED_IN)) for _ in range(2)]
    assert said == ["first", "replaced"]

    # Generating again keeps the file: the checkout's codes stay valid.
    before = local.read_text()
    subprocess.run(
        [sys.executable, "-m", "config.local_settings", str(local)], cwd=REPO, check=True
    )
    assert local.read_text() == before


def test_production_settings_without_a_voting_code_key_refuse_to_start(tmp_path: Path) -> None:
    env = _env(tmp_path, None, SECRET_KEY="x" * 64, AUDIT_SIGNING_KEY="")
    result = _manage(env, "check")
    assert result.returncode != 0
    assert "VOTING_CODE_KEY is not set" in result.stderr
    # With a key carrying an id, the same settings start.
    env["VOTING_CODE_KEY"] = "2026a:" + "k" * 40
    _ok(_manage(env, "check"))
