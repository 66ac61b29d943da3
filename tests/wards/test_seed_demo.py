from __future__ import annotations

import re
from collections import Counter
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from audit.models import Event
from audit.verify import check_phase_order
from ballots import services as ballot_services
from ballots.models import Ballot, Result
from budgets.models import PHASE_ORDER, Phase, Proposal, Round
from wards.models import Membership, Role, Ward

pytestmark = pytest.mark.django_db(transaction=False)

ROOT = Path(__file__).resolve().parents[2]
# The modules whose functions record ledger events (the services, the postcode loader, signing).
EMITTERS = ["budgets/services/*.py", "wards/postcodes.py", "wards/services.py", "audit/signing.py"]
# ballots/services.py only re-exports the ballots modules that do the work.
EMITTERS += [f"ballots/{name}.py" for name in ("casting", "voting_codes", "sealing", "paper")]
EMITTERS.append("ballots/early_close.py")
EMITTERS.append("ballots/lifecycle.py")
EMITTERS.append("ballots/test_count.py")
EMITTERS.append("delivery/services.py")
DEMO_MODULES = ["budgets/demo.py", "ballots/demo.py", "wards/demo.py"]
DEMO_MODULES.append("wards/management/commands/seed_demo.py")
DEMO_MODULES.append("delivery/demo.py")


def kinds_the_services_emit() -> set[str]:
    from audit import kinds as names

    found: set[str] = set()
    for pattern in EMITTERS:
        for path in ROOT.glob(pattern):
            text = path.read_text()
            for name in re.findall(r"(?:record|append)\(\s*kinds\.([A-Z_]+)", text):
                found.add(getattr(names, name))
    return found


def state() -> tuple[int, ...]:
    return (
        Round.objects.count(),
        Proposal.objects.count(),
        Ballot.objects.count(),
        Result.objects.count(),
        Event.objects.count(),
        Event.objects.order_by("-seq").values_list("seq", flat=True).first() or 0,
    )


def test_the_demo_has_birminghams_wards_and_their_councillors() -> None:
    """The wards and people alone (no rounds): quick to seed, so counted on their own."""
    from wards.demo import seed_wards_and_people

    seed_wards_and_people(lambda line: None)
    assert Ward.objects.count() == 40
    assert set(Ward.objects.values_list("chest_pence", flat=True)) == {10_000_000}
    assert Membership.objects.filter(role=Role.COUNCILLOR).count() == 120
    sparkbrook = Ward.objects.get(slug="sparkbrook")
    assert list(sparkbrook.neighbourhoods.values_list("name", flat=True)) == ["Balsall Heath"]


def test_seed_demo_is_idempotent_walkable_and_a_real_history() -> None:
    """One full seeding (the slowest step of the suite) serves every whole-demo check."""
    out, again = StringIO(), StringIO()
    call_command("seed_demo", stdout=out)
    before = state()
    call_command("seed_demo", stdout=again)
    assert state() == before  # nothing changed, no ledger event added
    _the_ledger_is_the_services_history_in_phase_order()
    text = out.getvalue()
    assert "Sign in" in text
    assert "cllr-sparkbrook-1" in text

    # The README's walk: Sparkbrook open for voting with printed demo codes (the same each run)
    # that vote; Balsall Heath taking proposals; Aston in review; Edgbaston published.
    spark = Round.objects.get(title="Sparkbrook Community Chest 2026")
    printed = re.search(rf"/rounds/{spark.pk}/vote/ with a demo code: (.+)", text)
    assert printed is not None
    assert printed.group(0) in again.getvalue()
    assert spark.phase == Phase.VOTING
    code = printed.group(1).split(", ")[0]
    project = ballot_services.ballot_projects(spark)[0]
    cast = ballot_services.cast_ballot(
        spark, [project.pk], code=code, declaration=ballot_services.Declaration("live", True)
    )
    assert not cast.replaced  # a code the seeding issued and never used
    # The demo's voting rounds show a passed test count on the voting desk.
    from django.test import Client

    councillor = Membership.objects.filter(ward=spark.ward, role=Role.COUNCILLOR).first()
    assert councillor is not None
    desk = Client()
    desk.force_login(councillor.user)
    page = desk.get(f"/rounds/{spark.pk}/voting-desk/").content.decode()
    assert "Test count passed on" in page and "Deck SHA-256" in page
    assert Round.objects.get(neighbourhood__slug="balsall-heath").phase == Phase.PROPOSALS
    assert Round.objects.get(ward__slug="aston").phase == Phase.REVIEW
    assert Round.objects.get(ward__slug="hall-green").phase == Phase.CLOSED
    edgbaston = Round.objects.get(ward__slug="edgbaston")
    assert edgbaston.phase == Phase.PUBLISHED
    assert Result.objects.get(round=edgbaston).published_at is not None
    # Every phase of the lifecycle, the optional support phase too; the demo cancels no round.
    assert set(Round.objects.values_list("phase", flat=True)) == {*PHASE_ORDER, Phase.SUPPORT}
    _the_published_round_has_delivery_records(edgbaston)


def _the_published_round_has_delivery_records(round: Round) -> None:
    """Edgbaston's funded projects: pledges, milestones, spending, hours and photos."""
    from django.core.files.storage import default_storage

    from budgets.models import Pledge
    from delivery import pages

    summary = pages.round_delivery(round)
    assert summary is not None and summary.projects
    assert summary.delivered >= 1 and summary.in_progress >= 1
    assert summary.unspent is not None
    assert summary.pledged_hours > 0 and summary.hours_delivered > 0
    photos = [u for p in summary.projects for u in p.updates if u.photo]
    assert photos and all(default_storage.exists(u.photo.name) for u in photos)
    assert any(p.milestones for p in summary.projects)
    assert Pledge.objects.filter(proposal__round=round).exists()


def _the_ledger_is_the_services_history_in_phase_order() -> None:
    events = list(Event.objects.order_by("seq"))
    unknown = {e.kind for e in events} - kinds_the_services_emit()
    assert not unknown, f"kinds no service records: {unknown}"
    bodies = [(e.seq, {"kind": e.kind, "round": e.round_id, "payload": e.payload}) for e in events]
    assert check_phase_order(bodies) is None
    edgbaston = Round.objects.get(ward__slug="edgbaston")
    kinds = [e.kind for e in events if e.round_id == edgbaston.pk]
    steps = [
        e.payload["to"]
        for e in events
        if e.round_id == edgbaston.pk and e.kind == "round.phase_changed"
    ]
    assert steps == ["proposals", "review", "voting", "closed", "published"]
    # Every round that reached voting had its test count pass first, on the settings it froze.
    before_voting = [Phase.DRAFT, Phase.PROPOSALS, Phase.REVIEW, Phase.SUPPORT]
    for round in Round.objects.exclude(phase__in=before_voting):
        of_round = [e.kind for e in events if e.round_id == round.pk]
        assert "round.test_count_failed" not in of_round
        assert of_round.index("round.test_count_passed") < of_round.index("round.settings_frozen")
    closed, published = kinds.index("round.closed"), kinds.index("result.published")
    assert kinds.index("ballots.sealed") < closed < published
    assert "ballots.sealed" not in kinds[closed:]
    assert Counter(kinds)["paper_batch.entered"] == 2  # two different people entered the batch
    assert Counter(kinds)["result.publication_requested"] == 1  # asked by one, approved by another
    actors = {
        e.actor_id for e in events if e.round_id == edgbaston.pk and e.kind == "paper_batch.entered"
    }
    assert len(actors) == 2


def test_the_demo_code_writes_no_ledger_event_and_no_ledger_model_itself() -> None:
    ledger_models = r"(Round|Proposal|Review|VotingCode|Voter|Ballot|PaperBatch|PaperEntry|Result)"
    for name in DEMO_MODULES:
        text = (ROOT / name).read_text()
        assert "audit.record" not in text and "record(" not in text, name
        assert "Event" not in text, name
        assert not re.search(ledger_models + r"\.objects\.(create|bulk_create|update)", text), name
        assert not re.search(r"\.(update|bulk_create|delete)\(", text), name
