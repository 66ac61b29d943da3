"""Any title can be counted, published, verified and read back (issue 11, finding 6).

A title with a line break used to stop close_round for good (TallyError on every try), and a
U+2028 used to publish a ballots.pb that neither `python -m audit.verify` nor
`python -m ballots.tally` could read. Titles are now cleaned at input (wards.text) and again
where they cross into the tally core (build_profile), and the .pb writer and reader agree on
every character.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from audit.verify import main
from ballots import services
from ballots.tally import read_pb
from budgets import services as budget_services
from budgets.models import MAX_TITLE, Phase, Proposal, ProposalStatus, Round
from tests.audit.conftest import fetch
from tests.conftest import DECLARED
from wards.models import Ward
from wards.text import INVISIBLE, LINE_BREAKS, single_line

pytestmark = pytest.mark.django_db


def _open_round(ward: Ward) -> Round:
    return Round.objects.create(
        ward=ward, title="Sparkbrook chest", budget_pence=100_000, phase=Phase.PROPOSALS
    )


def _vote_close_publish_verify(round: Round, tmp_path: Path, capsys: Any) -> str:
    """Open voting, cast three ballots, close, publish; verify the downloads. Returns the .pb."""
    # Through the phase services (by=None: the scheduler), so the ledger's phase order is real.
    budget_services.change_phase(round, Phase.REVIEW, by=None)
    round.proposals.update(status=ProposalStatus.FEASIBLE)
    round = budget_services.change_phase(round, Phase.VOTING, by=None)
    ids = [p.pk for p in services.ballot_projects(round)]
    for code, selection in zip(
        services.issue_codes(round, 3), [ids[:1], ids[-1:], ids], strict=True
    ):
        services.cast_ballot(round, selection, code=code, declaration=DECLARED)
    services.close_round(round)
    services.publish_round(round)
    client = Client()
    files = {
        "round.jsonl": f"/rounds/{round.pk}/ledger.jsonl",
        "key.pem": "/audit/key",
        "checkpoints.json": "/audit/checkpoints.json",
        "ballots.pb": f"/rounds/{round.pk}/ballots.pb",
        "result.json": f"/rounds/{round.pk}/result.json",
    }
    for name, url in files.items():
        (tmp_path / name).write_bytes(fetch(client, url))
    status = main(
        [
            str(tmp_path / "round.jsonl"),
            *("--key", str(tmp_path / "key.pem")),
            *("--checkpoints", str(tmp_path / "checkpoints.json")),
            *("--ballots", str(tmp_path / "ballots.pb")),
            *("--result", str(tmp_path / "result.json")),
        ]
    )
    out = capsys.readouterr().out
    assert status == 0, out
    assert "published ballots match the sealed commitments" in out
    return (tmp_path / "ballots.pb").read_text(encoding="utf-8")


def _names(pb: str) -> list[str]:
    instance, _ = read_pb(pb)
    return sorted(p.name for p in instance.projects.values())


@pytest.mark.parametrize(
    "title", ["Lights\non the road", "Lights\u2028on the road", "\u202eLights"]
)
def test_a_title_stored_before_the_fix_no_longer_blocks_the_count(
    sparkbrook: Ward, tmp_path: Path, capsys: Any, title: str
) -> None:
    round = _open_round(sparkbrook)
    Round.objects.filter(pk=round.pk).update(title=f"Round\n{title}")
    for stored in (title, "Benches"):  # straight into the database, as old data would be
        Proposal.objects.create(
            round=round, title=stored, summary="s", description="d",
            estimated_cost_pence=40_000, cost_pence=40_000,
        )  # fmt: skip
    pb = _vote_close_publish_verify(round, tmp_path, capsys)
    assert _names(pb) == sorted([single_line(title), "Benches"])
    assert read_pb(pb)[0].meta["description"] == single_line(f"Round\n{title}")
    pabulib = pytest.importorskip("pabutools.election.pabulib")
    p_instance, p_profile = pabulib.parse_pabulib_from_string(pb)
    assert len(p_instance) == 2 and len(p_profile) == 3


TRICKY = [*sorted(LINE_BREAKS | INVISIBLE), "\t", "\x00", "\u00a0", ";", '"', "=", " "]
titles = st.one_of(
    st.text(),
    st.text(alphabet=st.sampled_from([*TRICKY, "a", "B", "é"]) | st.characters()),
    st.text(min_size=MAX_TITLE - 5, max_size=3 * MAX_TITLE),
    st.just("x" * 100_000),
)


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(title=titles)
def test_any_title_is_refused_clearly_or_counted_published_and_verified(
    sparkbrook: Ward, resident_alice: Any, tmp_path_factory: Any, capsys: Any, title: str
) -> None:
    round = _open_round(sparkbrook)
    try:
        proposal = budget_services.submit_proposal(
            round, by=resident_alice, title=title, summary="s", description="d",
            estimated_cost_pence=40_000,
        )  # fmt: skip
    except ValidationError as refusal:
        # Refused with a reason a resident can read (too long, or nothing visible left)...
        assert "title" in refusal.message_dict
        # ...and even if such a title reached the database, the count is not blocked
        # (PostgreSQL cannot store NUL at all).
        proposal = Proposal.objects.create(
            round=round, title=title[:MAX_TITLE].replace("\x00", ""), summary="s", description="d",
            estimated_cost_pence=40_000, cost_pence=40_000,
        )  # fmt: skip
    else:
        assert proposal.title == single_line(title)
    Proposal.objects.create(
        round=round, title="Benches", summary="s", description="d",
        estimated_cost_pence=30_000, cost_pence=30_000,
    )  # fmt: skip
    pb = _vote_close_publish_verify(round, tmp_path_factory.mktemp("pb"), capsys)
    assert _names(pb) == sorted([single_line(proposal.title), "Benches"])
